"""Indicators for the team, never per person: per domain and channel over a range of days.

Read them as signals, not targets (the seniors and leads read them as such): waiting, service level, answered in one go, warm
handovers and what became of them, callbacks on time, repeat contacts.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kcc.contacts.intake import is_repeat
from kcc.core.timeutil import AMSTERDAM
from kcc.models import CHANNELS, Contact, ContactStatus, Domain, Handover, HandoverState, Outcome, Task, TaskState

FIELDS = ("contacts", "answered_in_one_go", "abandoned", "service_level", "handovers_offered",
          "handovers_accepted", "handovers_expired", "handovers_declined", "callbacks_created",
          "callbacks_on_time", "callbacks_overdue", "repeat_contacts", "signals_raised", "signals_done")


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time(0), tzinfo=AMSTERDAM),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=AMSTERDAM))


def indicators(session: Session, start: date, end: date, now: datetime, domain: str | None = None) -> list[dict]:
    """One row per domain and channel for contacts that arrived from `start` to `end` (local days, inclusive)."""
    low, high = _bounds(start, end)
    domains = session.scalars(select(Domain).where(Domain.active.is_(True)).order_by(Domain.position)).all()
    if domain is not None:
        domains = [d for d in domains if d.slug == domain]
    rows: dict[tuple[int, str], dict] = {}
    for d in domains:
        for channel in CHANNELS:
            rows[d.id, channel] = {"domain": d.slug, "channel": channel, **{f: 0 for f in FIELDS},
                                   "_answered": 0, "_in_time": 0, "_target": d.phone_answer_target_s}
    contacts = session.scalars(select(Contact).where(Contact.created_at >= low, Contact.created_at < high,
                                                     Contact.domain_id.in_([d.id for d in domains]))).all()
    moved: set[int] = set(session.scalars(select(Handover.contact_id).where(Handover.contact_id.in_(
        [c.id for c in contacts])))) if contacts else set()
    for contact in contacts:
        assert contact.domain_id is not None  # the query asks for these domains' contacts only
        row = rows[contact.domain_id, contact.channel]
        row["contacts"] += 1
        row["abandoned"] += contact.status == ContactStatus.abandoned
        row["answered_in_one_go"] += contact.outcome == Outcome.answered and contact.id not in moved
        row["repeat_contacts"] += is_repeat(session, contact)
        if contact.channel == "phone" and contact.answered_at is not None:
            row["_answered"] += 1
            row["_in_time"] += (contact.answered_at - contact.created_at).total_seconds() <= row["_target"]
    for handover in session.scalars(select(Handover).where(Handover.created_at >= low, Handover.created_at < high)):
        key = (handover.contact.domain_id, handover.contact.channel)
        if key in rows:
            rows[key]["handovers_offered"] += 1
            for status in (HandoverState.accepted, HandoverState.expired, HandoverState.declined):
                rows[key][f"handovers_{status}"] += handover.status == status
    for task in session.scalars(select(Task).where(Task.created_at >= low, Task.created_at < high)):
        key = (task.contact.domain_id, task.contact.channel)
        if key in rows:
            rows[key]["callbacks_created"] += 1
            if task.state == TaskState.done:
                assert task.completed_at is not None  # complete() sets the state and the time together
                on_time, late = task.completed_at <= task.deadline, task.completed_at > task.deadline
            else:
                on_time, late = False, task.state == TaskState.open and now > task.deadline
            rows[key]["callbacks_on_time"] += on_time
            rows[key]["callbacks_overdue"] += late
    result = []
    for row in rows.values():
        answered, in_time = row.pop("_answered"), row.pop("_in_time")
        row.pop("_target")
        row["service_level"] = round(in_time / answered, 3) if answered else None
        row["signals_raised"] = row["signals_done"] = None  # improvement signals arrive with the seniors' board
        result.append(row)
    return result

