"""The lobby: the host's check-in with the prerequisites told before anyone waits, ticket numbers, and what
the waiting-room screen shows — tickets called to a desk and how many visitors wait per domain.

The host's route: why are you here (a topic, a search, or a few words the router reads), then what to bring
for it — and only someone who has everything, for a topic the counter handles while it is open, gets a
ticket. Everyone else is advised and counted (`LobbyTurnaway`), so the seniors see who came for nothing.
Only what the desk needs is asked: a first name if given, the language, help only when volunteered.
A public screen shows ticket numbers, desk numbers and counts only: never a name or a question.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Conflict, Msg, NotFound, ValidationError
from kcc.core.timeutil import local, start_of_day
from kcc.core.workinghours import open_now
from kcc.models import (
    VISITOR_NEEDS,
    Appointment,
    AppointmentStatus,
    Contact,
    ContactEvent,
    ContactStatus,
    Desk,
    Domain,
    LobbyTurnaway,
    OutgoingMail,
    TicketCounter,
    Topic,
    Turnaway,
)

if TYPE_CHECKING:
    from kcc.config import QueueSettings
    from kcc.contacts.intake import Received
    from kcc.content.router import Router

CALLED_FOR = timedelta(minutes=15)  # a call stays on the screen this long
CALLED_SHOWN = 8
NEXT_SHOWN = 3  # per domain, the tickets next in line: a visitor sees their turn coming, without a name


@dataclass(frozen=True)
class Called:
    ticket: str
    desk: str
    at: datetime


@dataclass(frozen=True)
class Board:
    called: list[Called]  # newest first
    waiting: dict[str, int]  # domain slug → visitors waiting, every active domain
    longest_s: dict[str, int] = field(default_factory=dict)  # domain slug → the longest wait now (seconds), when any
    names: dict[str, str] = field(default_factory=dict)  # domain slug → its name, in the domains' order
    next_up: dict[str, list[str]] = field(default_factory=dict)  # domain slug → the next tickets, in queue order


def board(session: Session, now: datetime) -> Board:
    """The screen's contents now: today's calls of the last quarter of an hour, and the lobby's queues."""
    since = max(now - CALLED_FOR, start_of_day(now))
    called = session.execute(
        select(Contact.ticket, Desk.number, Contact.called_at).join(Desk, Desk.id == Contact.desk_id)
        .where(Contact.channel == "counter", Contact.ticket.is_not(None), Contact.called_at >= since)
        .order_by(Contact.called_at.desc(), Contact.id.desc()).limit(CALLED_SHOWN)).all()
    queued = {domain_id: (count, first) for domain_id, count, first in session.execute(
        select(Contact.domain_id, func.count(), func.min(Contact.queued_at))
        .where(Contact.channel == "counter", Contact.status == ContactStatus.waiting)
        .group_by(Contact.domain_id)).all()}
    domains = session.execute(select(Domain.id, Domain.slug, Domain.name).where(Domain.active.is_(True))
                              .order_by(Domain.position, Domain.slug)).all()
    calls = []
    for ticket, desk, at in called:
        assert ticket is not None and at is not None  # the query asks for ticketed, called contacts only
        calls.append(Called(ticket, desk, at))
    waiting = {slug: queued.get(domain_id, (0, None))[0] for domain_id, slug, _name in domains}
    longest = {slug: max(0, int((now - queued[domain_id][1]).total_seconds()))
               for domain_id, slug, _name in domains if domain_id in queued}
    slugs = {domain_id: slug for domain_id, slug, _name in domains}
    place = func.row_number().over(partition_by=Contact.domain_id, order_by=(Contact.rank_at, Contact.id)).label("place")
    lined_up = (select(Contact.domain_id, Contact.ticket, place)
                .where(Contact.channel == "counter", Contact.status == ContactStatus.waiting,
                       Contact.ticket.is_not(None)).subquery())
    next_up: dict[str, list[str]] = {}
    for domain_id, ticket in session.execute(select(lined_up.c.domain_id, lined_up.c.ticket)
                                             .where(lined_up.c.place <= NEXT_SHOWN)
                                             .order_by(lined_up.c.domain_id, lined_up.c.place)):
        if domain_id in slugs:
            next_up.setdefault(slugs[domain_id], []).append(ticket)
    return Board(calls, waiting, longest, {slug: name for _id, slug, name in domains}, next_up)


