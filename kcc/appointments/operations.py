"""Appointments at the counter: booked by staff or read from a CSV file, confirmed in plain Dutch with a check-in
code, found by the host by that code or by name and time.

Only what the visit needs is asked: a time, a topic (its prerequisites go into the confirmation), a name as the
visitor gives it and, for the confirmation, an e-mail address. The code is short and made of characters nobody
mixes up (no 0/O, 1/I/L, 2/Z, 5/S, 8/B); it is the whole content of the QR image in the mail, so a hand scanner
types it into the host's code field.

Checking in turns an appointment into a ticket (kcc.lobby.operations.check_in_appointment); this module knows
nothing of tickets.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from kcc.contacts.citizens import normalise_email
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.db import row_locks
from kcc.core.errors import Conflict, Msg, NotAllowed, NotFound, ValidationError
from kcc.core.timeutil import AMSTERDAM, local
from kcc.core.workinghours import open_now
from kcc.mail.operations import when
from kcc.models import Appointment, AppointmentStatus, Domain, OutgoingMail, Topic
from kcc.policy import appointments_visible_to, may_see_appointment

ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 6
NAME_LIMIT = 150
NOTE_LIMIT = 500
CANCELLED = Msg("Deze afspraak is geannuleerd. De bezoeker kan een nieuwe afspraak maken, of zonder afspraak een "
                "nummer trekken.")
IMPORT_LIMIT = 2000  # rows in one file: a month of a busy counter
BOOK_AHEAD = timedelta(days=366)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # days a date field can mean; outside: a typo


def format_code(code: str) -> str:
    """ACD479 → ACD-479: easier to read out and to type."""
    return f"{code[:3]}-{code[3:]}"


def normalise_code(text: str) -> str:
    """What the host typed or the scanner sent: case, spaces and hyphens do not matter."""
    return re.sub(r"[\s\-–.]", "", text or "").upper()


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(Appointment.id).where(Appointment.code == code)) is None:
            return code


# --- booking ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Booking:
    """A checked request for one appointment."""

    topic: Topic
    starts_at: datetime  # UTC
    name: str
    email: str | None = None
    note: str = ""
    line: int = 0  # its line in an imported file


def _topics(session: Session) -> list[Topic]:
    return list(session.scalars(select(Topic).join(Domain, Domain.id == Topic.domain_id)
                                .where(Topic.active.is_(True), Domain.active.is_(True))
                                .options(joinedload(Topic.domain))))


def _topic(topics: list[Topic], value: str) -> Topic | Msg:
    """A counter topic by 'domein/onderwerp', by its slug or by its name; a Msg says why none fits."""
    wanted = (value or "").strip()
    if not wanted:
        return Msg("kies een onderwerp")
    folded = wanted.casefold()
    found = [t for t in topics if folded in (f"{t.domain.slug}/{t.slug}", t.slug, t.name.casefold())]
    if not found:
        return Msg("onbekend onderwerp %(topic)s; schrijf het als domein/onderwerp, bijvoorbeeld "
                   "burgerzaken/paspoort", topic=wanted)
    if len(found) > 1:
        return Msg("%(topic)s bestaat in meer domeinen; schrijf het als domein/onderwerp", topic=wanted)
    if not found[0].counter:
        return Msg("%(topic)s doen we niet aan de balie", topic=found[0].name)
    return found[0]


def _moment(day_text: str, time_text: str) -> datetime | tuple[str, Msg]:
    """A local date and time (2026-12-01 or 1-12-2026; 10:30 or 10.30) as UTC, or the field and what is wrong."""
    day = _day(day_text)
    if day is None:
        return "date", Msg("schrijf de datum als 2026-12-01 of 1-12-2026")
    if not FIRST_DAY <= day <= LAST_DAY:
        return "date", Msg("kies een dag tussen %(first)s en %(last)s", first=FIRST_DAY.year, last=LAST_DAY.year)
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", time_text or "")
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return "time", Msg("schrijf de tijd als 10:30")
    return datetime.combine(day, time(int(match[1]), int(match[2])), tzinfo=AMSTERDAM).astimezone(UTC)


def _printable(text: str) -> str:
    """Control characters (a NUL from a spreadsheet) are no part of a name or a note; PostgreSQL refuses NUL."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


def parse_day(text: str) -> date | None:
    """A date as people write it, or None; a year outside 2000-2999 is a typo, not a day."""
    found = _day(text)
    return found if found is not None and FIRST_DAY <= found <= LAST_DAY else None


