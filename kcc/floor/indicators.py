"""Indicators for the team, never per person: per domain and channel over a range of days.

Read them as signals, not targets (the seniors and leads read them as such): waiting, service level, answered in one go, warm
handovers and what became of them, callbacks on time, repeat contacts.

Each local day is counted with three GROUP BY statements (contacts, handovers, callbacks), bounded by that day's
rows. A day that can no longer change — two days past, every contact closed, every offer answered, every callback
done or past its deadline — is kept in indicator_days, so a year of indicators reads a few hundred stored rows plus
the days still moving, however many years of contacts lie behind them. `settle` lets the worker keep days ahead
of the readers.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, delete, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from kcc.core.db import seconds_between
from kcc.core.timeutil import AMSTERDAM, local
from kcc.feedback.operations import tallies as feedback_tallies
from kcc.floor import lobby_figures
from kcc.models import (
    CHANNELS,
    Contact,
    ContactStatus,
    Domain,
    Handover,
    HandoverState,
    IndicatorDay,
    Outcome,
    SettledDay,
    Signal,
    SignalContact,
    SignalStatus,
    Task,
    TaskState,
    signal_domains,
)
from kcc.models.indicators import COUNTS

FIELDS = ("contacts", "answered_in_one_go", "abandoned", "service_level", "handovers_offered",
          "handovers_accepted", "handovers_expired", "handovers_declined", "callbacks_created",
          "callbacks_on_time", "callbacks_overdue", "repeat_contacts", "signals_raised", "signals_done",
          "feedback_asked", "feedback_yes", "feedback_partly", "feedback_no")
LIVE = ("signals_raised", "signals_done", "feedback_asked", "feedback_yes", "feedback_partly", "feedback_no")
SETTLE_AFTER = 2  # days: yesterday is still counted afresh, whatever it looks like
SETTLE_PER_CALL = 31  # days the worker settles per round, so a first round over years of history stays short

Counts = dict[tuple[int, str], dict[str, int]]  # (domain id, channel) → COUNTS


def _bounds(day: date) -> tuple[datetime, datetime]:
    return (datetime.combine(day, time(0), tzinfo=AMSTERDAM),
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=AMSTERDAM))


def _sum(condition) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _count_day(session: Session, day: date, now: datetime) -> tuple[Counts, bool]:
    """One day's counts per domain and channel, and whether the day is settled (nothing on it can change)."""
    low, high = _bounds(day)
    counts: Counts = {}

    def add(domain_id: int | None, channel: str, values: dict[str, int]) -> None:
        if domain_id is None:
            return  # only when domains/ had no fallback domain: such a contact belongs to no domain's figures
        row = counts.setdefault((domain_id, channel), dict.fromkeys(COUNTS, 0))
        for name, value in values.items():
            row[name] += int(value)

    moved = exists().where(Handover.contact_id == Contact.id)
    phone_answered = and_(Contact.channel == "phone", Contact.answered_at.is_not(None))
    open_contacts = 0
    for row in session.execute(
            select(Contact.domain_id, Contact.channel, func.count(),
                   _sum(and_(Contact.outcome == Outcome.answered, ~moved)),
                   _sum(Contact.status == ContactStatus.abandoned),
                   _sum(phone_answered),
                   _sum(and_(phone_answered, seconds_between(Contact.created_at, Contact.answered_at)
                             <= Domain.phone_answer_target_s)),
                   _sum(Contact.repeated.is_(True)),
                   _sum(Contact.status.in_([ContactStatus.waiting, ContactStatus.in_progress])))
            .join(Domain, Domain.id == Contact.domain_id)
            .where(Contact.created_at >= low, Contact.created_at < high)
            .group_by(Contact.domain_id, Contact.channel)):
        add(row[0], row[1], dict(zip(("contacts", "answered_in_one_go", "abandoned", "phone_answered", "phone_in_time",
                                      "repeat_contacts"), row[2:8], strict=True)))
        open_contacts += row[8]
    offered = 0
    for offer in session.execute(
            select(Contact.domain_id, Contact.channel, func.count(),
                   *(_sum(Handover.status == state) for state in
                     (HandoverState.accepted, HandoverState.expired, HandoverState.declined, HandoverState.offered)))
            .join(Contact, Contact.id == Handover.contact_id)
            .where(Handover.created_at >= low, Handover.created_at < high)
            .group_by(Contact.domain_id, Contact.channel)):
        add(offer[0], offer[1], dict(zip(("handovers_offered", "handovers_accepted", "handovers_expired",
                                      "handovers_declined"), offer[2:6], strict=True)))
        offered += offer[6]
    is_open, is_done = Task.state == TaskState.open, Task.state == TaskState.done
    running = 0
    for task in session.execute(
            select(Contact.domain_id, Contact.channel, func.count(),
                   _sum(and_(is_done, Task.completed_at <= Task.deadline)),
                   _sum(or_(and_(is_done, Task.completed_at > Task.deadline), and_(is_open, Task.deadline < now))),
                   _sum(and_(is_open, Task.deadline >= now)))
            .join(Contact, Contact.id == Task.contact_id)
            .where(Task.created_at >= low, Task.created_at < high)
            .group_by(Contact.domain_id, Contact.channel)):
        add(task[0], task[1], dict(zip(("callbacks_created", "callbacks_on_time", "callbacks_overdue"), task[2:5],
                                     strict=True)))
        running += task[5]
    settled = day <= local(now).date() - timedelta(days=SETTLE_AFTER) and not (open_contacts or offered or running)
    return counts, settled