def next_ticket(session: Session, domain: Domain, now: datetime) -> str:
    """B001, B002, … per domain and local day; the counter row is locked so two hosts never print the same."""
    day = local(now).date()
    counter = session.scalar(select(TicketCounter).where(TicketCounter.domain_id == domain.id,
                                                         TicketCounter.day == day).with_for_update())
    if counter is None:
        try:
            with session.begin_nested():
                counter = TicketCounter(domain_id=domain.id, day=day, last=0)
                session.add(counter)
                session.flush()
        except IntegrityError:
            counter = session.scalar(select(TicketCounter).where(TicketCounter.domain_id == domain.id,
                                                                 TicketCounter.day == day).with_for_update())
            assert counter is not None  # the insert collided with this very row, written by another host
    counter.last += 1
    return f"{domain.ticket_prefix}{counter.last:03d}"


# --- the host's check-in -------------------------------------------------------------------------------------

POPULAR_SHOWN = 8  # big buttons on the first screen; the rest through the search
POPULAR_OVER = timedelta(days=28)
NOTE_LIMIT = 500


@dataclass(frozen=True)
class Advice:
    """What the host can tell a visitor about one topic now, before any ticket exists."""

    domain: Domain
    topic: Topic | None  # None: the domain only ("iets anders" the router could not place more precisely)
    open_now: bool
    opens_at: datetime | None  # the next opening of the domain's counter when it is closed now

    @property
    def at_counter(self) -> bool:
        """The counter handles this; a domain without a topic is the host's call (its desk can look)."""
        return self.topic is None or self.topic.counter

    @property
    def may_queue(self) -> bool:
        return self.at_counter and self.open_now

    @property
    def prerequisites(self) -> list[str]:
        return list(self.topic.prerequisites) if self.topic else []


def advise(session: Session, domain_slug: str, topic_slug: str | None, now: datetime) -> Advice:
    """The advice for a topic chosen by the host; NotFound for a domain or topic that is not (or no longer) active."""
    domain = session.scalar(select(Domain).where(Domain.slug == domain_slug, Domain.active.is_(True)))
    if domain is None:
        raise NotFound(domain_slug)
    topic = None
    if topic_slug:
        topic = session.scalar(select(Topic).where(Topic.domain_id == domain.id, Topic.slug == topic_slug,
                                                  Topic.active.is_(True)))
        if topic is None:
            raise NotFound(topic_slug)
    is_open, opens_at = open_now((domain.hours or {}).get("counter", {}), now)
    return Advice(domain, topic, is_open, opens_at)


def popular_topics(session: Session, now: datetime, limit: int = POPULAR_SHOWN) -> list[Topic]:
    """The counter topics visitors came for most in the last four weeks, for the big buttons; topics nobody
    came for yet follow in the domains' order, so a new installation shows a sensible first screen too."""
    recent = (select(Contact.topic_id, func.count().label("visits"))
              .where(Contact.channel == "counter", Contact.created_at >= now - POPULAR_OVER,
                     Contact.topic_id.is_not(None))
              .group_by(Contact.topic_id).subquery())
    query = (select(Topic).join(Domain, Domain.id == Topic.domain_id)
             .outerjoin(recent, recent.c.topic_id == Topic.id)
             .where(Topic.active.is_(True), Topic.counter.is_(True), Domain.active.is_(True))
             .options(joinedload(Topic.domain))
             .order_by(func.coalesce(recent.c.visits, 0).desc(), Domain.position, Topic.name).limit(limit))
    return list(session.scalars(query))


