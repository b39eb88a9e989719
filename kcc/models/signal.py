"""Signals (knelpunten): what the front line notices — a letter that is unclear, a website that says something
the counter does not — on its way to an agreed action and a measured effect. A citizen's own suggestion is a
signal too, marked as theirs."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base
from kcc.core.timeutil import utcnow
from kcc.models.states import SIGNAL_STATUSES, SignalStatus, one_of

if TYPE_CHECKING:
    from kcc.models.contact import Contact
    from kcc.models.content import Domain
    from kcc.models.staff import Staff

signal_domains = Table(
    "signal_domains", Base.metadata,
    Column("signal_id", ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True),
    Column("domain_id", ForeignKey("domains.id"), primary_key=True),
)


class Signal(Base):
    """One thing that went wrong or made contacts necessary, with what became of it."""

    __tablename__ = "signals"
    __table_args__ = (CheckConstraint(one_of("status", SIGNAL_STATUSES), name="status"),
                      Index("ix_signals_status", "status", "merged_into_id"),
                      Index("ix_signals_created", "created_at"), Index("ix_signals_closed", "closed_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    suggestion: Mapped[str] = mapped_column(Text, default="")
    from_citizen: Mapped[bool] = mapped_column(Boolean, default=False)  # the citizen's own suggestion
    status: Mapped[str] = mapped_column(String(20), default=SignalStatus.new)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(Text, default="")  # the agreed action, or why not
    action_date: Mapped[date | None] = mapped_column(Date)  # when the action takes effect: impact before and after
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("signals.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    domains: Mapped[list[Domain]] = relationship(secondary=signal_domains, order_by="Domain.position")
    owner: Mapped[Staff | None] = relationship(foreign_keys=[owner_id])
    links: Mapped[list[SignalContact]] = relationship(back_populates="signal", cascade="all, delete-orphan",
                                                      order_by="SignalContact.at")


class SignalContact(Base):
    """A contact that raised or fed a signal, and who flagged it: merged signals keep every link, so their
    contacts add up and every raiser hears the outcome."""

    __tablename__ = "signal_contacts"
    __table_args__ = (Index("ix_signal_contacts_contact", "contact_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    thank_citizen: Mapped[bool] = mapped_column(Boolean, default=False)  # the citizen agreed to be thanked
    thanked_at: Mapped[datetime | None]
    seen_outcome_at: Mapped[datetime | None]  # the raiser saw what became of it in their workspace

    signal: Mapped[Signal] = relationship(back_populates="links")
    contact: Mapped[Contact | None] = relationship()
    raised_by: Mapped[Staff | None] = relationship()
