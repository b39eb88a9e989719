"""The start: each role lands on its own screen; someone without a role is told so; the integration account's page."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from kcc.web.access import staff
from kcc.web.request import render
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

