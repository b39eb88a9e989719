"""Queues and assignment: one queue per domain across channels, handed out fairly and exactly once.

Who gets what:
- a contact is offered only to an employee who is available (not paused, offline or busy with a
  contact), has its domain as a skill, speaks the citizen's language (until `language_wait_s` has
  passed: then anyone skilled may take it, so nobody waits forever), and for a lobby visitor sits at
  a desk;
- contacts go oldest first by rank (arrival minus the channel's head start: a caller on the line goes
  before an e-mail);
- among the employees who could take a contact, primary skill goes before secondary, then the one
  idle longest — so everyone helps about as many people as their direct colleagues, without targets;
  a contact that has waited `fair_wait_s` (5 s) is no longer kept for anyone: whoever asks takes it.

Exactly once: on PostgreSQL the chosen row is locked with SELECT … FOR UPDATE SKIP LOCKED and
re-checked as still waiting; on SQLite the writing session began with BEGIN IMMEDIATE, so claimers
run one after another (kcc.db). Either way the status changes from waiting in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from .config import QueueSettings
from .db import row_locks
from .errors import Conflict, Msg, ValidationError
from .models import PRESENCE_STATES, Contact, ContactEvent, Desk, Domain, Skill, Staff, StaffLanguage
from .timeutil import local

CANDIDATES = 100  # waiting contacts looked at per claim; the queue head is what matters
DEFAULT_HANDLING_S = 240  # until a domain has its own recent handling times


def busy(session: Session, staff: Staff) -> Contact | None:
    """The contact this employee has in progress, if any (being busy is that, not a state one picks)."""
    return session.scalar(select(Contact).where(Contact.owner_id == staff.id, Contact.status == "in_progress")
                          .order_by(Contact.answered_at.desc()).limit(1))


def presence_of(session: Session, staff: Staff) -> str:
    return "busy" if staff.presence != "offline" and busy(session, staff) else staff.presence


def set_presence(session: Session, staff: Staff, state: str, now: datetime, desk_number: str | None = None,
                 desk_given: bool = False) -> None:
    """available | paused | offline, and optionally the desk one sits at (None: no desk)."""
    if state not in PRESENCE_STATES:
        raise ValidationError({"state": Msg("kies available, paused of offline")})
    if desk_given:
        if desk_number in (None, ""):
            staff.desk = None
        else:
            desk = session.scalar(select(Desk).where(Desk.number == str(desk_number), Desk.active.is_(True)))
            if desk is None:
                raise ValidationError({"desk": Msg("onbekende balie %(number)s", number=desk_number)})
            staff.desk = desk
    if state != staff.presence:
        staff.presence = state
        staff.presence_since = now
        if state == "available":
            staff.idle_since = now
    staff.last_seen_at = now


def _skill_levels(staff: Staff) -> dict[int, int]:
    """domain id → 0 for primary, 1 for secondary."""
    return {skill.domain_id: 0 if skill.level == "primary" else 1 for skill in staff.skills}


@dataclass
class _Claimer:
    """What assignment needs of an employee, without loading the whole Staff object."""

    staff_id: int
    levels: dict[int, int]
    languages: set[str]
    at_desk: bool
    idle_since: datetime


@dataclass(frozen=True)
class _Waiting:
    """What assignment needs of a waiting contact."""

    id: int
    domain_id: int
    channel: str
    language: str
    queued_at: datetime


def _claimer(staff: Staff, now: datetime) -> _Claimer:
    return _Claimer(staff.id, _skill_levels(staff), set(staff.languages) | {"nl"}, staff.desk_id is not None,
                    staff.idle_since or staff.presence_since or now)


def _may_take(claimer: _Claimer, contact: _Waiting, now: datetime, settings: QueueSettings) -> bool:
    if contact.domain_id not in claimer.levels:
        return False
    if contact.channel == "counter" and not claimer.at_desk:
        return False
    if contact.language not in claimer.languages:
        return (now - contact.queued_at).total_seconds() >= settings.language_wait_s
    return True


def _waiting(session: Session, domain_ids, limit: int) -> list[_Waiting]:
    """The heads of these domains' queues, merged in queue order.

    One query per domain reads straight down the queue index; a single IN (...) query would make the
    database sort every waiting contact of those domains first, which grows with the queue.
    """
    heads = []
    for domain_id in domain_ids:
        heads += session.execute(
            select(Contact.rank_at, Contact.id, Contact.domain_id, Contact.channel, Contact.language, Contact.queued_at)
            .where(Contact.status == "waiting", Contact.domain_id == domain_id)
            .order_by(Contact.rank_at, Contact.id).limit(limit)).all()
    heads.sort(key=lambda row: (row[0], row[1]))
    return [_Waiting(*row[1:]) for row in heads[:limit]]


def _colleagues(session: Session, me: Staff, domain_ids, now: datetime, settings: QueueSettings) -> list[_Claimer]:
    """Other employees who are free for a contact in these domains right now and demonstrably there."""
    fresh = now - timedelta(seconds=settings.presence_fresh_s)
    in_progress = exists().where(Contact.owner_id == Staff.id, Contact.status == "in_progress")
    rows = session.execute(
        select(Staff.id, Staff.idle_since, Staff.presence_since, Staff.desk_id, Skill.domain_id, Skill.level)
        .join(Skill, Skill.staff_id == Staff.id)
        .where(Staff.id != me.id, Staff.active.is_(True), Staff.presence == "available", Staff.last_seen_at >= fresh,
               ~in_progress)).all()
    wanted = set(domain_ids)
    claimers: dict[int, _Claimer] = {}
    for staff_id, idle_since, presence_since, desk_id, domain_id, level in rows:
        claimer = claimers.setdefault(staff_id, _Claimer(staff_id, {}, {"nl"}, desk_id is not None,
                                                         idle_since or presence_since or now))
        claimer.levels[domain_id] = 0 if level == "primary" else 1
    claimers = {sid: c for sid, c in claimers.items() if wanted & c.levels.keys()}
    if claimers:
        for staff_id, code in session.execute(select(StaffLanguage.staff_id, StaffLanguage.code)
                                              .where(StaffLanguage.staff_id.in_(claimers))):
            claimers[staff_id].languages.add(code)
    return list(claimers.values())


def _fair_order(me: _Claimer, others: list[_Claimer], contacts: list[_Waiting], now: datetime,
                settings: QueueSettings) -> list[_Waiting]:
    """The contact that is fairly mine, then the rest I may take in case another claimer locks it first.

    The queue is played out: each contact in order goes to its best free employee. If every contact I
    could take goes to a colleague who is waiting longer (or has it as primary skill), nothing is mine now.
    """
    taken: set[int] = set()
    everyone = [me, *others]
    for position, contact in enumerate(contacts):
        if (now - contact.queued_at).total_seconds() >= settings.fair_wait_s and _may_take(me, contact, now, settings):
            # waited long enough: speed before fairness, whoever asks first takes it
            return [contact] + [c for c in contacts[position + 1:] if _may_take(me, c, now, settings)]
        eligible = [c for c in everyone if c.staff_id not in taken and _may_take(c, contact, now, settings)]
        if not eligible:
            continue
        best = min(eligible, key=lambda c: (c.levels[contact.domain_id], c.idle_since, c.staff_id))
        if best is me:
            return [contact] + [c for c in contacts[position + 1:] if _may_take(me, c, now, settings)]
        taken.add(best.staff_id)
    return []


def _my_turn(session: Session, staff: Staff, now: datetime, settings: QueueSettings) -> list[_Waiting]:
    """The contacts fairly mine now, best first. Each free colleague takes at most one contact, so the
    queue head only needs to be as long as the number of free colleagues (with room for contacts that
    fit nobody, such as a lobby visitor when no one sits at a desk)."""
    me = _claimer(staff, now)
    if not me.levels:
        return []
    others = _colleagues(session, staff, list(me.levels), now, settings)
    contacts = _waiting(session, list(me.levels), limit=min(CANDIDATES, 2 * (len(others) + 1) + 8))
    return _fair_order(me, others, contacts, now, settings) if contacts else []


def peek_next(session: Session, staff: Staff, now: datetime, settings: QueueSettings) -> Contact | None:
    """The contact that would be this employee's now, without taking it (the offer in the workspace)."""
    if staff.presence != "available" or busy(session, staff) is not None:
        return None
    mine = _my_turn(session, staff, now, settings)
    return session.get(Contact, mine[0].id) if mine else None


