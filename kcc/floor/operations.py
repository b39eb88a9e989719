"""What the floor lead glances at across the room: how many colleagues are in each state, each domain's queue
against its target, who works which domain — grouped by state and by name, never ranked."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kcc.queues import operations as queues
from kcc.staff import directory

STATES = ("available", "busy", "paused", "unseen", "offline")
FAR_OVER = 3  # a wait over three times the target is shouted, not whispered


@dataclass(frozen=True)
class DomainRow:
    status: queues.QueueStatus
    wait_level: str  # "none", "ok", "over" or "far": the longest wait against the domain's target
    staff: dict[str, list[tuple[directory.OnFloor, str]]] = field(default_factory=dict)  # state → [(person, level)], by name


@dataclass(frozen=True)
class Overview:
    totals: dict[str, int]  # state → employees in it (everyone active, once)
    domains: list[DomainRow]


def wait_level(waiting: int, longest_wait_s: int, target_s: int) -> str:
    """How the longest wait stands against the domain's answer target: in words and colour on the screen."""
    if not waiting:
        return "none"
    if longest_wait_s <= target_s:
        return "ok"
    return "far" if longest_wait_s > FAR_OVER * target_s else "over"


def overview(session: Session, now: datetime, fresh_s: int,
             figures: list[queues.QueueStatus] | None = None) -> Overview:
    """`fresh_s`: an available colleague whose screen has not asked for this long counts as unseen; `figures`:
    the queues as just counted (else they are counted here)."""
    people = directory.on_floor(session, seen_since=now - timedelta(seconds=fresh_s))
    totals = Counter(person.state for person in people)
    by_domain: dict[int, dict[str, list[tuple[directory.OnFloor, str]]]] = defaultdict(lambda: defaultdict(list))
    for person in people:
        for domain_id, level in person.skills:
            by_domain[domain_id][person.state].append((person, level))
    rows = [DomainRow(q, wait_level(q.waiting, q.longest_wait_s, q.domain.phone_answer_target_s),
                      {state: by_domain[q.domain.id].get(state, []) for state in STATES})
            for q in (queues.queue_status(session, now) if figures is None else figures)]
    return Overview({state: totals.get(state, 0) for state in STATES}, rows)
