"""The audit log's rows (written by kcc.core.audit)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from kcc.core.db import Base
from kcc.core.timeutil import utcnow


class AuditLog(Base):
    """BIO logging: who did what to which object, from where, with what result. Never secrets."""

    __tablename__ = "audit_log"
    # ix_audit_at: kcc.retention deletes what is past its term, oldest first
    __table_args__ = (Index("ix_audit_action_at", "action", "at"), Index("ix_audit_at", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_name: Mapped[str] = mapped_column(String(150), default="")
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(60), default="")
    result: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
