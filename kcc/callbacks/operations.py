"""Callback tasks (terugbelverzoeken) as a team works them: claim, forward, call attempts, complete.

No Flask here. The deadline is a promise to the citizen, so forwarding keeps it; urgency is shown
as working time left or overdue ("nog 5 u", "2 d over tijd").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, selectinload

from kcc.contacts.intake import same_person
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Conflict, Msg, NotAllowed, ValidationError, too_long
from kcc.core.workinghours import working_hours_between
from kcc.models import Citizen, Contact, ContactEvent, ContactStatus, Handover, Outcome, Staff, Task, TaskAttempt, TaskState, Team
from kcc.policy import contacts_visible_to, may_work_task, tasks_workable_by

NEARLY_DUE_HOURS = 4  # working hours left at which a task is highlighted as nearly due
AUDIT_ACTIONS = {"task_claimed": "task.claim", "task_forwarded": "task.forward", "task_attempt": "task.attempt",
                 "task_completed": "task.complete"}


def _check(actor: Actor, task: Task) -> None:
    if not may_work_task(actor, task):
        raise NotAllowed(Msg("Deze taak is van een ander team."), f"task {task.id} belongs to another team")
    if task.state != TaskState.open:
        raise Conflict(Msg("Deze taak is al afgerond."))


def _note(text: str | None, field: str = "note", required: bool = False) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({field: Msg("schrijf een korte toelichting")})
    if (problem := too_long(text)) is not None:
        raise ValidationError({field: problem})
    return text


def _event(session: Session, task: Task, kind: str, actor: Actor, now: datetime, **data) -> None:
    """The step on the contact's timeline, and the same step in the audit log."""
    task.contact.events.append(ContactEvent(type=kind, actor_id=actor.id, at=now, data={"task": task.id, **data}))
    audit.record(session, actor, AUDIT_ACTIONS[kind], object_type="task", object_id=task.id,
                 detail=f"contact {task.contact_id}")


def claim(session: Session, task: Task, actor: Actor, now: datetime) -> Task:
    """'Assign to myself': exactly one colleague gets it, even when two click at the same moment."""
    _check(actor, task)
    result = cast(CursorResult, session.execute(
        update(Task).where(Task.id == task.id, Task.state == TaskState.open, (Task.owner_id.is_(None)) | (Task.owner_id == actor.id))
        .values(owner_id=actor.id).execution_options(synchronize_session=False)))
    session.refresh(task)
    if result.rowcount != 1:
        raise Conflict(Msg("%(name)s heeft deze taak al opgepakt.", name=task.owner.name if task.owner else "?"))
    _event(session, task, "task_claimed", actor, now)
    session.flush()
    return task


def forward(session: Session, task: Task, actor: Actor, now: datetime, note: str,
            to_team_slug: str | None = None, to_staff_id: int | None = None) -> Task:
    """Hand the task on to another team or colleague, with a note; the deadline promised stays."""
    _check(actor, task)
    note = _note(note, required=True)
    if (to_team_slug is None) == (to_staff_id is None):
        raise ValidationError({"to": Msg("kies een team of een collega")})
    before = task.owner.name if task.owner else task.team.name
    if to_team_slug is not None:
        team = session.scalar(select(Team).where(Team.slug == to_team_slug, Team.active.is_(True)))
        if team is None:
            raise ValidationError({"to.team": Msg("onbekend team %(slug)s", slug=to_team_slug)})
        task.team, task.owner = team, None
        after = team.name
    else:
        person = session.get(Staff, to_staff_id)
        if person is None or not person.active:
            raise ValidationError({"to.staff": Msg("deze collega bestaat niet (meer)")})
        task.owner = person
        after = person.name
    _event(session, task, "task_forwarded", actor, now, **{"from": before, "to": after, "note": note})
    session.flush()
    return task


def attempt(session: Session, task: Task, actor: Actor, reached: bool | None, note: str, now: datetime) -> TaskAttempt:
    """A call attempt: reached or not (None: not said, refused), and what was said."""
    _check(actor, task)
    if task.owner_id != actor.id:
        raise Conflict(Msg("Pak de taak eerst op ('aan mij toewijzen')."))
    if not isinstance(reached, bool):
        raise ValidationError({"reached": Msg("kies bereikt of niet bereikt")})
    entry = TaskAttempt(task=task, actor_id=actor.id, at=now, reached=reached, note=_note(note))
    session.add(entry)
    _event(session, task, "task_attempt", actor, now, reached=reached, note=entry.note)
    session.flush()
    return entry


