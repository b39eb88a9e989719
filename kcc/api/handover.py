"""API: warm handover, callback tasks and indicators (../shared/API.md). Thin: parse, check, domain, commit."""
from __future__ import annotations

from datetime import date

from flask import abort, jsonify, request
from sqlalchemy import select

from kcc.core import audit
from kcc.handover import operations as handover
from kcc.callbacks import operations as tasks
from kcc.web.access import deny, roles, staff
from kcc.api import bp, caller_staff, json_body, reject_unknown
from kcc.api.contacts import _contact_for, contact_detail
from kcc.core.errors import Conflict, Msg, NotAllowed, ValidationError
from kcc.floor.indicators import indicators
from kcc.models import Handover, Staff, Task, Team
from kcc.core.timeutil import isoformat, utcnow
from kcc.web.request import client_origin, db, settings


def _me() -> Staff:
    return caller_staff()


def _text(body: dict, field: str) -> str:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise ValidationError({field: Msg("moet tekst zijn")})
    return value or ""


@bp.errorhandler(NotAllowed)
def not_allowed(error: NotAllowed):
    from kcc.api import api_error_response
    return api_error_response(403, "forbidden", str(error.args[0]) if error.args else None)


def handover_json(item: Handover) -> dict:
    return {"id": item.id, "status": item.status, "expires_at": isoformat(item.expires_at),
            "contact_id": item.contact_id, "from": {"id": item.from_staff.id, "name": item.from_staff.name},
            "to": {"staff": item.to_staff.id} if item.to_staff else {"team": item.to_team.slug},
            "context": {"summary": item.summary, "done": item.done, "promised": item.promised}}


@bp.post("/contacts/<int:contact_id>/handover")
@staff
def offer_handover(contact_id: int):
    body = reject_unknown(json_body(), {"to", "context"})
    target, context = body.get("to"), body.get("context")
    if not isinstance(target, dict) or set(target) - {"staff", "team"} or len(target) != 1:
        raise ValidationError({"to": Msg("geef {\"staff\": id} of {\"team\": \"slug\"}")})
    if not isinstance(context, dict):
        raise ValidationError({"context.summary": Msg("beschrijf wat de inwoner nodig heeft en wat de situatie is")})
    unknown = set(context) - {"summary", "done", "promised"}
    if unknown:
        raise ValidationError({f"context.{k}": Msg("onbekend veld; toegestaan zijn: summary, done, promised")
                               for k in sorted(unknown)})
    staff_id = target.get("staff")
    if "staff" in target and (not isinstance(staff_id, int) or isinstance(staff_id, bool)):
        raise ValidationError({"to.staff": Msg("geef het id van de collega (een getal)")})
    if "team" in target and not isinstance(target["team"], str):
        raise ValidationError({"to.team": Msg("geef de slug van het team")})
    contact = _contact_for(contact_id, "contact.handover")
    offer = handover.offer(db(), contact, _me(), handover.Context(_text(context, "summary"), _text(context, "done"),
                                                                  _text(context, "promised")),
                           utcnow(), settings().handover_timeout_s, to_staff_id=staff_id,
                           to_team_slug=target.get("team"))
    db().commit()
    return jsonify({"handover": {"id": offer.id, "status": offer.status, "expires_at": isoformat(offer.expires_at)}}), 201


def _handover(handover_id: int) -> Handover:
    item = db().get(Handover, handover_id)
    if item is None:
        abort(404)
    return item


@bp.get("/handovers/<int:handover_id>")
@staff
def get_handover(handover_id: int):
    """The offer with its context, for the receiver to read before accepting (expiry applied on read)."""
    item = _handover(handover_id)
    if not (handover.is_target(item, _me()) or item.from_staff_id == _me().id or _me().has_role("lead")):
        deny(_me(), f"handover {handover_id} is for someone else")
    handover.apply_expiry(db(), item, utcnow())
    audit.record(db(), "handover.open", "ok", actor=_me(), object_type="contact", object_id=str(item.contact_id),
                 origin=client_origin())
    answer = handover_json(item)
    db().commit()
    return jsonify(answer)


@bp.post("/handovers/<int:handover_id>/accept")
@staff
def accept_handover(handover_id: int):
    reject_unknown(json_body(optional=True), set())
    item = _handover(handover_id)
    try:
        contact = handover.accept(db(), item, _me(), utcnow())
    except (Conflict, NotAllowed):
        db().commit()  # an expiry applied on the way stays applied: the callback task exists
        raise
    audit.record(db(), "contact.open", "ok", actor=_me(), object_type="contact", object_id=str(contact.id),
                 origin=client_origin(), detail="handover accepted")
    answer = contact_detail(contact)
    db().commit()
    return jsonify(answer)


