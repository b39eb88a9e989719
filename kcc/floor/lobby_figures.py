"""The lobby's figures (de balie) for the team, never per person: per domain and per local hour, over a range of days.

How long visitors waited for their call and sat at the desk, who did not come when called, who went home before
their turn, and whom the host sent home at the door — above all for something to bring that was missing, the
count the seniors want most.

What each figure means, the same on the floor screen and in GET /api/v1/indicators:
- visitors: counter contacts ticketed on one of the days; the hour is the Amsterdam hour of the ticket;
- waiting time: from the ticket (`queued_at`) to the call to a desk (`answered_at`, set by the first call; a recall
  does not move it, a no-show the host put back is measured to the call after that), for every visitor who was
  called, no-shows included; visitors still waiting or gone before their turn are counted apart, not in it;
- service time: from sitting down at the desk (`started_at`) to the end of the contact, for visitors helped at the
  desk (resolved there: answered or referred, not later by a callback);
- each time as the mean and the 90th percentile (nearest rank: 9 of 10 visitors no longer than this), in whole
  seconds, with how many visitors it is taken over; None when nobody;
- no-show: called, never sat down, ended as abandoned; left before their turn: abandoned without a call;
- sent home at the door: `LobbyTurnaway` rows by reason.

A day that can no longer change is kept in lobby_days when its indicators are (kcc.floor.indicators settles both):
per domain and hour its counts and every wait and service time in whole seconds, so a year's percentiles stay exact
and cost a few thousand short rows, not a year of contacts (some 0.7 s for 100 000 visitors when counted afresh).
A process reads and sorts a range's kept days once and keeps them (`_KeptCache`): the percentile of those together
with the days still moving is then a bisection, so a year costs what a day costs once its kept part is known.
The days not kept yet — today, yesterday, a day with a visitor still open — are read from the contacts: the range's
counter visitors (bounded by `created_at`, ix_contacts_created; for a counter visitor it is the ticket's moment,
`queued_at`) one row each as plain numbers, and the turnaways (ix_lobby_turnaways_at).
"""
from __future__ import annotations

import threading
import weakref
from array import array
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, and_, case, delete, insert, literal, select
from sqlalchemy.orm import Session

from kcc.core.db import UTCDateTime, seconds_between
from kcc.core.timeutil import AMSTERDAM, local
from kcc.models import TURNAWAY_REASONS, Contact, ContactStatus, Domain, LobbyDay, LobbyTurnaway, Outcome, SettledDay

NO_SHOW, LEFT = "no_show", "left"


@dataclass(frozen=True)
class Spread:
    """A duration over a group of visitors: how many were measured, the mean and the 90th percentile (seconds)."""

    measured: int
    mean_s: int | None
    p90_s: int | None

    @classmethod
    def of(cls, seconds: list[float]) -> Spread:
        durations = Durations()
        durations.extend(seconds)
        return durations.spread()


class Sorted:
    """Durations that no longer change (kept days), sorted once with their sum: a percentile of them together with a
    few new ones is found by bisection, without copying or sorting a year of waits again."""

    __slots__ = ("values", "total")

    def __init__(self, values: list[float]) -> None:
        self.values = array("d", sorted(values))
        self.total = float(sum(self.values))

    def __len__(self) -> int:
        return len(self.values)


NOTHING_KEPT = Sorted([])


def _kth(kept: array, new: list[float], k: int) -> float:
    """The k-th smallest (1-based) of two sorted sequences together: bisect how many come from `new`."""
    low, high = max(0, k - len(kept)), min(k, len(new))
    while True:
        taken = (low + high) // 2  # taken from new; k - taken from kept
        rest = k - taken
        if taken < high and rest > 0 and kept[rest - 1] > new[taken]:
            low = taken + 1  # too few from new
        elif taken > low and rest < len(kept) and new[taken - 1] > kept[rest]:
            high = taken - 1  # too many from new
        else:
            return max(kept[rest - 1] if rest else float("-inf"), new[taken - 1] if taken else float("-inf"))