def _day(text: str) -> date | None:
    text = (text or "").strip()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_booking(session: Session, data: dict, now: datetime, topics: list[Topic] | None = None) -> Booking:
    """Check one appointment as a form or the API sends it (date, time, topic, name, email, note); every problem
    at once, per field. `topics`: the active topics, read once for a whole file."""
    problems: dict[str, str | Msg] = {}
    topic = _topic(topics if topics is not None else _topics(session), str(data.get("topic") or ""))
    if isinstance(topic, Msg):
        problems["topic"] = topic
    moment = _moment(str(data.get("date") or ""), str(data.get("time") or ""))
    if isinstance(moment, tuple):
        problems[moment[0]] = moment[1]
    elif moment < now:
        problems["time"] = Msg("dit tijdstip is al voorbij")
    elif moment > now + BOOK_AHEAD:
        problems["date"] = Msg("een afspraak kan tot een jaar vooruit")
    elif not isinstance(topic, Msg):
        is_open, opens_at = open_now((topic.domain.hours or {}).get("counter", {}), moment)
        if not is_open:
            problems["time"] = (Msg("de balie van %(domain)s is dan gesloten; hij gaat weer open op %(opens)s",
                                    domain=topic.domain.name, opens=when(opens_at)) if opens_at else
                                Msg("de balie van %(domain)s is dan gesloten", domain=topic.domain.name))
    name = " ".join(_printable(str(data.get("name") or "")).split())
    if not name:
        problems["name"] = Msg("schrijf de naam op zoals de bezoeker die geeft (een voornaam of voorletters mag)")
    elif len(name) > NAME_LIMIT:
        problems["name"] = Msg("schrijf de naam in ten hoogste %(limit)s tekens", limit=NAME_LIMIT)
    email = None
    try:
        email = normalise_email(str(data.get("email") or ""))
    except ValidationError as error:
        problems["email"] = error.fields["email"]
    note = _printable(str(data.get("note") or "")).strip()
    if len(note) > NOTE_LIMIT:
        problems["note"] = Msg("schrijf de notitie in ten hoogste %(limit)s tekens", limit=NOTE_LIMIT)
    if problems:
        raise ValidationError(problems)
    assert isinstance(topic, Topic) and isinstance(moment, datetime)  # else a problem was raised above
    return Booking(topic, moment, name, email, note)


def _same(session: Session, booking: Booking) -> Appointment | None:
    """A booked appointment for the same person, topic and time: a second one would be a duplicate."""
    return session.scalar(select(Appointment).where(
        Appointment.topic_id == booking.topic.id, Appointment.starts_at == booking.starts_at,
        func.lower(Appointment.name) == booking.name.lower(), Appointment.status == AppointmentStatus.booked))


RESUBMIT = timedelta(minutes=2)  # the same booking by the same person this soon after is a second click


def _lock_topics(session: Session, topic_ids: set[int]) -> None:
    """Bookings of one topic take turns on PostgreSQL, so two at once cannot both miss the duplicate check;
    SQLite writers already hold the whole database."""
    if topic_ids and row_locks(session):
        session.execute(select(Topic.id).where(Topic.id.in_(sorted(topic_ids))).with_for_update())


def _own_resubmit(existing: Appointment, actor: Actor, now: datetime) -> bool:
    return actor.id is not None and existing.created_by_id == actor.id and now - existing.created_at <= RESUBMIT


def book(session: Session, actor: Actor, booking: Booking, now: datetime, source: str = "staff") -> Appointment:
    """Store one appointment and queue its confirmation. The same booking sent twice by the same person within
    a few minutes (a double click) is the first one, with its code; anyone else's duplicate is refused."""
    if not may_see_appointment(actor, booking.topic.domain_id):
        raise NotAllowed(Msg("Je maakt geen afspraken voor %(domain)s.", domain=booking.topic.domain.name),
                         f"appointment outside the booker's domains ({booking.topic.domain.slug})")
    _lock_topics(session, {booking.topic.id})
    existing = _same(session, booking)
    if existing is not None and _own_resubmit(existing, actor, now):
        return existing
    if existing is not None:
        raise ValidationError({"name": Msg("%(name)s heeft op dit tijdstip al een afspraak voor dit onderwerp",
                                           name=booking.name)})
    appointment = _stored(session, actor, booking, now, source)
    audit.record(session, actor, "appointment.create", object_type="appointment", object_id=appointment.id,
                 detail=booking.topic.domain.slug)
    return appointment


