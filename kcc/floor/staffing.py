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