class Durations:
    """A group's durations in seconds: those of kept days sorted once (`kept`), those counted afresh in a list."""

    def __init__(self, kept: Sorted = NOTHING_KEPT) -> None:
        self.kept = kept
        self.values: list[float] = []

    def extend(self, values: list[float]) -> None:
        self.values += [max(0.0, value) for value in values]  # a clock a second off is no negative wait

    def extend_whole(self, seconds: list[int]) -> None:
        """Whole, non-negative seconds as lobby_days keeps them: taken as they are."""
        self.values += seconds

    def add(self, other: Durations) -> None:
        self.values += other.values
        if len(other.kept):
            self.values += other.kept.values  # only when two kept groups meet; lobby_figures never makes them

    def spread(self) -> Spread:
        """The nearest-rank percentile is a time someone really had: 9 of 10 no longer than this."""
        count = len(self.kept) + len(self.values)
        if not count:
            return Spread(0, None, None)
        rank = (9 * count + 9) // 10  # ceil(0.9 n), in whole numbers: no float rounding to think about
        total = self.kept.total + sum(self.values)
        return Spread(count, round(total / count), round(_kth(self.kept.values, sorted(self.values), rank)))


@dataclass(frozen=True)
class HourFigures:
    hour: int  # the Amsterdam hour of the ticket: 9 is from 09:00 to 10:00
    visitors: int
    wait: Spread
    service: Spread


@dataclass(frozen=True)
class DomainFigures:
    slug: str
    name: str
    visitors: int
    wait: Spread
    service: Spread
    no_shows: int
    left_before_turn: int
    turned_away: dict[str, int]  # Turnaway reason → visitors sent home at the door; every reason, in its order
    hours: list[HourFigures]  # only hours in which visitors took a ticket, in order

    @property
    def seen(self) -> bool:
        """Anyone came to this domain's counter in the range (ticketed or sent home)."""
        return bool(self.visitors or any(self.turned_away.values()))


class _Hour:
    """One domain's counter in one hour of the day, as it is read or kept."""

    def __init__(self) -> None:
        self.visitors = 0
        self.waits = Durations()
        self.services = Durations()
        self.ended: dict[str, int] = {NO_SHOW: 0, LEFT: 0}
        self.turned: dict[str, int] = {str(reason): 0 for reason in TURNAWAY_REASONS}

    @classmethod
    def over(cls, kept: _Hour) -> _Hour:
        """A fresh group that starts from a kept one: its counts copied, its durations shared (never changed)."""
        group = cls()
        group.visitors = kept.visitors
        group.waits, group.services = Durations(kept.waits.kept), Durations(kept.services.kept)
        group.ended, group.turned = dict(kept.ended), dict(kept.turned)
        return group

    def add(self, other: _Hour) -> None:
        self.visitors += other.visitors
        self.waits.add(other.waits)
        self.services.add(other.services)
        for key, value in other.ended.items():
            self.ended[key] += value
        for key, value in other.turned.items():
            self.turned[key] = self.turned.get(key, 0) + value


Tallies = dict[int, dict[int, _Hour]]  # domain id → Amsterdam hour → what happened


class _Clock:
    """The Amsterdam hour of a moment given as seconds after the range's first midnight.

    The UTC offset changes only on whole UTC hours, so every hour after that midnight lies in one local hour:
    it is worked out once per hour of the range, not once per visitor."""

    def __init__(self, low: datetime) -> None:
        self.low = low.astimezone(UTC)
        self.hours: dict[int, int] = {}

    def hour(self, since_s: float) -> int:
        elapsed = int(round(since_s, 3) // 3600)  # rounded first: SQLite's julianday is some µs off
        hour = self.hours.get(elapsed)
        if hour is None:
            hour = self.hours[elapsed] = local(self.low + timedelta(hours=elapsed)).hour
        return hour


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time(0), tzinfo=AMSTERDAM),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=AMSTERDAM))


