"""Each role's start screen. Later capabilities fill these in; each says plainly what it will hold."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from kcc.core.timeutil import local, utcnow
from kcc.floor.lobby_figures import lobby_figures
from kcc.web.access import roles, staff
from kcc.web.request import db, render
from kcc.web.templating import start_endpoint

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
@staff
def index():
    return redirect(url_for(start_endpoint(current_user)))


@bp.get("/geen-rol")
@staff
def no_role():
    return render("home/no_role.html")


@bp.get("/verbeteren")
@roles("senior")
def improvements():
    """The seniors' page; until the improvement board arrives, the lobby's figures of the last seven days per
    domain (who was sent home for something missing above all), team figures only."""
    today = local(utcnow()).date()
    lobby = [row for row in lobby_figures(db(), today - timedelta(days=6), today) if row.seen]
    return render("home/improvements.html", domains=[s.domain for s in current_user.skills], lobby=lobby)


@bp.get("/koppeling")
@roles("integration")
def integration():
    return render("home/integration.html")