def counter_topics_of(session: Session, domain: Domain) -> list[Topic]:
    """The domain's counter topics, for a visitor the router placed in a domain but not yet in a topic."""
    return list(session.scalars(select(Topic).where(Topic.domain_id == domain.id, Topic.active.is_(True),
                                                    Topic.counter.is_(True)).order_by(Topic.name)))


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def find_topics(session: Session, router: Router, words: str, limit: int = POPULAR_SHOWN) -> list[Topic]:
    """Topics for the host's search: names that contain the words first, then what the router reads in them
    (so "pas kwijt" finds the passport). Every active topic, also those the counter does not handle: the
    host then says so plainly instead of guessing."""
    wanted = _plain(words)
    if not wanted:
        return []
    topics = session.scalars(select(Topic).join(Domain, Domain.id == Topic.domain_id)
                             .where(Topic.active.is_(True), Domain.active.is_(True))
                             .options(joinedload(Topic.domain)).order_by(Domain.position, Topic.name)).all()
    by_slug = {(t.domain.slug, t.slug): t for t in topics}
    found = [t for t in topics if wanted in _plain(t.name)]
    routing = router.route(words)
    guesses = ([(routing.domain, routing.topic)] if routing.topic else []) + \
        [(g.domain, g.topic) for g in routing.alternatives]
    for key in guesses:
        topic = by_slug.get(key)
        if topic is not None and topic not in found:
            found.append(topic)
    return found[:limit]


def suggest(session: Session, router: Router, words: str) -> tuple[str, str | None]:
    """The domain and topic the router reads in the host's few words ("iets anders"); the domain alone when it
    is not sure of a topic, algemeen when it is not sure at all (the host can still choose)."""
    if not words.strip():
        raise ValidationError({"words": Msg("typ in een paar woorden waarvoor de bezoeker komt")})
    if len(words) > NOTE_LIMIT:
        raise ValidationError({"words": Msg("schrijf het in ten hoogste %(limit)s tekens", limit=NOTE_LIMIT)})
    routing = router.route(words)
    return routing.domain, routing.topic


def turn_away(session: Session, advice: Advice, reason: str, now: datetime) -> LobbyTurnaway:
    """Count a visitor the host advised instead of giving a ticket; nothing of the person is kept."""
    if reason not in tuple(Turnaway):
        raise ValidationError({"reason": Msg("onbekende reden")})
    turnaway = LobbyTurnaway(at=now, domain_id=advice.domain.id, topic_id=advice.topic.id if advice.topic else None,
                             reason=reason)
    session.add(turnaway)
    session.flush()
    return turnaway


@dataclass(frozen=True)
class Visit:
    """What the host asks of a visitor who gets a ticket: all of it optional but the topic."""

    name: str | None = None  # a first name or initials, as the visitor gives it
    language: str = "nl"
    needs: tuple[str, ...] = ()
    note: str = ""  # the host's note: travels with the visitor to the desk and into any handover
    email: str | None = None  # for the ticket by e-mail
    form_key: str = field(default_factory=lambda: uuid.uuid4().hex)  # one ticket however often "check in" is tapped


def parse_visit(data: dict[str, Any]) -> Visit:
    problems: dict[str, str | Msg] = {}
    needs = tuple(data.get("needs") or ())
    if any(need not in VISITOR_NEEDS for need in needs):
        problems["needs"] = Msg("kies tolk, rolstoel of hulp bij lezen")
    note = (data.get("note") or "").strip()
    if len(note) > NOTE_LIMIT:
        problems["note"] = Msg("schrijf de notitie in ten hoogste %(limit)s tekens", limit=NOTE_LIMIT)
    form_key = data.get("form_key") or ""
    if not re.fullmatch(r"[0-9a-f]{32}", form_key):
        problems["form"] = Msg("het formulier is verlopen; begin opnieuw bij de bezoeker")
    if problems:
        raise ValidationError(problems)
    return Visit(name=(data.get("name") or "").strip() or None, language=data.get("language") or "nl",
                 needs=tuple(dict.fromkeys(needs)), note=note, email=(data.get("email") or "").strip() or None,
                 form_key=form_key)


