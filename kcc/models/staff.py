"""Employees: roles, skills, languages, teams, desks, API tokens."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base
from kcc.core.timeutil import utcnow
from kcc.models.states import (
    PRESENCE_STATES,
    ROLES,
    SKILL_LEVELS,
    Presence,
    one_of,
)

if TYPE_CHECKING:
    from kcc.models.content import Domain, Team


team_members = Table(
    "team_members",
    Base.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True),
)


class Staff(Base):
    """An employee who logs in (medewerker). Implements what Flask-Login needs without importing it."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(one_of("presence", PRESENCE_STATES), name="presence"),)
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
    presence: Mapped[str] = mapped_column(String(10), default=Presence.offline)
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
    def serving_levels(self) -> dict[int, str]:
        """The skilled domains whose queues this employee takes now (the floor lead may deploy them elsewhere)."""
        return {skill.domain_id: skill.level for skill in self.skills if skill.serving}

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
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="role"),)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class Skill(Base):
    """A domain an employee works in, as primary or secondary skill."""

    __tablename__ = "skills"
    __table_args__ = (CheckConstraint(one_of("level", SKILL_LEVELS), name="level"),)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    # the floor lead's deployment: whether they take this domain's queue now (a skill kept, not served today)
    serving: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

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


class WebSession(Base):
    """One login on the screens, kept on the server: ending it here (logout, a new password, deactivation, a
    change of roles, an administrator) ends it at once, whatever a saved cookie still says. The cookie holds a
    random id; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    origin: Mapped[str] = mapped_column(String(64), default="")
    browser: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[datetime | None]
    ended_why: Mapped[str | None] = mapped_column(String(20))

    staff: Mapped[Staff] = relationship()


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
    expires_at: Mapped[datetime | None]  # optional: a token for a test or a supplier ends by itself

    staff: Mapped[Staff] = relationship()