def _store(session: Session, day: date, counts: Counts, now: datetime) -> None:
    """Keep a settled day. Two readers may settle the same day at once: the first one's rows stand."""
    if session.get(SettledDay, day) is not None:
        return
    try:
        with session.begin_nested():
            session.add(SettledDay(day=day, stored_at=now))
            session.flush()
    except IntegrityError:  # the same day kept by another reader in the meantime: theirs stands
        return
    session.execute(delete(IndicatorDay).where(IndicatorDay.day == day))
    if counts:
        session.execute(insert(IndicatorDay), [{"day": day, "domain_id": domain_id, "channel": channel, **values,
                                                "stored_at": now} for (domain_id, channel), values in counts.items()])
    lobby_figures.store_day(session, day)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _counts(session: Session, days: Iterable[date], now: datetime) -> Counts:
    """The counts of these days added up: the settled ones as kept, the others counted now (and kept once settled)."""
    days = list(days)
    totals: Counts = {}

    def add(key: tuple[int, str], values: dict[str, int]) -> None:
        row = totals.setdefault(key, dict.fromkeys(COUNTS, 0))
        for name in COUNTS:
            row[name] += values[name]

    if not days:
        return totals
    kept = set(session.scalars(select(SettledDay.day).where(SettledDay.day >= days[0], SettledDay.day <= days[-1])))
    # the kept days added up in SQL: a year is one short GROUP BY, not thousands of rows brought over
    kept_days = select(SettledDay.day).where(SettledDay.day >= days[0], SettledDay.day <= days[-1])
    for row in session.execute(select(IndicatorDay.domain_id, IndicatorDay.channel,
                                      *(func.sum(getattr(IndicatorDay, name)) for name in COUNTS))
                               .where(IndicatorDay.day.in_(kept_days)).group_by(IndicatorDay.domain_id, IndicatorDay.channel)):
        add((row[0], row[1]), {name: int(value or 0) for name, value in zip(COUNTS, row[2:], strict=True)})
    first = _first_day(session)
    for day in days:
        if day in kept or first is None or day < first:
            continue  # kept, or nothing had arrived yet
        counts, settled = _count_day(session, day, now)
        for key, values in counts.items():
            add(key, values)
        if settled:
            _store(session, day, counts, now)
    return totals


def _first_day(session: Session) -> date | None:
    """The local day the first contact arrived: days before it need no counting."""
    first = session.scalar(select(func.min(Contact.created_at)))
    return local(first).date() if first is not None else None