@bp.post("/handovers/<int:handover_id>/decline")
@staff
def decline_handover(handover_id: int):
    body = reject_unknown(json_body(), {"reason"})
    item = _handover(handover_id)
    task = handover.decline(db(), item, _me(), _text(body, "reason"), utcnow())
    db().commit()
    return jsonify({"handover": {"id": item.id, "status": item.status}, "task": task_json(task)})


def task_json(task: Task) -> dict:
    urgency = tasks.urgency(task, utcnow()) if task.state == "open" else None
    return {"id": task.id, "contact_id": task.contact_id, "team": task.team.slug,
            "owner": {"id": task.owner.id, "name": task.owner.name} if task.owner else None,
            "deadline": isoformat(task.deadline), "state": task.state,
            "urgency": {"level": urgency.level, "label": urgency.label} if urgency else None,
            "attempts": [{"at": isoformat(a.at), "reached": a.reached, "note": a.note,
                          "by": a.actor.name if a.actor else None} for a in task.attempts]}


@bp.get("/tasks")
@staff
def task_list():
    """Tasks of a team (members and leads), or of the caller's own teams."""
    state = request.args.get("state", "open")
    if state not in ("open", "done"):
        raise ValidationError({"state": Msg("kies open of done")})
    slug = request.args.get("team")
    if slug:
        team = db().scalar(select(Team).where(Team.slug == slug))
        if team is None:
            abort(404)
        if not (_me().has_role("lead") or any(t.id == team.id for t in _me().teams)):
            deny(_me(), f"tasks of team {slug}")
        team_ids = [team.id]
    else:
        team_ids = None if _me().has_role("lead") else [t.id for t in _me().teams]
    query = select(Task).where(Task.state == state).order_by(Task.deadline)
    if team_ids is not None:
        query = query.where(Task.team_id.in_(team_ids))
    return jsonify({"tasks": [task_json(t) for t in db().scalars(query.limit(500))]})


def _task(task_id: int) -> Task:
    task = db().get(Task, task_id)
    if task is None:
        abort(404)
    if not tasks.may_work(_me(), task):
        deny(_me(), f"task {task_id} belongs to another team")
    return task


@bp.post("/tasks/<int:task_id>/claim")
@staff
def claim_task(task_id: int):
    reject_unknown(json_body(optional=True), set())
    task = tasks.claim(db(), _task(task_id), _me(), utcnow())
    db().commit()
    return jsonify(task_json(task))


@bp.post("/tasks/<int:task_id>/attempt")
@staff
def task_attempt(task_id: int):
    body = reject_unknown(json_body(), {"reached", "note"})
    if not isinstance(body.get("reached"), bool):
        raise ValidationError({"reached": Msg("geef true (bereikt) of false (niet bereikt)")})
    task = _task(task_id)
    tasks.attempt(db(), task, _me(), body["reached"], _text(body, "note"), utcnow())
    db().commit()
    return jsonify(task_json(task))


@bp.post("/tasks/<int:task_id>/complete")
@staff
def complete_task(task_id: int):
    body = reject_unknown(json_body(), {"note"})
    task = tasks.complete(db(), _task(task_id), _me(), _text(body, "note"), utcnow())
    audit.record(db(), "contact.change", "ok", actor=_me(), object_type="contact", object_id=str(task.contact_id),
                 origin=client_origin(), detail="callback task completed")
    db().commit()
    return jsonify(task_json(task))


@bp.get("/indicators")
@roles("lead", "senior", "integration")
def indicator_list():
    """Per domain and channel, for the team — never per person."""
    unknown = sorted(set(request.args) - {"domain", "from", "to"})
    if unknown:
        raise ValidationError({k: Msg("onbekende parameter; toegestaan zijn: domain, from, to") for k in unknown})
    today = utcnow().date()
    try:
        start = date.fromisoformat(request.args.get("from", today.isoformat()))
        end = date.fromisoformat(request.args.get("to", start.isoformat()))
    except ValueError:
        raise ValidationError({"from": Msg("schrijf datums als JJJJ-MM-DD")}) from None
    if end < start or (end - start).days > 366:
        raise ValidationError({"to": Msg("'to' ligt na 'from' en hooguit een jaar verder")})
    domain = request.args.get("domain")
    rows = indicators(db(), start, end, utcnow(), domain)
    if domain and not rows:
        abort(404)
    return jsonify({"from": start.isoformat(), "to": end.isoformat(), "indicators": rows})
