"""The data model. Citizens are stored with only what a task needs: no BSN, date of birth or gender."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base
from kcc.core.timeutil import utcnow

ROLES = ("host", "agent", "lead", "senior", "specialist", "admin", "integration")
SKILL_LEVELS = ("primary", "secondary")
CHANNELS = ("phone", "counter", "web", "email")
CONTACT_STATUSES = ("waiting", "in_progress", "handover_offered", "resolved", "callback_scheduled", "abandoned")
PRESENCE_STATES = ("available", "paused", "offline")  # "busy" is not chosen: it is having a contact in progress
OUTCOMES = ("answered", "referred_external", "callback_done")
HANDOVER_STATES = ("offered", "accepted", "declined", "expired")
TASK_STATES = ("open", "done")
ROUTING_METHODS = ("choice", "router", "fallback")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Domain(Base):
    """A KCC domain (burgerzaken, vergunningen, sociaal, algemeen), loaded from domains/."""

    __tablename__ = "domains"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    ticket_prefix: Mapped[str] = mapped_column(String(3))
    phone_answer_target_s: Mapped[int] = mapped_column(Integer)
    callback_norm_hours: Mapped[int] = mapped_column(Integer)
    hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    topics: Mapped[list[Topic]] = relationship(back_populates="domain", order_by="Topic.name")

    def __repr__(self) -> str:
        return f"<Domain {self.slug}>"


class Topic(Base):
    """A question citizens ask, with the words they use and what the KCC employee can answer."""

    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("domain_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"))
    slug: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(150))
    upl: Mapped[list[str]] = mapped_column(JSON, default=list)
    words: Mapped[list[str]] = mapped_column(JSON, default=list)
    prerequisites: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    handover_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    callback_norm_hours: Mapped[int] = mapped_column(Integer)
    counter: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    domain: Mapped[Domain] = relationship(back_populates="topics")
    handover_team: Mapped[Team | None] = relationship()

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


team_members = Table(
    "team_members",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
)


class Team(Base):
    """A team to hand over to: a back office (Wmo-consulenten, Bouwen en Verbouwen) tied to one domain."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"))
    callback_norm_hours: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    domain: Mapped[Domain] = relationship()
    members: Mapped[list[Staff]] = relationship(secondary=team_members, back_populates="teams",
                                                order_by="Staff.name")