def _read(session: Session, low: datetime, high: datetime, domain_id: int | None) -> Tallies:
    """Counted from the contacts and turnaways between two moments (midnights)."""
    abandoned = Contact.status == ContactStatus.abandoned
    how = case((and_(abandoned, Contact.calls > 0, Contact.started_at.is_(None)), literal(NO_SHOW)),
               (and_(abandoned, Contact.calls == 0), literal(LEFT)), else_=None)
    helped = and_(Contact.status == ContactStatus.resolved, Contact.started_at.is_not(None),
                  Contact.outcome.in_([Outcome.answered, Outcome.referred_external]))
    # the channel as an expression, not the bare column: SQLite, which keeps no statistics, would otherwise read the
    # visitors through ix_contacts_called (channel, called_at), every counter visitor there ever was, instead of the
    # day range on ix_contacts_created; PostgreSQL reads the range either way
    visitors = (select(Contact.domain_id, seconds_between(literal(low, UTCDateTime()), Contact.queued_at), how,
                       seconds_between(Contact.queued_at, Contact.answered_at),
                       case((helped, seconds_between(Contact.started_at, Contact.closed_at)), else_=None))
                .where((Contact.channel + "") == "counter", Contact.created_at >= low, Contact.created_at < high))
    turnaways = (select(LobbyTurnaway.domain_id, LobbyTurnaway.reason,
                        seconds_between(literal(low, UTCDateTime()), LobbyTurnaway.at))
                 .where(LobbyTurnaway.at >= low, LobbyTurnaway.at < high))
    if domain_id is not None:
        visitors = visitors.where(Contact.domain_id == domain_id)
        turnaways = turnaways.where(LobbyTurnaway.domain_id == domain_id)
    clock = _Clock(low)
    tallies: Tallies = defaultdict(lambda: defaultdict(_Hour))
    # plain rows, no ORM: a long unsettled stretch of a large municipality can be many thousands of them
    waits: dict[tuple[int, int], list[float]] = defaultdict(list)
    services: dict[tuple[int, int], list[float]] = defaultdict(list)
    for visitor_domain, since_s, ending, wait_s, service_s in session.connection().execute(visitors).all():
        if visitor_domain is None:
            continue  # only when domains/ had no fallback domain: such a visitor belongs to no domain's figures
        hour = clock.hour(since_s)
        group = tallies[visitor_domain][hour]
        group.visitors += 1
        if wait_s is not None:
            waits[visitor_domain, hour].append(wait_s)
        if service_s is not None:
            services[visitor_domain, hour].append(service_s)
        if ending is not None:
            group.ended[ending] += 1
    for (visitor_domain, hour), values in waits.items():
        tallies[visitor_domain][hour].waits.extend(values)
    for (visitor_domain, hour), values in services.items():
        tallies[visitor_domain][hour].services.extend(values)
    for turned_domain, reason, since_s in session.connection().execute(turnaways).all():
        tallies[turned_domain][clock.hour(since_s)].turned[reason] += 1
    return tallies


def _kept(session: Session, start: date, end: date, domain_id: int | None) -> Tallies:
    """What lobby_days holds for the kept days of the range: one document per day and domain, read as plain rows."""
    query = select(LobbyDay.domain_id, LobbyDay.hours).where(LobbyDay.day >= start, LobbyDay.day <= end)
    if domain_id is not None:
        query = query.where(LobbyDay.domain_id == domain_id)
    tallies: Tallies = defaultdict(lambda: defaultdict(_Hour))
    for kept_domain, hours in session.connection().execute(query):
        for hour, kept in (hours or {}).items():
            group = tallies[kept_domain][int(hour)]
            group.visitors += kept["visitors"]
            group.waits.extend_whole(kept["waits"])
            group.services.extend_whole(kept["services"])
            group.ended[NO_SHOW] += kept["no_shows"]
            group.ended[LEFT] += kept["left"]
            for reason, count in kept["turned"].items():
                group.turned[reason] = group.turned.get(reason, 0) + count
    return tallies


@dataclass(frozen=True)
class _KeptDomain:
    """One domain's kept days of a range, ready to add today's visitors to: per hour, and all hours together."""

    hours: dict[int, _Hour]
    waits: Sorted
    services: Sorted


def _frozen(tallies: Tallies) -> dict[int, _KeptDomain]:
    result = {}
    for domain_id, hours in tallies.items():
        frozen: dict[int, _Hour] = {}
        for hour, group in hours.items():
            frozen[hour] = _Hour.over(group)
            frozen[hour].waits, frozen[hour].services = (Durations(Sorted(group.waits.values)),
                                                         Durations(Sorted(group.services.values)))
        result[domain_id] = _KeptDomain(
            frozen, Sorted([value for group in hours.values() for value in group.waits.values]),
            Sorted([value for group in hours.values() for value in group.services.values]))
    return result


