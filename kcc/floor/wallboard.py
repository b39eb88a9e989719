"""The wallboard and the period report: per domain and channel, for the team — never per person.

Today: waiting now and the longest wait (live), and the day so far from the indicators (service level against the
domain's target, abandoned, answered in one go, warm handovers, callbacks, repeat contacts, signals, citizen
feedback), the lobby's waits, and per half hour the waiting and the service level. A period: the same indicators
summed, and per week the contacts and how many were answered in one go. Everything is read from SQL aggregates
and the kept days of kcc.floor.indicators, so a year costs what a few weeks cost.

The one figure about a person is one's own: how many people I helped today beside the median of the colleagues
who share a domain with me ("you helped 23 today, the team median is 25"). It is shown to that person only.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kcc.core.actor import Actor
from kcc.core.timeutil import AMSTERDAM, local
from kcc.floor.indicators import indicators
from kcc.floor.lobby_figures import DomainFigures, lobby_figures
from kcc.models import CHANNELS, Contact, ContactStatus, Domain, Skill, Task, TaskState

SLOT = timedelta(minutes=30)
WEEKS_SHOWN = 8
DAY_START, DAY_END = time(7, 0), time(21, 0)  # the half hours drawn; the rows themselves are bounded by the day


@dataclass
class ChannelFigures:
    """One domain's channel: live and so far in the range."""

    channel: str
    waiting: int = 0
    longest_wait_s: int = 0
    counts: dict = field(default_factory=dict)  # the indicator fields (kcc.floor.indicators.FIELDS)

    @property
    def seen(self) -> bool:
        return bool(self.waiting or self.counts.get("contacts") or self.counts.get("feedback_asked")
                    or self.counts.get("signals_raised"))


@dataclass
class DomainBoard:
    id: int
    slug: str
    name: str
    target_s: int
    channels: list[ChannelFigures]
    tasks_due_today: int = 0
    tasks_overdue: int = 0
    lobby: DomainFigures | None = None

    def total(self, name: str) -> int:
        return sum(int(c.counts.get(name) or 0) for c in self.channels)

    @property
    def service_level(self) -> float | None:
        """The phone's service level: answered within the target, of all answered (None: nobody answered yet)."""
        phone = next((c for c in self.channels if c.channel == "phone"), None)
        return phone.counts.get("service_level") if phone else None


@dataclass(frozen=True)
class Slot:
    start: datetime
    arrived: int | None  # None: the half hour is still to come
    waiting: int | None  # waiting at the end of the half hour (or now, for the half hour under way)
    answered: int  # phone contacts answered in the half hour
    in_time: int  # of those, within the domain's target

    @property
    def service_level(self) -> float | None:
        return self.in_time / self.answered if self.answered else None


@dataclass(frozen=True)
class Week:
    monday: date
    contacts: int
    answered_in_one_go: int


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    return (datetime.combine(day, time(0), tzinfo=AMSTERDAM),
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=AMSTERDAM))


def _domains(session: Session, domain: str | None) -> list[tuple[int, str, str, int]]:
    query = (select(Domain.id, Domain.slug, Domain.name, Domain.phone_answer_target_s).where(Domain.active.is_(True))
             .order_by(Domain.position, Domain.slug))
    if domain is not None:
        query = query.where(Domain.slug == domain)
    return [(row[0], row[1], row[2], row[3]) for row in session.execute(query)]


def board(session: Session, start: date, end: date, now: datetime, domain: str | None = None) -> list[DomainBoard]:
    """Per domain and channel over the range (local days, inclusive); live queue figures when the range ends today."""
    domains = _domains(session, domain)
    rows = {(row["domain"], row["channel"]): row for row in indicators(session, start, end, now, domain)}
    live: dict[tuple[int | None, str], tuple[int, datetime]] = {}
    today = local(now).date()
    if end >= today:
        live = {(domain_id, channel): (count, oldest) for domain_id, channel, count, oldest in session.execute(
            select(Contact.domain_id, Contact.channel, func.count(), func.min(Contact.queued_at))
            .where(Contact.status == ContactStatus.waiting).group_by(Contact.domain_id, Contact.channel))}
    lobby = {figures.slug: figures for figures in lobby_figures(session, start, end, domain)}
    _low, high = _day_bounds(today)
    open_tasks = Task.state == TaskState.open
    due = {domain_id: (count_due, count_over) for domain_id, count_due, count_over in session.execute(
        select(Contact.domain_id, func.count(Task.id).filter(Task.deadline >= now, Task.deadline < high),
               func.count(Task.id).filter(Task.deadline < now))
        .join(Contact, Contact.id == Task.contact_id).where(open_tasks, Task.deadline < high)
        .group_by(Contact.domain_id))} if end >= today else {}
    result = []
    for domain_id, slug, name, target in domains:
        channels = []
        for channel in CHANNELS:
            count, oldest = live.get((domain_id, channel), (0, None))
            channels.append(ChannelFigures(channel, count, max(0, int((now - oldest).total_seconds())) if oldest else 0,
                                           rows.get((slug, channel), {})))
        due_today, overdue = due.get(domain_id, (0, 0))
        result.append(DomainBoard(domain_id, slug, name, target, channels, due_today, overdue, lobby.get(slug)))
    return result


