"""API: contacts, routing, queues and the employee's own presence and next contact (../shared/API.md).

Views only parse, check access, call the domain (kcc.intake, kcc.queues), commit once and answer.
"""
from __future__ import annotations

from flask import abort, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import audit, handover, intake, queues
from .access import deny, roles, staff
from .api import bp, json_body, reject_unknown
from .errors import Msg, ValidationError
from .models import Contact, Handover, Skill, Staff
from .timeutil import isoformat, utcnow
from .visibility import may_see
from .web import client_origin, db, router, settings


def _me() -> Staff:
    return g.api_user


def _contact_for(contact_id: int, action: str) -> Contact:
    """Load a contact the caller may see; 404 when it does not exist, 403 (audited) when it is not theirs to see."""
    contact = db().get(Contact, contact_id)
    if contact is None:
        abort(404)
    if not may_see(_me(), contact):
        deny(_me(), f"contact {contact_id} is outside the caller's domains")
    for offer in db().scalars(select(Handover).where(Handover.contact_id == contact.id, Handover.status == "offered")):
        handover.apply_expiry(db(), offer, utcnow())  # expiry never waits for the sweeper
    audit.record(db(), action, "ok", actor=_me(), object_type="contact", object_id=str(contact.id),
                 origin=client_origin())
    return contact


def contact_summary(contact: Contact) -> dict:
    return {"id": contact.id, "status": contact.status, "channel": contact.channel,
            "domain": contact.domain.slug if contact.domain else None,
            "topic": contact.topic.slug if contact.topic else None, "language": contact.language}


def contact_detail(contact: Contact) -> dict:
    return {**contact_summary(contact),
            "owner": {"id": contact.owner.id, "name": contact.owner.name} if contact.owner else None,
            "created_at": isoformat(contact.created_at),
            "events": [{"at": isoformat(e.at), "type": e.type, "actor": e.actor.name if e.actor else None}
                       for e in contact.events]}


def contact_for_handling(contact: Contact) -> dict:
    """What the employee needs to help: the question, who asked, and whether they called before."""
    citizen = contact.citizen
    return {**contact_detail(contact), "question": contact.question, "ticket": contact.ticket,
            "citizen": {"name": citizen.name, "phone": citizen.phone, "email": citizen.email} if citizen else None,
            "repeat": intake.is_repeat(db(), contact)}


@bp.post("/contacts")
@roles("integration", "host", "agent")
def create_contact():
    data = intake.parse_contact(json_body())
    received = intake.receive(db(), data, router(), settings().queue, utcnow(), actor=_me())
    contact = received.contact
    position, wait = queues.position_and_wait(db(), contact, utcnow())
    audit.record(db(), "contact.create", "ok" if received.created else "existing", actor=_me(),
                 object_type="contact", object_id=str(contact.id), origin=client_origin())
    answer = {**contact_summary(contact),
              "routing": {"domain": contact.domain.slug, "topic": contact.topic.slug if contact.topic else None,
                          "confidence": contact.routing_confidence, "method": contact.routing_method},
              "ticket": contact.ticket, "position": position, "estimated_wait_s": wait, "repeat": received.repeat}
    db().commit()
    return jsonify(answer), 201 if received.created else 200


@bp.get("/contacts/<int:contact_id>")
@roles("integration", "host", "agent", "lead", "senior", "specialist")
def get_contact(contact_id: int):
    contact = _contact_for(contact_id, "contact.open")
    answer = contact_detail(contact)
    db().commit()
    return jsonify(answer)


@bp.post("/contacts/<int:contact_id>/abandon")
@roles("integration", "host", "agent", "lead")
def abandon_contact(contact_id: int):
    reject_unknown(json_body(optional=True), set())
    contact = _contact_for(contact_id, "contact.abandon")
    queues.abandon(db(), contact, utcnow(), actor=_me())
    answer = contact_summary(contact)
    db().commit()
    return jsonify(answer)


