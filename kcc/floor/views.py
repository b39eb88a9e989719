"""The floor lead's screen (/vloer): the queues live, who is on which domain, the most overdue callbacks, the
lobby's figures of today."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from kcc.callbacks import operations as tasks
from kcc.core.timeutil import local, utcnow
from kcc.floor import operations as floor
from kcc.floor.lobby_figures import lobby_figures
from kcc.queues import live
from kcc.staff.directory import OnFloor
from kcc.web import polling
from kcc.web.access import roles
from kcc.web.request import actor, db, render, settings, wants_fragment

bp = Blueprint("floor", __name__, template_folder="templates")


OVERDUE_SHOWN = 50  # the most overdue first; the heading gives how many there are in all


@bp.get("/vloer")
@roles("lead")
def page():
    """Queues against their targets, colleagues by state — figures for the team, never ranked."""
    if not wants_fragment():
        return render("floor/page.html", **_context())
    # every lead sees the same floor: drawn at most every 5 s per process (each lead polls every 10 s), and 204 while
    # it looks the same
    key = ("floor", str(db().get_bind().engine.url), str(get_locale()))
    html, version = polling.shared(key, 5.0, lambda: polling.versioned(render_template("floor/_floor.html",
                                                                                      **_context()), "floor"))
    return polling.answer({"floor": polling.Part(lambda: html, known=version)}, request.args, out_of_band=False)


@bp.app_template_filter()
def colleague_names(people: list[tuple[OnFloor, str]], secondary: str) -> Markup:
    """Colleagues by name, those for whom the domain is a secondary skill marked: hundreds of names in one join,
    not a template loop per name (the floor is redrawn every few seconds)."""
    marked = Markup('{} <span class="kcc-muted">({})</span>')
    return Markup(", ").join(marked.format(person.name, secondary) if level == "secondary" else person.name
                             for person, level in people)


def _context() -> dict:
    now = utcnow()
    return {"view": floor.overview(db(), now, settings().queue.presence_fresh_s, live.figures()[0]),
            "overdue": tasks.overdue(db(), actor(), now, OVERDUE_SHOWN),
            "overdue_count": tasks.count_tasks(db(), actor(), overdue_at=now),
            # the domains someone came to the counter for today: per domain and per hour, never per person
            "lobby": [row for row in lobby_figures(db(), local(now).date(), local(now).date()) if row.seen]}
