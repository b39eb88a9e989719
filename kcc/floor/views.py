"""The floor lead's screen (/vloer): the queues live, who is on which domain, the most overdue callbacks, the
lobby's figures of today."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from flask import Blueprint, Response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from kcc.content.catalogue import active_domains
from kcc.core.errors import ValidationError
from kcc.core.timeutil import local, utcnow
from kcc.floor import drawn, staffing, wallboard
from kcc.floor import operations as floor
from kcc.floor.indicators import FIELDS
from kcc.lobby import display
from kcc.staff.directory import OnFloor
from kcc.web import polling
from kcc.web.access import public, roles
from kcc.web.request import actor, client_origin, current_actor, db, field_errors, render, settings, wants_fragment

bp = Blueprint("floor", __name__, template_folder="templates")


@bp.get("/vloer")
@roles("lead")
def page():
    """Queues against their targets, colleagues by state — figures for the team, never ranked. Every lead sees the
    same floor, drawn once for all of them (kcc.floor.drawn); the poll answers 204 while it looks the same."""
    if not wants_fragment():
        return render("floor/page.html", floor=Markup(drawn.draw(db(), "floor", utcnow(), by_worker=False).html))
    floor_now = drawn.served(db(), "floor", utcnow(), request.args.get("floor"))
    return polling.answer({"floor": polling.Part(lambda: floor_now.html or "", known=floor_now.version)}, request.args,
                          out_of_band=False)


@bp.app_template_filter()
def colleague_names(people: list[tuple[OnFloor, str]], secondary: str) -> Markup:
    """Colleagues by name, those for whom the domain is a secondary skill marked: hundreds of names in one join,
    not a template loop per name (the floor is redrawn every few seconds), each name escaped once."""
    marker = f' <span class="kcc-muted">({escape(secondary)})</span>'
    return Markup(", ".join(f"{escape(person.name)}{marker}" if level == "secondary" else str(escape(person.name))
                            for person, level in people))


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


# --- the wallboard and the period report --------------------------------------------------------------------

BOARD_ROLES = ("lead", "senior")


@bp.get("/vloer/wand")
@public
def wallboard_page():
    """The wallboard for a TV on the floor (1920×1080): for a logged-in lead or senior, or with the display code
    (KCC_DISPLAY_CODE) or from the display network, like the lobby's wall. Team figures only."""
    viewer = current_actor()
    if not (viewer is not None and viewer.has_role(*BOARD_ROLES)) and not display.may_open(
            settings(), request.args.get("code"), client_origin(), None):
        return render("lobby/wall_closed.html"), 403
    board = drawn.served(db(), "wallboard", utcnow(), request.args.get("wallboard"))  # every TV shows the same
    if not wants_fragment():
        return render("floor/wallboard.html", board=Markup(board.html or ""), code=request.args.get("code", ""))
    return polling.answer({"wallboard": polling.Part(lambda: board.html or "", known=board.version)}, request.args,
                          out_of_band=False)

REPORT_ROWS = (("contacts", _l("Contacten")), ("answered_in_one_go", _l("In één keer beantwoord")),
               ("abandoned", _l("Opgehangen of weggegaan")), ("service_level", _l("Telefoon binnen de tijd")),
               ("handovers_offered", _l("Warm overdragen aangeboden")), ("handovers_accepted", _l("Aangenomen")),
               ("handovers_expired", _l("Niet op tijd aangenomen")), ("callbacks_created", _l("Terugbelverzoeken")),
               ("callbacks_on_time", _l("Op tijd teruggebeld")), ("callbacks_overdue", _l("Te laat of over tijd")),
               ("repeat_contacts", _l("Herhaalcontacten")), ("signals_raised", _l("Knelpunten gemeld")),
               ("signals_done", _l("Knelpunten afgerond")), ("feedback_asked", _l("Inwoners gevraagd")),
               ("feedback_yes", _l("Goed geholpen: ja")), ("feedback_partly", _l("Goed geholpen: een beetje")),
               ("feedback_no", _l("Goed geholpen: nee")))


def _period(errors: dict[str, str]) -> tuple[date, date, str | None]:
    """The period asked for (default: this week so far), what was wrong with it said per field."""
    today = local(utcnow()).date()
    default_start = today - timedelta(days=today.weekday())
    values = {}
    for name, default in (("van", default_start), ("tot", today)):
        raw = request.args.get(name, "").strip()
        try:
            values[name] = date.fromisoformat(raw) if raw else default
        except ValueError:
            errors[name] = _("kies een datum, bijvoorbeeld %(day)s", day=today.isoformat())
            values[name] = default
    start, end = values["van"], values["tot"]
    if not errors and end < start:
        errors["tot"] = _("de einddatum ligt voor de begindatum")
    elif not errors and (end - start).days > 366:
        errors["tot"] = _("hoogstens een jaar in één keer")
    slug = request.args.get("domein", "").strip() or None
    return start, end, slug


