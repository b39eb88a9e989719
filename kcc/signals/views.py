"""Signals on screen: "Knelpunt melden" beside a contact, the seniors' board (/verbeteren), one signal's triage
and impact, and the outcome shown to whoever raised it."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from kcc.content.catalogue import active_domains
from kcc.core.errors import Conflict, Msg, NotAllowed, ValidationError
from kcc.core.timeutil import AMSTERDAM, local, utcnow
from kcc.feedback import operations as feedback
from kcc.floor.lobby_figures import lobby_figures
from kcc.models import Contact, SignalStatus
from kcc.policy import contact_or_404, may_see_contact
from kcc.signals import operations as signals
from kcc.web.access import roles, staff
from kcc.web.request import actor, db, field_errors, render, wants_fragment

bp = Blueprint("signals", __name__, template_folder="templates")
BOARD_ROLES = ("senior", "lead")


# --- raising, from the workspace or the task screen -----------------------------------------------------

def flag_context(contact: Contact, errors: dict | None = None, values: dict | None = None,
                 raised: int | None = None) -> dict:
    """What the "Knelpunt melden" part of a contact needs (signals/_flag.html)."""
    domain_ids = [contact.domain_id] if contact.domain_id else []
    return {"flag": {"contact": contact, "errors": errors or {}, "typed": values or {}, "raised": raised,
                     "domains": active_domains(db()), "open": signals.open_in(db(), domain_ids)}}


@bp.app_template_global()
def signal_flag(contact: Contact) -> dict:
    """For the workspace and task screens: `{% set flag = signal_flag(contact)["flag"] %}`."""
    return flag_context(contact)


@bp.post("/knelpunten/contact/<int:contact_id>")
@staff
def flag(contact_id: int):
    """Two clicks: open "Knelpunt melden", write a sentence, "Melden". Or say it is the same as one on the board."""
    contact = contact_or_404(db(), actor(), contact_id)
    form = {"text": request.form.get("text", ""), "suggestion": request.form.get("suggestion", ""),
            "domains": request.form.getlist("domains"), "from_citizen": request.form.get("from_citizen"),
            "thank_citizen": request.form.get("thank_citizen"), "same_as": request.form.get("same_as", "")}
    same_as = request.form.get("same_as", "")
    try:
        if same_as.isdigit() and len(same_as) < 10:
            signal = signals.add_to(db(), actor(), int(same_as), contact,
                                    bool(form["from_citizen"] and form["thank_citizen"]), utcnow())
        else:
            signal = signals.raise_signal(db(), actor(), contact, signals.parse(form), utcnow())
    except (ValidationError, Conflict) as error:
        db().rollback()
        response = render("signals/flag_page.html", "signals/_flag.html",
                          **flag_context(contact, field_errors(error), form))
        response.status_code = 422 if isinstance(error, ValidationError) else 409
        return response
    if not wants_fragment():
        return redirect(request.referrer or url_for("home.index"))
    return render("signals/flag_page.html", "signals/_flag.html", **flag_context(contact, raised=signal.id))


@bp.post("/knelpunten/<int:signal_id>/gezien")
@staff
def outcome_seen(signal_id: int):
    signals.mark_outcome_seen(db(), actor(), signal_id, utcnow())
    if not wants_fragment():
        return redirect(request.referrer or url_for("home.index"))
    return render("signals/_outcomes.html", "signals/_outcomes.html",
                  signal_outcomes=signals.outcomes_for(db(), actor()))


# --- the board ---------------------------------------------------------------------------------------

def _board_domains():
    """A senior sees the board of their own domains first, then the others (seniors coordinate across domains)."""
    domains = active_domains(db())
    mine = set(actor().skill_levels)
    return sorted(domains, key=lambda d: (d.id not in mine, d.position))


@bp.get("/verbeteren")
@roles(*BOARD_ROLES)
def board(errors: dict | None = None):
    domains = _board_domains()
    slug = request.args.get("domein") or request.form.get("domein")
    chosen = next((d for d in domains if d.slug == slug), domains[0] if domains else None)
    show_closed = request.args.get("afgesloten") == "1"
    rows = signals.board(db(), chosen.id, show_closed) if chosen else []
    today = local(utcnow()).date()
    lobby = [row for row in lobby_figures(db(), today - timedelta(days=6), today) if row.seen]
    return render("signals/board.html", domains=domains, chosen=chosen, rows=rows, show_closed=show_closed,
                  lobby=lobby, mine=set(actor().skill_levels), errors=errors or {},
                  misroutes=signals.misroutes(db(), chosen.id, today) if chosen else [],
                  misroute_weeks=signals.MISROUTE_WEEKS, **_citizens_said(chosen, today))


FEEDBACK_DAYS = 30


def _citizens_said(chosen, today: date) -> dict:
    """What citizens answered to "Bent u goed geholpen?" about this domain in the last 30 days: the counts per
    channel, and the comments of those who said no or a bit — never per employee."""
    if chosen is None:
        return {"feedback_tallies": [], "feedback_comments": [], "feedback_days": FEEDBACK_DAYS}
    since = datetime.combine(today - timedelta(days=FEEDBACK_DAYS - 1), time(0), tzinfo=AMSTERDAM)
    tallies = [t for t in feedback.tallies(db(), since, utcnow() + timedelta(seconds=1)) if t.domain_id == chosen.id]
    return {"feedback_tallies": tallies, "feedback_comments": feedback.comments(db(), chosen.id, since),
            "feedback_days": FEEDBACK_DAYS}


@bp.post("/verbeteren/reactie/<int:feedback_id>/knelpunt")
@roles(*BOARD_ROLES)
def from_feedback(feedback_id: int):
    """A citizen's "no" with a comment on the board becomes a signal in one click."""
    try:
        signal = feedback.to_signal(db(), actor(), feedback_id, utcnow())
    except Conflict as error:
        db().rollback()
        response = board(errors=field_errors(error))
        response.status_code = 409
        return response
    return redirect(url_for("signals.detail", signal_id=signal.id))


