"""API: desks that call (recall, no-show, start, a ticket out of turn) and the host's waiting list.

The same operations as the screens (kcc.lobby.calls, kcc.lobby.hosting); the unit of work commits.
"""
from __future__ import annotations

from flask import jsonify

from kcc.api import bp, json_body, reject_unknown
from kcc.api.contacts import contact_summary, for_handling
from kcc.core.errors import Msg, ValidationError
from kcc.core.timeutil import isoformat, utcnow
from kcc.lobby import calls, hosting
from kcc.models import Contact
from kcc.policy import contact_or_404
from kcc.web.access import roles
from kcc.web.request import actor, db, settings


def _text(body: dict, field: str) -> str:
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise ValidationError({field: Msg("moet tekst zijn")})
    return value or ""


def _own_visitor(contact_id: int) -> Contact:
    """The caller's own called visitor; another's is a 403 (audited), an unknown id a 404."""
    return contact_or_404(db(), actor(), contact_id, own=True)


@bp.post("/contacts/<int:contact_id>/recall")
@roles("agent")
def recall_visitor(contact_id: int):
    reject_unknown(json_body(optional=True), set())
    contact = _own_visitor(contact_id)
    called = calls.recall(db(), actor(), contact.id, utcnow(), settings().queue)
    return jsonify({**contact_summary(contact), "ticket": contact.ticket, "calls": called,
                    "max_calls": settings().queue.max_calls})


@bp.post("/contacts/<int:contact_id>/no-show")
@roles("agent")
def visitor_no_show(contact_id: int):
    reject_unknown(json_body(optional=True), set())
    contact = _own_visitor(contact_id)
    calls.no_show(db(), actor(), contact.id, utcnow())
    return jsonify(contact_summary(contact))


@bp.post("/contacts/<int:contact_id>/start")
@roles("agent")
def start_visitor(contact_id: int):
    reject_unknown(json_body(optional=True), set())
    contact = _own_visitor(contact_id)
    calls.start(db(), actor(), contact.id, utcnow())
    return jsonify(contact_summary(contact))


@bp.post("/lobby/call")
@roles("agent")
def call_ticket():
    """A desk calls one ticket out of turn, with the reason."""
    body = reject_unknown(json_body(), {"ticket", "reason"})
    claimed = calls.call_ticket(db(), actor(), _text(body, "ticket"), _text(body, "reason"), utcnow())
    return jsonify(for_handling(claimed))


@bp.get("/lobby/waiting")
@roles("host", "lead")
def waiting_list():
    """The host's list: today's visitors waiting (what was said at the door only), no-shows, staffed desks."""
    hall = hosting.hall(db(), actor(), utcnow())
    return jsonify({
        "visitors": [{"id": v.id, "ticket": v.ticket, "domain": v.domain_slug, "topic": v.topic, "name": v.name,
                      "note": v.note, "needs": v.needs, "waited_s": v.waited_s, "attention": v.attention,
                      "moved_forward": v.moved} for v in hall.visitors],
        "no_shows": [{"id": n.id, "ticket": n.ticket, "domain": n.domain, "at": isoformat(n.at)}
                     for n in hall.no_shows],
        "desks": [{"desk": d.number, "label": d.label, "name": d.name, "state": d.state} for d in hall.desks]})


def _visitor_json(contact_id: int):
    contact = db().get_one(Contact, contact_id)  # the operation found it a moment ago
    return jsonify({"id": contact.id, "ticket": contact.ticket, "status": contact.status,
                    "domain": contact.domain.slug if contact.domain else None})


@bp.post("/lobby/waiting/<int:contact_id>/visited")
@roles("host")
def visitor_visited(contact_id: int):
    """The host went over (coffee, an update): the prompt rests until the domain's threshold passes again."""
    reject_unknown(json_body(optional=True), set())
    hosting.visited(db(), actor(), contact_id, utcnow())
    return _visitor_json(contact_id)


@bp.post("/lobby/waiting/<int:contact_id>/forward")
@roles("host")
def visitor_forward(contact_id: int):
    body = reject_unknown(json_body(), {"reason"})
    hosting.move_forward(db(), actor(), contact_id, _text(body, "reason"), utcnow())
    return _visitor_json(contact_id)


@bp.post("/lobby/waiting/<int:contact_id>/domain")
@roles("host")
def visitor_domain(contact_id: int):
    body = reject_unknown(json_body(), {"domain"})
    hosting.move_domain(db(), actor(), contact_id, _text(body, "domain"), utcnow())
    return _visitor_json(contact_id)


@bp.post("/lobby/waiting/<int:contact_id>/left")
@roles("host")
def visitor_left(contact_id: int):
    reject_unknown(json_body(optional=True), set())
    hosting.left(db(), actor(), contact_id, utcnow())
    return _visitor_json(contact_id)


@bp.post("/lobby/no-shows/<int:contact_id>/undo")
@roles("host")
def undo_no_show(contact_id: int):
    reject_unknown(json_body(optional=True), set())
    calls.undo_no_show(db(), actor(), contact_id, utcnow())
    return _visitor_json(contact_id)
