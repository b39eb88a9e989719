"""API: contacts, routing, queues and the employee's own presence and next contact (../shared/API.md).

Views only parse, check access, call the domain (kcc.intake, kcc.queues), commit once and answer.
"""
from __future__ import annotations

from flask import abort, jsonify, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from kcc.core import audit
from kcc.handover import operations as handover
from kcc.contacts import intake
from kcc.lobby import operations as lobby
from kcc.queues import operations as queues
from kcc.web.access import deny, roles, staff
from kcc.api import bp, caller, caller_staff, json_body, reject_unknown
from kcc.core.errors import Conflict, Msg, NotFound, ValidationError
from kcc.models import Citizen, Contact, ContactEvent, Handover, Skill, Staff
from kcc.core.timeutil import isoformat, utcnow
from kcc.policy import may_see
from kcc.web.request import client_origin, db, router, settings


def _contact_for(contact_id: int, action: str) -> Contact:
    """Load a contact the caller may see; 404 when it does not exist, 403 (audited) when it is not theirs to see."""
    contact = db().get(Contact, contact_id)
    if contact is None:
        abort(404)
    if not may_see(caller(), contact):
        deny(caller(), f"contact {contact_id} is outside the caller's domains")
    if contact.status == "handover_offered":
        for offer in db().scalars(select(Handover).where(Handover.contact_id == contact.id,
                                                         Handover.status == "offered")):
            handover.apply_expiry(db(), offer, utcnow())  # expiry never waits for the sweeper
    audit.record(db(), action, "ok", actor=caller(), object_type="contact", object_id=str(contact.id),
                 origin=client_origin())
    return contact


def _summary(contact_id: int, status: str, channel: str, domain: str | None, topic: str | None,
             language: str) -> dict:
    return {"id": contact_id, "status": status, "channel": channel, "domain": domain, "topic": topic,
            "language": language}


def contact_summary(contact: Contact) -> dict:
    return _summary(contact.id, contact.status, contact.channel, contact.domain.slug if contact.domain else None,
                    contact.topic.slug if contact.topic else None, contact.language)


def contact_detail(contact: Contact) -> dict:
    return {**contact_summary(contact),
            "owner": {"id": contact.owner.id, "name": contact.owner.name} if contact.owner else None,
            "created_at": isoformat(contact.created_at),
            "events": [{"at": isoformat(e.at), "type": e.type, "actor": e.actor.name if e.actor else None}
                       for e in contact.events]}


_TIMELINE = (select(ContactEvent.at, ContactEvent.type, Staff.name).outerjoin(Staff, Staff.id == ContactEvent.actor_id)
             .where(ContactEvent.contact_id == bindparam("contact")).order_by(ContactEvent.at, ContactEvent.id))
_CITIZEN = select(Citizen.name, Citizen.phone, Citizen.email).where(Citizen.id == bindparam("citizen"))


def _for_handling(claimed: queues.Claimed) -> dict:
    """What the employee needs to help: the question, who asked, whether they called before, the timeline."""
    conn = db().connection()
    events = conn.execute(_TIMELINE, {"contact": claimed.id})
    citizen, repeat = None, False
    if claimed.citizen_id is not None:
        name, phone, email = conn.execute(_CITIZEN, {"citizen": claimed.citizen_id}).one()
        citizen = {"name": name, "phone": phone, "email": email}
        repeat = intake.repeat_of(db(), claimed.id, phone, email, claimed.created_at)
    return {**_summary(claimed.id, claimed.status, claimed.channel, claimed.domain, claimed.topic, claimed.language),
            "owner": {"id": caller().id, "name": caller().name}, "created_at": isoformat(claimed.created_at),
            "events": [{"at": isoformat(at), "type": type_, "actor": actor} for at, type_, actor in events],
            "question": claimed.question, "ticket": claimed.ticket, "citizen": citizen, "repeat": repeat}


@bp.post("/contacts")
@roles("integration", "host", "agent")
def create_contact():
    data = intake.parse_contact(json_body())
    received = intake.receive(db(), data, router(), settings().queue, utcnow(), actor=caller())
    position, wait = queues.position_and_wait(db(), received, utcnow())
    audit.record(db(), "contact.create", "ok" if received.created else "existing", actor=caller(),
                 object_type="contact", object_id=str(received.id), origin=client_origin())
    routing = received.routing
    answer = {**_summary(received.id, received.status, received.channel, routing["domain"], routing["topic"],
                         received.language),
              "routing": {key: routing[key] for key in ("domain", "topic", "confidence", "method")},
              "ticket": received.ticket, "position": position, "estimated_wait_s": wait, "repeat": received.repeat}
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
    queues.abandon(db(), contact, utcnow(), actor=caller())
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
    try:
        done = queues.resolve(db(), contact_id, caller(), body.get("outcome"), utcnow(), note=body.get("note") or "",
                              referred_to=body.get("referred_to") or "")
    except (ValidationError, Conflict, NotFound):
        db().rollback()
        _contact_for(contact_id, "contact.resolve")  # 404, or 403 (audited), comes before what is wrong
        raise
    audit.record(db(), "contact.resolve", "ok", actor=caller(), object_type="contact", object_id=str(contact_id),
                 origin=client_origin())
    answer = _summary(done.id, done.status, done.channel, done.domain, done.topic, done.language)
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


@bp.get("/lobby/display")
@roles("integration", "host")
def lobby_display():
    """The waiting-room screen: tickets called to a desk and visitors waiting per domain; no personal data."""
    screen = lobby.board(db(), utcnow())
    return jsonify({"called": [{"ticket": c.ticket, "desk": c.desk, "at": isoformat(c.at)} for c in screen.called],
                    "waiting": screen.waiting})


# --- the caller's own presence and work --------------------------------------------------------------

def _me_json(me: Staff) -> dict:
    return {"id": me.id, "name": me.name, "roles": me.roles,
            "skills": [{"domain": s.domain.slug, "level": s.level} for s in me.skills],
            "languages": me.languages, "teams": [t.slug for t in me.teams],
            "presence": queues.presence_of(db(), me), "desk": me.desk.number if me.desk else None}


@bp.get("/me")
@staff
def me():
    return jsonify(_me_json(caller_staff()))


@bp.put("/me/presence")
@staff
def put_presence():
    body = reject_unknown(json_body(), {"state", "desk"})
    desk = body.get("desk")
    if desk is not None and not isinstance(desk, (str, int)):
        raise ValidationError({"desk": Msg("geef het nummer van de balie, bijvoorbeeld \"3\"")})
    me = caller_staff()
    queues.set_presence(db(), me, body.get("state"), utcnow(), desk_number=None if desk is None else str(desk),
                        desk_given="desk" in body)
    db().commit()
    return jsonify({"state": me.presence, "desk": me.desk.number if me.desk else None})


@bp.post("/me/next")
@roles("agent", "lead", "senior")
def next_contact():
    reject_unknown(json_body(optional=True), set())
    claimed = queues.claim(db(), caller(), utcnow(), settings().queue)
    if claimed is None:
        db().commit()  # last seen
        return "", 204
    audit.record(db(), "contact.open", "ok", actor=caller(), object_type="contact", object_id=str(claimed.id),
                 origin=client_origin())
    answer = _for_handling(claimed)
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