def claim_next(session: Session, staff: Staff, now: datetime, settings: QueueSettings) -> Contact | None:
    """Give this employee their next contact (now in progress), or None when nothing fits them."""
    if row_locks(session):
        # one claim per employee at a time: a double click must not give two contacts
        presence = session.scalar(select(Staff.presence).where(Staff.id == staff.id).with_for_update())
        if presence != staff.presence:
            session.refresh(staff, ["presence"])
    if staff.presence != "available":
        raise Conflict(Msg("Je staat niet op beschikbaar. Zet jezelf op beschikbaar om een contact te krijgen."))
    if busy(session, staff) is not None:
        raise Conflict(Msg("Je hebt al een contact in behandeling. Rond dat eerst af."))
    staff.last_seen_at = now
    for candidate in _my_turn(session, staff, now, settings):
        contact = _lock_waiting(session, candidate.id)
        if contact is None:
            continue
        contact.status = "in_progress"
        contact.owner_id = staff.id
        contact.answered_at = now
        contact.updated_at = now
        if contact.channel == "counter":
            contact.desk_id = staff.desk_id
        staff.idle_since = None
        session.add(ContactEvent(contact=contact, type="claimed", actor=staff, at=now,
                                 data={"waited_s": int((now - contact.queued_at).total_seconds()),
                                       **({"desk": staff.desk.number} if contact.channel == "counter" and staff.desk
                                          else {})}))
        session.flush()
        return contact
    return None


