"""Domains, topics and teams, as loaded from domains/ (kcc.content.domains)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kcc.core.db import Base

if TYPE_CHECKING:
    from kcc.models.staff import Staff


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
    lobby_attention_min: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    lobby_notify_ahead: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    counter_mix: Mapped[str] = mapped_column(String(20), default="together", server_default="together")
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
    members: Mapped[list[Staff]] = relationship(secondary="team_members", back_populates="teams",
                                                order_by="Staff.name")
