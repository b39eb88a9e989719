"""Screens for the receiving side: handover offers arriving live, and the team's callback tasks (/taken).

An offer shows the whole story and the contact's timeline before anyone accepts. Tasks are listed
most urgent first with time left or overdue in working hours; claim, call attempts, forward and
complete each swap only their own task card (htmx), and work without JavaScript too.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from kcc.core import audit
from kcc.handover import operations as handover
from kcc.callbacks import operations as tasks
from kcc.web.access import deny, roles, staff
from kcc.core.errors import Conflict, NotAllowed, ValidationError
from kcc.models import Contact, Handover, Task, Team
from kcc.queues.operations import resolve
from kcc.core.timeutil import utcnow
from kcc.policy import may_see
from kcc.web.request import client_origin, db, field_errors, render, translate, wants_fragment

bp = Blueprint("teamwork", __name__, template_folder="templates")


def incoming_offers() -> list[Handover]:
    """Open offers for me or one of my teams, expiry applied first (it never waits for the sweeper)."""
    now = utcnow()
    team_ids = [team.id for team in current_user.teams]
    offers = db().scalars(select(Handover).where(Handover.status == "offered", or_(
        Handover.to_staff_id == current_user.id, Handover.to_team_id.in_(team_ids) if team_ids else False))
        .order_by(Handover.created_at)).all()
    for offer in offers:
        handover.apply_expiry(db(), offer, now)
    return [offer for offer in offers if offer.status == "offered"]


@bp.get("/overdracht/aanbod")
@staff
def offers():
    """The live list of offers for me; polled by the workspace and the task screen.

    The poll sends the offers it shows; when nothing changed the answer is 204 and htmx leaves the
    part alone, so a decline reason being typed is never wiped by a refresh.
    """
    found = incoming_offers()
    known = request.args.get("known", "")
    if wants_fragment() and known == ",".join(str(offer.id) for offer in found):
        db().commit()
        return "", 204
    for offer in found:
        audit.record(db(), "handover.open", "ok", actor=current_user, object_type="contact",
                     object_id=str(offer.contact_id), origin=client_origin())
    db().commit()
    return render("teamwork/offers_page.html", "teamwork/_offers.html", offers=found, now=utcnow(), errors={})


def _offer(handover_id: int) -> Handover:
    offer = db().get(Handover, handover_id)
    if offer is None:
        abort(404)
    if not handover.is_target(offer, current_user):
        deny(current_user, f"handover {handover_id} is for someone else")
    return offer


def _after(endpoint: str = "teamwork.task_list"):
    db().commit()
    if wants_fragment():
        return render("teamwork/_offers.html", "teamwork/_offers.html", offers=incoming_offers(), now=utcnow(),
                      errors={})
    return redirect(url_for(endpoint))


@bp.post("/overdracht/<int:handover_id>/aannemen")
@staff
def accept(handover_id: int):
    offer = _offer(handover_id)
    try:
        contact = handover.accept(db(), offer, current_user, utcnow())
    except (Conflict, NotAllowed) as error:
        db().commit()  # an expiry applied on the way stays applied
        return render("teamwork/_offers.html", "teamwork/_offers.html", offers=incoming_offers(), now=utcnow(),
                      errors={handover_id: translate(error.args[0])}), 409
    audit.record(db(), "contact.open", "ok", actor=current_user, object_type="contact", object_id=str(contact.id),
                 origin=client_origin(), detail="handover accepted")
    db().commit()
    # the contact is now theirs: go to where contacts are handled
    target = url_for("workspace.page") if current_user.has_role("agent") else url_for("teamwork.handled",
                                                                                        contact_id=contact.id)
    if wants_fragment():
        response = render("teamwork/_offers.html", "teamwork/_offers.html", offers=[], now=utcnow(), errors={})
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.post("/overdracht/<int:handover_id>/weigeren")
@staff
def decline(handover_id: int):
    offer = _offer(handover_id)
    try:
        handover.decline(db(), offer, current_user, request.form.get("reason", ""), utcnow())
    except (Conflict, NotAllowed, ValidationError) as error:
        db().rollback()
        message = translate(error.fields.get("reason")) if isinstance(error, ValidationError) else \
            translate(error.args[0])
        return render("teamwork/_offers.html", "teamwork/_offers.html", offers=incoming_offers(), now=utcnow(),
                      errors={handover_id: message}), 422 if isinstance(error, ValidationError) else 409
    return _after()


@bp.get("/overdracht/contact/<int:contact_id>")
@staff
def handled(contact_id: int):
    """A specialist who accepted a handover finishes the contact here (no queue workspace needed)."""
    contact = db().get(Contact, contact_id)
    if contact is None:
        abort(404)
    if contact.owner_id != current_user.id:
        deny(current_user, f"contact {contact_id} is not theirs")
    audit.record(db(), "contact.open", "ok", actor=current_user, object_type="contact", object_id=str(contact.id),
                 origin=client_origin())
    db().commit()
    return render("teamwork/handled.html", contact=contact, errors={}, values={})


@bp.post("/overdracht/contact/<int:contact_id>/afronden")
@staff
def finish_handled(contact_id: int):
    """The receiver closes the contact they accepted: answered, or warmly referred on."""
    contact = db().get(Contact, contact_id)
    if contact is None:
        abort(404)
    values = {key: request.form.get(key, "") for key in ("outcome", "note", "referred_to")}
    try:
        resolve(db(), contact.id, current_user, values["outcome"], utcnow(), note=values["note"],
                referred_to=values["referred_to"])
    except (ValidationError, Conflict) as error:
        db().rollback()
        return render("teamwork/handled.html", contact=contact, errors=field_errors(error), values=values), \
            422 if isinstance(error, ValidationError) else 409
    audit.record(db(), "contact.change", "ok", actor=current_user, object_type="contact", object_id=str(contact.id),
                 origin=client_origin(), detail=f"resolved: {values['outcome']}")
    db().commit()
    return redirect(url_for("teamwork.task_list"))


@bp.get("/contact/<int:contact_id>")
@staff
def contact_page(contact_id: int):
    """The contact's timeline (logboek), for everyone who may see the contact: the next person has the story."""
    contact = db().get(Contact, contact_id)
    if contact is None:
        abort(404)
    if not may_see(current_user, contact):
        deny(current_user, f"contact {contact_id} is outside the reader's domains")
    audit.record(db(), "contact.open", "ok", actor=current_user, object_type="contact", object_id=str(contact.id),
                 origin=client_origin(), detail="timeline")
    db().commit()
    return render("teamwork/contact.html", contact=contact)


