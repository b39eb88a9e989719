"""Functional administration (functioneel beheer): staff, roles, skills, languages, teams; desks; the audit log."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from kcc.content.catalogue import active_domains, active_teams
from kcc.core import audit
from kcc.core.errors import ValidationError
from kcc.core.timeutil import parse_local, utcnow
from kcc.models import ROLES, Desk, Staff
from kcc.staff import accounts, desks, directory
from kcc.web.access import roles
from kcc.web.request import actor, db, render, settings, translate
from kcc.web.templating import ROLE_LABELS

bp = Blueprint("admin", __name__, url_prefix="/beheer", template_folder="templates")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StaffForm(FlaskForm):
    username = StringField(_l("Gebruikersnaam"), validators=[DataRequired(_l("Vul een gebruikersnaam in.")),
                                                             Length(max=60)])
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul de naam in.")), Length(max=150)])
    email = EmailField(_l("E-mailadres (voor meldingen)"), validators=[Optional(), Length(max=254)])
    roles = MultiCheckboxField(_l("Rollen"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
    primary = SelectField(_l("Primair domein"))
    secondary = SelectField(_l("Tweede domein"))
    languages = StringField(_l("Talen"), default="nl",
                            description=_l("Tweeletterige codes met komma's, bijvoorbeeld: nl, fy, en"))
    teams = MultiCheckboxField(_l("Teams"))
    active = BooleanField(_l("Account actief"), default=True)
    password = PasswordField(_l("Wachtwoord"), validators=[Optional(), Length(max=256)],
                             description=_l("Minstens 12 tekens. Laat leeg om het wachtwoord niet te wijzigen."))

    def fill_choices(self) -> None:
        domains = active_domains(db())
        options = [SelectChoice("", _("— geen —"))] + [SelectChoice(d.slug, d.name) for d in domains]
        self.primary.choices = options
        self.secondary.choices = list(options)
        self.teams.choices = [SelectChoice(t.slug, f"{t.name} ({t.domain.name})")
                              for t in active_teams(db())]

    def to_input(self) -> accounts.StaffInput:
        skills = [(slug, level) for slug, level in ((self.primary.data, "primary"), (self.secondary.data, "secondary"))
                  if slug]
        return accounts.StaffInput(
            username=self.username.data or "", name=self.name.data or "", email=self.email.data or None,
            roles=self.roles.data or [], skills=skills, languages=accounts.parse_list(self.languages.data),
            teams=self.teams.data or [], active=self.active.data)

    def show_errors(self, error: ValidationError) -> None:
        """Put domain validation problems next to the field they are about."""
        targets = {"skills": self.primary, "username": self.username, "name": self.name, "email": self.email,
                   "roles": self.roles, "languages": self.languages, "teams": self.teams, "password": self.password}
        for key, message in error.fields.items():
            field = targets.get(key)
            if field is not None:
                field.errors = list(field.errors) + [translate(message)]


def _staff_or_404(staff_id: int) -> Staff:
    staff = db().get(Staff, staff_id)
    if staff is None:
        abort(404)
    return staff


@bp.get("/")
@roles("admin")
def staff_list():
    query = request.args.get("q", "").strip()
    people = directory.search(db(), query)
    return render("admin/staff_list.html", "admin/_staff_rows.html", people=people, q=query)


@bp.route("/medewerkers/nieuw", methods=["GET", "POST"])
@roles("admin")
def staff_new():
    form = StaffForm()
    form.fill_choices()
    form.password.description = _("Verplicht: minstens 12 tekens.")  # a new account needs one; editing may keep it
    if form.validate_on_submit():
        try:
            staff = accounts.create_staff(db(), form.to_input(), form.password.data or "", actor=actor())
        except ValidationError as error:
            db().rollback()
            form.show_errors(error)
        else:
            flash(_("Medewerker %(name)s is aangemaakt.", name=staff.name), "ok")
            return redirect(url_for("admin.staff_list"))
    status = 400 if form.is_submitted() else 200
    return render("admin/staff_form.html", form=form, staff=None), status


@bp.route("/medewerkers/<int:staff_id>", methods=["GET", "POST"])
@roles("admin")
def staff_edit(staff_id: int):
    staff = _staff_or_404(staff_id)
    form = StaffForm(obj=None if request.method == "POST" else staff)
    form.fill_choices()
    form.username.data = staff.username  # the user name is an identity: fixed after creation
    if request.method == "GET":
        levels = {s.level: s.domain.slug for s in staff.skills}
        form.primary.data = levels.get("primary", "")
        form.secondary.data = levels.get("secondary", "")
        form.roles.data = staff.roles
        form.languages.data = ", ".join(staff.languages)
        form.teams.data = [t.slug for t in staff.teams]
    if form.validate_on_submit():
        try:
            accounts.update_staff(db(), staff, form.to_input(), actor=actor())
            if form.password.data:
                accounts.set_password(db(), staff, form.password.data, actor=actor())
        except ValidationError as error:
            db().rollback()
            staff = _staff_or_404(staff_id)
            form.show_errors(error)
        else:
            flash(_("Wijzigingen voor %(name)s zijn opgeslagen.", name=staff.name), "ok")
            return redirect(url_for("admin.staff_list"))
    status = 400 if form.is_submitted() else 200
    return render("admin/staff_form.html", form=form, staff=staff, **_sessions_of(staff)), status


def _sessions_of(staff: Staff) -> dict:
    config = settings()
    return {"sessions": accounts.active_sessions(db(), staff, utcnow(), timedelta(hours=config.session_max_hours)),
            "session_hours": config.session_max_hours, "idle_minutes": config.idle_timeout_min}


@bp.post("/medewerkers/<int:staff_id>/sessies/<int:session_id>/beeindigen")
@roles("admin")
def session_end(staff_id: int, session_id: int):
    """End one login of an employee at once (a computer left logged in somewhere)."""
    staff = _staff_or_404(staff_id)
    accounts.end_one_session(db(), staff, session_id, actor=actor())
    flash(_("De sessie van %(name)s is beëindigd.", name=staff.name), "ok")
    return redirect(url_for("admin.staff_edit", staff_id=staff.id))


@bp.post("/medewerkers/<int:staff_id>/sessies/beeindigen")
@roles("admin")
def sessions_end(staff_id: int):
    staff = _staff_or_404(staff_id)
    count = accounts.end_all_sessions(db(), staff, "admin", actor=actor())
    flash(_("%(count)d sessie(s) van %(name)s beëindigd.", count=count, name=staff.name), "ok")
    return redirect(url_for("admin.staff_edit", staff_id=staff.id))


class DeskForm(FlaskForm):
    number = StringField(_l("Nummer"), validators=[DataRequired(_l("Vul het nummer van de balie in.")), Length(max=10)],
                         description=_l("Wat het scherm in de hal toont, bijvoorbeeld 3 of 12A."))
    label = StringField(_l("Omschrijving"), validators=[Optional(), Length(max=100)],
                        description=_l("Wat medewerkers lezen, bijvoorbeeld: Balie 3 — burgerzaken."))
    active = BooleanField(_l("In gebruik"), default=True)

    def to_input(self) -> desks.DeskInput:
        return desks.DeskInput(number=(self.number.data or "").strip(), label=self.label.data or "",
                               active=bool(self.active.data))

    def show_errors(self, error: ValidationError) -> None:
        for key, message in error.fields.items():
            field = {"number": self.number, "label": self.label}.get(key, self.number)
            field.errors = list(field.errors) + [translate(message)]


@bp.get("/balies")
@roles("admin")
def desk_list():
    return render("admin/desk_list.html", desks=desks.all_desks(db()))


@bp.route("/balies/nieuw", methods=["GET", "POST"])
@roles("admin")
def desk_new():
    form = DeskForm()
    if form.validate_on_submit():
        try:
            desk = desks.create_desk(db(), form.to_input(), actor=actor())
        except ValidationError as error:
            db().rollback()
            form.show_errors(error)
        else:
            flash(_("Balie %(number)s is aangemaakt.", number=desk.number), "ok")
            return redirect(url_for("admin.desk_list"))
    return render("admin/desk_form.html", form=form, desk=None), 400 if form.is_submitted() else 200


@bp.route("/balies/<int:desk_id>", methods=["GET", "POST"])
@roles("admin")
def desk_edit(desk_id: int):
    desk = db().get(Desk, desk_id)
    if desk is None:
        abort(404)
    form = DeskForm(obj=None if request.method == "POST" else desk)
    if form.validate_on_submit():
        try:
            desks.update_desk(db(), desk, form.to_input(), actor=actor())
        except ValidationError as error:
            db().rollback()
            form.show_errors(error)
        else:
            flash(_("Balie %(number)s is opgeslagen.", number=desk.number), "ok")
            return redirect(url_for("admin.desk_list"))
    return render("admin/desk_form.html", form=form, desk=desk), 400 if form.is_submitted() else 200


@bp.get("/auditlog")
@roles("admin")
def audit_log():
    """The latest audit entries, newest first, filterable by what an administrator reads: the Dutch label
    of an action or result, a person, a contact (KCC-000123 or its number) and a span of days."""
    args = {key: request.args.get(key, "").strip()[:100] for key in ("q", "who", "action", "contact", "from", "to")}
    actions = {name: translate(label) for name, label in audit.ACTIONS.items()}
    results = {name: translate(label) for name, label in audit.RESULTS.items()}
    errors = {}
    contact_id = None
    if args["contact"]:
        digits = args["contact"].upper().removeprefix("KCC-").lstrip("0") or "0"
        if digits.isdigit():
            contact_id = int(digits)
        else:
            errors["contact"] = _("Schrijf het kenmerk als KCC-000123 of alleen het nummer.")
    span = {}
    for key in ("from", "to"):
        if args[key]:
            try:
                span[key] = parse_local(args[key] + "T00:00") + (timedelta(days=1) if key == "to" else timedelta(0))
            except ValueError:
                errors[key] = _("Kies een geldige datum.")
    if args["action"] and args["action"] not in actions:
        errors["action"] = _("Kies een handeling uit de lijst.")
    lowered = args["q"].lower()
    entries = [] if errors else audit.search(
        db(), args["q"], actions=[name for name, label in actions.items() if lowered in label.lower()],
        results=[name for name, label in results.items() if lowered in label.lower()], who=args["who"],
        action=args["action"], contact_id=contact_id, since=span.get("from"), until=span.get("to"))
    page = render("admin/audit_log.html", entries=entries, args=args, errors=errors, actions=actions, results=results)
    return page, 422 if errors else 200
