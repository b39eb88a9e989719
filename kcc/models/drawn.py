"""Screens that look the same for everyone who may see them, drawn once for all of them and kept here, so every
server process serves the same drawing and none of them has to make it (see kcc.floor.drawn)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kcc.core.db import Base


class DrawnScreen(Base):
    """One screen in one language ("floor:nl"): its HTML, the version inside it, when it was drawn and by whom,
    and when a screen last asked for it (the worker draws only what is being looked at)."""

    __tablename__ = "drawn_screens"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    html: Mapped[str] = mapped_column(Text)
    drawn_at: Mapped[datetime]
    by_worker: Mapped[bool] = mapped_column(default=False)
    asked_at: Mapped[datetime]
