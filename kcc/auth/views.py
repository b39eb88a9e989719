"""Login, logout, idle timeout and the language switch."""
from __future__ import annotations

import secrets
import time

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from kcc.core.actor import Actor
from kcc.models import Staff
from kcc.staff import accounts
from kcc.web import unit_of_work
from kcc.web.access import public, staff
from kcc.web.request import actor, client_origin, db, render

bp = Blueprint("auth", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    username = StringField(_l("Gebruikersnaam"), validators=[DataRequired(_l("Vul je gebruikersnaam in.")),
                                                              Length(max=60)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul je wachtwoord in.")),
                                                           Length(max=256)])
    next = HiddenField()


def load_user(user_id: str) -> Staff | None:
    """Flask-Login loader: the id carries the session version, so old sessions end after a password change."""
    staff_id, _, version = user_id.partition(":")
    if not staff_id.isdigit() or not version.isdigit():
        return None
    user = db().get(Staff, int(staff_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so the login page cannot be used to send someone elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/inloggen", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    error, reason = None, None
    if form.validate_on_submit():
        settings = current_app.config["KCC"]
        policy = accounts.LoginPolicy(settings.login_max_failures, settings.login_max_failures_ip,
                                      settings.login_lockout_min)
        user, reason = accounts.authenticate(db(), form.username.data, form.password.data, client_origin(), policy)
        unit_of_work.keep_on_error("failed login")
        if user is not None:
            session.clear()  # a fresh session at login: nothing from before carries over (session fixation)
            login_user(user)
            session["sid"] = secrets.token_hex(16)
            session["last_seen"] = int(time.time())
            session.permanent = True
            return redirect(_safe_next(form.next.data) or url_for("home.index"))
        if reason == "throttled":
            error = _("Te veel mislukte pogingen. Probeer het over %(minutes)d minuten opnieuw, of vraag "
                      "functioneel beheer om hulp.", minutes=settings.login_lockout_min)
        else:
            error = _("Gebruikersnaam of wachtwoord klopt niet. Let op hoofdletters.")
    status = 429 if reason == "throttled" else 400 if (error or form.errors) else 200
    return render("auth/login.html", form=form, error=error), status


@bp.route("/uitloggen", methods=["POST"])
@staff
def logout():
    accounts.end_session(db(), actor(), "logout")
    logout_user()
    session.clear()
    flash(_("Je bent uitgelogd."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/taal", methods=["POST"])
@public
def language():
    """Switch between Dutch and English for this session."""
    choice = request.form.get("lang")
    if choice in ("nl", "en"):
        session["lang"] = choice
    return redirect(_safe_next(request.form.get("next")) or url_for("home.index"))


def enforce_idle_timeout():
    """before_request: end a web session that has been idle longer than the configured timeout."""
    if request.blueprint == "api" or request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = int(time.time())
    last_seen = session.get("last_seen", 0)
    if now - last_seen > current_app.config["IDLE_TIMEOUT_S"]:
        accounts.end_session(db(), Actor.of(current_user, client_origin()), "timeout")
        logout_user()
        session.clear()
        flash(_("Je sessie is verlopen omdat je een tijd niets hebt gedaan. Log opnieuw in."), "warning")
        target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        response = redirect(target)
        if request.headers.get("HX-Request"):
            response.headers["HX-Redirect"] = target
        return response
    if request.headers.get("X-KCC-Poll") != "1":
        # a screen refreshing itself is not someone working: polls do not keep an unattended session alive
        session["last_seen"] = now
    return None