def _stored(session: Session, actor: Actor, booking: Booking, now: datetime, source: str) -> Appointment:
    appointment = Appointment(code=_new_code(session), domain_id=booking.topic.domain_id, topic=booking.topic,
                              starts_at=booking.starts_at, name=booking.name, email=booking.email, note=booking.note,
                              status=AppointmentStatus.booked, source=source, created_at=now, created_by_id=actor.id)
    session.add(appointment)
    session.flush()
    if booking.email:
        _queue_confirmation(session, appointment, now)
    return appointment


def _queue_confirmation(session: Session, appointment: Appointment, now: datetime) -> None:
    """The confirmation in plain Dutch (B1): what, when, where, the code (and its QR image), what to bring."""
    topic = appointment.topic
    lines = [f"Beste {appointment.name},", "",
             "U heeft een afspraak bij de balie van de gemeente.", "",
             f"Waarvoor: {topic.name}",
             f"Wanneer: {when(appointment.starts_at)} uur",
             "Waar: in het gemeentehuis. Meld u in de hal bij de gastvrouw of gastheer.", "",
             f"Uw code: {format_code(appointment.code)}",
             "Laat deze code zien als u binnenkomt. Dat mag ook met de QR-code in de bijlage.", ""]
    if topic.prerequisites:
        lines += ["Neem dit mee:", *(f"- {item}" for item in topic.prerequisites), ""]
    lines += ["Kunt u niet komen? Bel dan 14 en het netnummer van de gemeente. Dan kan iemand anders uw plek krijgen.",
              "", "Met vriendelijke groet,", "Het Klantcontactcentrum van de gemeente"]
    session.add(OutgoingMail(kind="appointment", to_address=appointment.email or "",
                             subject=f"Uw afspraak op {when(appointment.starts_at)}", body="\n".join(lines),
                             qr=appointment.code, created_at=now, next_attempt_at=now))


def cancel(session: Session, actor: Actor, appointment_id: int, now: datetime) -> Appointment:
    """Cancel a booked appointment; one checked in or cancelled already stays as it is (Conflict)."""
    appointment = appointment_or_404(session, actor, appointment_id)
    changed = session.execute(update(Appointment).where(Appointment.id == appointment.id,
                                                        Appointment.status == AppointmentStatus.booked)
                              .values(status=AppointmentStatus.cancelled, cancelled_at=now)
                              .execution_options(synchronize_session=False))
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(Msg("Deze afspraak is al aangemeld of geannuleerd."))
    session.expire(appointment)
    audit.record(session, actor, "appointment.cancel", object_type="appointment", object_id=appointment.id)
    return appointment


def appointment_or_404(session: Session, actor: Actor, appointment_id: int) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or not may_see_appointment(actor, appointment.domain_id):
        raise NotFound(Msg("Afspraak %(id)s bestaat niet.", id=appointment_id))
    return appointment


def day_list(session: Session, actor: Actor, day: date, domain_slug: str | None = None) -> list[Appointment]:
    """One local day's appointments this person may see, in time order; opening the list is audited."""
    low = datetime.combine(day, time(0), tzinfo=AMSTERDAM)
    query = (select(Appointment).join(Domain, Domain.id == Appointment.domain_id)
             .where(appointments_visible_to(actor), Appointment.starts_at >= low,
                    Appointment.starts_at < low + timedelta(days=1))
             .options(joinedload(Appointment.topic), joinedload(Appointment.domain), joinedload(Appointment.contact))
             .order_by(Appointment.starts_at, Domain.position, Appointment.id))
    if domain_slug:
        query = query.where(Domain.slug == domain_slug)
    found = list(session.scalars(query))
    audit.record(session, actor, "appointment.open", object_type="appointments",
                 object_id=day.isoformat(), detail=domain_slug or "")
    return found


# --- the host finds an appointment ------------------------------------------------------------------------------

