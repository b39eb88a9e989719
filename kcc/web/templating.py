"""Template filters and context: Amsterdam time, role labels, the navigation a user's roles open."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, request
from flask_babel import format_date, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kcc.contacts.intake import reference
from kcc.core.timeutil import local
from kcc.mail.operations import when
from kcc.web.request import current_actor, translate

ROLE_LABELS = {
    "host": _l("Gastvrouw/gastheer"),
    "agent": _l("KCC-medewerker"),
    "lead": _l("Eerste medewerker"),
    "senior": _l("Senior"),
    "specialist": _l("Specialist/backoffice"),
    "admin": _l("Functioneel beheer"),
    "integration": _l("Koppeling"),
}
SKILL_LABELS = {"primary": _l("primair"), "secondary": _l("secundair")}
DAY_LABELS = {"mon": _l("maandag"), "tue": _l("dinsdag"), "wed": _l("woensdag"), "thu": _l("donderdag"),
              "fri": _l("vrijdag"), "sat": _l("zaterdag"), "sun": _l("zondag")}

CHANNEL_LABELS = {"phone": _l("Telefoon"), "counter": _l("Balie"), "web": _l("Webformulier"), "email": _l("E-mail")}
STATUS_LABELS = {"waiting": _l("wacht"), "in_progress": _l("in behandeling"),
                 "handover_offered": _l("overdracht aangeboden"), "resolved": _l("afgerond"),
                 "callback_scheduled": _l("terugbelverzoek"), "abandoned": _l("opgehangen")}
PRESENCE_LABELS = {"available": _l("Beschikbaar"), "busy": _l("In gesprek"), "paused": _l("Pauze"),
                   "unseen": _l("Beschikbaar, scherm niet actief"),
                   "offline": _l("Afgemeld")}
EVENT_LABELS = {"arrived": _l("Binnengekomen"), "routed": _l("Gerouteerd"), "claimed": _l("Aangenomen"),
                "rerouted": _l("Domein of onderwerp aangepast"), "note": _l("Notitie"), "resolved": _l("Afgerond"),
                "abandoned": _l("Opgehangen tijdens het wachten"), "handover_offered": _l("Overdracht aangeboden"),
                "handover_accepted": _l("Overdracht aangenomen"), "handover_declined": _l("Overdracht geweigerd"),
                "handover_expired": _l("Overdracht niet op tijd aangenomen"),
                "task_created": _l("Terugbelverzoek gemaakt"), "confirmation_queued": _l("Bevestiging naar inwoner"),
                "task_claimed": _l("Terugbelverzoek opgepakt"), "task_forwarded": _l("Terugbelverzoek doorgestuurd"),
                "task_attempt": _l("Belpoging"), "task_completed": _l("Terugbelverzoek afgerond"),
                "recalled": _l("Opnieuw opgeroepen"), "no_show": _l("Niet verschenen"),
                "no_show_undone": _l("Toch verschenen: terug in de wachtrij"), "started": _l("Aan de balie"),
                "host_visited": _l("Gastvrouw/gastheer ging langs"), "moved_forward": _l("Naar voren gezet"),
                "left": _l("Weggegaan voor de beurt"),
                "released": _l("Terug in de wachtrij: scherm en telefoon van de medewerker waren te lang stil"),
                "notified_close": _l("Seintje: bijna aan de beurt")}
NEED_LABELS = {"interpreter": _l("Tolk"), "wheelchair": _l("Rolstoel of slecht ter been"), "reading": _l("Hulp bij lezen")}
OUTCOME_LABELS = {"answered": _l("In één keer beantwoord"), "referred_external": _l("Warm doorverwezen"),
                  "callback_done": _l("Teruggebeld")}

# (role, endpoint, label) in the order a person with several roles lands: the first that matches.
SCREENS = [
    ("lead", "floor.page", _l("Vloeroverzicht")),
    ("senior", "signals.board", _l("Verbeteren")),
    ("agent", "workspace.page", _l("Werkplek")),
    ("host", "lobby.page", _l("Lobby")),
    ("specialist", "callbacks.task_list", _l("Taken")),
    ("admin", "admin.staff_list", _l("Beheer")),
    ("host", "appointments.day", _l("Afspraken")),
    ("agent", "appointments.day", _l("Afspraken")),
    ("lead", "appointments.day", _l("Afspraken")),
    ("lead", "signals.board", _l("Verbeteren")),
    ("lead", "team.team_week", _l("Team")),
    ("agent", "team.my_week", _l("Werkoverleg")),
    ("specialist", "team.my_week", _l("Werkoverleg")),
    ("host", "team.my_week", _l("Werkoverleg")),
    ("senior", "team.my_week", _l("Werkoverleg")),
]


OWN_ROLE_ONLY = {"team.team_week"}  # a team's mood answers: its lead's screen only, not admin's


def screens_for(user) -> list[tuple[str, str]]:
    """The screens a user (a Staff row or an Actor) may open; admin sees every screen."""
    if user is None or not getattr(user, "is_authenticated", True):
        return []
    screens = {endpoint: label for role, endpoint, label in SCREENS
               if (role in user.roles if endpoint in OWN_ROLE_ONLY else user.has_role(role))}
    return list(screens.items())


def start_endpoint(user) -> str:
    """Where a user lands after login: the screen of their own first role (not every screen admin may open)."""
    for role, endpoint, _label in SCREENS:
        if role in user.roles:
            return endpoint
    return "home.no_role"


def localtime(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    return "" if value is None else local(value).strftime(fmt)


def duration(seconds: float | int | None) -> str:
    """A wait as people say it: '45 s', '3 min', '1 u 05 min'."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} u {minutes % 60:02d} min"


def whole_minutes(seconds: float | int) -> str:
    """A wait shown on a card that is redrawn only when it changes: 'minder dan 1 min', then as duration()."""
    return gettext("minder dan 1 min") if seconds < 60 else duration(seconds)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["whole_minutes"] = whole_minutes
    app.jinja_env.filters["reference"] = reference  # KCC-000123, the number a citizen can quote
    app.jinja_env.filters["when"] = when  # "dinsdag 1 december om 12:00", as the citizen's e-mail says it
    app.jinja_env.filters["dayname"] = lambda day: format_date(day, "full")  # "dinsdag 1 december 2026"
    app.jinja_env.globals["timedelta"] = timedelta
    app.jinja_env.filters["msg"] = translate  # a domain message (kcc.core.errors.Msg) in the reader's language

    @app.context_processor
    def kcc_context():
        return {
            "municipality": current_app.config["KCC"].municipality,
            # the cached profile of whoever is logged in (kcc.web.request): no roles read per rendering
            "nav_screens": screens_for(current_actor()) if current_user.is_authenticated else [],
            "role_labels": ROLE_LABELS,
            "skill_labels": SKILL_LABELS,
            "day_labels": DAY_LABELS,
            "channel_labels": CHANNEL_LABELS,
            "status_labels": STATUS_LABELS,
            "presence_labels": PRESENCE_LABELS,
            "event_labels": EVENT_LABELS,
            "outcome_labels": OUTCOME_LABELS,
            "need_labels": NEED_LABELS,
            "current_locale": str(get_locale() or "nl"),
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