def _lock_waiting(session: Session, contact_id: int) -> Contact | None:
    """The contact, locked, if it is still waiting; another claimer's row is skipped, not waited for."""
    query = select(Contact).where(Contact.id == contact_id, Contact.status == "waiting")
    if row_locks(session):
        query = query.with_for_update(skip_locked=True)
    contact = session.scalar(query.execution_options(populate_existing=True))
    return contact if contact is not None and contact.status == "waiting" else None


def _owned_in_progress(session: Session, contact: Contact, staff: Staff) -> None:
    session.refresh(contact, with_for_update=row_locks(session))
    if contact.owner_id != staff.id:
        raise Conflict(Msg("Dit contact is niet van jou; alleen wie het behandelt kan het afronden."))
    if contact.status != "in_progress":
        raise Conflict(Msg("Dit contact is niet in behandeling (status: %(status)s).", status=contact.status))


def resolve(session: Session, contact: Contact, staff: Staff, outcome: str, now: datetime, note: str = "",
            referred_to: str = "") -> None:
    """Close a contact: answered in one go, or warmly referred to another organisation (to whom, what was arranged)."""
    problems: dict[str, Msg] = {}
    note, referred_to = (note or "").strip(), (referred_to or "").strip()
    if outcome not in ("answered", "referred_external"):
        problems["outcome"] = Msg("kies answered of referred_external")
    if outcome == "referred_external" and not referred_to:
        problems["referred_to"] = Msg("schrijf naar wie je hebt verwezen en wat je hebt afgesproken")
    if len(note) > 4000:
        problems["note"] = Msg("is te lang: %(length)s tekens, het maximum is %(limit)s", length=len(note), limit=4000)
    if len(referred_to) > 1000:
        problems["referred_to"] = Msg("is te lang: %(length)s tekens, het maximum is %(limit)s",
                                      length=len(referred_to), limit=1000)
    if problems:
        raise ValidationError(problems)
    _owned_in_progress(session, contact, staff)
    contact.status = "resolved"
    contact.outcome = outcome
    contact.referred_to = referred_to or None
    contact.closed_at = now
    contact.updated_at = now
    session.add(ContactEvent(contact=contact, type="resolved", actor=staff, at=now,
                             data={"outcome": outcome, **({"note": note} if note else {}),
                                   **({"referred_to": referred_to} if referred_to else {})}))
    if staff.presence == "available":
        staff.idle_since = now
    staff.last_seen_at = now
    session.flush()