def settle(session: Session, now: datetime, limit: int = SETTLE_PER_CALL) -> int:
    """Count and keep up to `limit` settled days not yet kept, newest first; the worker calls this every round so
    readers find a year ready. Returns how many days were looked at."""
    first = _first_day(session)
    if first is None:
        return 0
    last = local(now).date() - timedelta(days=SETTLE_AFTER)
    kept = set(session.scalars(select(SettledDay.day).where(SettledDay.day >= first, SettledDay.day <= last)))
    todo = [day for day in reversed(_days(first, last)) if day not in kept][:limit]
    _counts(session, todo, now)
    return len(todo)


def indicators(session: Session, start: date, end: date, now: datetime, domain: str | None = None) -> list[dict]:
    """One row per active domain and channel for contacts that arrived from `start` to `end` (local days, inclusive)."""
    query = select(Domain.id, Domain.slug).where(Domain.active.is_(True)).order_by(Domain.position, Domain.slug)
    if domain is not None:
        query = query.where(Domain.slug == domain)
    totals = _counts(session, _days(start, end), now)
    live = _signals_and_feedback(session, *_bounds_of(start, end))
    result = []
    for domain_id, slug in session.execute(query):
        for channel in CHANNELS:
            counts = totals.get((domain_id, channel), dict.fromkeys(COUNTS, 0))
            answered = counts["phone_answered"]
            figures = {**counts, "service_level": round(counts["phone_in_time"] / answered, 3) if answered else None,
                       **live.get((domain_id, channel), dict.fromkeys(LIVE, 0))}
            result.append({"domain": slug, "channel": channel, **{name: figures[name] for name in FIELDS}})
    return result


def _bounds_of(start: date, end: date) -> tuple[datetime, datetime]:
    return _bounds(start)[0], _bounds(end)[1]


def _signals_and_feedback(session: Session, low: datetime, high: datetime) -> dict[tuple[int, str], dict[str, int]]:
    """Signals raised and done, and citizen feedback asked and answered, in the range: per domain of the signal and
    channel of the contact that raised it; per domain and channel of the contact asked about. Small tables, counted
    afresh (a signal changes state long after its day)."""
    result: dict[tuple[int, str], dict[str, int]] = {}

    def add(domain_id: int | None, channel: str, values: dict[str, int]) -> None:
        if domain_id is None:
            return
        row = result.setdefault((domain_id, channel), dict.fromkeys(LIVE, 0))
        for name, value in values.items():
            row[name] += int(value or 0)

    raised = and_(Signal.created_at >= low, Signal.created_at < high)
    done = and_(Signal.status == SignalStatus.done, Signal.closed_at >= low, Signal.closed_at < high)
    in_range = select(Signal.id).where(or_(raised, done))  # ix_signals_created, ix_signals_closed
    first = (select(SignalContact.signal_id, func.min(SignalContact.id).label("link_id"))
             .where(SignalContact.signal_id.in_(in_range)).group_by(SignalContact.signal_id).subquery())
    for domain_id, channel, count_raised, count_done in session.execute(
            select(signal_domains.c.domain_id, Contact.channel,
                   func.count(func.distinct(Signal.id)).filter(raised), func.count(func.distinct(Signal.id)).filter(done))
            .join(signal_domains, signal_domains.c.signal_id == Signal.id)
            .join(first, first.c.signal_id == Signal.id)
            .join(SignalContact, SignalContact.id == first.c.link_id)
            .join(Contact, Contact.id == SignalContact.contact_id)
            .where(Signal.merged_into_id.is_(None), or_(raised, done))
            .group_by(signal_domains.c.domain_id, Contact.channel)):
        add(domain_id, channel, {"signals_raised": count_raised, "signals_done": count_done})
    for tally in feedback_tallies(session, low, high):
        add(tally.domain_id, tally.channel, {"feedback_asked": tally.asked, "feedback_yes": tally.yes,
                                             "feedback_partly": tally.partly, "feedback_no": tally.no})
    return result

