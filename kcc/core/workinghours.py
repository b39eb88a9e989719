"""Deadlines in working hours: only opening hours on working days count, Dutch public holidays skipped.

A callback promised "within 16 working hours" on a Friday afternoon lands on Tuesday, not Saturday;
one promised the day before Koningsdag skips it. Opening hours come from domains/ (per domain, per
channel, per weekday: "08:30-12:30, 13:30-17:00"); times are reckoned in Europe/Amsterdam and stored in UTC.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from kcc.core.timeutil import AMSTERDAM

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS = 366 * 2  # a norm never reaches further; stops a misconfigured week (no hours at all) from looping


class NoOpeningHours(ValueError):
    """The hours table has no opening time at all, so no deadline in working hours exists."""


@lru_cache(maxsize=16)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=year)


def is_holiday(day: date) -> bool:
    return day in _holidays(day.year)


def _spans(hours: dict[str, list[list[str]]], day: date) -> list[tuple[datetime, datetime]]:
    """The opening spans of one local day, as aware datetimes; none on a public holiday."""
    if is_holiday(day):
        return []
    result = []
    for start, end in hours.get(DAYS[day.weekday()], []):
        opens = datetime.combine(day, time.fromisoformat(start), tzinfo=AMSTERDAM)
        if end == "24:00":  # open until midnight: domains/ allows it, time() does not
            closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=AMSTERDAM)
        else:
            closes = datetime.combine(day, time.fromisoformat(end), tzinfo=AMSTERDAM)
        result.append((opens, closes))
    return result


def add_working_hours(start: datetime, hours: float, opening: dict[str, list[list[str]]]) -> datetime:
    """The moment `hours` of opening time after `start` (aware); returned in UTC."""
    if not any(opening.get(day) for day in DAYS):
        raise NoOpeningHours("no opening hours on any day")
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(AMSTERDAM)
    day = cursor.date()
    for _ in range(MAX_DAYS):
        for opens, closes in _spans(opening, day):
            begin = max(opens, cursor)
            if begin >= closes:
                continue
            available = closes - begin
            if remaining <= available:
                return (begin + remaining).astimezone(UTC)
            remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time(0), tzinfo=AMSTERDAM)
    raise NoOpeningHours(f"no deadline within {MAX_DAYS} days")


def working_hours_between(start: datetime, end: datetime, opening: dict[str, list[list[str]]]) -> float:
    """Opening hours from start to end (negative when end is earlier): 'nog 5 u', '2 d over tijd'."""
    if end < start:
        return -working_hours_between(end, start, opening)
    total = timedelta()
    first, last = start.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)
    day = first.date()
    while day <= last.date():
        for opens, closes in _spans(opening, day):
            begin, finish = max(opens, first), min(closes, last)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def open_now(opening: dict[str, list[list[str]]], now: datetime) -> tuple[bool, datetime | None]:
    """Whether these hours are open at `now`, and the next moment they open when they are not (None when no
    opening falls within two weeks): the lobby says "gesloten, weer open dinsdag 08:30" instead of a ticket."""
    at = now.astimezone(AMSTERDAM)
    for offset in range(15):
        for opens, closes in _spans(opening, at.date() + timedelta(days=offset)):
            if opens <= at < closes:
                return True, None
            if opens > at:
                return False, opens
    return False, None
