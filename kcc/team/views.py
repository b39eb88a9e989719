"""Care for the team on screen: my week (/mijn/werkoverleg), coaching notes (/mijn/coaching, /vloer/coaching/<id>),
the lead's team picture (/vloer/team) and the seniors' conversation guide (/verbeteren/leidraad)."""
from __future__ import annotations

from flask import Blueprint, redirect, request
from flask_babel import gettext as _

from kcc.content.catalogue import active_domains
from kcc.core.errors import ValidationError
from kcc.core.timeutil import local, utcnow
from kcc.models import Staff
from kcc.team import operations as team
from kcc.web.access import roles, staff
from kcc.web.request import actor, db, field_errors, render

bp = Blueprint("team", __name__, template_folder="templates")


@bp.app_template_global()
def conversation_guide(domain_id: int | None) -> list[str]:
    """The domain's guide as its points, for the folded aid beside a contact."""
    return [line.strip().lstrip("-*• ").strip() for line in team.guide(db(), domain_id).splitlines() if line.strip()]


def _today():
    return local(utcnow()).date()


@bp.route("/mijn/werkoverleg", methods=["GET", "POST"])
@staff
def my_week():
    """Green, yellow or red this week, with a note if you like: only you and your team lead see it."""
    values = {"mood": request.form.get("mood", ""), "note": request.form.get("note", "")}
    errors: dict[str, str] = {}
    saved = False
    if request.method == "POST":
        try:
            team.set_mood(db(), actor(), values["mood"], values["note"], _today(), utcnow())
            saved = True
        except ValidationError as error:
            db().rollback()
            errors = field_errors(error)
    mine = team.my_mood(db(), actor(), _today())
    if request.method == "GET" and mine is not None:
        values = {"mood": mine.mood, "note": mine.note}
    return render("team/my_week.html", values=values, errors=errors, saved=saved, mine=mine,
                  coaches=team.coaches_of(db(), actor())), 422 if errors else 200


@bp.get("/vloer/team")
@roles("lead")
def team_week():
    return render("team/team_week.html", week=team.team_week(db(), actor(), _today()))


def _coaching(staff_id: int, coach_id: int, errors: dict | None = None, values: dict | None = None):
    return {"notes": team.notes(db(), actor(), staff_id, coach_id), "employee": db().get_one(Staff, staff_id),
            "coach": db().get_one(Staff, coach_id), "errors": errors or {}, "values": values or {}}


def _coaching_page(staff_id: int, coach_id: int):
    values = {"kind": request.form.get("kind", ""), "text": request.form.get("text", "")}
    if request.method == "POST":
        try:
            team.add_note(db(), actor(), staff_id, coach_id, values["kind"], values["text"], utcnow())
        except ValidationError as error:
            db().rollback()
            return render("team/coaching.html", **_coaching(staff_id, coach_id, field_errors(error), values)), 422
        return redirect(request.full_path.rstrip("?"))
    return render("team/coaching.html", **_coaching(staff_id, coach_id))


@bp.route("/mijn/coaching/<int:coach_id>", methods=["GET", "POST"])
@staff
def my_coaching(coach_id: int):
    """Tops and learning goals between me and my coach: we two see them, nobody else."""
    return _coaching_page(actor().id or 0, coach_id)


@bp.route("/vloer/coaching/<int:staff_id>", methods=["GET", "POST"])
@roles("lead")
def coaching(staff_id: int):
    return _coaching_page(staff_id, actor().id or 0)


@bp.route("/verbeteren/leidraad", methods=["GET", "POST"])
@roles("senior", "lead")
def guide():
    """The conversation guide per domain: shown folded beside a contact, as an aid — never a script."""
    domains = [d for d in active_domains(db()) if team.may_keep_guide(actor(), d.id)]
    if not domains:
        return render("team/guide.html", domains=[], chosen=None, text="", errors={}, saved=False)
    slug = request.values.get("domein")
    chosen = next((d for d in domains if d.slug == slug), None)
    if chosen is None and request.method == "POST":  # a domain that is not one's own, or none: nothing saved
        return render("team/guide.html", domains=domains, chosen=domains[0], text=request.form.get("text", ""),
                      errors={"text": _("kies eerst een domein uit de lijst")}, saved=False), 422
    chosen = chosen or domains[0]
    errors: dict[str, str] = {}
    text = request.form.get("text", "") if request.method == "POST" else team.guide(db(), chosen.id)
    saved = False
    if request.method == "POST":
        try:
            team.save_guide(db(), actor(), chosen.id, text, utcnow())
            saved = True
        except ValidationError as error:
            db().rollback()
            errors = field_errors(error)
    return render("team/guide.html", domains=domains, chosen=chosen, text=text, errors=errors, saved=saved), \
        422 if errors else 200