def check_in(session: Session, router: Router, settings: QueueSettings, actor: Actor, advice: Advice, visit: Visit,
             now: datetime) -> Received:
    """Give the visitor a ticket for this topic, once: a second tap with the same form gives the same ticket.

    Only for a topic the counter handles while it is open; the host screen says so before it gets here.
    """
    from kcc.contacts import intake  # intake numbers the tickets with next_ticket below

    if not advice.at_counter:
        raise Conflict(Msg("%(topic)s doen we niet aan de balie.", topic=advice.topic.name if advice.topic else ""))
    if not advice.open_now:
        raise Conflict(Msg("De balie van %(domain)s is nu gesloten.", domain=advice.domain.name))
    data = intake.parse_contact({
        "channel": "counter", "domain": advice.domain.slug, "topic": advice.topic.slug if advice.topic else None,
        "question": visit.note, "language": visit.language, "external_ref": f"lobby-{visit.form_key}",
        "citizen": {"name": visit.name, "email": visit.email}})
    received = intake.receive(session, data, router, settings, now, actor=actor)
    if received.created:
        if visit.needs:
            session.connection().execute(update(Contact).where(Contact.id == received.id).values(needs=list(visit.needs)))
        if visit.email and received.ticket:
            _queue_ticket_mail(session, visit.email, received.ticket, advice, now)
            _told_if_near(session, received.id, advice.domain, received.rank_at, now)  # the ticket mail says it
    return received


def check_in_appointment(session: Session, router: Router, settings: QueueSettings, actor: Actor,
                         appointment: Appointment, visit: Visit, now: datetime, ahead: bool) -> Received:
    """The appointment's ticket, once (a second tap finds the same contact by its reference).

    `ahead`: arrived inside the window, or the host let a late or early visitor keep the appointment's place.
    The visitor then ranks as if they had come `appointment_lead_min` before their time: from that time on
    they go before walk-ins who came after that; earlier appointments, and walk-ins who waited longer
    already, stay before them. Without `ahead` they queue like a walk-in.
    """
    from kcc.contacts import intake

    advice = advise(session, appointment.domain.slug, appointment.topic.slug, now)
    if not advice.open_now:
        raise Conflict(Msg("De balie van %(domain)s is nu gesloten.", domain=advice.domain.name))
    note = "\n".join(part for part in (appointment.note, visit.note) if part)
    data = intake.parse_contact({
        "channel": "counter", "domain": advice.domain.slug, "topic": appointment.topic.slug, "question": note,
        "language": visit.language, "external_ref": f"appointment-{appointment.id}",
        "citizen": {"name": appointment.name, "email": appointment.email}})
    received = intake.receive(session, data, router, settings, now, actor=actor)
    if not received.created:
        return received
    values: dict[str, Any] = {"needs": list(visit.needs)} if visit.needs else {}
    if ahead:
        rank = appointment.starts_at - timedelta(seconds=settings.headstart("counter"),
                                                 minutes=settings.appointment_lead_min)
        values["rank_at"] = min(rank, received.rank_at)
    if values:
        session.connection().execute(update(Contact).where(Contact.id == received.id).values(**values))
    changed = session.connection().execute(
        update(Appointment).where(Appointment.id == appointment.id, Appointment.status == AppointmentStatus.booked)
        .values(status=AppointmentStatus.checked_in, checked_in_at=now, contact_id=received.id))
    if changed.rowcount != 1:
        raise Conflict(Msg("Deze afspraak is net al aangemeld of geannuleerd."))
    session.add(ContactEvent(contact_id=received.id, type="appointment", at=now, actor_id=actor.id,
                             data={"starts_at": appointment.starts_at.isoformat(), "ahead": ahead}))
    if appointment.email:  # standing at the host: no "bijna aan de beurt" mail a minute later
        _told_if_near(session, received.id, advice.domain, values.get("rank_at", received.rank_at), now)
    audit.record(session, actor, "appointment.check_in", object_type="appointment", object_id=appointment.id,
                 detail=received.ticket or "")
    session.expire(appointment)
    return received


