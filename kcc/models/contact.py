"""Citizens and their contacts: the question, its timeline, routing corrections, ticket numbers."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base
from kcc.core.timeutil import utcnow
from kcc.models.states import (
    CHANNELS,
    CONTACT_STATUSES,
    OUTCOMES,
    ROUTING_METHODS,
    TURNAWAY_REASONS,
    ContactStatus,
    one_of,
)

if TYPE_CHECKING:
    from kcc.models.content import Domain, Topic
    from kcc.models.staff import Desk, Staff


class Citizen(Base):
    """An inwoner as far as kcc needs to know them: a name as given, a phone number (E.164), an e-mail."""

    __tablename__ = "citizens"
    __table_args__ = (Index("ix_citizens_phone", "phone"), Index("ix_citizens_email", "email"))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(150))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Contact(Base):
    """One question from one citizen through one channel, from arrival until it is resolved."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(one_of("channel", CHANNELS), name="channel"),
        CheckConstraint(one_of("status", CONTACT_STATUSES), name="status"),
        CheckConstraint(f"outcome IS NULL OR {one_of('outcome', OUTCOMES)}", name="outcome"),
        CheckConstraint(f"routing_method IS NULL OR {one_of('routing_method', ROUTING_METHODS)}",
                        name="routing_method"),
        Index("ix_contacts_queue", "status", "domain_id", "rank_at", "id"),  # the queue order, no sorting
        Index("ix_contacts_owner", "owner_id", "status"),
        Index("ix_contacts_citizen", "citizen_id", "created_at"),
        Index("ix_contacts_closed", "domain_id", "closed_at"),  # recent handling times, for the expected wait
        Index("ix_contacts_created", "created_at"),  # a day's contacts: today's service level, the indicators
        Index("ix_contacts_called", "channel", "called_at"),  # the lobby display: tickets called just now
        Index("ix_contacts_feedback", "feedback_ok", "closed_at"),  # the worker's round: whom to ask how it went
        Index("ix_contacts_retention", "anonymised_at", "closed_at", "id"),  # closed long ago, not yet anonymised
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    question: Mapped[str] = mapped_column(Text, default="")
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    language: Mapped[str] = mapped_column(String(8), default="nl")
    status: Mapped[str] = mapped_column(String(20), default=ContactStatus.waiting)
    triage: Mapped[bool] = mapped_column(Boolean, default=False)
    # the same person had come in during the 7 days before, or had an open callback task, when this arrived
    repeated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the citizen agreed to one question by e-mail afterwards ("Bent u goed geholpen?"), see kcc.feedback
    feedback_ok: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    routing_method: Mapped[str | None] = mapped_column(String(10))
    routing_confidence: Mapped[float | None] = mapped_column(Float)
    ticket: Mapped[str | None] = mapped_column(String(10))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    referred_to: Mapped[str | None] = mapped_column(Text)
    # help the visitor asked for at the lobby (interpreter, wheelchair, reading): the desk prepares for it
    needs: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # queue order: queued_at minus the channel's head start (a caller on the line goes before an e-mail)
    rank_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # a lobby visitor: called to a desk (the last call; the display shows it), how often, and when they arrived there
    called_at: Mapped[datetime | None]
    calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[datetime | None]
    # when kcc.retention removed what it said about the person (its term after closing); the counts stay
    anonymised_at: Mapped[datetime | None]

    citizen: Mapped[Citizen | None] = relationship()
    domain: Mapped[Domain | None] = relationship()
    topic: Mapped[Topic | None] = relationship()
    owner: Mapped[Staff | None] = relationship()
    desk: Mapped[Desk | None] = relationship()
    events: Mapped[list[ContactEvent]] = relationship(back_populates="contact", order_by="ContactEvent.at",
                                                      cascade="all, delete-orphan")


class ContactEvent(Base):
    """The contact's timeline (logboek): what happened, who did it, when."""

    __tablename__ = "contact_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    contact: Mapped[Contact] = relationship(back_populates="events")
    actor: Mapped[Staff | None] = relationship()


class RoutingCorrection(Base):
    """An employee changed a contact's domain or topic: how the router and domains/ get better."""

    __tablename__ = "routing_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    method: Mapped[str | None] = mapped_column(String(10))  # how the contact had been routed
    confidence: Mapped[float | None] = mapped_column(Float)
    from_domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id"))
    from_topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    to_domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"))
    to_topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))

    contact: Mapped[Contact] = relationship()
    actor: Mapped[Staff | None] = relationship()
    from_domain: Mapped[Domain | None] = relationship(foreign_keys=[from_domain_id])
    from_topic: Mapped[Topic | None] = relationship(foreign_keys=[from_topic_id])
    to_domain: Mapped[Domain] = relationship(foreign_keys=[to_domain_id])
    to_topic: Mapped[Topic | None] = relationship(foreign_keys=[to_topic_id])


class LobbyTurnaway(Base):
    """A lobby visitor the host advised instead of giving a ticket: something missing, a topic the counter does
    not handle, the counter closed. Counted per domain for the seniors; no name, nothing of the person."""

    __tablename__ = "lobby_turnaways"
    __table_args__ = (CheckConstraint(one_of("reason", TURNAWAY_REASONS), name="reason"),
                      Index("ix_lobby_turnaways_at", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    reason: Mapped[str] = mapped_column(String(20))

    domain: Mapped[Domain] = relationship()
    topic: Mapped[Topic | None] = relationship()


class TicketCounter(Base):
    """The last ticket number handed out per domain and day (B001, B002, …)."""

    __tablename__ = "ticket_counters"
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