@bp.get("/vloer/rapport")
@roles(*BOARD_ROLES)
def report():
    errors: dict[str, str] = {}
    start, end, slug = _period(errors)
    domains = active_domains(db())
    if slug is not None and slug not in {d.slug for d in domains}:
        slug = None
    now = utcnow()
    board = [] if errors else wallboard.board(db(), start, end, now, slug)
    first_monday, last_monday = start - timedelta(days=start.weekday()), end - timedelta(days=end.weekday())
    weeks = [] if errors else wallboard.weeks(db(), end, now, count=min(26, (last_monday - first_monday).days // 7 + 1),
                                              domain=slug)
    domain_id = next((d.id for d in domains if d.slug == slug), None)
    slots = wallboard.half_hours(db(), start, now, domain_id) if not errors and start == end else []
    values = {"van": request.args.get("van", start.isoformat()), "tot": request.args.get("tot", end.isoformat()),
              "domein": slug or ""}
    nothing = not any(c.counts.get("contacts") or c.waiting for d in board for c in d.channels)
    return render("floor/report.html", board=board, weeks=weeks, slots=slots, start=start, end=end, errors=errors,
                  nothing=nothing,
                  values=values, rows=REPORT_ROWS, domain_options=[(d.slug, d.name) for d in domains]), \
        422 if errors else 200


def _blank(value: int | None) -> int | str:
    return "" if value is None else value


@bp.get("/vloer/rapport.csv")
@roles(*BOARD_ROLES)
def report_csv():
    """The same figures as the report, one row per domain and channel; the counter rows carry the lobby's."""
    errors: dict[str, str] = {}
    start, end, slug = _period(errors)
    if errors:
        return Response("\n".join(f"{name}: {message}" for name, message in errors.items()) + "\n", status=422,
                        mimetype="text/plain")
    if slug is not None and slug not in {d.slug for d in active_domains(db())}:
        return Response(f"domein: {_('kies een domein uit de lijst')}\n", status=422, mimetype="text/plain")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    lobby_columns = ("lobby_visitors", "lobby_wait_mean_s", "lobby_wait_p90_s", "lobby_service_mean_s",
                     "lobby_turned_away")
    writer.writerow(["from", "to", "domain", "channel", *FIELDS, *lobby_columns])
    for d in wallboard.board(db(), start, end, utcnow(), slug):
        for c in d.channels:
            lobby = d.lobby if c.channel == "counter" and d.lobby is not None else None
            writer.writerow([start.isoformat(), end.isoformat(), d.slug, c.channel,
                             *("" if c.counts.get(name) is None else c.counts.get(name) for name in FIELDS),
                             *((lobby.visitors, _blank(lobby.wait.mean_s), _blank(lobby.wait.p90_s),
                                _blank(lobby.service.mean_s), sum(lobby.turned_away.values())) if lobby else
                               ("",) * len(lobby_columns))])
    filename = f"kcc-{start.isoformat()}-{end.isoformat()}{'-' + slug if slug else ''}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- deployment ---------------------------------------------------------------------------------------------

def _deployment(errors: dict | None = None, person_id: int | None = None, saved: int | None = None) -> dict:
    now = utcnow()
    return {"people": floor.deployable(db(), now, settings().queue.presence_fresh_s), "errors": errors or {},
            "error_for": person_id, "saved": saved, "now": now,
            "long_on": {person.id: since for person, since in floor.long_without_break(db(), now, settings().queue)}}


@bp.get("/vloer/inzet")
@roles("lead")
def deployment():
    """Which of their skilled domains each employee serves now: a change counts for routing at once."""
    saved = request.args.get("opgeslagen", "")
    return render("floor/deployment.html", **_deployment(saved=int(saved) if saved.isdigit() and len(saved) < 10
                                                         else None))


@bp.post("/vloer/inzet/<int:staff_id>")
@roles("lead")
def deploy(staff_id: int):
    serving = {int(value) for value in request.form.getlist("serving") if value.isdigit() and len(value) < 10}
    try:
        floor.deploy(db(), actor(), staff_id, serving, utcnow())
    except ValidationError as error:
        db().rollback()
        response = render("floor/deployment.html", **_deployment(field_errors(error), staff_id))
        response.status_code = 422
        return response
    return redirect(url_for("floor.deployment", opgeslagen=staff_id, _anchor=f"deploy-{staff_id}"))
