"""The floor and the wallboard, drawn once for every lead's screen and every TV, by `kcc worker`.

Every lead sees the same floor and every TV the same wallboard, and drawing one takes tens of milliseconds of
Python (three hundred colleagues by state, the lobby's hours, eight weeks of indicators). Drawn inside a lead's
request, each server process drew its own every few seconds, and that drawing stood between the lead and the
answer and beside everyone else's poll on that process. So the worker draws each screen that a screen asked for
in the last minute (the floor every 5 s, the wallboard every 15 s) into `drawn_screens`; a poll reads one row's
version and answers 204 when it is the one shown, and reads the HTML only when it changed. Without a worker
drawing it (nothing drawn, or older than its interval: a small installation, a test) the request draws it
itself and keeps it for the others, as it did before.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kcc.callbacks import operations as tasks
from kcc.config import Settings
from kcc.core.actor import Actor
from kcc.core.timeutil import local
from kcc.floor import operations as floor
from kcc.floor import wallboard
from kcc.floor.lobby_figures import lobby_figures
from kcc.models import DrawnScreen
from kcc.web import polling

OVERDUE_SHOWN = 50  # the most overdue first; the heading gives how many there are in all
ASKED_S = 60  # the worker draws a screen that some screen asked for this recently
ASK_NOTED_S = 20  # a poll notes that it asked at most this often (one short write, not one per poll)
WORKER_SLACK_S = 10  # what the worker drew is served this long past its interval (a round busy with mail)

# the floor as every lead sees it: every team's overdue callbacks (kcc.policy.team_scope)
LEAD_VIEW = Actor(None, "vloer", roles=frozenset({"lead"}), origin="worker")


def floor_context(session: Session, now: datetime, settings: Settings) -> dict:
    """Queues against their targets, colleagues by state, the most overdue callbacks, the lobby today."""
    return {"view": floor.overview(session, now, settings.queue.presence_fresh_s),
            "long_on": floor.long_without_break(session, now, settings.queue),
            "overdue": tasks.overdue(session, LEAD_VIEW, now, OVERDUE_SHOWN),
            "overdue_count": tasks.count_tasks(session, LEAD_VIEW, overdue_at=now),
            # the domains someone came to the counter for today: per domain and per hour, never per person
            "lobby": [row for row in lobby_figures(session, local(now).date(), local(now).date()) if row.seen]}


def wallboard_context(session: Session, now: datetime, settings: Settings) -> dict:
    """The team's day per domain and channel, per half hour, and the last eight weeks."""
    today = local(now).date()
    return {"board": wallboard.board(session, today, today, now), "slots": wallboard.half_hours(session, today, now),
            "weeks": wallboard.weeks(session, today, now), "now": now}


@dataclass(frozen=True)
class Screen:
    template: str
    every_s: float
    context: Callable[[Session, datetime, Settings], dict]


SCREENS = {"floor": Screen("floor/_floor.html", 5.0, floor_context),
           "wallboard": Screen("floor/_wallboard.html", 15.0, wallboard_context)}


@dataclass(frozen=True)
class Drawn:
    version: str
    html: str | None  # None: the screen shows this version already


def _key(name: str) -> str:
    """The row of this screen in the language being drawn or asked for ("floor:nl")."""
    return f"{name}:{get_locale() or 'nl'}"


def served(session: Session, name: str, now: datetime, shown: str | None = None) -> Drawn:
    """The screen as drawn for everyone, in the request's language; drawn here when nobody keeps it fresh."""
    screen, key = SCREENS[name], _key(name)
    row = session.execute(select(DrawnScreen.version, DrawnScreen.drawn_at, DrawnScreen.by_worker,
                                 DrawnScreen.asked_at).where(DrawnScreen.key == key)).first()
    if row is None or row.drawn_at < now - timedelta(seconds=screen.every_s + (WORKER_SLACK_S if row.by_worker else 0)):
        return draw(session, name, now, by_worker=False)
    if row.asked_at < now - timedelta(seconds=ASK_NOTED_S):
        session.execute(update(DrawnScreen).where(DrawnScreen.key == key).values(asked_at=now))
    if row.version == shown:
        return Drawn(row.version, None)
    return Drawn(row.version, session.scalar(select(DrawnScreen.html).where(DrawnScreen.key == key)))


def draw(session: Session, name: str, now: datetime, by_worker: bool) -> Drawn:
    """Draw the screen now, in the current language, and keep it for every process."""
    screen, key = SCREENS[name], _key(name)
    context = screen.context(session, now, current_app.config["KCC"])
    html, version = polling.versioned(render_template(screen.template, **context), name)
    values = {"version": version, "html": html, "drawn_at": now, "by_worker": by_worker}
    if not by_worker:
        values["asked_at"] = now
    if session.connection().execute(update(DrawnScreen).where(DrawnScreen.key == key).values(**values)).rowcount == 0:
        try:
            with session.begin_nested():
                session.add(DrawnScreen(key=key, **{"asked_at": now, **values}))
        except IntegrityError:
            pass  # another process kept it a moment ago: theirs is as fresh
    return Drawn(version, html)


def redraw_asked(session: Session, now: datetime) -> int:
    """The worker's round: draw again each screen asked for in the last minute whose interval has passed (in the
    language it was asked in). Outside a request, so with a request context of its own for the templates' links."""
    rows = session.execute(select(DrawnScreen.key, DrawnScreen.drawn_at)
                           .where(DrawnScreen.asked_at >= now - timedelta(seconds=ASKED_S))).all()
    drawn = 0
    for key, drawn_at in rows:
        name, _, language = key.partition(":")
        screen = SCREENS.get(name)
        if screen is None or drawn_at > now - timedelta(seconds=screen.every_s - 1):
            continue
        with current_app.test_request_context("/"), force_locale(language):
            draw(session, name, now, by_worker=True)
        drawn += 1
    return drawn
