"""The host's waiting list: who waits how long for what, who needs a visit (coffee, an update), which desks are
staffed; and what the host may change — someone to the front with a reason, to another domain keeping their
place, someone who left, a no-show who was there after all (kcc.lobby.calls.undo_no_show).

Only today's counter visitors, and only what was said at the door (kcc.policy.may_see_in_lobby).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, joinedload

from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Conflict, Msg, NotFound, ValidationError
from kcc.core.timeutil import start_of_day
from kcc.models import Appointment, Citizen, Contact, ContactEvent, ContactStatus, Desk, Domain, Presence, Staff, Topic
from kcc.policy import lobby_visible_to

REASON_LIMIT = 300


@dataclass(frozen=True)
class Visitor:
    """One waiting visitor as the host sees them."""

    id: int
    ticket: str
    domain: str
    domain_slug: str
    topic: str | None
    name: str | None
    note: str
    needs: list[str]
    waited_s: int
    attention: bool  # waited past the domain's threshold since the host last went over
    moved: str | None  # the reason they were moved to the front, when they were
    appointment_at: datetime | None = None  # checked in for an appointment at this time


@dataclass(frozen=True)
class NoShow:
    id: int
    ticket: str
    domain: str
    at: datetime


@dataclass(frozen=True)
class StaffedDesk:
    number: str
    label: str
    name: str
    state: str  # available | busy | paused | offline


@dataclass(frozen=True)
class Hall:
    visitors: list[Visitor]
    no_shows: list[NoShow]
    desks: list[StaffedDesk]


def hall(session: Session, actor: Actor, now: datetime) -> Hall:
    """Everything the host's list shows, in a fixed number of statements."""
    today = start_of_day(now)
    visible = lobby_visible_to(actor, today)
    rows = session.execute(
        select(Contact.id, Contact.ticket, Domain.name, Domain.slug, Topic.name, Citizen.name, Contact.question,
               Contact.needs, Contact.queued_at, Domain.lobby_attention_min, Appointment.starts_at)
        .join(Domain, Domain.id == Contact.domain_id).outerjoin(Topic, Topic.id == Contact.topic_id)
        .outerjoin(Appointment, Appointment.contact_id == Contact.id)
        .outerjoin(Citizen, Citizen.id == Contact.citizen_id)
        .where(visible, Contact.status == ContactStatus.waiting, Contact.ticket.is_not(None))
        .order_by(Contact.rank_at, Contact.id)).all()
    ids = [row[0] for row in rows]
    visited: dict[int, datetime] = {}
    moved: dict[int, str] = {}
    if ids:
        for contact_id, kind, at, data in session.execute(
                select(ContactEvent.contact_id, ContactEvent.type, ContactEvent.at, ContactEvent.data)
                .where(ContactEvent.contact_id.in_(ids), ContactEvent.type.in_(("host_visited", "moved_forward")))
                .order_by(ContactEvent.at)):
            if kind == "host_visited":
                visited[contact_id] = at
            else:
                moved[contact_id] = (data or {}).get("reason", "")
    visitors = []
    for contact_id, ticket, domain, slug, topic, name, note, needs, queued_at, threshold, appointment_at in rows:
        since = visited.get(contact_id, queued_at)
        visitors.append(Visitor(contact_id, ticket or "", domain, slug, topic, name, note or "", list(needs or []),
                                int((now - queued_at).total_seconds()),
                                (now - since) >= timedelta(minutes=threshold), moved.get(contact_id), appointment_at))
    no_shows = [NoShow(contact_id, ticket or "", domain, closed_at or now)
                for contact_id, ticket, domain, closed_at in session.execute(
        select(Contact.id, Contact.ticket, Domain.name, Contact.closed_at).join(Domain, Domain.id == Contact.domain_id)
        .where(visible, Contact.status == ContactStatus.abandoned, Contact.calls > 0, Contact.started_at.is_(None))
        .order_by(Contact.closed_at.desc()).limit(10))]
    busy = select(Contact.owner_id).where(Contact.status == ContactStatus.in_progress, Contact.owner_id.is_not(None))
    desks = [StaffedDesk(number, label, name, Presence.offline if presence == Presence.offline
                         else "busy" if is_busy else presence)
             for number, label, name, presence, is_busy in session.execute(
                 select(Desk.number, Desk.label, Staff.name, Staff.presence, Staff.id.in_(busy))
                 .join(Staff, Staff.desk_id == Desk.id)
                 .where(Desk.active.is_(True), Staff.active.is_(True), Staff.presence != Presence.offline)
                 .order_by(func.length(Desk.number), Desk.number))]
    return Hall(visitors, no_shows, desks)


