"""Outgoing mail, kept until it is sent (retries, and visible on the task)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base
from kcc.core.timeutil import utcnow

if TYPE_CHECKING:
    from kcc.models.task import Task


class OutgoingMail(Base):
    """A mail waiting to be sent (confirmation, reminder). Sending is retried; a failure stays visible.

    sending_at is committed before the mail is handed to the server and cleared once the attempt ends: a row
    still sending long after was in flight when the worker died (see kcc.mail.operations.claim_next).
    """

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_due", "sent_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    sending_at: Mapped[datetime | None]
    # the same on every attempt, so a server or a mail program can drop the copy a crash made us send again
    message_id: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(String(500))
    qr: Mapped[str | None] = mapped_column(String(50))  # sent along as a QR-code image: a check-in code

    task: Mapped[Task | None] = relationship()