def _told_if_near(session: Session, contact_id: int, domain: Domain, rank_at: datetime, now: datetime) -> None:
    """A visitor whose turn is near already as they get their ticket needs no near-turn mail (notify_close)."""
    if _ahead(session, contact_id, domain.id, rank_at) <= domain.lobby_notify_ahead:
        session.add(ContactEvent(contact_id=contact_id, type="notified_close", at=now, data={"ahead": 0}))


def _ahead(session: Session, contact_id: int, domain_id: int, rank_at: datetime) -> int:
    """Lobby visitors of this domain before this one in the queue."""
    return session.scalar(select(func.count()).where(
        Contact.channel == "counter", Contact.status == ContactStatus.waiting, Contact.domain_id == domain_id,
        (Contact.rank_at < rank_at) | ((Contact.rank_at == rank_at) & (Contact.id < contact_id)))) or 0


def _queue_ticket_mail(session: Session, address: str, ticket: str, advice: Advice, now: datetime) -> None:
    """The ticket by e-mail, in plain Dutch (B1): the number, where to wait, what to have at hand."""
    what = advice.topic.name.lower() if advice.topic else advice.domain.name.lower()
    lines = ["Beste bezoeker,", "", f"Uw volgnummer is {ticket}. U komt voor: {what}.",
             "Wacht in de hal. Op het scherm ziet u wanneer u aan de beurt bent, en bij welke balie.", ""]
    if advice.prerequisites:
        lines += ["Houd dit klaar:", *(f"- {item}" for item in advice.prerequisites), ""]
    lines += ["Met vriendelijke groet,", "Het Klantcontactcentrum van de gemeente"]
    session.add(OutgoingMail(kind="lobby_ticket", to_address=address, subject=f"Uw volgnummer: {ticket}",
                             body="\n".join(lines), created_at=now, next_attempt_at=now))


# --- a seintje when the turn is near ---------------------------------------------------------------------------

def notify_close(session: Session, now: datetime) -> int:
    """Mail each waiting visitor who left an e-mail address once, when no more than their domain's
    `lobby_notify_ahead` visitors are ahead of them: they can wait outside and come back in time."""
    from kcc.models import Citizen

    today = start_of_day(now)
    told = select(ContactEvent.id).where(ContactEvent.contact_id == Contact.id, ContactEvent.type == "notified_close")
    candidates = session.execute(
        select(Contact.id, Domain.id, Contact.rank_at, Contact.ticket, Citizen.email, Domain.lobby_notify_ahead)
        .join(Citizen, Citizen.id == Contact.citizen_id).join(Domain, Domain.id == Contact.domain_id)
        .where(Contact.channel == "counter", Contact.status == ContactStatus.waiting, Contact.created_at >= today,
               Citizen.email.is_not(None), Domain.lobby_notify_ahead > 0, ~told.exists())).all()
    sent = 0
    for contact_id, domain_id, rank_at, ticket, email, limit in candidates:
        ahead = _ahead(session, contact_id, domain_id, rank_at)
        if ahead > limit:
            continue
        people = "niemand meer" if ahead == 0 else ("nog 1 bezoeker" if ahead == 1 else f"nog {ahead} bezoekers")
        body = "\n".join(["Beste bezoeker,", "", f"U bent bijna aan de beurt. Voor u is {people} (uw volgnummer: {ticket}).",
                          "Wilt u naar de hal komen? Op het scherm ziet u bij welke balie u terecht kunt.", "",
                          "Met vriendelijke groet,", "Het Klantcontactcentrum van de gemeente"])
        session.add(OutgoingMail(kind="lobby_close", to_address=email, subject=f"U bent bijna aan de beurt ({ticket})",
                                 body=body, created_at=now, next_attempt_at=now))
        session.add(ContactEvent(contact_id=contact_id, type="notified_close", at=now, data={"ahead": ahead}))
        sent += 1
    session.flush()
    return sent
