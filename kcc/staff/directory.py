"""Who works here, as the screens and the API list them: colleagues with their presence, skills and teams.

Every list is a fixed number of statements however many people there are: the staff rows with their
roles, skills, languages and teams loaded alongside, and who is busy read once for all of them.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from kcc.models import Contact, ContactStatus, Presence, Skill, Staff, Team

HANDOVER_ROLES = frozenset({"agent", "specialist", "senior", "lead"})  # colleagues one can hand over to

_PROFILE = (selectinload(Staff.role_rows), selectinload(Staff.skills).selectinload(Skill.domain),
            selectinload(Staff.language_rows), selectinload(Staff.teams), selectinload(Staff.desk))


def busy_ids(session: Session, staff_ids: Iterable[int] | None = None) -> set[int]:
    """The employees with a contact in progress (being busy is that, not a state one picks)."""
    query = select(Contact.owner_id).where(Contact.status == ContactStatus.in_progress, Contact.owner_id.is_not(None))
    if staff_ids is not None:
        query = query.where(Contact.owner_id.in_(list(staff_ids)))
    return {owner for owner in session.scalars(query) if owner is not None}


def presence(person: Staff, busy: set[int], seen_since: datetime | None = None) -> str:
    """available | paused | offline as chosen, or busy while a contact is in progress; with `seen_since`,
    "unseen" for someone available whose screen has not asked since then (a browser closed, not a colleague
    ready to take a call — the queue does not wait for them either)."""
    if person.presence != Presence.offline and person.id in busy:
        return "busy"
    if (seen_since is not None and person.presence == Presence.available
            and (person.last_seen_at is None or person.last_seen_at < seen_since)):
        return "unseen"
    return person.presence


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
