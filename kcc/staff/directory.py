"""Who works here, as the screens and the API list them: colleagues with their presence, skills and teams.

Every list is a fixed number of statements however many people there are: the staff rows with their
roles, skills, languages and teams loaded alongside, and who is busy read once for all of them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from kcc.models import Contact, ContactStatus, Domain, Presence, Skill, Staff, StaffRole, Team, team_members

HANDOVER_ROLES = frozenset({"agent", "specialist", "senior", "lead"})  # colleagues one can hand over to

_PROFILE = (selectinload(Staff.role_rows), selectinload(Staff.skills).selectinload(Skill.domain),
            selectinload(Staff.language_rows), selectinload(Staff.teams), selectinload(Staff.desk))


def busy_ids(session: Session, staff_ids: Iterable[int] | None = None) -> set[int]:
    """The employees with a contact in progress (being busy is that, not a state one picks)."""
    query = select(Contact.owner_id).where(Contact.status == ContactStatus.in_progress, Contact.owner_id.is_not(None))
    if staff_ids is not None:
        query = query.where(Contact.owner_id.in_(list(staff_ids)))
    return {owner for owner in session.connection().scalars(query) if owner is not None}


def presence(person: Staff, busy: set[int], seen_since: datetime | None = None) -> str:
    """available | paused | offline as chosen, or busy while a contact is in progress; with `seen_since`,
    "unseen" for someone available whose screen has not asked since then (a browser closed, not a colleague
    ready to take a call — the queue does not wait for them either)."""
    return _state(person.id, person.presence, person.last_seen_at, busy, seen_since)


def _state(staff_id: int, chosen: str, last_seen_at: datetime | None, busy: set[int], seen_since: datetime | None) -> str:
    if chosen != Presence.offline and staff_id in busy:
        return "busy"
    if seen_since is not None and chosen == Presence.available and (last_seen_at is None or last_seen_at < seen_since):
        return "unseen"
    return chosen


@dataclass(frozen=True)
class Colleague:
    """A colleague as the handover list shows them, as plain values: the list of hundreds is drawn for every
    contact in hand, and ORM objects with their roles, skills and teams cost far more than these few columns."""

    id: int
    name: str
    roles: frozenset[str]
    state: str  # presence() of the person
    seen_at: datetime | None  # their screen last asked
    domains: tuple[str, ...]  # their skills' domain names, primary first
    teams: tuple[str, ...]


def handover_targets(session: Session, seen_since: datetime) -> list[Colleague]:
    """Everyone active one can hand over to (HANDOVER_ROLES), by name: four statements however many people."""
    conn = session.connection()  # plain rows: see on_floor
    roles: dict[int, set[str]] = defaultdict(set)
    for staff_id, role in conn.execute(select(StaffRole.staff_id, StaffRole.role)):
        roles[staff_id].add(role)
    domains: dict[int, list[str]] = defaultdict(list)
    for staff_id, name in conn.execute(select(Skill.staff_id, Domain.name).join(Domain, Domain.id == Skill.domain_id)
                                       .order_by(Skill.level, Domain.position)):
        domains[staff_id].append(name)
    teams: dict[int, list[str]] = defaultdict(list)
    for staff_id, name in conn.execute(select(team_members.c.staff_id, Team.name)
                                       .join(Team, Team.id == team_members.c.team_id).order_by(Team.name)):
        teams[staff_id].append(name)
    return [Colleague(staff_id, name, frozenset(roles[staff_id]), state, seen, tuple(domains[staff_id]),
                      tuple(teams[staff_id]))
            for staff_id, name, state, seen in _active_with_state(session, seen_since) if roles[staff_id] & HANDOVER_ROLES]


def _active_with_state(session: Session, seen_since: datetime) -> list[tuple[int, str, str, datetime | None]]:
    """(id, name, presence(), last seen) of everyone active, by name: two statements, plain rows."""
    people = session.connection().execute(select(Staff.id, Staff.name, Staff.presence, Staff.last_seen_at)
                                          .where(Staff.active.is_(True)).order_by(Staff.name)).all()
    busy = busy_ids(session)
    return [(staff_id, name, _state(staff_id, chosen, seen, busy, seen_since), seen)
            for staff_id, name, chosen, seen in people]


@dataclass(frozen=True)
class OnFloor:
    """A colleague as the floor lead's screen shows them, as plain values (the floor is redrawn every few
    seconds with everyone on it)."""

    id: int
    name: str
    state: str  # presence() of the person
    skills: tuple[tuple[int, str], ...]  # (domain id, level)


def on_floor(session: Session, seen_since: datetime) -> list[OnFloor]:
    """Everyone active with their presence and skills, by name: three statements however many people, read as
    plain rows (the ORM's result handling would cost more than the database does)."""
    conn = session.connection()
    skills: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for staff_id, domain_id, level in conn.execute(select(Skill.staff_id, Skill.domain_id, Skill.level)
                                                   .where(Skill.serving.is_(True))):  # the domains they serve now
        skills[staff_id].append((domain_id, level))
    return [OnFloor(staff_id, name, state, tuple(skills[staff_id]))
            for staff_id, name, state, _seen in _active_with_state(session, seen_since)]


def colleagues(session: Session, *, exclude_id: int | None = None, roles: frozenset[str] | None = None,
               available_only: bool = False, seen_since: datetime | None = None) -> list[tuple[Staff, str]]:
    """Active employees with their presence, by name; only those with one of `roles`, when given."""
    query = select(Staff).where(Staff.active.is_(True)).options(*_PROFILE).order_by(Staff.name)
    if exclude_id is not None:
        query = query.where(Staff.id != exclude_id)
    if available_only:
        query = query.where(Staff.presence == Presence.available)
    people = [person for person in session.scalars(query) if roles is None or set(person.roles) & roles]
    busy = busy_ids(session, [person.id for person in people])
    found = [(person, presence(person, busy, seen_since)) for person in people]
    return [(person, state) for person, state in found if not available_only or state == Presence.available]


def search(session: Session, text: str = "") -> list[Staff]:
    """Everyone, active or not, by name; filtered on user name or name (the administrator's list)."""
    query = select(Staff).options(*_PROFILE).order_by(Staff.name)
    if text:
        like = f"%{text.lower()}%"
        query = query.where(or_(Staff.username.ilike(like), Staff.name.ilike(like)))
    return list(session.scalars(query))


def teams_with_members(session: Session) -> list[Team]:
    """Active teams with their members, for choosing a handover target."""
    return list(session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name)
                                .options(selectinload(Team.members), selectinload(Team.domain))))
