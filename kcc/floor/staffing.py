"""Staffing help for the floor lead: Erlang C, per domain and half hour.

Given the contacts expected in an interval, the average handling time and the answer target (say 80 % within
20 s), Erlang C gives the employees needed, and for any number of employees the service level and average
wait to expect. It is a suggestion the lead adjusts, not a roster: it assumes callers who wait (no one hangs
up) and employees who do nothing else, so real days come out a little better or worse.

The expected contacts come from the real arrivals of the last weeks on the same weekday and half hour.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kcc.core.timeutil import AMSTERDAM, local
from kcc.models import Contact, Domain

MAX_EMPLOYEES = 500  # beyond any municipality's floor: the search stops here rather than loop on bad input


@dataclass(frozen=True)
class Staffing:
    """What `employees` would give for one interval."""

    employees: int
    traffic: float  # offered load in Erlang: contacts × handling time ÷ interval
    service_level: float  # share answered within the target, 0..1
    average_wait_s: float  # over all contacts, those answered at once included
    occupancy: float  # share of the employees' time spent on contacts


def erlang_b(employees: int, traffic: float) -> float:
    """The blocking probability, by the recurrence B(n) = A·B(n−1) / (n + A·B(n−1)): no factorials to overflow."""
    blocking = 1.0
    for n in range(1, employees + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(employees: int, traffic: float) -> float:
    """The probability that a contact has to wait; 1 when the employees cannot keep up with the load."""
    if employees <= traffic:
        return 1.0
    blocking = erlang_b(employees, traffic)
    return employees * blocking / (employees - traffic * (1 - blocking))


def _check(contacts: float, handling_s: float, interval_s: float, target_s: float) -> None:
    if contacts < 0 or handling_s <= 0 or interval_s <= 0 or target_s < 0:
        raise ValueError("contacts ≥ 0, handling time > 0, interval > 0 and target ≥ 0 seconds")


def with_employees(employees: int, contacts: float, handling_s: float, interval_s: float,
                   target_s: float) -> Staffing:
    """The service level, average wait and occupancy `employees` give for this interval's load."""
    _check(contacts, handling_s, interval_s, target_s)
    traffic = contacts * handling_s / interval_s
    if employees <= traffic:  # the queue only grows: nobody is answered in time on average
        return Staffing(employees, traffic, 0.0, math.inf, 1.0 if employees else 0.0)
    waits = erlang_c(employees, traffic)
    level = 1 - waits * math.exp(-(employees - traffic) * target_s / handling_s)
    return Staffing(employees, traffic, level, waits * handling_s / (employees - traffic), traffic / employees)


def needed(contacts: float, handling_s: float, interval_s: float, target_s: float, goal: float) -> Staffing:
    """The fewest employees whose service level reaches `goal` (0..1) within `target_s`."""
    _check(contacts, handling_s, interval_s, target_s)
    if not 0 < goal < 1:
        raise ValueError("the goal is a share between 0 and 1, such as 0.8")
    if contacts == 0:
        return Staffing(0, 0.0, 1.0, 0.0, 0.0)
    employees = max(1, math.floor(contacts * handling_s / interval_s) + 1)
    while employees < MAX_EMPLOYEES:
        result = with_employees(employees, contacts, handling_s, interval_s, target_s)
        if result.service_level >= goal:
            return result
        employees += 1
    return with_employees(MAX_EMPLOYEES, contacts, handling_s, interval_s, target_s)


# --- fed with the real arrivals ---------------------------------------------------------------------------------

WEEKS = 4  # the same weekday of the last four weeks: recent enough to follow the season, enough to even out
SLOT = timedelta(minutes=30)
LONGEST_HANDLING = timedelta(hours=2)  # a contact "handled" longer was left open, not talked through


@dataclass(frozen=True)
class Slot:
    """One half hour of the chosen weekday: what came in on average, and what Erlang C makes of it."""

    start: time
    contacts: float  # per day, averaged over the weeks
    staffing: Staffing


@dataclass(frozen=True)
class Plan:
    domain: str
    channel: str
    weekday: int  # 0 = Monday
    weeks: int
    handling_s: float  # measured (or the lead's own) average handling time
    measured_handling_s: float | None  # what the history says, None without handled contacts
    target_s: int
    goal: float
    slots: list[Slot]


def _history(session: Session, domain_id: int, channel: str, weekday: int, now: datetime,
             weeks: int) -> tuple[list[datetime], list[float]]:
    """The arrivals on that weekday of the last `weeks` weeks, and the handling times of those answered."""
    today = local(now).date()
    back = (today.weekday() - weekday) % 7 or 7  # the last such weekday before today: a whole day
    days = [today - timedelta(days=back + 7 * n) for n in range(weeks)]
    arrivals: list[datetime] = []
    handled: list[float] = []
    for day in days:
        low = datetime.combine(day, time(0), tzinfo=AMSTERDAM)
        rows = session.execute(select(Contact.created_at, Contact.answered_at, Contact.closed_at).where(
            Contact.domain_id == domain_id, Contact.channel == channel, Contact.created_at >= low,
            Contact.created_at < low + timedelta(days=1))).all()
        for created, answered, closed in rows:
            arrivals.append(created)
            if answered is not None and closed is not None and timedelta(0) < closed - answered <= LONGEST_HANDLING:
                handled.append((closed - answered).total_seconds())
    return arrivals, handled


def plan(session: Session, domain: Domain, channel: str, weekday: int, now: datetime, *, goal: float = 0.8,
         target_s: int | None = None, handling_s: float | None = None, weeks: int = WEEKS) -> Plan:
    """Per half hour of `weekday` (0 = Monday): the contacts of the last weeks on average and the employees
    Erlang C says they need for `goal` within `target_s` (the domain's own answer target unless given). The
    handling time is measured from the same days unless the lead gives their own."""
    arrivals, handled = _history(session, domain.id, channel, weekday, now, weeks)
    measured = sum(handled) / len(handled) if handled else None
    handling = handling_s or measured or 180.0
    target = domain.phone_answer_target_s if target_s is None else target_s
    counts: dict[time, int] = {}
    for created in arrivals:
        at = local(created)
        start = time(at.hour, 30 if at.minute >= 30 else 0)
        counts[start] = counts.get(start, 0) + 1
    slots = [Slot(start, count / weeks, needed(count / weeks, handling, SLOT.total_seconds(), target, goal))
             for start, count in sorted(counts.items())]
    return Plan(domain.slug, channel, weekday, weeks, handling, measured, target, goal, slots)