def abandon(session: Session, contact: Contact, now: datetime, actor: Staff | None = None) -> None:
    """The caller hung up while waiting; only a waiting contact can be abandoned (atomically)."""
    result = session.execute(update(Contact).where(Contact.id == contact.id, Contact.status == "waiting")
                             .values(status="abandoned", closed_at=now, updated_at=now)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(contact)
        raise Conflict(Msg("Dit contact wacht niet meer (status: %(status)s); ophangen kan alleen in de wachtrij.",
                           status=contact.status))
    session.refresh(contact)
    session.add(ContactEvent(contact=contact, type="abandoned", actor=actor, at=now, data={}))
    session.flush()


# --- what the queue looks like ---------------------------------------------------------------------

@dataclass
class QueueStatus:
    domain: Domain
    waiting: int
    longest_wait_s: int
    staff_available: int
    service_level_today: float | None


def average_handling_s(session: Session, domain_id: int, now: datetime) -> float:
    """Mean handling time of the domain's last 50 contacts this week; a default until there are some."""
    rows = session.execute(select(Contact.answered_at, Contact.closed_at)
                           .where(Contact.domain_id == domain_id, Contact.status == "resolved",
                                  Contact.answered_at.is_not(None), Contact.closed_at >= now - timedelta(days=7))
                           .order_by(Contact.closed_at.desc()).limit(50)).all()
    durations = [(closed - answered).total_seconds() for answered, closed in rows if closed > answered]
    return sum(durations) / len(durations) if durations else DEFAULT_HANDLING_S


def staff_on_domain(session: Session, domain_id: int) -> int:
    """Employees working this domain now: available, or busy with a contact (they will be free again)."""
    return session.scalar(select(func.count(func.distinct(Staff.id))).join(Skill, Skill.staff_id == Staff.id)
                          .where(Skill.domain_id == domain_id, Staff.active.is_(True),
                                 Staff.presence == "available")) or 0


def position_and_wait(session: Session, contact: Contact, now: datetime) -> tuple[int | None, int | None]:
    """Place in the domain's queue (1 = next) and the expected wait from recent handling times and staff."""
    if contact.status != "waiting":
        return None, None
    ahead = session.scalar(select(func.count()).select_from(Contact).where(
        Contact.status == "waiting", Contact.domain_id == contact.domain_id,
        (Contact.rank_at < contact.rank_at) | and_(Contact.rank_at == contact.rank_at, Contact.id < contact.id))) or 0
    staff = staff_on_domain(session, contact.domain_id)
    handling = average_handling_s(session, contact.domain_id, now)
    # with n people working, the k-th in line waits about k/n handling times
    return ahead + 1, int(round((ahead + 1) * handling / max(staff, 1)))


def service_level_today(session: Session, domain: Domain, now: datetime) -> float | None:
    """Share of today's answered phone contacts picked up within the domain's target."""
    start = local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = session.execute(select(Contact.created_at, Contact.answered_at).where(
        Contact.domain_id == domain.id, Contact.channel == "phone", Contact.created_at >= start,
        Contact.answered_at.is_not(None))).all()
    if not rows:
        return None
    within = sum((answered - created).total_seconds() <= domain.phone_answer_target_s for created, answered in rows)
    return round(within / len(rows), 3)


def queue_status(session: Session, now: datetime, domain_ids: list[int] | None = None) -> list[QueueStatus]:
    """Waiting, longest wait, staff available and today's service level for each domain."""
    query = select(Domain).where(Domain.active.is_(True)).order_by(Domain.position, Domain.slug)
    if domain_ids is not None:
        query = query.where(Domain.id.in_(domain_ids))
    waiting = dict(session.execute(select(Contact.domain_id, func.count()).where(Contact.status == "waiting")
                                   .group_by(Contact.domain_id)).all())
    oldest = dict(session.execute(select(Contact.domain_id, func.min(Contact.queued_at))
                                  .where(Contact.status == "waiting").group_by(Contact.domain_id)).all())
    in_progress = exists().where(Contact.owner_id == Staff.id, Contact.status == "in_progress")
    available = dict(session.execute(
        select(Skill.domain_id, func.count(func.distinct(Staff.id))).join(Staff, Skill.staff_id == Staff.id)
        .where(Staff.active.is_(True), Staff.presence == "available", ~in_progress)
        .group_by(Skill.domain_id)).all())
    result = []
    for domain in session.scalars(query):
        first = oldest.get(domain.id)
        result.append(QueueStatus(domain, waiting.get(domain.id, 0),
                                  max(0, int((now - first).total_seconds())) if first else 0,
                                  available.get(domain.id, 0), service_level_today(session, domain, now)))
    return result

