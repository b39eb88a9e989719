"""Each role's start screen. Later capabilities fill these in; each says plainly what it will hold."""
from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from kcc.core import audit
from kcc.contacts import intake
from kcc.queues import operations as queues
from kcc.callbacks import operations as tasks
from kcc.web.access import roles, staff
from kcc.core.errors import ValidationError
from kcc.content.domains import DAYS
from kcc.models import Contact, Domain, Staff, Topic
from kcc.web.templating import start_endpoint
from kcc.core.timeutil import local, utcnow
from kcc.policy import may_see
from kcc.web.request import client_origin, db, render, settings, translate
from kcc.web.request import router as web_router

bp = Blueprint("home", __name__, template_folder="templates")


def _active_domains():
    return db().scalars(select(Domain).where(Domain.active.is_(True)).order_by(Domain.position)).all()


@bp.get("/")
@staff
def index():
    return redirect(url_for(start_endpoint(current_user)))


@bp.get("/geen-rol")
@staff
def no_role():
    return render("home/no_role.html")


@bp.get("/lobby")
@roles("host")
def lobby():
    """For the host: check a visitor in for a counter topic, and what a visitor brings per topic."""
    return render("home/lobby.html", **_lobby_context(ticket_id=request.args.get("volgnummer", type=int)))


def _lobby_context(ticket_id: int | None = None, errors: dict | None = None, values: dict | None = None) -> dict:
    today = DAYS[local(utcnow()).weekday()]
    topics = defaultdict(list)
    for topic in db().scalars(select(Topic).where(Topic.active.is_(True), Topic.counter.is_(True)).order_by(Topic.name)):
        topics[topic.domain_id].append(topic)
    ticket = wait = None
    if ticket_id:
        ticket = db().get(Contact, ticket_id)
        if ticket is None or ticket.channel != "counter" or not may_see(current_user, ticket):
            ticket = None
        else:
            _position, wait = queues.position_and_wait(db(), ticket, utcnow())
    return {"domains": _active_domains(), "topics": topics, "today": today, "ticket": ticket, "wait": wait,
            "errors": errors or {}, "values": values or {}}


@bp.post("/lobby/aanmelden")
@roles("host")
def check_in():
    """A walk-in visitor gets a ticket for a counter topic; the prerequisites are told before they sit down."""
    values = {key: request.form.get(key, "") for key in ("topic", "name", "language")}
    domain, _, topic = values["topic"].partition("/")
    try:
        data = intake.parse_contact({"channel": "counter", "domain": domain or None, "topic": topic or None,
                                     "language": values["language"] or "nl",
                                     "citizen": {"name": values["name"] or None}})
        received = intake.receive(db(), data, web_router(), settings().queue, utcnow(), actor=current_user)
    except ValidationError as error:
        db().rollback()
        problems = {("topic" if field in ("domain", "topic", "channel") else field.replace("citizen.", "")):
                    translate(message) for field, message in error.fields.items()}
        return render("home/lobby.html", **_lobby_context(errors=problems, values=values)), 422
    audit.record(db(), "contact.create", "ok", actor=current_user, object_type="contact",
                 object_id=str(received.contact.id), origin=client_origin(), detail="counter check-in")
    db().commit()
    return redirect(url_for("home.lobby", volgnummer=received.contact.id))


@bp.get("/vloer")
@roles("lead")
def floor():
    """For the floor lead: the queues live (waiting, longest wait, service level) and who is on which domain."""
    now = utcnow()
    people = db().scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.name)).all()
    by_domain = defaultdict(list)
    for person in people:
        presence = queues.presence_of(db(), person)
        for skill in person.skills:
            by_domain[skill.domain_id].append((person, skill.level, presence))
    overdue = tasks.open_tasks(db(), overdue_at=now)
    return render("home/floor.html", "home/_floor.html", queue=queues.queue_status(db(), now), by_domain=by_domain,
                  overdue=overdue)


@bp.get("/verbeteren")
@roles("senior")
def improvements():
    return render("home/improvements.html", domains=[s.domain for s in current_user.skills])


@bp.get("/koppeling")
@roles("integration")
def integration():
    return render("home/integration.html")
