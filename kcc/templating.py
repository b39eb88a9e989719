"""Template filters and context: Amsterdam time, role labels, the navigation a user's roles open."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, request
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user

from .timeutil import local

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

# (role, endpoint, label) in the order a person with several roles lands: the first that matches.
SCREENS = [
    ("lead", "home.floor", _l("Vloeroverzicht")),
    ("senior", "home.improvements", _l("Verbeteren")),
    ("agent", "home.workspace", _l("Werkplek")),
    ("host", "home.lobby", _l("Lobby")),
    ("specialist", "home.tasks", _l("Taken")),
    ("admin", "admin.staff_list", _l("Beheer")),
    ("integration", "home.integration", _l("Koppeling")),
]


def screens_for(user) -> list[tuple[str, str]]:
    """The screens a user may open; admin sees every screen."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [(endpoint, label) for role, endpoint, label in SCREENS if user.has_role(role)]


def start_endpoint(user) -> str:
    """Where a user lands after login: the screen of their own first role (not every screen admin may open)."""
    for role, endpoint, _label in SCREENS:
        if role in user.roles:
            return endpoint
    return "home.no_role"


def localtime(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    return "" if value is None else local(value).strftime(fmt)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime

    @app.context_processor
    def kcc_context():
        return {
            "municipality": current_app.config["KCC"].municipality,
            "nav_screens": screens_for(current_user),
            "role_labels": ROLE_LABELS,
            "skill_labels": SKILL_LABELS,
            "day_labels": DAY_LABELS,
            "current_locale": str(get_locale() or "nl"),
            "current_path": request.full_path.rstrip("?") if request else "/",
        }