@bp.post("/verbeteren/routering")
@roles(*BOARD_ROLES)
def from_misroute():
    """A misrouting pattern on the board becomes a signal in one click."""
    try:
        signal = signals.signal_from_misroute(db(), actor(), request.form.get("pattern", "")[:60],
                                              local(utcnow()).date(), utcnow())
    except (ValidationError, Conflict) as error:
        db().rollback()
        response = board(errors=field_errors(error))
        response.status_code = 422 if isinstance(error, ValidationError) else 409
        return response
    return redirect(url_for("signals.detail", signal_id=signal.id))


def _signal_context(signal_id: int, errors: dict | None = None, values: dict | None = None) -> dict:
    signal = signals.signal_or_404(db(), signal_id)
    if not signals.may_read(actor(), signal):
        raise NotAllowed(Msg("Dit signaal is niet voor jou."), f"signal {signal_id} is not theirs")
    candidates = [s for s in signals.open_in(db(), [d.id for d in signal.domains], limit=50) if s.id != signal.id]
    return {"signal": signal, "weeks": signals.impact(db(), signal, local(utcnow()).date()), "errors": errors or {},
            "values": values or {}, "may_triage": signals.may_triage(actor(), signal),
            "next_status": signals.NEXT.get(SignalStatus(signal.status)), "final": signals.FINAL,
            "candidates": candidates, "owners": signals.owner_choices(db(), signal),
            "merged_into": signal.merged_into_id, "linked": _linked(signal)}


def _linked(signal) -> list[tuple[object, Contact | None]]:
    """The links, with the contact only when this reader may open it (a sociaal contact stays a reference)."""
    return [(link, link.contact if link.contact and may_see_contact(actor(), link.contact) else None)
            for link in signal.links]


@bp.get("/verbeteren/knelpunt/<int:signal_id>")
@roles(*BOARD_ROLES, "agent", "specialist", "host")
def detail(signal_id: int):
    return render("signals/detail.html", **_signal_context(signal_id))


def _after(signal_id: int, change, values: dict):
    """Run one triage change; show the signal again (the one merged into, after a merge), or the form with why."""
    try:
        shown = change() or signal_id
    except (ValidationError, Conflict) as error:
        db().rollback()
        response = render("signals/detail.html", **_signal_context(signal_id, field_errors(error), values))
        response.status_code = 422 if isinstance(error, ValidationError) else 409
        return response
    return redirect(url_for("signals.detail", signal_id=shown))


@bp.post("/verbeteren/knelpunt/<int:signal_id>/stap")
@roles(*BOARD_ROLES)
def step(signal_id: int):
    values = {"status": request.form.get("status", ""), "action": request.form.get("action", "")}

    def change() -> None:
        signals.move(db(), actor(), signal_id, values["status"], utcnow(), action=values["action"])

    return _after(signal_id, change, values)


@bp.post("/verbeteren/knelpunt/<int:signal_id>/samenvoegen")
@roles(*BOARD_ROLES)
def merge(signal_id: int):
    values = {"into": request.form.get("into", "").strip().lstrip("#")}

    def change() -> int:
        if not values["into"].isdigit() or len(values["into"]) > 9:
            raise ValidationError({"into": Msg("kies het knelpunt waar dit bij hoort")})
        return signals.merge(db(), actor(), signal_id, int(values["into"]), utcnow()).id

    return _after(signal_id, change, values)


@bp.post("/verbeteren/knelpunt/<int:signal_id>/gegevens")
@roles(*BOARD_ROLES)
def details(signal_id: int):
    values = {key: request.form.get(key, "") for key in ("tags", "owner", "action_date")}

    def change() -> None:
        owner = int(values["owner"]) if values["owner"].isdigit() and len(values["owner"]) < 10 else None
        try:
            when = date.fromisoformat(values["action_date"]) if values["action_date"] else None
        except ValueError:
            raise ValidationError({"action_date": Msg("kies een datum, bijvoorbeeld 2026-12-01")}) from None
        signals.update_details(db(), actor(), signal_id, values["tags"], owner, when, utcnow())

    return _after(signal_id, change, values)


@bp.app_context_processor
def outcomes() -> dict:
    """The outcome of signals one raised, shown on the workspace and task screens until seen."""
    def signal_outcomes():
        if not current_user.is_authenticated:
            return []
        return signals.outcomes_for(db(), actor())
    return {"signal_outcomes_for_me": signal_outcomes, "signal_labels": signals.STATUS_LABELS}