def half_hours(session: Session, day: date, now: datetime, domain_id: int | None = None) -> list[Slot]:
    """The day per half hour, from the day's own contacts (a day is a few thousand rows at most): arrivals, how many
    were waiting at the end of each half hour, and the phone's service level of the calls answered in it."""
    low, high = _day_bounds(day)
    query = (select(Contact.channel, Contact.queued_at, Contact.answered_at, Contact.closed_at,
                    Domain.phone_answer_target_s)
             .join(Domain, Domain.id == Contact.domain_id)
             .where(Contact.created_at >= low, Contact.created_at < high))
    if domain_id is not None:
        query = query.where(Contact.domain_id == domain_id)
    rows = session.execute(query).all()
    first = datetime.combine(day, DAY_START, tzinfo=AMSTERDAM)
    last = datetime.combine(day, DAY_END, tzinfo=AMSTERDAM)
    slots = []
    start = first
    while start < last:  # the whole working day, so the chart keeps its scale; half hours still to come are empty
        end = start + SLOT
        if start >= now:
            slots.append(Slot(start, None, None, 0, 0))
            start = end
            continue
        moment = min(end, now)
        arrived = waiting = answered = in_time = 0
        for channel, queued, picked, closed, target in rows:
            if queued is None:
                continue
            if start <= queued < end:
                arrived += 1
            if queued <= moment and (picked is None or picked > moment) and (closed is None or closed > moment):
                waiting += 1
            if channel == "phone" and picked is not None and start <= picked < end:
                answered += 1
                in_time += int((picked - queued).total_seconds() <= target)
        slots.append(Slot(start, arrived, waiting, answered, in_time))
        start = end
    return slots


def weeks(session: Session, last: date, now: datetime, count: int = WEEKS_SHOWN,
          domain: str | None = None) -> list[Week]:
    """Per week (Monday to Sunday) up to the week of `last`: contacts and answered in one go, from the indicators."""
    monday = last - timedelta(days=last.weekday())
    result = []
    for back in range(count - 1, -1, -1):
        first = monday - timedelta(weeks=back)
        rows = indicators(session, first, min(first + timedelta(days=6), last), now, domain)
        result.append(Week(first, sum(r["contacts"] for r in rows), sum(r["answered_in_one_go"] for r in rows)))
    return result


@dataclass(frozen=True)
class OwnCount:
    helped: int  # contacts I closed as resolved today
    team_median: float | None  # the median of my colleagues who share a domain and helped anyone today
    colleagues: int  # how many: the screen shows the median only from three on (one or two would be their counts)


def own_count(session: Session, actor: Actor, now: datetime) -> OwnCount:
    """How many people I helped today beside my colleagues' median; the colleagues' own counts stay unseen.
    Counted over my domains' contacts closed today (ix_contacts_closed)."""
    low, high = _day_bounds(local(now).date())
    domains = list(actor.skill_levels)
    if not domains or actor.id is None:
        return OwnCount(0, None, 0)
    colleagues = select(Skill.staff_id).where(Skill.domain_id.in_(domains))
    counts = {owner: count for owner, count in session.execute(
        select(Contact.owner_id, func.count(Contact.id))
        .where(Contact.domain_id.in_(domains), Contact.closed_at >= low, Contact.closed_at < high,
               Contact.status == ContactStatus.resolved, or_(Contact.owner_id == actor.id, Contact.owner_id.in_(colleagues)))
        .group_by(Contact.owner_id))}
    mine = counts.pop(actor.id, 0)
    others = list(counts.values())
    return OwnCount(mine, statistics.median(others) if others else None, len(others))
