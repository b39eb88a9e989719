"""The host's screen in the lobby (/lobby): check a walk-in visitor in for a counter topic."""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from kcc.contacts import intake
from kcc.content.catalogue import active_domains, counter_topics
from kcc.content.domains import DAYS
from kcc.content.languages import CITIZEN_LANGUAGES
from kcc.core.errors import Msg, ValidationError
from kcc.core.timeutil import local, utcnow
from kcc.models import Contact
from kcc.policy import may_see_contact
from kcc.queues import operations as queues
from kcc.web.access import roles
from kcc.web.request import actor, db, render, router, settings, translate

bp = Blueprint("lobby", __name__, template_folder="templates")


@bp.get("/lobby")
@roles("host")
def page():
    """For the host: check a visitor in for a counter topic, and what a visitor brings per topic."""
    return render("lobby/page.html", **_context(ticket_id=request.args.get("ticket", type=int)))


def _context(ticket_id: int | None = None, errors: dict | None = None, values: dict | None = None) -> dict:
    now = utcnow()
    ticket = wait = None
    if ticket_id:
        ticket = db().get(Contact, ticket_id)
        if ticket is None or ticket.channel != "counter" or not may_see_contact(actor(), ticket):
            ticket = None
        else:
            _position, wait = queues.position_and_wait(db(), ticket, now)
    return {"domains": active_domains(db()), "topics": counter_topics(db()), "today": DAYS[local(now).weekday()],
            "ticket": ticket, "wait": wait, "languages": CITIZEN_LANGUAGES, "errors": errors or {},
            "values": values or {}}


@bp.post("/lobby/aanmelden")
@roles("host")
def check_in():
    """A walk-in visitor gets a ticket for a counter topic; the prerequisites are told before they sit down."""
    values = {key: request.form.get(key, "") for key in ("topic", "name", "language")}
    domain, _, topic = values["topic"].partition("/")
    if not (domain and topic):
        problem = {"topic": translate(Msg("kies waarvoor de bezoeker komt; dan weet hij wat hij mee moet nemen"))}
        return render("lobby/page.html", **_context(errors=problem, values=values)), 422
    try:
        data = intake.parse_contact({"channel": "counter", "domain": domain or None, "topic": topic or None,
                                     "language": values["language"] or "nl",
                                     "citizen": {"name": values["name"] or None}})
        received = intake.receive(db(), data, router(), settings().queue, utcnow(), actor=actor())
    except ValidationError as error:
        db().rollback()
        problems = {("topic" if field in ("domain", "topic", "channel", "question") else field.replace("citizen.", "")):
                    translate(message) for field, message in error.fields.items()}
        return render("lobby/page.html", **_context(errors=problems, values=values)), 422
    return redirect(url_for("lobby.page", ticket=received.id))