# --- the team's callback tasks -------------------------------------------------------------------------

def _my_team_ids() -> list[int] | None:
    """Leads (and admins) see every team; others their own."""
    return None if current_user.has_role("lead") else [team.id for team in current_user.teams]


@bp.get("/taken")
@roles("specialist", "lead", "agent")
def task_list():
    now = utcnow()
    team_ids = _my_team_ids()
    overdue_only = request.args.get("over_tijd") == "1"
    found = tasks.open_tasks(db(), team_ids, overdue_at=now if overdue_only else None)
    teams = db().scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name)).all()
    return render("teamwork/tasks.html", tasks=found, now=now, overdue_only=overdue_only, teams=teams,
                  offers=incoming_offers(), errors={}, urgency=tasks.urgency, card_errors={})


def _task(task_id: int) -> Task:
    task = db().get(Task, task_id)
    if task is None:
        abort(404)
    if not tasks.may_work(current_user, task):
        deny(current_user, f"task {task_id} belongs to another team")
    return task


def _card(task: Task, errors: dict | None = None, values: dict | None = None, status: int = 200):
    if status == 200:
        db().commit()
    if wants_fragment():
        teams = db().scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name)).all()
        response = render("teamwork/_task.html", "teamwork/_task.html", task=task, now=utcnow(), teams=teams,
                          urgency=tasks.urgency, card_errors={task.id: errors or {}}, values=values or {})
        response.status_code = status
        return response
    return redirect(url_for("teamwork.task_list"))


def _act(task_id: int, action):
    task = _task(task_id)
    values = request.form.to_dict()
    try:
        action(task)
    except (ValidationError, Conflict, NotAllowed) as error:
        db().rollback()
        task = _task(task_id)
        return _card(task, field_errors(error), values, 422 if isinstance(error, ValidationError) else 409)
    audit.record(db(), "contact.change", "ok", actor=current_user, object_type="contact",
                 object_id=str(task.contact_id), origin=client_origin(), detail=f"task {request.endpoint}")
    return _card(task)


@bp.post("/taken/<int:task_id>/oppakken")
@roles("specialist", "lead", "agent")
def claim(task_id: int):
    return _act(task_id, lambda task: tasks.claim(db(), task, current_user, utcnow()))


@bp.post("/taken/<int:task_id>/poging")
@roles("specialist", "lead", "agent")
def attempt(task_id: int):
    reached = request.form.get("reached")
    return _act(task_id, lambda task: tasks.attempt(
        db(), task, current_user, {"ja": True, "nee": False}.get(reached, reached), request.form.get("note", ""),
        utcnow()))


@bp.post("/taken/<int:task_id>/doorsturen")
@roles("specialist", "lead", "agent")
def forward(task_id: int):
    return _act(task_id, lambda task: tasks.forward(db(), task, current_user, utcnow(), request.form.get("note", ""),
                                                    to_team_slug=request.form.get("team") or None))


@bp.post("/taken/<int:task_id>/afronden")
@roles("specialist", "lead", "agent")
def complete(task_id: int):
    return _act(task_id, lambda task: tasks.complete(db(), task, current_user, request.form.get("note", ""), utcnow()))