def complete(session: Session, task: Task, actor: Actor, note: str, now: datetime) -> Task:
    """Done: the citizen has been helped; the contact is resolved."""
    _check(actor, task)
    if task.owner_id != actor.id:
        raise Conflict(Msg("Alleen wie de taak heeft opgepakt, kan hem afronden."))
    task.state, task.completed_at, task.outcome_note = TaskState.done, now, _note(note, required=True)
    contact = session.get_one(Contact, task.contact_id)  # a task's contact_id is a foreign key: it is there
    contact.status, contact.outcome, contact.closed_at, contact.updated_at = (
        ContactStatus.resolved, Outcome.callback_done, now, now)
    _event(session, task, "task_completed", actor, now, note=task.outcome_note,
           on_time=now <= task.deadline)
    session.flush()
    return task


@dataclass(frozen=True)
class Urgency:
    level: str  # "ok", "soon" or "overdue"
    hours: float  # working hours left (negative: over time)

    @property
    def label(self) -> str:
        """'nog 5 u', 'nog 2 d', '3 u over tijd', '2 d over tijd' — days as 8 working hours."""
        left = abs(self.hours)
        amount = f"{round(left / 8)} d" if left >= 16 else f"{max(1, round(left))} u"
        return f"nog {amount}" if self.hours >= 0 else f"{amount} over tijd"


def urgency(task: Task, now: datetime) -> Urgency:
    hours = working_hours_between(now, task.deadline, task.team.domain.hours.get("phone", {}))
    if now > task.deadline:
        hours = min(hours, -0.01)
        return Urgency("overdue", hours)
    return Urgency("soon" if hours <= NEARLY_DUE_HOURS else "ok", hours)


# what a task card shows, loaded alongside the tasks: a fixed number of statements however many tasks are listed
_CARD = (selectinload(Task.confirmations), selectinload(Task.team).selectinload(Team.domain),
         selectinload(Task.owner), selectinload(Task.contact).selectinload(Contact.citizen),
         selectinload(Task.attempts).selectinload(TaskAttempt.actor),
         selectinload(Task.handover).selectinload(Handover.answered_by))


def count_tasks(session: Session, actor: Actor, *, overdue_at: datetime) -> int:
    """How many open tasks this actor works are past their deadline (the floor lists the most overdue only)."""
    return session.scalar(select(func.count()).select_from(Task).where(
        Task.state == TaskState.open, tasks_workable_by(actor), Task.deadline < overdue_at)) or 0


@dataclass(frozen=True)
class Overdue:
    """An overdue callback as the floor lists it: a line, not a card."""

    id: int
    contact_id: int
    team: str
    deadline: datetime
    owner: str | None  # who picked it up, if anyone


def overdue(session: Session, actor: Actor, now: datetime, limit: int) -> list[Overdue]:
    """The open tasks this actor works that are past their deadline, the most overdue first: one statement."""
    query = (select(Task.id, Task.contact_id, Team.name, Task.deadline, Staff.name)
             .join(Team, Team.id == Task.team_id).outerjoin(Staff, Staff.id == Task.owner_id)
             .where(Task.state == TaskState.open, tasks_workable_by(actor), Task.deadline < now)
             .order_by(Task.deadline, Task.id).limit(limit))
    return [Overdue(*row) for row in session.execute(query)]


def task_list(session: Session, actor: Actor, *, state: str = TaskState.open, team_id: int | None = None,
              overdue_at: datetime | None = None, limit: int | None = None) -> list[Task]:
    """The tasks this actor works (their teams; floor leads every team), most urgent first; of one team, or
    only the overdue ones (the floor lead's list). Screens and API both list tasks with this."""
    query = (select(Task).where(Task.state == state, tasks_workable_by(actor)).order_by(Task.deadline, Task.id)
             .options(*_CARD))
    if team_id is not None:
        query = query.where(Task.team_id == team_id)
    if overdue_at is not None:
        query = query.where(Task.deadline < overdue_at)
    return list(session.scalars(query.limit(limit)))


def open_tasks_for_citizen(session: Session, actor: Actor, contact: Contact) -> list[Task]:
    """When a citizen with an open task calls again, the employee sees that task at once — only the tasks
    whose contact the employee may see (need to know: a social-domain callback stays hidden)."""
    citizen = contact.citizen
    if citizen is None or not (citizen.phone or citizen.email):
        return []
    return list(session.scalars(select(Task).join(Contact, Task.contact_id == Contact.id)
                                .join(Citizen, Contact.citizen_id == Citizen.id)
                                .where(Task.state == TaskState.open, same_person(citizen.phone, citizen.email),
                                       contacts_visible_to(actor))
                                .order_by(Task.deadline)))