class _KeptCache:
    """The kept days of recently asked ranges, per database and per process.

    A kept day can no longer change, so a range's kept part is read and sorted once (a year of a large municipality's
    counter is some 100 000 waits, half a second) and only the days still moving are counted at each call. The key
    holds how many days of the range are kept and when the last of them was: a day kept since, or kept again, makes a
    new entry. Small: the floor, the seniors' week and an indicators period or two are what is asked."""

    SIZE = 8

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.engines: weakref.WeakKeyDictionary[Engine, OrderedDict[tuple, dict[int, _KeptDomain]]] = \
            weakref.WeakKeyDictionary()

    def get(self, session: Session, start: date, end: date, domain_id: int | None, kept: int,
            latest: datetime | None) -> dict[int, _KeptDomain]:
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        key = (start, end, domain_id, kept, latest)
        with self.lock:
            entries = self.engines.setdefault(engine, OrderedDict())
            if key in entries:
                entries.move_to_end(key)
                return entries[key]
        value = _frozen(_kept(session, start, end, domain_id))  # outside the lock: two readers may both count it once
        with self.lock:
            entries[key] = value
            while len(entries) > self.SIZE:
                entries.popitem(last=False)
        return value


_cache = _KeptCache()


def store_day(session: Session, day: date) -> None:
    """Keep one settled day (called by kcc.floor.indicators when it keeps the day's indicators)."""
    session.execute(delete(LobbyDay).where(LobbyDay.day == day))
    rows = [{"day": day, "domain_id": domain_id, "hours": {
                str(hour): {"visitors": group.visitors, "no_shows": group.ended[NO_SHOW], "left": group.ended[LEFT],
                            "turned": {reason: count for reason, count in group.turned.items() if count},
                            "waits": [round(value) for value in group.waits.values],
                            "services": [round(value) for value in group.services.values]}
                for hour, group in hours.items()}}
            for domain_id, hours in _read(session, *_bounds(day, day), None).items()]
    if rows:
        session.execute(insert(LobbyDay), rows)


def _overall(kept: _KeptDomain | None, parts: list[Durations], which: str) -> Spread:
    """All hours of a domain together: the kept days' durations as sorted once, the days still moving added."""
    total = Durations(getattr(kept, which) if kept is not None else NOTHING_KEPT)
    for part in parts:
        total.values += part.values
    return total.spread()


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) stretches: each is one bounded read."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def lobby_figures(session: Session, start: date, end: date, domain: str | None = None) -> list[DomainFigures]:
    """One entry per active domain (or the one named), in the domains' order, for visitors ticketed or sent home
    from `start` to `end` (local days, both inclusive); a domain nobody came for has zeros and no hours."""
    query = select(Domain.id, Domain.slug, Domain.name).where(Domain.active.is_(True)).order_by(Domain.position,
                                                                                                 Domain.slug)
    if domain is not None:
        query = query.where(Domain.slug == domain)
    domains = session.execute(query).all()
    if not domains:
        return []
    only = domains[0].id if domain is not None else None
    settled = select(SettledDay.day, SettledDay.stored_at).where(SettledDay.day >= start, SettledDay.day <= end)
    kept_days: dict[date, datetime] = {day: at for day, at in session.execute(settled)}
    kept = (_cache.get(session, start, end, only, len(kept_days), max(kept_days.values()))
            if kept_days else {})
    tallies: Tallies = defaultdict(lambda: defaultdict(_Hour))
    for domain_id, kept_domain in kept.items():
        for hour, group in kept_domain.hours.items():
            tallies[domain_id][hour] = _Hour.over(group)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    for first, last in _runs([day for day in days if day not in kept_days]):
        for domain_id, hours in _read(session, *_bounds(first, last), only).items():
            for hour, group in hours.items():
                tallies[domain_id][hour].add(group)
    result = []
    for domain_id, slug, name in domains:
        by_hour = sorted(tallies.get(domain_id, {}).items())
        turned: dict[str, int] = {str(reason): 0 for reason in TURNAWAY_REASONS}
        for _hour, group in by_hour:
            for reason, count in group.turned.items():
                turned[reason] = turned.get(reason, 0) + count
        result.append(DomainFigures(
            slug=slug, name=name, visitors=sum(group.visitors for _hour, group in by_hour),
            wait=_overall(kept.get(domain_id), [group.waits for _hour, group in by_hour], "waits"),
            service=_overall(kept.get(domain_id), [group.services for _hour, group in by_hour], "services"),
            no_shows=sum(group.ended[NO_SHOW] for _hour, group in by_hour),
            left_before_turn=sum(group.ended[LEFT] for _hour, group in by_hour),
            turned_away=turned,
            hours=[HourFigures(hour, group.visitors, group.waits.spread(), group.services.spread())
                   for hour, group in by_hour if group.visitors]))
    return result
