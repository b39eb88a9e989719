"""Login, logout, idle timeout and the language switch."""
from __future__ import annotations

import time
from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.validators import ValidationError as FieldError

from kcc.content.catalogue import active_desks
from kcc.core.actor import Actor
from kcc.core.errors import ValidationError
from kcc.core.timeutil import utcnow
from kcc.models import Desk, Presence, Staff
from kcc.queues import operations as queues
from kcc.staff import accounts
from kcc.web import unit_of_work
from kcc.web.access import public, staff
from kcc.web.redirects import same_site_path
from kcc.web.request import actor, client_origin, db, field_errors, render, settings

bp = Blueprint("auth", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    username = StringField(_l("Gebruikersnaam"), validators=[DataRequired(_l("Vul je gebruikersnaam in.")),
                                                              Length(max=60)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul je wachtwoord in.")),
                                                           Length(max=256)])
    # shown only when there are desks; the choices are the active desks of the moment (with_desks)
    desk = SelectField(_l("Aan welke balie zit je? (niet verplicht)"), choices=[], default="", validate_choice=False,
                       description=_l("Aan een balie roep je ook bezoekers uit de hal op."))
    next = HiddenField()

    def with_desks(self, desks: list[Desk]) -> LoginForm:
        """No desk (phone and written contacts), then every active desk in number order."""
        self.desk.choices = [("", _("Geen balie (telefoon en schriftelijk)"))] + [
            (desk.number, desk.label or _("Balie %(number)s", number=desk.number)) for desk in desks]
        return self

    def validate_desk(self, field: SelectField) -> None:
        if field.data not in {value for value, _label in field.choices}:  # a desk made inactive, or a forged form
            raise FieldError(_("Kies een balie uit de lijst."))


def load_user(user_id: str) -> Staff | None:
    """Flask-Login loader: the employee of a session still open on the server and younger than its lifetime,
    so a cookie saved before logout, a new password or deactivation opens nothing."""
    staff_id, _, version = user_id.partition(":")
    plain = session.get("sid")
    if not staff_id.isdigit() or not version.isdigit() or not isinstance(plain, str):
        return None
    user = accounts.live_session(db(), int(staff_id), plain, utcnow(), _lifetime())
    if user is None or user.session_version != int(version):
        return None
    return user


def _lifetime() -> timedelta:
    return timedelta(hours=settings().session_max_hours)


def _safe_next(target: str | None) -> str | None:
    """Only a path of this site, so the login page cannot be used to send someone elsewhere."""
    return same_site_path(target)


@bp.route("/inloggen", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", "")).with_desks(active_desks(db()))
    error, reason = None, None
    if form.validate_on_submit():
        config = settings()
        policy = accounts.LoginPolicy(config.login_max_failures, config.login_max_failures_ip,
                                      config.login_lockout_min)
        user, reason = accounts.authenticate(db(), form.username.data, form.password.data, client_origin(), policy)
        unit_of_work.keep_on_error("failed login")
        if user is not None:
            not_seated = _sit_down(user, form.desk.data or "") if "desk" in request.form else None
            session.clear()  # a fresh session at login: nothing from before carries over (session fixation)
            session["sid"] = accounts.start_session(db(), user, client_origin(), request.user_agent.string, utcnow())
            login_user(user)
            session["last_seen"] = int(time.time())
            session.permanent = True
            if not_seated:
                flash(not_seated, "warning")  # logged in all the same; the workspace is where one chooses again
                return redirect(_safe_next(form.next.data) or url_for("workspace.page"))
            return redirect(_safe_next(form.next.data) or url_for("home.index"))
        if reason == "throttled":
            error = _("Te veel mislukte pogingen. Probeer het over %(minutes)d minuten opnieuw, of vraag "
                      "functioneel beheer om hulp.", minutes=config.login_lockout_min)
        else:
            error = _("Gebruikersnaam of wachtwoord klopt niet. Let op hoofdletters.")
    status = 429 if reason == "throttled" else 400 if (error or form.errors) else 200
    return render("auth/login.html", form=form, error=error), status


def _sit_down(user: Staff, number: str) -> str | None:
    """Seat an agent at the desk chosen on the login form ("" is no desk), by the workspace's own operation.

    Only agents take contacts at a desk; the form is shown before we know who logs in, so anyone else's
    choice is ignored (an admin may do everything, but is not seated by it). A desk a colleague sits at is
    not taken: the answer is what to tell the employee, who is logged in all the same."""
    if "agent" not in user.roles:
        return None
    try:
        # seated and logged in is being there: paused until they say they are available, but no longer offline,
        # so the next colleague who picks this desk hears it is taken
        state = Presence.paused if number and user.presence == Presence.offline else user.presence
        queues.set_presence(db(), user, state, utcnow(), desk_number=number or None, desk_given=True,
                            fresh_s=settings().queue.presence_fresh_s)
    except ValidationError as error:  # set_presence changed nothing: the login itself stays
        return " ".join(field_errors(error).values())
    return None


@bp.route("/uitloggen", methods=["POST"])
@staff
def logout():
    accounts.end_session(db(), actor(), "logout", session.get("sid"))
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
    if request.blueprint == "api" or request.endpoint == "static":
        return None
    if not current_user.is_authenticated:
        if "_user_id" in session:  # a cookie whose session the server ended (logout elsewhere, lifetime, admin)
            session.clear()
            flash(_("Je sessie is beëindigd. Log opnieuw in."), "warning")
        return None
    now = int(time.time())
    last_seen = session.get("last_seen", 0)
    if now - last_seen > current_app.config["IDLE_TIMEOUT_S"]:
        accounts.end_session(db(), Actor.of(current_user, client_origin()), "timeout", session.get("sid"))
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
        if now - last_seen >= 60:
            accounts.touch_session(db(), session.get("sid", ""), utcnow())  # what the administrator sees
        session["last_seen"] = now
    return None
