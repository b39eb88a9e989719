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

Exactly once: one UPDATE takes the contact only if it is still waiting; on PostgreSQL its row is
locked with SELECT … FOR UPDATE SKIP LOCKED inside that UPDATE, on SQLite the writing session began
with BEGIN IMMEDIATE, so claimers run one after another (kcc.core.db).

Claiming and resolving are what every employee's softphone calls all day, so they are a few Core
statements rather than ORM object loads; kcc.db.expire_loaded keeps ORM objects in the same session
from showing what was there before.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import cast

from sqlalchemy import Connection, CursorResult, Integer, and_, bindparam, case, exists, func, insert, select, union_all, update
from sqlalchemy.orm import Session, aliased

from kcc.config import QueueSettings
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.db import UTCDateTime, expire_loaded, row_locks, seconds_between
from kcc.core.errors import Conflict, Msg, NotFound, ValidationError, too_long
from kcc.core.timeutil import start_of_day
from kcc.models import PRESENCE_STATES, Contact, ContactEvent, ContactStatus, Desk, Domain, Outcome, Presence, Skill, Staff, StaffLanguage, Topic
from kcc.staff import directory

CANDIDATES = 100  # waiting contacts looked at per claim at most; the queue head is what matters
HEAD = 12  # read first; more only when many free colleagues make fairness look further down
MAX_REFERRED_TO = 1000
DEFAULT_HANDLING_S = 240  # until a domain has its own recent handling times


def busy(session: Session, staff_id: int) -> Contact | None:
    """The contact this employee has in progress, if any (being busy is that, not a state one picks).

    The one place that says what busy means for one person; lists use staff.directory.busy_ids."""
    return session.scalar(select(Contact).where(Contact.owner_id == staff_id, Contact.status == ContactStatus.in_progress)
                          .order_by(Contact.answered_at.desc()).limit(1))


def seen(staff: Staff, now: datetime, fresh_s: int) -> None:
    """A screen's poll or a client's call says this person is still there (for the queue's fair turns, the floor,
    the handover list, the silent release); written at most every third of the freshness window, as a row
    write per poll would be most of a poll's cost."""
    if staff.last_seen_at is None or (now - staff.last_seen_at).total_seconds() >= fresh_s / 3:
        staff.last_seen_at = now


def presence_of(session: Session, staff: Staff) -> str:
    """One employee's presence, by the same rule as every list of colleagues (kcc.staff.directory.presence)."""
    return directory.presence(staff, directory.busy_ids(session, [staff.id]))


def set_presence(session: Session, staff: Staff, state: str, now: datetime, desk_number: str | None = None,
                 desk_given: bool = False, fresh_s: int = QueueSettings.presence_fresh_s) -> None:
    """available | paused | offline, and optionally the desk one sits at (None: no desk).

    The workspace, the login form and the API all seat people here, so one rule holds everywhere: see _sit_at.
    Nothing is changed when a ValidationError is raised."""
    if state not in PRESENCE_STATES:
        raise ValidationError({"state": Msg("kies available, paused of offline")})
    if desk_given:
        if desk_number in (None, ""):
            staff.desk = None
        else:
            staff.desk = _sit_at(session, staff, str(desk_number), now, fresh_s)
    if state != staff.presence:
        staff.presence = state
        staff.presence_since = now
        if state == Presence.available:
            staff.idle_since = now
    staff.last_seen_at = now


