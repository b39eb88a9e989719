"""Appointments at the counter: a time, a topic, a name as given, an e-mail for the confirmation, and a short
check-in code the host types or scans. Checked in, an appointment becomes a counter contact with a ticket."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base
from kcc.core.timeutil import utcnow
from kcc.models.states import APPOINTMENT_STATUSES, AppointmentStatus, one_of

if TYPE_CHECKING:
    from kcc.models.contact import Contact
    from kcc.models.content import Domain, Topic


class Appointment(Base):
    """One visitor expected at the counter at a time, for a topic (whose prerequisites the confirmation lists)."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(one_of("status", APPOINTMENT_STATUSES), name="status"),
        Index("ix_appointments_day", "starts_at", "domain_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # the check-in code, without its hyphen
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    starts_at: Mapped[datetime]
    name: Mapped[str] = mapped_column(String(150))  # as the visitor gave it: a first name, initials, a surname
    email: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str] = mapped_column(Text, default="")  # travels to the desk with the visitor
    status: Mapped[str] = mapped_column(String(20), default=AppointmentStatus.booked)
    source: Mapped[str] = mapped_column(String(20), default="staff")  # staff | import | api
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    checked_in_at: Mapped[datetime | None]
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), unique=True)
    cancelled_at: Mapped[datetime | None]

    domain: Mapped[Domain] = relationship()
    topic: Mapped[Topic] = relationship()
    contact: Mapped[Contact | None] = relationship()
