"""What the floor lead glances at across the room: how many colleagues are in each state, each domain's queue
against its target, who works which domain — grouped by state and by name, never ranked."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kcc.config import QueueSettings
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Msg, NotAllowed, NotFound, ValidationError
from kcc.models import Domain, Presence, Skill, Staff, StaffRole
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


# --- deployment: which of their skilled domains someone serves now ---------------------------------------------

@dataclass(frozen=True)
class Deployable:
    id: int
    name: str
    skills: tuple[tuple[int, str, str, bool], ...]  # (domain id, domain name, level, serving now)
    state: str


def deployable(session: Session, now: datetime, fresh_s: int) -> list[Deployable]:
    """Everyone who takes queues (the agent role), with their skills and whether they serve each now."""
    people = {person.id: person for person in directory.on_floor(session, seen_since=now - timedelta(seconds=fresh_s))}
    agents = select(StaffRole.staff_id).where(StaffRole.role == "agent")
    rows = session.execute(select(Staff.id, Staff.name, Skill.domain_id, Domain.name, Skill.level, Skill.serving)
                           .join(Skill, Skill.staff_id == Staff.id).join(Domain, Domain.id == Skill.domain_id)
                           .where(Staff.active.is_(True), Staff.id.in_(agents))
                           .order_by(Staff.name, Domain.position)).all()
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    result = []
    for staff_id, skills in grouped.items():
        person = people.get(staff_id)
        result.append(Deployable(staff_id, skills[0].name, tuple((r[2], r[3], r[4], bool(r[5])) for r in skills),
                                 person.state if person else "offline"))
    return result


def deploy(session: Session, actor: Actor, staff_id: int, serving: set[int], now: datetime) -> Staff:
    """The lead moves someone between their skilled domains: effective for routing at once (their profile's
    revision moves), logged. At least one domain stays served; a domain they have no skill in cannot be chosen."""
    if not actor.has_role("lead"):
        raise NotAllowed(Msg("Alleen de teamleider zet medewerkers in."), "deploy without the lead role")
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise NotFound(Msg("Medewerker %(id)s bestaat niet (meer).", id=staff_id))
    skilled = {skill.domain_id for skill in staff.skills}
    if not serving:
        raise ValidationError({"serving": Msg("kies minstens één domein; wie geen wachtrij moet nemen, zet zichzelf op pauze")})
    if not serving <= skilled:
        raise ValidationError({"serving": Msg("kies alleen domeinen waarin %(name)s is geschoold", name=staff.name)})
    changed = False
    for skill in staff.skills:
        if skill.serving != (skill.domain_id in serving):
            skill.serving, changed = skill.domain_id in serving, True
    if changed:
        staff.revision = (staff.revision or 0) + 1
        session.flush()
        names = ",".join(sorted(skill.domain.slug for skill in staff.skills if skill.serving))
        audit.record(session, actor, "staff.deploy", object_type="staff", object_id=staff.id, detail=names)
    return staff


@dataclass(frozen=True)
class OnTheLine:
    id: int
    name: str


def long_without_break(session: Session, now: datetime, queue: QueueSettings) -> list[tuple[OnTheLine, timedelta]]:
    """Who has been available (or busy with a contact) without a pause for longer than KCC_BREAK_AFTER_MIN, screen
    open: the floor's and the deployment page's prompt to care, in one statement, longest first."""
    rows = session.execute(select(Staff.id, Staff.name, Staff.presence_since).where(
        Staff.active.is_(True), Staff.presence == Presence.available,
        Staff.presence_since <= now - timedelta(minutes=queue.break_after_min),
        Staff.last_seen_at >= now - timedelta(seconds=queue.presence_fresh_s)).order_by(Staff.presence_since)).all()
    return [(OnTheLine(staff_id, name), now - since) for staff_id, name, since in rows if since is not None]