def _sit_at(session: Session, staff: Staff, number: str, now: datetime, fresh_s: int) -> Desk:
    """One desk, one person: a desk where a colleague is sitting (not offline, and their screen asked within
    `fresh_s`) is refused with their name, or a visitor would be called to the wrong person. Anyone else still
    on record there (offline, or gone without signing off) stands up. Keeping one's own desk is not taking it.

    The desk's row is locked on PostgreSQL, so two people choosing the same free desk at once take turns."""
    query = select(Desk).where(Desk.number == number, Desk.active.is_(True))
    desk = session.scalar(query.with_for_update() if row_locks(session) else query)
    if desk is None:
        raise ValidationError({"desk": Msg("onbekende balie %(number)s", number=number)})
    if staff.desk_id == desk.id:
        return desk
    holder = session.scalar(
        select(Staff.name).where(Staff.desk_id == desk.id, Staff.id != staff.id, Staff.active.is_(True),
                                 Staff.presence != Presence.offline,
                                 Staff.last_seen_at >= now - timedelta(seconds=fresh_s)).limit(1))
    if holder is not None:
        raise ValidationError({"desk": Msg("Balie %(number)s is bezet door %(name)s; kies een andere balie.",
                                           number=desk.number, name=holder)})
    session.execute(update(Staff).where(Staff.desk_id == desk.id, Staff.id != staff.id).values(desk_id=None))
    return desk


@dataclass
class _Claimer:
    """What assignment needs of an employee, without loading the whole Staff object."""

    staff_id: int
    levels: dict[int, int]
    languages: set[str]
    at_desk: bool
    idle_since: datetime


@dataclass(frozen=True)
class Waiting:
    """What assignment needs of a waiting contact."""

    id: int
    domain_id: int
    channel: str
    language: str
    queued_at: datetime


def _claimer(staff: Actor | Staff, desk_id: int | None, idle_since: datetime) -> _Claimer:
    assert staff.id is not None  # a person: a Staff row, or an Actor whose staff row _me has just read
    levels = {domain_id: 0 if level == "primary" else 1 for domain_id, level in staff.serving_levels.items()}
    return _Claimer(staff.id, levels, set(staff.languages) | {"nl"}, desk_id is not None, idle_since)


def _may_take(claimer: _Claimer, contact: Waiting, now: datetime, settings: QueueSettings) -> bool:
    if contact.domain_id not in claimer.levels:
        return False
    if contact.channel == "counter" and not claimer.at_desk:
        return False
    if contact.language not in claimer.languages:
        return (now - contact.queued_at).total_seconds() >= settings.language_wait_s
    return True


# The statements an employee's softphone runs all day are built once, with bound parameters: building
# and fingerprinting an expression costs more than the database takes to run it.

@lru_cache(maxsize=8)
def _heads(domains: int):
    """The heads of `domains` queues as one statement: each its own LIMIT straight down the queue index
    (a single IN (...) query would make the database sort every waiting contact of those domains)."""
    heads = [select(Contact.rank_at, Contact.id, Contact.domain_id, Contact.channel, Contact.language,
                    Contact.queued_at)
             .where(Contact.status == ContactStatus.waiting, Contact.domain_id == bindparam(f"domain{i}"))
             .order_by(Contact.rank_at, Contact.id).limit(bindparam("head", type_=Integer)).subquery()
             for i in range(domains)]
    return union_all(*(select(head) for head in heads)) if domains > 1 else select(heads[0])


_FREE_COLLEAGUES = (
    select(Staff.id, Staff.idle_since, Staff.presence_since, Staff.desk_id, Skill.domain_id, Skill.level)
    .join(Skill, Skill.staff_id == Staff.id)
    .where(Staff.id != bindparam("claimer"), Staff.active.is_(True), Staff.presence == Presence.available,
           Staff.last_seen_at >= bindparam("fresh"), Skill.domain_id.in_(bindparam("domains", expanding=True)),
           Skill.serving.is_(True),
           ~exists().where(Contact.owner_id == Staff.id, Contact.status == ContactStatus.in_progress)))
_LANGUAGES = select(StaffLanguage.staff_id, StaffLanguage.code).where(
    StaffLanguage.staff_id.in_(bindparam("staff", expanding=True)))


def _waiting(conn: Connection, domain_ids, limit: int) -> list[Waiting]:
    """The heads of these domains' queues, merged in queue order, in one statement."""
    params = {f"domain{i}": domain_id for i, domain_id in enumerate(domain_ids)}
    rows = sorted(conn.execute(_heads(len(params)), {**params, "head": limit}).all(),
                  key=lambda row: (row[0], row[1]))
    return [Waiting(*row[1:]) for row in rows[:limit]]


