"""A warm handover offer (warme overdracht) with its story."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base
from kcc.core.timeutil import utcnow
from kcc.models.states import (
    HANDOVER_STATES,
    HandoverState,
    one_of,
)

if TYPE_CHECKING:
    from kcc.models.contact import Contact
    from kcc.models.content import Team
    from kcc.models.staff import Staff
    from kcc.models.task import Task


class Handover(Base):
    """A warm handover offer (warme overdracht): the whole story, offered to a colleague or a team.

    The receiver reads the context and the contact's history before accepting. Not accepted in time,
    or declined, it becomes a callback task for the team. There is no other way to move a contact.
    """

    __tablename__ = "handovers"
    __table_args__ = (
        CheckConstraint(one_of("status", HANDOVER_STATES), name="status"),
        CheckConstraint("(to_staff_id IS NULL) <> (to_team_id IS NULL)", name="one_target"),
        Index("ix_handovers_open", "status", "expires_at"),
        Index("ix_handovers_created", "created_at"),  # a day's handovers, for the indicators
        Index("ix_handovers_sender", "from_staff_id", "created_at"),  # what became of my offers
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    from_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    to_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    to_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    summary: Mapped[str] = mapped_column(Text)
    done: Mapped[str] = mapped_column(Text, default="")
    promised: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=HandoverState.offered)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    # the callback deadline the sender promised, earlier than the norm (or later, with deadline_reason)
    deadline: Mapped[datetime | None]
    deadline_reason: Mapped[str | None] = mapped_column(Text)

    contact: Mapped[Contact] = relationship()
    from_staff: Mapped[Staff] = relationship(foreign_keys=[from_staff_id])
    to_staff: Mapped[Staff | None] = relationship(foreign_keys=[to_staff_id])
    to_team: Mapped[Team | None] = relationship()
    answered_by: Mapped[Staff | None] = relationship(foreign_keys=[answered_by_id])
    # the callback task a declined or expired offer became (the sender's overview shows it)
    task: Mapped[Task | None] = relationship(primaryjoin="Task.handover_id == Handover.id", viewonly=True,
                                             uselist=False)