class Staff(Base):
    """An employee who logs in (medewerker). Implements what Flask-Login needs without importing it."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(_in("presence", PRESENCE_STATES), name="presence"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # bumped when roles, skills, languages, teams, name or active change: a cached profile is stale then
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    presence: Mapped[str] = mapped_column(String(10), default="offline")
    presence_since: Mapped[datetime | None]
    idle_since: Mapped[datetime | None]  # free for the next contact since; the fairest next is the longest idle
    last_seen_at: Mapped[datetime | None]  # the workspace or softphone last asked; stale means not waited for
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"))

    desk: Mapped[Desk | None] = relationship()
    role_rows: Mapped[list[StaffRole]] = relationship(cascade="all, delete-orphan", order_by="StaffRole.role")
    skills: Mapped[list[Skill]] = relationship(cascade="all, delete-orphan", order_by="Skill.level")
    language_rows: Mapped[list[StaffLanguage]] = relationship(cascade="all, delete-orphan",
                                                              order_by="StaffLanguage.code")
    teams: Mapped[list[Team]] = relationship(secondary=team_members, back_populates="members",
                                             order_by="Team.name")

    @property
    def roles(self) -> list[str]:
        return [row.role for row in self.role_rows]

    @property
    def languages(self) -> list[str]:
        return [row.code for row in self.language_rows]

    def has_role(self, *roles: str) -> bool:
        mine = set(self.roles)
        return "admin" in mine or bool(mine.intersection(roles))

    @property
    def skill_levels(self) -> dict[int, str]:
        """domain id → primary | secondary"""
        return {skill.domain_id: skill.level for skill in self.skills}

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(team.id for team in self.teams)

    # Flask-Login's user protocol
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Includes the session version, so a password change or revoke ends every old session."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<Staff {self.username}>"


class StaffRole(Base):
    __tablename__ = "staff_roles"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class Skill(Base):
    """A domain an employee works in, as primary or secondary skill."""

    __tablename__ = "skills"
    __table_args__ = (CheckConstraint(_in("level", SKILL_LEVELS), name="level"),)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))

    domain: Mapped[Domain] = relationship()


class StaffLanguage(Base):
    __tablename__ = "staff_languages"
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)


class Desk(Base):
    """A counter desk (balie) in the town hall; the lobby display shows its number."""

    __tablename__ = "desks"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


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
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("status", CONTACT_STATUSES), name="status"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name="outcome"),
        CheckConstraint(f"routing_method IS NULL OR {_in('routing_method', ROUTING_METHODS)}",
                        name="routing_method"),
        Index("ix_contacts_queue", "status", "domain_id", "rank_at", "id"),  # the queue order, no sorting
        Index("ix_contacts_owner", "owner_id", "status"),
        Index("ix_contacts_citizen", "citizen_id", "created_at"),
        Index("ix_contacts_closed", "domain_id", "closed_at"),  # recent handling times, for the expected wait
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    question: Mapped[str] = mapped_column(Text, default="")
    domain_id: Mapped[int | None] = mapped_column(ForeignKey("domains.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    language: Mapped[str] = mapped_column(String(8), default="nl")
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    triage: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    routing_method: Mapped[str | None] = mapped_column(String(10))
    routing_confidence: Mapped[float | None] = mapped_column(Float)
    ticket: Mapped[str | None] = mapped_column(String(10))
    desk_id: Mapped[int | None] = mapped_column(ForeignKey("desks.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    referred_to: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # queue order: queued_at minus the channel's head start (a caller on the line goes before an e-mail)
    rank_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

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


class TicketCounter(Base):
    """The last ticket number handed out per domain and day (B001, B002, …)."""

    __tablename__ = "ticket_counters"
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Handover(Base):
    """A warm handover offer (warme overdracht): the whole story, offered to a colleague or a team.

    The receiver reads the context and the contact's history before accepting. Not accepted in time,
    or declined, it becomes a callback task for the team. There is no other way to move a contact.
    """

    __tablename__ = "handovers"
    __table_args__ = (
        CheckConstraint(_in("status", HANDOVER_STATES), name="status"),
        CheckConstraint("(to_staff_id IS NULL) <> (to_team_id IS NULL)", name="one_target"),
        Index("ix_handovers_open", "status", "expires_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    from_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    to_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    to_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    summary: Mapped[str] = mapped_column(Text)
    done: Mapped[str] = mapped_column(Text, default="")
    promised: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="offered")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decline_reason: Mapped[str | None] = mapped_column(Text)

    contact: Mapped[Contact] = relationship()
    from_staff: Mapped[Staff] = relationship(foreign_keys=[from_staff_id])
    to_staff: Mapped[Staff | None] = relationship(foreign_keys=[to_staff_id])
    to_team: Mapped[Team | None] = relationship()
    answered_by: Mapped[Staff | None] = relationship(foreign_keys=[answered_by_id])
    # the callback task a declined or expired offer became (the sender's overview shows it)
    task: Mapped[Task | None] = relationship(primaryjoin="Task.handover_id == Handover.id", viewonly=True,
                                             uselist=False)


class Task(Base):
    """A callback task (terugbelverzoek) for a team or a named colleague, with a deadline in working hours."""

    __tablename__ = "tasks"
    __table_args__ = (CheckConstraint(_in("state", TASK_STATES), name="state"),
                      Index("ix_tasks_team_state", "team_id", "state", "deadline"))
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # claimed by, or the named colleague
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handovers.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    summary: Mapped[str] = mapped_column(Text)
    done: Mapped[str] = mapped_column(Text, default="")
    promised: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime]
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


class OutgoingMail(Base):
    """A mail waiting to be sent (confirmation, reminder). Sending is retried; a failure stays visible."""

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
    last_error: Mapped[str | None] = mapped_column(String(500))

    task: Mapped[Task | None] = relationship()


class AuditLog(Base):
    """BIO logging: who did what to which object, from where, with what result. Never secrets."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_action_at", "action", "at"),)
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


class ApiToken(Base):
    """A bearer token for the integration API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    staff: Mapped[Staff] = relationship()