def _colleagues(conn: Connection, me_id: int, domain_ids, languages_needed: bool, now: datetime,
                settings: QueueSettings) -> list[_Claimer]:
    """Other employees who are free for a contact in these domains right now and demonstrably there."""
    rows = conn.execute(_FREE_COLLEAGUES, {"claimer": me_id, "domains": list(domain_ids),
                                           "fresh": now - timedelta(seconds=settings.presence_fresh_s)}).all()
    claimers: dict[int, _Claimer] = {}
    for staff_id, idle_since, presence_since, desk_id, domain_id, level in rows:
        claimer = claimers.setdefault(staff_id, _Claimer(staff_id, {}, {"nl"}, desk_id is not None,
                                                         idle_since or presence_since or now))
        claimer.levels[domain_id] = 0 if level == "primary" else 1
    if claimers and languages_needed:
        for staff_id, code in conn.execute(_LANGUAGES, {"staff": list(claimers)}):
            claimers[staff_id].languages.add(code)
    return list(claimers.values())


def _fair_order(me: _Claimer, others: list[_Claimer], contacts: list[Waiting], now: datetime,
                settings: QueueSettings) -> list[Waiting]:
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


def _my_turn(conn: Connection, me: _Claimer, now: datetime, settings: QueueSettings) -> list[Waiting]:
    """The contacts fairly mine now, best first.

    The queue heads are read first: when nothing waits, or the first contact I may take has waited past
    `fair_wait_s`, the colleagues need not be looked at. Each free colleague takes at most one contact, so
    the heads only need to be as long as the number of free colleagues (with room for contacts that fit
    nobody, such as a lobby visitor when no one sits at a desk).
    """
    if not me.levels:
        return []
    contacts = _waiting(conn, list(me.levels), limit=HEAD)
    if me.at_desk:
        contacts = _mixed(conn, contacts)
    mine = [c for c in contacts if _may_take(me, c, now, settings)]
    if not mine:
        return []
    if (now - mine[0].queued_at).total_seconds() >= settings.fair_wait_s:
        return mine
    others = _colleagues(conn, me.staff_id, me.levels, any(c.language != "nl" for c in contacts), now, settings)
    needed = min(CANDIDATES, 2 * (len(others) + 1) + 8)
    if needed > HEAD and len(contacts) >= HEAD:
        contacts = _waiting(conn, list(me.levels), limit=needed)
        if me.at_desk:
            contacts = _mixed(conn, contacts)
    return _fair_order(me, others, contacts[:needed], now, settings)


_MIXES = select(Domain.id, Domain.counter_mix).where(Domain.counter_mix != "together")
_FIRST = {"counter_first": "counter", "phone_first": "phone"}


def _mixed(conn: Connection, contacts: list[Waiting]) -> list[Waiting]:
    """For someone at a desk who also takes calls: each domain's choice (domains/ counter_mix) of lobby visitors
    first, callers first, or whoever waited longest (the queue's own order)."""
    mixes = {domain_id: _FIRST[mix] for domain_id, mix in conn.execute(_MIXES) if mix in _FIRST}
    if not mixes:
        return contacts
    return sorted(contacts, key=lambda c: c.domain_id in mixes and c.channel != mixes[c.domain_id])


def next_waiting(session: Session, staff: Staff, who: Actor, now: datetime, settings: QueueSettings) -> Waiting | None:
    """The contact that would be this employee's now, as the queue holds it, without taking it: for someone
    available with nothing in hand (the caller knows). `who` gives the skills and languages (the actor's
    profile, read once per revision), `staff` the state of the moment."""
    me = _claimer(who, staff.desk_id, staff.idle_since or staff.presence_since or now)
    mine = _my_turn(session.connection(), me, now, settings)
    return mine[0] if mine else None


def peek_next(session: Session, staff: Staff, who: Actor, now: datetime, settings: QueueSettings) -> Contact | None:
    """The contact that would be this employee's now, without taking it (the offer in the workspace)."""
    if staff.presence != Presence.available or busy(session, staff.id) is not None:
        return None
    found = next_waiting(session, staff, who, now, settings)
    return session.get(Contact, found.id) if found else None


