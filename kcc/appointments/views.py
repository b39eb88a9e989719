"""The counter agenda (/afspraken): one day's appointments per domain, a new appointment, a CSV file read in.

For the domain's own staff, the hosts, the floor lead and admin (kcc.policy.may_see_appointment). Opening a day
is audited: the list holds names and e-mail addresses.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kcc.appointments import operations as appointments
from kcc.core.errors import Conflict, NotAllowed, NotFound, ValidationError
from kcc.core.timeutil import local, utcnow
from kcc.models import Appointment, Domain, Topic
from kcc.policy import may_see_appointment
from kcc.web.access import roles
from kcc.web.request import actor, db, field_errors, render, settings, translate

bp = Blueprint("appointments", __name__, template_folder="templates")

AGENDA_ROLES = ("host", "agent", "senior", "lead")  # and admin, who may do everything
FIELDS = ("date", "time", "topic", "name", "email", "note")


def _day(text: str | None) -> date:
    """The day asked for (2026-12-01 or 1-12-2026), or today for anything else."""
    today = local(utcnow()).date()
    chosen = appointments.parse_day(text or "")
    return chosen if chosen is not None and abs((chosen - today).days) <= 3660 else today


def _topics() -> list[Topic]:
    """The counter topics this person may book, grouped by domain in the template."""
    topics = db().scalars(select(Topic).join(Domain, Domain.id == Topic.domain_id)
                          .where(Topic.active.is_(True), Topic.counter.is_(True), Domain.active.is_(True))
                          .options(joinedload(Topic.domain)).order_by(Domain.position, Topic.name)).all()
    return [topic for topic in topics if may_see_appointment(actor(), topic.domain_id)]


def _agenda(day: date, domain: str, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
            problems: list[tuple[int, str]] | None = None, status: int = 200):
    now = utcnow()
    listed = appointments.day_list(db(), actor(), day, domain or None)
    domains = sorted({topic.domain for topic in _topics()}, key=lambda d: (d.position, d.slug))
    return render("appointments/day.html", day=day, today=local(now).date(), domain=domain, domains=domains,
                  listed=listed, topics=_topics(), format_code=appointments.format_code, now=now,
                  late=timedelta(minutes=settings().queue.appointment_late_min),
                  values=values or {"date": day.isoformat()}, errors=errors or {}, problems=problems or []), status


@bp.get("/afspraken")
@roles(*AGENDA_ROLES)
def day():
    """One day of the counter agenda; ?dag=2026-12-01&domein=burgerzaken."""
    return _agenda(_day(request.args.get("dag")), request.args.get("domein", ""))


@bp.post("/afspraken")
@roles(*AGENDA_ROLES)
def book():
    """A new appointment; its code is shown here, and mailed to the visitor with what to bring."""
    values = {key: request.form.get(key, "") for key in FIELDS}
    try:
        booking = appointments.parse_booking(db(), values, utcnow())
        made = appointments.book(db(), actor(), booking, utcnow())
    except (ValidationError, NotAllowed) as error:
        db().rollback()
        errors = field_errors(error) if isinstance(error, ValidationError) else {"topic": translate(error.args[0])}
        return _agenda(_day(values["date"]), request.args.get("domein", ""), values, errors, status=422)
    flash(_made(made), "ok")
    return redirect(url_for("appointments.day", dag=local(made.starts_at).date().isoformat()))


def _made(made: Appointment) -> str:
    mailed = (_(" De bevestiging met wat mee te nemen gaat naar %(email)s.", email=made.email) if made.email
              else _(" Geef de bezoeker de code mee; er is geen e-mailadres voor een bevestiging."))
    return _("Afspraak gemaakt voor %(name)s op %(when)s. Code: %(code)s.", name=made.name,
             when=local(made.starts_at).strftime("%d-%m-%Y %H:%M"), code=appointments.format_code(made.code)) + mailed


@bp.post("/afspraken/<int:appointment_id>/annuleren")
@roles(*AGENDA_ROLES)
def cancel(appointment_id: int):
    """Cancel a booked appointment (the visitor called to say they cannot come)."""
    day_shown = _day(request.form.get("dag"))
    try:
        appointments.cancel(db(), actor(), appointment_id, utcnow())
    except (NotFound, Conflict) as error:
        db().rollback()
        return _agenda(day_shown, request.form.get("domein", ""), errors={"list": translate(error.args[0])},
                       status=404 if isinstance(error, NotFound) else 409)
    flash(_("De afspraak is geannuleerd."), "ok")
    return redirect(url_for("appointments.day", dag=day_shown.isoformat(), domein=request.form.get("domein") or None))


@bp.post("/afspraken/inlezen")
@roles(*AGENDA_ROLES)
def import_file():
    """A CSV file from the booking system or a spreadsheet: all rows, or — with any bad row — none."""
    day_chosen = appointments.parse_day(request.form.get("date", ""))
    upload = request.files.get("file")
    shown = day_chosen or local(utcnow()).date()
    if upload is None or not upload.filename:
        return _agenda(shown, "", errors={"file": _("kies een CSV-bestand")}, status=422)
    name = upload.filename
    try:
        made = appointments.import_csv(db(), actor(), upload.read(), day_chosen, utcnow())  # MAX_CONTENT_LENGTH caps it
    except appointments.ImportRefused as refused:
        db().rollback()
        return _agenda(shown, "", errors={"file": _("%(file)s is niet ingelezen: er is niets opgeslagen. Verbeter "
                                                    "de regels hieronder en lees het bestand opnieuw in.", file=name)},
                       problems=[(p.line, translate(p.message)) for p in refused.problems], status=422)
    flash(ngettext("%(num)d afspraak ingelezen uit %(file)s; een bevestiging gaat naar wie een e-mailadres gaf.",
                   "%(num)d afspraken ingelezen uit %(file)s; bevestigingen gaan naar wie een e-mailadres gaf.",
                   len(made), file=name), "ok")
    first: datetime = min(m.starts_at for m in made)
    return redirect(url_for("appointments.day", dag=local(first).date().isoformat()))
