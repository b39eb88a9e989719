"""Counter desks (balies), administered like staff: a fresh installation adds its desks here (in /beheer or
with `kcc desk`), an employee sits at one, and the lobby display shows its number when a ticket is called.

A desk is never deleted: contacts keep pointing at the desk that served them. One no longer used is made
inactive; nobody can choose it then, and whoever still sat at it stands up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Msg, NotFound, ValidationError
from kcc.models import Desk, Staff

NUMBER_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,9}")


@dataclass(frozen=True)
class DeskInput:
    number: str
    label: str = ""
    active: bool = True


def all_desks(session: Session) -> list[Desk]:
    """Every desk, active first, in number order (10 after 9)."""
    desks = session.scalars(select(Desk)).all()
    return sorted(desks, key=lambda d: (not d.active, len(d.number), d.number))


def get_desk(session: Session, number: str) -> Desk:
    desk = session.scalar(select(Desk).where(Desk.number == number))
    if desk is None:
        raise NotFound(Msg("balie %(number)s bestaat niet", number=number))
    return desk


def _check(session: Session, data: DeskInput, desk: Desk | None) -> None:
    problems: dict[str, Msg] = {}
    if not NUMBER_RE.fullmatch(data.number):
        problems["number"] = Msg("geef een kort nummer zoals 3 of 12A (letters, cijfers, ten hoogste 10 tekens)")
    elif session.scalar(select(Desk.id).where(Desk.number == data.number, Desk.id != (desk.id if desk else -1))):
        problems["number"] = Msg("balie %(number)s bestaat al", number=data.number)
    if len(data.label) > 100:
        problems["label"] = Msg("schrijf de omschrijving in ten hoogste 100 tekens")
    if problems:
        raise ValidationError(problems)


def create_desk(session: Session, data: DeskInput, *, actor: Actor) -> Desk:
    _check(session, data, None)
    desk = Desk(number=data.number, label=data.label.strip(), active=data.active)
    session.add(desk)
    session.flush()
    audit.record(session, actor, "desk.create", object_type="desk", object_id=desk.id, detail=desk.number)
    return desk


def update_desk(session: Session, desk: Desk, data: DeskInput, *, actor: Actor) -> Desk:
    """Change a desk; made inactive, whoever sits at it stands up (they choose another desk or none)."""
    _check(session, data, desk)
    desk.number, desk.label, desk.active = data.number, data.label.strip(), data.active
    if not desk.active:
        session.execute(update(Staff).where(Staff.desk_id == desk.id).values(desk_id=None))
    session.flush()
    audit.record(session, actor, "desk.update", object_type="desk", object_id=desk.id, detail=desk.number)
    return desk