def _busy_flag():
    # the contact in hand, if any; the id as a value, not correlated: SQLite writes RETURNING columns without
    # their table
    return (select(Contact.id).where(Contact.owner_id == bindparam("claimer"), Contact.status == ContactStatus.in_progress)
            .limit(1).scalar_subquery().label("busy"))


_STATE = select(Staff.presence, Staff.idle_since, Staff.presence_since, Staff.desk_id, Staff.last_seen_at,
                _busy_flag()).where(Staff.id == bindparam("claimer"))
_SEEN = update(Staff).where(Staff.id == bindparam("claimer")).values(last_seen_at=bindparam("now"))


def _check(state) -> None:
    if state.presence != Presence.available:
        raise Conflict(Msg("Je staat niet op beschikbaar. Zet jezelf op beschikbaar om een contact te krijgen."))
    if state.busy is not None:
        raise Conflict(Msg("Je hebt al een contact in behandeling (contact %(id)s). Rond dat eerst af.", id=state.busy),
                       contact_id=state.busy)


_EVENT = insert(ContactEvent)


@dataclass(frozen=True)
class Claimed:
    """A contact just taken, as the claiming UPDATE returned it."""

    id: int
    status: str
    channel: str
    question: str
    language: str
    domain: str | None
    topic: str | None
    citizen_id: int | None
    ticket: str | None
    created_at: datetime


def claim(session: Session, staff: Actor, now: datetime, settings: QueueSettings) -> Claimed | None:
    """Give this employee their next contact (now in progress), or None when nothing fits them.

    A handful of plain statements, since every employee's softphone asks this all day: read the employee's
    state and the queue heads, the free colleagues only when fairness needs them; only when there is
    something to take, lock the employee's row and take one contact. Asking and finding nothing marks the
    employee seen at most every third of the freshness window, so an idle softphone's polls write nothing.
    """
    session.flush()  # pending changes to the employee are seen by the statements below
    conn = session.connection()
    state = conn.execute(_STATE, {"claimer": staff.id}).one()
    _check(state)
    me = _claimer(staff, state.desk_id, state.idle_since or state.presence_since or now)
    candidates = _my_turn(conn, me, now, settings)
    if not candidates:
        if state.last_seen_at is None or (now - state.last_seen_at).total_seconds() >= settings.presence_fresh_s / 3:
            conn.execute(_SEEN, {"claimer": staff.id, "now": now})
            expire_loaded(session, Staff, staff.id, ["last_seen_at"])
        return None  # a poll that finds nothing writes nothing most of the time, like a screen's poll
    # Taking: lock the employee's row, so a double click waits here for the first claim to finish, then look
    # again with a fresh statement (on PostgreSQL the locking statement still sees the state before the wait)
    conn.execute(_SEEN, {"claimer": staff.id, "now": now})
    expire_loaded(session, Staff, staff.id, ["last_seen_at"])
    locked = conn.execute(_STATE, {"claimer": staff.id}).one()
    _check(locked)
    if locked.desk_id != state.desk_id:
        me = _claimer(staff, locked.desk_id, locked.idle_since or locked.presence_since or now)
        candidates = _my_turn(conn, me, now, settings)
    for candidate in candidates:
        row = _take(conn, candidate.id, candidate.domain_id, me.staff_id, locked.desk_id, now)
        if row is None:
            continue  # another claimer has it
        return _claimed(session, staff, row, now)
    return None


def _claimed(session: Session, staff: Actor, row, now: datetime, **extra: str) -> Claimed:
    """The timeline and audit entries of a contact just taken (a lobby visitor: called to this desk)."""
    data: dict[str, object] = {"waited_s": int((now - row.queued_at).total_seconds()), **extra}
    if row.channel == "counter" and row.desk_number:
        data["desk"] = row.desk_number
    session.connection().execute(_EVENT, {"contact_id": row.id, "type": "claimed", "actor_id": staff.id, "at": now,
                                          "data": data})
    audit.record(session, staff, "contact.claim", object_type="contact", object_id=row.id)
    expire_loaded(session, Contact, row.id)
    return Claimed(row.id, row.status, row.channel, row.question, row.language, row.domain, row.topic,
                   row.citizen_id, row.ticket, row.created_at)


