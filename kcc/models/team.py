"""Care for the team: the weekly mood check, coaching notes between an employee and their coach, and the
conversation guide (gespreksleidraad) the seniors keep per domain. Individual answers stay within the team."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base
from kcc.core.timeutil import utcnow
from kcc.models.states import COACHING_KINDS, MOODS, one_of

if TYPE_CHECKING:
    from kcc.models.staff import Staff


class MoodCheck(Base):
    """One employee's week: green, yellow or red, with an optional note ("het belachelijk korte werkoverleg")."""

    __tablename__ = "mood_checks"
    __table_args__ = (CheckConstraint(one_of("mood", MOODS), name="mood"),
                      UniqueConstraint("staff_id", "week", name="uq_mood_checks_staff_week"),
                      Index("ix_mood_checks_week", "week"))
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)  # the Monday
    mood: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    staff: Mapped[Staff] = relationship()


class CoachingNote(Base):
    """A top or a learning goal between an employee and their coach: visible to those two only."""

    __tablename__ = "coaching_notes"
    __table_args__ = (CheckConstraint(one_of("kind", COACHING_KINDS), name="kind"),
                      Index("ix_coaching_notes_pair", "staff_id", "coach_id", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Staff] = relationship(foreign_keys=[author_id])


class ConversationGuide(Base):
    """A domain's conversation guide: an aid shown folded beside a contact, never a script or a scored checklist."""

    __tablename__ = "conversation_guides"
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
