"""Citizen feedback (KTO): one question after a resolved contact — "Bent u goed geholpen?" — answered by a link
without login. Only with the citizen's consent, at most once a month per citizen, never shown per employee."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base
from kcc.core.timeutil import utcnow
from kcc.models.states import CHANNELS, FEEDBACK_ANSWERS, one_of

if TYPE_CHECKING:
    from kcc.models.contact import Contact


class Feedback(Base):
    """One question sent about one contact, and its answer once given. The link's token is kept only as a hash."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint(one_of("answer", FEEDBACK_ANSWERS), name="answer"),
                      CheckConstraint(one_of("channel", CHANNELS), name="channel"),
                      Index("ix_feedback_citizen_sent", "citizen_id", "sent_at"),
                      Index("ix_feedback_sent", "sent_at"), Index("ix_feedback_answered", "answered_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="SET NULL"))
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id"))
    channel: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(String(10))  # yes / partly / no
    comment: Mapped[str] = mapped_column(Text, default="")
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("signals.id", ondelete="SET NULL"))

    contact: Mapped[Contact | None] = relationship()