def take_one(session: Session, staff: Actor, contact_id: int, domain_id: int, desk_id: int | None, now: datetime,
             reason: str) -> Claimed | None:
    """Take this waiting contact of this domain out of turn (a desk calls a ticket with a reason); None when someone
    else took or moved it first, or this employee has a contact in hand by now. The caller holds the employee's
    row lock and has checked their skill for `domain_id`."""
    assert staff.id is not None  # a person: a claim is always someone's
    row = _take(session.connection(), contact_id, domain_id, staff.id, desk_id, now)
    return _claimed(session, staff, row, now, out_of_turn=reason) if row is not None else None


def free_again(session: Session, staff: Actor, now: datetime) -> None:
    """The employee's contact ended without a resolve (a visitor who did not come): idle again from now."""
    session.connection().execute(_FREE_AGAIN, {"claimer": staff.id, "now": now})
    expire_loaded(session, Staff, staff.id, ["last_seen_at", "idle_since"])


def release_silent(session: Session, now: datetime, silent_s: int) -> list[int]:
    """Contacts in progress whose employee's screen and client have said nothing for `silent_s`: back to the
    front of their queue (they keep their place), each with a line in its timeline and the audit log.

    A lost answer to `me/next`, a crashed softphone or a closed laptop would otherwise hold the contact, and
    refuse that employee every next one, for ever. Back in the queue rather than to the lead: the citizen is
    helped by the next free colleague without anyone having to notice first, and the timeline says why.
    Only when the employee is silent (`last_seen_at`, kept by every screen's poll and by `GET /api/v1/me`),
    and only when the contact was taken before that, so a contact taken just now is never released."""
    cutoff = now - timedelta(seconds=silent_s)
    held = session.execute(
        select(Contact.id, Contact.owner_id, Staff.last_seen_at).join(Staff, Staff.id == Contact.owner_id)
        .where(Contact.status == ContactStatus.in_progress, Contact.updated_at < cutoff,
               (Staff.last_seen_at.is_(None)) | (Staff.last_seen_at < cutoff))
        .order_by(Contact.id)).all()
    released = []
    system = Actor.system("worker")
    for contact_id, owner_id, last_seen_at in held:
        changed = cast(CursorResult, session.execute(
            update(Contact).where(Contact.id == contact_id, Contact.status == ContactStatus.in_progress,
                                  Contact.owner_id == owner_id, Contact.updated_at < cutoff)
            .values(status=ContactStatus.waiting, owner_id=None, updated_at=now,
                    desk_id=case((Contact.channel == "counter", None), else_=Contact.desk_id),
                    called_at=case((Contact.channel == "counter", None), else_=Contact.called_at),
                    calls=case((Contact.channel == "counter", 0), else_=Contact.calls))
            .execution_options(synchronize_session=False)))
        if changed.rowcount != 1:
            continue  # the employee finished it meanwhile
        silent_min = int((now - last_seen_at).total_seconds() // 60) if last_seen_at else None
        session.add(ContactEvent(contact_id=contact_id, type="released", actor_id=None, at=now,
                                 data={"owner_id": owner_id, "silent_min": silent_min}))
        audit.record(session, system, "contact.released", object_type="contact", object_id=contact_id,
                     detail=f"back in the queue: held by staff {owner_id}, whose screen and client were silent "
                            f"{'since ' + last_seen_at.isoformat(timespec='seconds') if last_seen_at else 'all along'}")
        expire_loaded(session, Contact, contact_id)
        released.append(contact_id)
    return released


def _slug(model, id_column):
    """A slug for a RETURNING clause. SQLite writes RETURNING columns without their table name; this still
    means the updated row, because domains, topics and desks have no column named like the one compared to."""
    return select(model.slug).where(model.id == id_column).scalar_subquery()


@lru_cache(maxsize=2)
def _take_statement(locks: bool):
    mine = aliased(Contact)
    # still waiting, and still in the domain it was chosen for (a host or a colleague may have moved it meanwhile)
    still_waiting = select(Contact.id).where(Contact.id == bindparam("candidate"), Contact.status == ContactStatus.waiting,
                                             Contact.domain_id == bindparam("domain", type_=Integer))
    if locks:
        still_waiting = still_waiting.with_for_update(skip_locked=True)
    return (
        update(Contact)
        .where(Contact.id == still_waiting.scalar_subquery(),
               ~exists().where(mine.owner_id == bindparam("claimer"), mine.status == ContactStatus.in_progress))
        .values(status=ContactStatus.in_progress, owner_id=bindparam("claimer"), answered_at=bindparam("now"),
                updated_at=bindparam("now"),
                desk_id=case((Contact.channel == "counter", bindparam("desk", type_=Integer)), else_=Contact.desk_id),
                # a lobby visitor is called to the desk now: the display shows the ticket at this desk
                called_at=case((Contact.channel == "counter", bindparam("now", type_=UTCDateTime())), else_=Contact.called_at),
                calls=case((Contact.channel == "counter", Contact.calls + 1), else_=Contact.calls))
        .returning(Contact.id, Contact.status, Contact.channel, Contact.question, Contact.language,
                   Contact.citizen_id, Contact.ticket, Contact.created_at, Contact.queued_at,
                   _slug(Domain, Contact.domain_id).label("domain"), _slug(Topic, Contact.topic_id).label("topic"),
                   select(Desk.number).where(Desk.id == Contact.desk_id).scalar_subquery().label("desk_number")))


def _take(conn: Connection, contact_id: int, domain_id: int, staff_id: int, desk_id: int | None, now: datetime):
    """Move one waiting contact of this domain to this employee, exactly once.

    On PostgreSQL the row is locked with FOR UPDATE SKIP LOCKED (another claimer's row is skipped, not
    waited for); on SQLite the writer already holds the database. The employee must not have a contact in
    progress by now either: a second claim of the same person that waited for the first sees it here.
    """
    return conn.execute(_take_statement(row_locks(conn)),
                        {"candidate": contact_id, "domain": domain_id, "claimer": staff_id, "desk": desk_id,
                         "now": now}).first()


def claim_next(session: Session, staff: Actor, now: datetime, settings: QueueSettings) -> Contact | None:
    """claim, with the contact as an object (for the screens)."""
    claimed = claim(session, staff, now, settings)
    return session.get(Contact, claimed.id, populate_existing=True) if claimed else None


def _outcome_problems(outcome: str, note: str, referred_to: str) -> dict[str, Msg]:
    problems: dict[str, Msg] = {}
    if outcome not in (Outcome.answered, Outcome.referred_external):
        problems["outcome"] = Msg("kies answered of referred_external")
    if outcome == Outcome.referred_external and not referred_to:
        problems["referred_to"] = Msg("schrijf naar wie je hebt verwezen en wat je hebt afgesproken")
    if (problem := too_long(note)) is not None:
        problems["note"] = problem
    if (problem := too_long(referred_to, MAX_REFERRED_TO)) is not None:
        problems["referred_to"] = problem
    return problems


_RESOLVE = (update(Contact)
            .where(Contact.id == bindparam("contact"), Contact.owner_id == bindparam("claimer"),
                   Contact.status == ContactStatus.in_progress)
            .returning(Contact.id, Contact.status, Contact.channel, Contact.language,
                       _slug(Domain, Contact.domain_id).label("domain"), _slug(Topic, Contact.topic_id).label("topic")))
# free again: the longest idle goes first, so the clock starts now
_FREE_AGAIN = update(Staff).where(Staff.id == bindparam("claimer")).values(
    last_seen_at=bindparam("now"),
    idle_since=case((Staff.presence == Presence.available, bindparam("now", type_=UTCDateTime())), else_=Staff.idle_since))


@dataclass(frozen=True)
class Resolved:
    """A contact just closed, as the resolving UPDATE returned it."""

    id: int
    status: str
    channel: str
    language: str
    domain: str | None
    topic: str | None


def resolve(session: Session, contact_id: int, staff: Actor, outcome: str, now: datetime, note: str = "",
            referred_to: str = "") -> Resolved:
    """Close a contact: answered in one go, or warmly referred to another organisation (to whom, what was arranged).

    Only the employee who has it in progress can: one conditional UPDATE does the check and the change.
    """
    note, referred_to = (note or "").strip(), (referred_to or "").strip()
    problems = _outcome_problems(outcome, note, referred_to)
    if problems:
        raise ValidationError(problems)
    session.flush()
    conn = session.connection()
    row = conn.execute(_RESOLVE, {"contact": contact_id, "claimer": staff.id, "status": ContactStatus.resolved, "outcome": outcome,
                                  "referred_to": referred_to or None, "closed_at": now, "updated_at": now}).first()
    if row is None:
        current = conn.execute(select(Contact.owner_id, Contact.status).where(Contact.id == contact_id)).first()
        if current is None:
            raise NotFound(f"No contact with id {contact_id}.")
        if current.owner_id != staff.id:
            raise Conflict(Msg("Dit contact is niet van jou; alleen wie het behandelt kan het afronden."))
        raise Conflict(Msg("Dit contact is niet in behandeling (status: %(status)s).", status=current.status))
    conn.execute(_EVENT, {"contact_id": contact_id, "type": "resolved", "actor_id": staff.id, "at": now,
                          "data": {"outcome": outcome, **({"note": note} if note else {}),
                                   **({"referred_to": referred_to} if referred_to else {})}})
    conn.execute(_FREE_AGAIN, {"claimer": staff.id, "now": now})
    audit.record(session, staff, "contact.resolve", object_type="contact", object_id=contact_id, detail=outcome)
    expire_loaded(session, Contact, contact_id)
    expire_loaded(session, Staff, staff.id, ["last_seen_at", "idle_since"])
    return Resolved(*row)


def abandon(session: Session, contact: Contact, now: datetime, actor: Actor) -> None:
    """The caller hung up while waiting; only a waiting contact can be abandoned (atomically)."""
    result = cast(CursorResult, session.execute(update(Contact).where(Contact.id == contact.id, Contact.status == ContactStatus.waiting)
                                                .values(status=ContactStatus.abandoned, closed_at=now, updated_at=now)
                                                .execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        session.refresh(contact)
        raise Conflict(Msg("Dit contact wacht niet meer (status: %(status)s); ophangen kan alleen in de wachtrij.",
                           status=contact.status))
    session.refresh(contact)
    session.add(ContactEvent(contact=contact, type="abandoned", actor_id=actor.id, at=now, data={}))
    audit.record(session, actor, "contact.abandon", object_type="contact", object_id=contact.id)
    session.flush()


# --- what the queue looks like ---------------------------------------------------------------------

@dataclass(frozen=True)
class QueueDomain:
    """A domain as the queue figures name it, in plain values: the figures are shared between requests."""

    id: int
    slug: str
    name: str
    phone_answer_target_s: int


@dataclass(frozen=True)
class QueueStatus:
    domain: QueueDomain
    waiting: int
    longest_wait_s: int
    staff_available: int
    service_level_today: float | None


def _position_statement():
    """The contacts ahead, the employees working the domain now (available or busy: they will be free
    again) and the mean handling time of its last 50 contacts this week, in one statement."""
    ahead = select(func.count()).select_from(Contact).where(
        Contact.status == ContactStatus.waiting, Contact.domain_id == bindparam("domain"),
        (Contact.rank_at < bindparam("rank")) | and_(Contact.rank_at == bindparam("rank"),
                                                      Contact.id < bindparam("contact")))
    working = (select(func.count(func.distinct(Staff.id))).join(Skill, Skill.staff_id == Staff.id)
               .where(Skill.domain_id == bindparam("domain"), Skill.serving.is_(True), Staff.active.is_(True),
                      Staff.presence == Presence.available))
    recent = (select(seconds_between(Contact.answered_at, Contact.closed_at).label("seconds"))
              .where(Contact.domain_id == bindparam("domain"), Contact.closed_at >= bindparam("since"),
                     Contact.status == ContactStatus.resolved, Contact.answered_at.is_not(None))
              .order_by(Contact.closed_at.desc()).limit(50).subquery())
    handling = select(func.avg(recent.c.seconds)).where(recent.c.seconds > 0)
    return select(ahead.scalar_subquery(), working.scalar_subquery(), handling.scalar_subquery())


_POSITION = _position_statement()


def position_and_wait(session: Session, contact, now: datetime) -> tuple[int | None, int | None]:
    """Place in the domain's queue (1 = next) and the expected wait from recent handling times and staff.

    `contact` is anything with id, status, domain_id and rank_at (a Contact, or what intake received).
    """
    if contact.status != ContactStatus.waiting:
        return None, None
    ahead, working, handling = session.connection().execute(_POSITION, {
        "domain": contact.domain_id, "rank": contact.rank_at, "contact": contact.id,
        "since": now - timedelta(days=7)}).one()
    # with n people working, the k-th in line waits about k/n handling times
    return ahead + 1, int(round((ahead + 1) * (handling or DEFAULT_HANDLING_S) / max(working or 0, 1)))


def service_levels_today(session: Session, now: datetime, domain_ids: list[int] | None = None) -> dict[int, float]:
    """Per domain, the share of today's answered phone contacts picked up within its target: one GROUP BY over
    today's contacts (ix_contacts_created), however many days of history lie behind them."""
    start = start_of_day(now)
    in_time = case((seconds_between(Contact.created_at, Contact.answered_at) <= Domain.phone_answer_target_s, 1), else_=0)
    query = (select(Contact.domain_id, func.count(), func.sum(in_time)).join(Domain, Domain.id == Contact.domain_id)
             .where(Contact.created_at >= start, Contact.channel == "phone", Contact.answered_at.is_not(None))
             .group_by(Contact.domain_id))
    if domain_ids is not None:
        query = query.where(Contact.domain_id.in_(domain_ids))
    return {domain_id: round((within or 0) / answered, 3) for domain_id, answered, within in session.execute(query)
            if domain_id is not None and answered}


def queue_status(session: Session, now: datetime, domain_ids: list[int] | None = None) -> list[QueueStatus]:
    """Waiting, longest wait, staff available and today's service level for each domain."""
    query = (select(Domain.id, Domain.slug, Domain.name, Domain.phone_answer_target_s).where(Domain.active.is_(True))
             .order_by(Domain.position, Domain.slug))
    if domain_ids is not None:
        query = query.where(Domain.id.in_(domain_ids))
    waiting = {domain_id: (count, oldest) for domain_id, count, oldest in session.execute(
        select(Contact.domain_id, func.count(), func.min(Contact.queued_at)).where(Contact.status == ContactStatus.waiting)
        .group_by(Contact.domain_id))}
    in_progress = exists().where(Contact.owner_id == Staff.id, Contact.status == ContactStatus.in_progress)
    available = dict(session.execute(
        select(Skill.domain_id, func.count(func.distinct(Staff.id))).join(Staff, Skill.staff_id == Staff.id)
        .where(Staff.active.is_(True), Skill.serving.is_(True), Staff.presence == Presence.available, ~in_progress)
        .group_by(Skill.domain_id)).all())
    levels = service_levels_today(session, now, domain_ids)
    result = []
    for row in session.execute(query):
        domain = QueueDomain(*row)
        count, first = waiting.get(domain.id, (0, None))
        result.append(QueueStatus(domain, count, max(0, int((now - first).total_seconds())) if first else 0,
                                  available.get(domain.id, 0), levels.get(domain.id)))
    return result

