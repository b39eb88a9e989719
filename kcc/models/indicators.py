"""The indicators of days that can no longer change, kept so a year of them reads as a few hundred rows.

A day is kept once everything that arrived on it is settled (every contact closed, every offer answered,
every callback done or past its deadline); until then its figures are counted from the contacts each time.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kcc.core.db import Base
from kcc.core.timeutil import utcnow
from kcc.models.states import CHANNELS, one_of

COUNTS = ("contacts", "answered_in_one_go", "abandoned", "phone_answered", "phone_in_time", "handovers_offered",
          "handovers_accepted", "handovers_expired", "handovers_declined", "callbacks_created", "callbacks_on_time",
          "callbacks_overdue", "repeat_contacts")


class IndicatorDay(Base):
    """One settled local day of one domain and channel: the counts the indicators add up."""

    __tablename__ = "indicator_days"
    __table_args__ = (CheckConstraint(one_of("channel", CHANNELS), name="channel"),)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    contacts: Mapped[int] = mapped_column(Integer, default=0)
    answered_in_one_go: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    phone_answered: Mapped[int] = mapped_column(Integer, default=0)
    phone_in_time: Mapped[int] = mapped_column(Integer, default=0)  # against the domain's target of that day
    handovers_offered: Mapped[int] = mapped_column(Integer, default=0)
    handovers_accepted: Mapped[int] = mapped_column(Integer, default=0)
    handovers_expired: Mapped[int] = mapped_column(Integer, default=0)
    handovers_declined: Mapped[int] = mapped_column(Integer, default=0)
    callbacks_created: Mapped[int] = mapped_column(Integer, default=0)
    callbacks_on_time: Mapped[int] = mapped_column(Integer, default=0)
    callbacks_overdue: Mapped[int] = mapped_column(Integer, default=0)
    repeat_contacts: Mapped[int] = mapped_column(Integer, default=0)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)


class SettledDay(Base):
    """A local day whose indicators are kept in indicator_days (it may have no rows there: nothing happened)."""

    __tablename__ = "indicator_settled_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)


class LobbyDay(Base):
    """One settled local day of one domain's counter: per Amsterdam hour of the ticket its counts and every wait
    and service time in whole seconds (a few hundred a day), so a year's percentiles stay exact without reading a
    year of contacts. One row per day and domain, its hours in one document: a year is some 1500 short reads.
    Kept together with the day's indicator_days (see SettledDay).

    `hours`: {"9": {"visitors": 12, "no_shows": 1, "left": 0, "turned": {"missing": 2}, "waits": [...],
    "services": [...]}, ...}"""

    __tablename__ = "lobby_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), primary_key=True)
    hours: Mapped[dict[str, dict]] = mapped_column(JSON, default=dict)