def by_code(session: Session, actor: Actor, typed: str, now: datetime) -> Appointment:
    """Today's booked appointment with this code. Unknown, used, cancelled or another day's code: a message
    the host can read out (NotFound or Conflict), never a ticket."""
    code = normalise_code(typed)
    if not code:
        raise ValidationError({"code": Msg("typ de code van de bevestiging, bijvoorbeeld ACD-479")})
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        raise ValidationError({"code": Msg("een code heeft 6 tekens, zonder 0, O, 1, I, L, 2, Z, 5, S, 8 of B; "
                                           "controleer wat er staat, of zoek op naam")})
    appointment = session.scalar(select(Appointment).where(Appointment.code == code)
                                 .options(joinedload(Appointment.topic), joinedload(Appointment.contact)))
    if appointment is None or not may_see_appointment(actor, appointment.domain_id):
        raise NotFound(Msg("Code %(code)s kennen we niet. Controleer de tekens, of zoek de afspraak op naam.",
                           code=format_code(code)))
    if appointment.status == AppointmentStatus.cancelled:
        raise Conflict(CANCELLED)
    if appointment.status == AppointmentStatus.checked_in:
        ticket = appointment.contact.ticket if appointment.contact else None
        raise Conflict(Msg("Met deze code is al aangemeld om %(at)s (volgnummer %(ticket)s).",
                           at=local(appointment.checked_in_at or now).strftime("%H:%M"), ticket=ticket or "-"))
    if local(appointment.starts_at).date() != local(now).date():
        raise Conflict(Msg("Deze afspraak is niet vandaag, maar op %(when)s.", when=when(appointment.starts_at)))
    return appointment


def by_name(session: Session, actor: Actor, words: str, now: datetime, limit: int = 8) -> list[Appointment]:
    """Today's booked appointments whose name holds the typed words; a time in them (10:30) narrows to that hour
    and quarter around it. Nearest to now first."""
    text = (words or "").strip()
    at = re.search(r"\b(\d{1,2})[:.](\d{2})\b", text)
    name = re.sub(r"\b\d{1,2}[:.]\d{2}\b", " ", text).strip().casefold()
    if not name and not at:
        raise ValidationError({"name": Msg("typ (een deel van) de naam, en eventueel de tijd")})
    today = datetime.combine(local(now).date(), time(0), tzinfo=AMSTERDAM)
    query = (select(Appointment).where(appointments_visible_to(actor), Appointment.status == AppointmentStatus.booked,
                                       Appointment.starts_at >= today, Appointment.starts_at < today + timedelta(days=1))
             .options(joinedload(Appointment.topic), joinedload(Appointment.domain)))
    if at:
        moment = datetime.combine(today.date(), time(min(int(at[1]), 23), min(int(at[2]), 59)), tzinfo=AMSTERDAM)
        query = query.where(Appointment.starts_at >= moment - timedelta(minutes=30),
                            Appointment.starts_at <= moment + timedelta(minutes=30))
    found = [a for a in session.scalars(query) if all(part in a.name.casefold() for part in name.split())]
    return sorted(found, key=lambda a: abs((a.starts_at - now).total_seconds()))[:limit]


@dataclass(frozen=True)
class Arrival:
    """How a visitor arrives for their appointment: on time, or how many minutes early or late."""

    kind: str  # on_time | early | late
    minutes: int

    @property
    def in_window(self) -> bool:
        return self.kind == "on_time"


