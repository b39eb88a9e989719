"""The floor lead's screen (/vloer): the queues live, who is on which domain, the most overdue callbacks, the
lobby's figures of today."""
from __future__ import annotations

import re

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from kcc.callbacks import operations as tasks
from kcc.content.catalogue import active_domains
from kcc.core.timeutil import local, utcnow
from kcc.floor import operations as floor
from kcc.floor import staffing
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


WEEKDAYS = (_l("maandag"), _l("dinsdag"), _l("woensdag"), _l("donderdag"), _l("vrijdag"), _l("zaterdag"),
            _l("zondag"))


@bp.get("/vloer/bezetting")
@roles("lead")
def staffing_page():
    """Erlang C per half hour of a weekday, fed with the last four weeks: a suggestion the lead adjusts."""
    domains = active_domains(db())
    args = request.args
    errors: dict[str, str] = {}
    now = utcnow()
    domain = next((d for d in domains if d.slug == args.get("domein")), domains[0] if domains else None)
    channel = args.get("kanaal", "phone") if args.get("kanaal") in ("phone", "counter") else "phone"
    weekday = _number(args, "dag", local(now).weekday(), 0, 6, errors, _("kies een dag van de week"))
    goal = _number(args, "doel", 80, 1, 99, errors, _("een percentage van 1 tot 99"))
    target = _number(args, "binnen", domain.phone_answer_target_s if domain else 20, 0, 3600, errors,
                     _("seconden, van 0 tot 3600"))
    minutes = args.get("behandeltijd", "").strip().replace(",", ".")
    handling = None
    if minutes:
        try:
            handling = float(minutes) * 60
            if not 0 < handling <= 7200:
                raise ValueError
        except ValueError:
            errors["behandeltijd"] = _("minuten, bijvoorbeeld 3 of 4,5 (leeg: gemeten)")
            handling = None
    result = (staffing.plan(db(), domain, channel, weekday, now, goal=goal / 100, target_s=target, handling_s=handling)
              if domain else None)
    return render("floor/staffing.html", plan=result, weekdays=WEEKDAYS, errors=errors,
                  domain_options=[(d.slug, d.name) for d in domains], weekday_options=list(enumerate(WEEKDAYS)),
                  values={"domein": domain.slug if domain else "", "kanaal": channel, "dag": weekday,
                          # what was typed stays in the field, right or wrong
                          "doel": args.get("doel", "").strip() or goal, "binnen": args.get("binnen", "").strip() or target,
                          "behandeltijd": minutes}), 422 if errors else 200


def _number(args, name: str, default: int, low: int, high: int, errors: dict[str, str], problem: str) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,5}", raw) or not low <= int(raw) <= high:
        errors[name] = problem
        return default
    return int(raw)
