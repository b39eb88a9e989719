"""Time is stored in UTC and shown in Europe/Amsterdam; these helpers keep that in one place."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local(value: datetime) -> datetime:
    return value.astimezone(AMSTERDAM)


def start_of_day(now: datetime) -> datetime:
    """Midnight of `now`'s day in Amsterdam: where "today" begins for queues, the lobby and its display."""
    return local(now).replace(hour=0, minute=0, second=0, microsecond=0)


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 with the Amsterdam offset, as the API promises."""
    return None if value is None else local(value).isoformat(timespec="seconds")


def parse_local(text: str) -> datetime:
    """A moment typed in a form (a datetime-local field, "2026-12-01T12:00"), read as Amsterdam time.

    Raises ValueError for anything that is not such a moment."""
    moment = datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M")
    return moment.replace(tzinfo=AMSTERDAM).astimezone(UTC)