def arrival(appointment: Appointment, now: datetime, early_min: int, late_min: int) -> Arrival:
    """Inside the window (`early_min` before to `late_min` after the time) the visitor goes ahead; outside it
    the host decides: check in anyway, or as a walk-in."""
    minutes = int((now - appointment.starts_at).total_seconds() // 60)
    if minutes < -early_min:
        return Arrival("early", -minutes)
    if minutes > late_min:
        return Arrival("late", minutes)
    return Arrival("on_time", abs(minutes))


# --- the CSV import ---------------------------------------------------------------------------------------------

COLUMNS = {"tijd": "time", "time": "time", "datum": "date", "date": "date", "onderwerp": "topic", "topic": "topic",
           "naam": "name", "name": "name", "e-mail": "email", "email": "email", "e-mailadres": "email",
           "notitie": "note", "note": "note", "opmerking": "note"}


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: Msg
    existing_id: int | None = None  # the row is already in the agenda as this appointment


class ImportRefused(Exception):
    """A file with any bad row imports nothing; every bad row is named by its line."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__("; ".join(f"regel {p.line}: {p.message}" for p in problems))


def parse_csv(session: Session, actor: Actor, raw: bytes, day: date | None, now: datetime) -> list[Booking]:
    """A day list from a spreadsheet: a header row (tijd, onderwerp, naam, e-mail; datum when the file spans
    days), separated by ; or ,. Every bad row is reported (ImportRefused) and then nothing is imported."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([RowProblem(1, Msg("het bestand is geen UTF-8-tekst; sla het op als 'CSV UTF-8'"))]) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ImportRefused([RowProblem(1, Msg("het bestand is leeg; de eerste regel noemt de kolommen: "
                                               "tijd;onderwerp;naam;e-mail"))])
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    # newline=None: a Mac spreadsheet's bare CR ends a line too
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as error:  # an unclosed quote swallowing the rest of the file, for one
        raise ImportRefused([RowProblem(reader.line_num, Msg("deze regel is geen CSV (%(error)s); kijk of er een "
                                                             "aanhalingsteken open blijft", error=str(error)))]) from None
    header = [COLUMNS.get(cell.strip().casefold(), cell.strip()) for cell in rows[0]]
    missing = [name for name in ("time", "topic", "name") if name not in header]
    unknown = [cell for cell in header if cell not in COLUMNS.values()]
    if missing or unknown:
        raise ImportRefused([RowProblem(1, Msg("de eerste regel noemt de kolommen tijd, onderwerp, naam en eventueel "
                                               "e-mail, datum en notitie; nu staat er: %(header)s",
                                               header=lines[0].strip()))])
    if "date" not in header and day is None:
        raise ImportRefused([RowProblem(1, Msg("kies de dag van deze afspraken, of zet een kolom datum in het bestand"))])
    problems: list[RowProblem] = []
    bookings: list[Booking] = []
    seen: dict[tuple[int, datetime, str], int] = {}
    topics = _topics(session)
    _lock_topics(session, {topic.id for topic in topics if topic.counter})
    for line, row in enumerate(rows[1:], start=2):  # the row's number as a spreadsheet shows it
        if not any(cell.strip() for cell in row):
            continue
        if len(bookings) + len(problems) >= IMPORT_LIMIT:
            problems.append(RowProblem(line, Msg("ten hoogste %(limit)s afspraken per bestand", limit=IMPORT_LIMIT)))
            break
        if len(row) != len(header):
            problems.append(RowProblem(line, Msg("deze regel heeft %(found)s kolommen, de eerste regel %(wanted)s",
                                                 found=len(row), wanted=len(header))))
            continue
        values = dict(zip(header, (cell.strip() for cell in row), strict=True))
        values.setdefault("date", day.isoformat() if day else "")
        try:
            booking = parse_booking(session, values, now, topics)
        except ValidationError as error:
            problems.extend(RowProblem(line, Msg("%(field)s: %(problem)s", field=_FIELD_NAMES.get(name, name),
                                                 problem=message))
                            for name, message in error.fields.items())
            continue
        if not may_see_appointment(actor, booking.topic.domain_id):  # before anything is looked up in that agenda
            problems.append(RowProblem(line, Msg("je maakt geen afspraken voor %(domain)s",
                                                 domain=booking.topic.domain.name)))
            continue
        key = (booking.topic.id, booking.starts_at, booking.name.casefold())
        if key in seen:
            problems.append(RowProblem(line, Msg("dezelfde afspraak staat al op regel %(line)s", line=seen[key])))
            continue
        seen[key] = line
        existing = _same(session, booking)
        if existing is not None:
            problems.append(RowProblem(line, Msg("deze afspraak staat al in de agenda"), existing.id))
            continue
        bookings.append(replace(booking, line=line))
    if problems:
        raise ImportRefused(problems)
    if not bookings:
        raise ImportRefused([RowProblem(2, Msg("het bestand heeft geen afspraken onder de eerste regel"))])
    return bookings


_FIELD_NAMES = {"time": "tijd", "date": "datum", "topic": "onderwerp", "name": "naam", "email": "e-mail",
                "note": "notitie"}


def import_csv(session: Session, actor: Actor, raw: bytes, day: date | None, now: datetime) -> list[Appointment]:
    """Book every row of a good file, with its confirmations; a bad file (ImportRefused) books none. The same file
    sent again by the same person within a few minutes (a double click) answers with what the first one booked."""
    try:
        bookings = parse_csv(session, actor, raw, day, now)
    except ImportRefused as refused:
        again = [session.get(Appointment, p.existing_id) for p in refused.problems if p.existing_id is not None]
        if len(again) == len(refused.problems) and all(a is not None and _own_resubmit(a, actor, now) for a in again):
            return [a for a in again if a is not None]  # the same file sent twice in a row: it was imported
        raise
    stored = [_stored(session, actor, booking, now, "import") for booking in bookings]
    audit.record(session, actor, "appointment.import", object_type="appointments", object_id=len(stored),
                 detail=", ".join(sorted({b.topic.domain.slug for b in bookings})))
    return stored