@bp.post("/contacts/<int:contact_id>/resolve")
@roles("agent", "lead", "senior", "specialist")
def resolve_contact(contact_id: int):
    body = reject_unknown(json_body(), {"outcome", "note", "referred_to"})
    for field in ("note", "referred_to"):
        if body.get(field) is not None and not isinstance(body[field], str):
            raise ValidationError({field: Msg("moet tekst zijn")})
    contact = _contact_for(contact_id, "contact.resolve")
    queues.resolve(db(), contact, _me(), body.get("outcome"), utcnow(), note=body.get("note") or "",
                   referred_to=body.get("referred_to") or "")
    answer = contact_summary(contact)
    db().commit()
    return jsonify(answer)


@bp.post("/route")
@roles("integration", "host", "agent", "lead", "senior")
def route_question():
    body = reject_unknown(json_body(), {"question"})
    question = body.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValidationError({"question": Msg("beschrijf de vraag")})
    if len(question) > intake.MAX_QUESTION:
        raise ValidationError({"question": Msg("is te lang: %(length)s tekens, het maximum is %(limit)s",
                                               length=len(question), limit=intake.MAX_QUESTION)})
    result = router().route(question)
    return jsonify({"domain": result.domain, "topic": result.topic, "confidence": result.confidence,
                    "alternatives": [{"domain": a.domain, "topic": a.topic, "confidence": a.confidence}
                                     for a in result.alternatives]})


@bp.get("/queues")
@roles("integration", "host", "agent", "lead", "senior")
def queue_list():
    return jsonify({"queues": [{
        "domain": q.domain.slug, "waiting": q.waiting, "longest_wait_s": q.longest_wait_s,
        "staff_available": q.staff_available, "service_level_today": q.service_level_today,
    } for q in queues.queue_status(db(), utcnow())]})


# --- the caller's own presence and work --------------------------------------------------------------

def _me_json(me: Staff) -> dict:
    return {"id": me.id, "name": me.name, "roles": me.roles,
            "skills": [{"domain": s.domain.slug, "level": s.level} for s in me.skills],
            "languages": me.languages, "teams": [t.slug for t in me.teams],
            "presence": queues.presence_of(db(), me), "desk": me.desk.number if me.desk else None}


@bp.get("/me")
@staff
def me():
    return jsonify(_me_json(_me()))


@bp.put("/me/presence")
@staff
def put_presence():
    body = reject_unknown(json_body(), {"state", "desk"})
    desk = body.get("desk")
    if desk is not None and not isinstance(desk, (str, int)):
        raise ValidationError({"desk": Msg("geef het nummer van de balie, bijvoorbeeld \"3\"")})
    queues.set_presence(db(), _me(), body.get("state"), utcnow(), desk_number=None if desk is None else str(desk),
                        desk_given="desk" in body)
    db().commit()
    return jsonify({"state": _me().presence, "desk": _me().desk.number if _me().desk else None})


@bp.post("/me/next")
@roles("agent", "lead", "senior")
def next_contact():
    reject_unknown(json_body(optional=True), set())
    contact = queues.claim_next(db(), _me(), utcnow(), settings().queue)
    if contact is None:
        db().commit()  # last seen
        return "", 204
    audit.record(db(), "contact.open", "ok", actor=_me(), object_type="contact", object_id=str(contact.id),
                 origin=client_origin())
    answer = contact_for_handling(contact)
    db().commit()
    return jsonify(answer)


@bp.get("/staff")
@staff
def staff_list():
    """Colleagues for choosing a handover target; ?available=true for those who can take it now."""
    only_available = request.args.get("available", "").lower() in ("1", "true", "yes")
    query = select(Staff).where(Staff.active.is_(True)).options(joinedload(Staff.skills).joinedload(Skill.domain))
    if only_available:
        query = query.where(Staff.presence == "available")
    rows = db().scalars(query.order_by(Staff.name)).unique().all()
    result = []
    for person in rows:
        presence = queues.presence_of(db(), person)
        if only_available and presence != "available":
            continue
        result.append({"id": person.id, "name": person.name, "presence": presence,
                       "skills": [{"domain": s.domain.slug, "level": s.level} for s in person.skills]})
    return jsonify({"staff": result})
