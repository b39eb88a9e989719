"""The lobby: ticket numbers for visitors, and what the waiting-room screen shows — tickets called to a desk
and how many visitors wait per domain.

Only ticket numbers, desk numbers and counts: a public screen never shows a name or a question.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kcc.core.timeutil import local
from kcc.models import Contact, ContactStatus, Desk, Domain, TicketCounter

CALLED_FOR = timedelta(minutes=15)  # a call stays on the screen this long
CALLED_SHOWN = 8


@dataclass(frozen=True)
class Called:
    ticket: str
    desk: str
    at: datetime


@dataclass(frozen=True)
class Board:
    called: list[Called]  # newest first
    waiting: dict[str, int]  # domain slug → visitors waiting, every active domain


def board(session: Session, now: datetime) -> Board:
    """The screen's contents now: today's calls of the last quarter of an hour, and the lobby's queues."""
    since = max(now - CALLED_FOR, local(now).replace(hour=0, minute=0, second=0, microsecond=0))
    called = session.execute(
        select(Contact.ticket, Desk.number, Contact.answered_at).join(Desk, Desk.id == Contact.desk_id)
        .where(Contact.channel == "counter", Contact.ticket.is_not(None), Contact.answered_at >= since)
        .order_by(Contact.answered_at.desc(), Contact.id.desc()).limit(CALLED_SHOWN)).all()
    counts = dict(session.execute(
        select(Contact.domain_id, func.count()).where(Contact.channel == "counter", Contact.status == ContactStatus.waiting)
        .group_by(Contact.domain_id)).all())
    domains = session.execute(select(Domain.id, Domain.slug).where(Domain.active.is_(True))
                              .order_by(Domain.position, Domain.slug)).all()
    calls = []
    for ticket, desk, at in called:
        assert ticket is not None and at is not None  # the query asks for ticketed, answered contacts only
        calls.append(Called(ticket, desk, at))
    return Board(calls, {slug: counts.get(domain_id, 0) for domain_id, slug in domains})


def next_ticket(session: Session, domain: Domain, now: datetime) -> str:
    """B001, B002, … per domain and local day; the counter row is locked so two hosts never print the same."""
    day = local(now).date()
    counter = session.scalar(select(TicketCounter).where(TicketCounter.domain_id == domain.id,
                                                         TicketCounter.day == day).with_for_update())
    if counter is None:
        try:
            with session.begin_nested():
                counter = TicketCounter(domain_id=domain.id, day=day, last=0)
                session.add(counter)
                session.flush()
        except IntegrityError:
            counter = session.scalar(select(TicketCounter).where(TicketCounter.domain_id == domain.id,
                                                                 TicketCounter.day == day).with_for_update())
            assert counter is not None  # the insert collided with this very row, written by another host
    counter.last += 1
    return f"{domain.ticket_prefix}{counter.last:03d}"