def _waiting_visitor(session: Session, actor: Actor, contact_id: int, now: datetime) -> Contact:
    contact = session.scalar(select(Contact).where(Contact.id == contact_id, lobby_visible_to(actor, start_of_day(now)))
                             .options(joinedload(Contact.domain)))
    if contact is None:
        raise NotFound(Msg("geen bezoeker met dit nummer vandaag"))
    if contact.status != ContactStatus.waiting:
        raise Conflict(Msg("%(ticket)s wacht niet meer; de lijst is bijgewerkt.", ticket=contact.ticket))
    return contact


def _event(session: Session, contact: Contact, kind: str, actor: Actor, now: datetime, **data) -> None:
    session.add(ContactEvent(contact_id=contact.id, type=kind, actor_id=actor.id, at=now, data=data))


def visited(session: Session, actor: Actor, contact_id: int, now: datetime) -> None:
    """The host went over (coffee, an update): the prompt rests until the threshold passes again."""
    contact = _waiting_visitor(session, actor, contact_id, now)
    _event(session, contact, "host_visited", actor, now)
    session.flush()


def move_forward(session: Session, actor: Actor, contact_id: int, reason: str, now: datetime) -> None:
    """To the front of their domain's queue (someone unwell), with the reason every desk can read."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": Msg("schrijf op waarom deze bezoeker voorgaat")})
    if len(reason) > REASON_LIMIT:
        raise ValidationError({"reason": Msg("schrijf de reden in ten hoogste %(limit)s tekens", limit=REASON_LIMIT)})
    contact = _waiting_visitor(session, actor, contact_id, now)
    first = session.scalar(select(func.min(Contact.rank_at)).where(
        Contact.status == ContactStatus.waiting, Contact.domain_id == contact.domain_id))
    front = min(first or contact.rank_at, contact.rank_at) - timedelta(seconds=1)
    _moved(session, contact, dict(rank_at=front), now)
    _event(session, contact, "moved_forward", actor, now, reason=reason)
    audit.record(session, actor, "contact.move", object_type="contact", object_id=contact.id, detail="front")


def move_domain(session: Session, actor: Actor, contact_id: int, domain_slug: str, now: datetime) -> None:
    """To another domain's queue, keeping their place in time and their ticket number and history."""
    contact = _waiting_visitor(session, actor, contact_id, now)
    domain = session.scalar(select(Domain).where(Domain.slug == domain_slug, Domain.active.is_(True)))
    if domain is None:
        raise ValidationError({"domain": Msg("kies een domein uit de lijst")})
    if domain.id == contact.domain_id:
        raise ValidationError({"domain": Msg("de bezoeker staat al bij %(domain)s", domain=domain.name)})
    before = contact.domain.slug if contact.domain else None
    _moved(session, contact, dict(domain_id=domain.id, topic_id=None), now)
    _event(session, contact, "rerouted", actor, now, **{"from": before, "to": domain.slug, "by": "host"})
    audit.record(session, actor, "contact.move", object_type="contact", object_id=contact.id, detail=domain.slug)


def left(session: Session, actor: Actor, contact_id: int, now: datetime) -> None:
    """The visitor went home before their turn: out of the queue, counted as abandoned."""
    contact = _waiting_visitor(session, actor, contact_id, now)
    _moved(session, contact, dict(status=ContactStatus.abandoned, closed_at=now), now)
    _event(session, contact, "left", actor, now)
    audit.record(session, actor, "contact.abandon", object_type="contact", object_id=contact.id)


def _moved(session: Session, contact: Contact, values: dict, now: datetime) -> None:
    """One conditional UPDATE: a desk calling the visitor at this moment wins, and the host hears so."""
    changed = cast(CursorResult, session.execute(
        update(Contact).where(Contact.id == contact.id, Contact.status == ContactStatus.waiting)
        .values(**values, updated_at=now).execution_options(synchronize_session=False)))
    if changed.rowcount != 1:
        raise Conflict(Msg("%(ticket)s is net opgeroepen; er is niets veranderd.", ticket=contact.ticket))
    session.expire(contact)
