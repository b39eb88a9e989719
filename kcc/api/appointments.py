"""API: the counter agenda (appointments: list, book, cancel, import a CSV file) and the host's check-in by code.

The same operations as the screens (kcc.appointments.operations, kcc.lobby.operations); the unit of work commits.
"""
from __future__ import annotations

import re
from datetime import date

from flask import abort, jsonify, request
from sqlalchemy import select

from kcc.api import bp, json_body, reject_unknown, text_field
from kcc.appointments import operations as appointments
from kcc.core.errors import Msg, ValidationError
from kcc.core.timeutil import isoformat, local, utcnow
from kcc.lobby import operations as lobby
from kcc.models import Appointment, Domain
from kcc.web.access import roles
from kcc.web.request import actor, db, router, settings

AGENDA_ROLES = ("host", "agent", "senior", "lead")
BOOKING_FIELDS = {"date", "time", "topic", "name", "email", "note"}


def appointment_json(found: Appointment) -> dict:
    contact = found.contact
    return {"id": found.id, "code": appointments.format_code(found.code), "domain": found.domain.slug,
            "topic": found.topic.slug, "starts_at": isoformat(found.starts_at), "name": found.name,
            "email": found.email, "note": found.note, "status": found.status, "source": found.source,
            "checked_in_at": isoformat(found.checked_in_at) if found.checked_in_at else None,
            "contact_id": found.contact_id, "ticket": contact.ticket if contact else None}


def query_day(name: str) -> date | None:
    """A day in the query: YYYY-MM-DD of the years 2000-2999 (422 otherwise); None when not given or empty."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    chosen = appointments.parse_day(raw)
    if chosen is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise ValidationError({name: Msg("schrijf de datum als 2026-12-01")})
    return chosen


@bp.get("/appointments")
@roles(*AGENDA_ROLES)
def list_appointments():
    """One local day (?date=, default today), optionally one domain (?domain=), in time order."""
    day = query_day("date") or local(utcnow()).date()
    domain = request.args.get("domain") or None
    if domain is not None and db().scalar(select(Domain.id).where(Domain.slug == domain)) is None:
        abort(404)  # an unknown domain, as GET /indicators and GET /tasks?team= answer it
    listed = appointments.day_list(db(), actor(), day, domain)
    return jsonify({"date": day.isoformat(), "appointments": [appointment_json(a) for a in listed]})


@bp.post("/appointments")
@roles(*AGENDA_ROLES)
def book_appointment():
    body = reject_unknown(json_body(), BOOKING_FIELDS)
    values = {field: text_field(body, field) for field in BOOKING_FIELDS}
    made = appointments.book(db(), actor(), appointments.parse_booking(db(), values, utcnow()), utcnow(), source="api")
    return jsonify(appointment_json(made)), 201


@bp.get("/appointments/<int:appointment_id>")
@roles(*AGENDA_ROLES)
def get_appointment(appointment_id: int):
    return jsonify(appointment_json(appointments.appointment_or_404(db(), actor(), appointment_id)))


@bp.post("/appointments/<int:appointment_id>/cancel")
@roles(*AGENDA_ROLES)
def cancel_appointment(appointment_id: int):
    reject_unknown(json_body(optional=True), set())
    return jsonify(appointment_json(appointments.cancel(db(), actor(), appointment_id, utcnow())))


@bp.post("/appointments/import")
@roles(*AGENDA_ROLES)
def import_appointments():
    """A CSV file as the body (text/csv); ?date= for a file without a datum column. All rows, or none (422 with
    every bad row under `fields`, keyed `line N`)."""
    try:
        made = appointments.import_csv(db(), actor(), request.get_data(), query_day("date"), utcnow())
    except appointments.ImportRefused as refused:
        raise ValidationError({f"line {p.line}": p.message for p in refused.problems}) from None
    return jsonify({"imported": len(made), "appointments": [appointment_json(a) for a in made]}), 201


@bp.get("/lobby/appointments/<code>")
@roles("host")
def appointment_by_code(code: str):
    """What the host sees before the ticket: the appointment, the arrival window, what to bring."""
    found = appointments.by_code(db(), actor(), code, utcnow())
    queue = settings().queue
    arrival = appointments.arrival(found, utcnow(), queue.appointment_early_min, queue.appointment_late_min)
    return jsonify({**appointment_json(found), "arrival": arrival.kind, "arrival_minutes": arrival.minutes,
                    "prerequisites": list(found.topic.prerequisites)})


@bp.post("/lobby/check-in")
@roles("host")
def check_in_appointment():
    """Check an appointment in by its code: one ticket. `ahead` (default: only inside the arrival window) ranks
    the visitor ahead of walk-ins from the appointment's time."""
    body = reject_unknown(json_body(), {"code", "language", "needs", "note", "ahead"})
    found = appointments.by_code(db(), actor(), text_field(body, "code"), utcnow())
    ahead = body.get("ahead")
    if ahead is not None and not isinstance(ahead, bool):
        raise ValidationError({"ahead": Msg("moet true of false zijn")})
    if ahead is None:
        queue = settings().queue
        ahead = appointments.arrival(found, utcnow(), queue.appointment_early_min, queue.appointment_late_min).in_window
    needs = body.get("needs") or []
    if not isinstance(needs, list) or not all(isinstance(need, str) for need in needs):
        raise ValidationError({"needs": Msg("een lijst met interpreter, wheelchair en/of reading")})
    visit = lobby.parse_visit({"language": text_field(body, "language") or "nl", "needs": needs,
                               "note": text_field(body, "note"), "form_key": lobby.Visit().form_key})
    received = lobby.check_in_appointment(db(), router(), settings().queue, actor(), found, visit, utcnow(), ahead)
    return jsonify({**appointment_json(db().get_one(Appointment, found.id)), "contact_id": received.id,
                    "ticket": received.ticket, "ahead": ahead}), 201
