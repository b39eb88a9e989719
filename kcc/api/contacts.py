"""API: contacts (create, read, abandon, resolve) and routing a question.

Views only parse, load through the policy, call the operations and answer; the unit of work commits.
"""
from __future__ import annotations

from flask import jsonify
from sqlalchemy import bindparam, select

from kcc.api import bp, json_body, reject_unknown
from kcc.contacts import handling, intake
from kcc.core.errors import Conflict, Msg, NotFound, ValidationError, too_long
from kcc.core.timeutil import isoformat, utcnow
from kcc.handover import operations as handover
from kcc.models import Citizen, Contact, ContactEvent, Staff
from kcc.policy import contact_or_404
from kcc.queues import operations as queues
from kcc.web.access import roles
from kcc.web.request import actor, db, router, settings


def contact_for(contact_id: int) -> Contact:
    """A contact the caller may see (404 / 403 audited otherwise), with any offer's expiry applied."""
    contact = contact_or_404(db(), actor(), contact_id)
    handover.settle(db(), contact, utcnow())
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


def for_handling(claimed: queues.Claimed) -> dict:
    """What the employee needs to help: the question, who asked, whether they called before, the timeline."""
    conn = db().connection()
    events = conn.execute(_TIMELINE, {"contact": claimed.id})
    citizen, repeat = None, False
    if claimed.citizen_id is not None:
        name, phone, email = conn.execute(_CITIZEN, {"citizen": claimed.citizen_id}).one()
        citizen = {"name": name, "phone": phone, "email": email}
        repeat = intake.repeat_of(db(), claimed.id, phone, email, claimed.created_at)
    return {**_summary(claimed.id, claimed.status, claimed.channel, claimed.domain, claimed.topic, claimed.language),
            "owner": {"id": actor().id, "name": actor().name}, "created_at": isoformat(claimed.created_at),
            "events": [{"at": isoformat(at), "type": type_, "actor": actor} for at, type_, actor in events],
            "question": claimed.question, "ticket": claimed.ticket, "citizen": citizen, "repeat": repeat}


@bp.post("/contacts")
@roles("integration", "host", "agent")
def create_contact():
    body = json_body()
    citizen = body.get("citizen")
    if citizen is not None and not isinstance(citizen, dict):  # false, 0, "" or [] are no "no citizen" either
        raise ValidationError({"citizen": Msg("moet een object zijn met name, phone en/of email")})
    data = intake.parse_contact(body)
    received = intake.receive(db(), data, router(), settings().queue, utcnow(), actor=actor())
    position, wait = queues.position_and_wait(db(), received, utcnow())
    routing = received.routing
    answer = {**_summary(received.id, received.status, received.channel, routing["domain"], routing["topic"],
                         received.language),
              "routing": {key: routing[key] for key in ("domain", "topic", "confidence", "method")},
              "ticket": received.ticket, "position": position, "estimated_wait_s": wait, "repeat": received.repeat}
    return jsonify(answer), 201 if received.created else 200


@bp.get("/contacts/<int:contact_id>")
@roles("integration", "host", "agent", "lead", "senior", "specialist")
def get_contact(contact_id: int):
    contact = handling.open_contact(db(), actor(), contact_for(contact_id))
    return jsonify(contact_detail(contact))


@bp.post("/contacts/<int:contact_id>/abandon")
@roles("integration", "host", "agent", "lead")
def abandon_contact(contact_id: int):
    reject_unknown(json_body(optional=True), set())
    contact = contact_for(contact_id)
    queues.abandon(db(), contact, utcnow(), actor=actor())
    return jsonify(contact_summary(contact))


@bp.post("/contacts/<int:contact_id>/resolve")
@roles("agent", "lead", "senior", "specialist")
def resolve_contact(contact_id: int):
    body = reject_unknown(json_body(), {"outcome", "note", "referred_to"})
    for field in ("note", "referred_to"):
        if body.get(field) is not None and not isinstance(body[field], str):
            raise ValidationError({field: Msg("moet tekst zijn")})
    try:
        done = queues.resolve(db(), contact_id, actor(), body.get("outcome") or "", utcnow(), note=body.get("note") or "",
                              referred_to=body.get("referred_to") or "")
    except (ValidationError, Conflict, NotFound):
        db().rollback()
        contact_or_404(db(), actor(), contact_id)  # 404, or 403 (audited), comes before what is wrong
        raise
    return jsonify(_summary(done.id, done.status, done.channel, done.domain, done.topic, done.language))


@bp.post("/route")
@roles("integration", "host", "agent", "lead", "senior")
def route_question():
    body = reject_unknown(json_body(), {"question"})
    question = body.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValidationError({"question": Msg("beschrijf de vraag")})
    if (problem := too_long(question, intake.MAX_QUESTION)) is not None:
        raise ValidationError({"question": problem})
    result = router().route(question)
    return jsonify({"domain": result.domain, "topic": result.topic, "confidence": result.confidence,
                    "alternatives": [{"domain": a.domain, "topic": a.topic, "confidence": a.confidence}
                                     for a in result.alternatives]})
