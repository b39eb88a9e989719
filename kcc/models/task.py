"""Callback tasks (terugbelverzoeken) and their call attempts."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base
from kcc.core.timeutil import utcnow
from kcc.models.states import (
    TASK_STATES,
    TaskState,
    one_of,
)

if TYPE_CHECKING:
    from kcc.models.contact import Contact
    from kcc.models.content import Team
    from kcc.models.handover import Handover
    from kcc.models.mail import OutgoingMail
    from kcc.models.staff import Staff


class Task(Base):
    """A callback task (terugbelverzoek) for a team or a named colleague, with a deadline in working hours."""

    __tablename__ = "tasks"
    __table_args__ = (CheckConstraint(one_of("state", TASK_STATES), name="state"),
                      Index("ix_tasks_team_state", "team_id", "state", "deadline"),
                      Index("ix_tasks_state_deadline", "state", "deadline"),  # every team's overdue ones (the floor)
                      Index("ix_tasks_created", "created_at"))  # a day's callbacks, for the indicators
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # claimed by, or the named colleague
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handovers.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    summary: Mapped[str] = mapped_column(Text)
    done: Mapped[str] = mapped_column(Text, default="")
    promised: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default=TaskState.open)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime]
    deadline_reason: Mapped[str | None] = mapped_column(Text)  # why later than the norm, when it is
    completed_at: Mapped[datetime | None]
    outcome_note: Mapped[str | None] = mapped_column(Text)
    reminded_on: Mapped[date | None] = mapped_column(Date)  # the working day the overdue reminder went out

    contact: Mapped[Contact] = relationship()
    team: Mapped[Team] = relationship()
    owner: Mapped[Staff | None] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[Staff | None] = relationship(foreign_keys=[created_by_id])
    handover: Mapped[Handover | None] = relationship()
    # the citizen's confirmation mails, so a mail server failure is visible to the team
    confirmations: Mapped[list[OutgoingMail]] = relationship(
        primaryjoin="and_(OutgoingMail.task_id == Task.id, OutgoingMail.kind == 'task_confirmation')",
        viewonly=True, order_by="OutgoingMail.id")
    attempts: Mapped[list[TaskAttempt]] = relationship(back_populates="task", order_by="TaskAttempt.at",
                                                       cascade="all, delete-orphan")


class TaskAttempt(Base):
    """One call attempt on a callback task: reached or not, and what was said."""

    __tablename__ = "task_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reached: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")

    task: Mapped[Task] = relationship(back_populates="attempts")
    actor: Mapped[Staff | None] = relationship()
