"""The receiving side of a warm handover: offers arriving live, accept or decline, and finishing an
accepted contact without a queue workspace (a specialist's /overdracht/contact/<id>).

An offer shows the whole story and the contact's timeline before anyone accepts.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, url_for

from kcc.contacts import handling
from kcc.core.errors import Conflict, NotAllowed, ValidationError
from kcc.core.timeutil import utcnow
from kcc.handover import operations as handover
from kcc.models import ContactStatus
from kcc.policy import contact_or_404, handover_or_404
from kcc.queues import operations as queues
from kcc.web import unit_of_work
from kcc.web.access import staff
from kcc.web.request import actor, db, field_errors, mark_seen, render, translate, wants_fragment
from kcc.workspace import views as workspace

bp = Blueprint("handover", __name__, template_folder="templates")


def _in_workspace() -> bool:
    """The answer goes to the workspace, whose own poll keeps the offers live (no second poller)."""
    return urlsplit(request.headers.get("HX-Current-URL", "")).path == url_for("workspace.page")


def _offers(errors: dict | None = None, status: int = 200, values: dict | None = None):
    """The offers part; `errors` per offer id: {"reason": …} beside the field, {"form": …} for the offer as a whole."""
    response = render("handover/offers_page.html", "handover/_offers.html", in_workspace=_in_workspace(),
                      offers=handover.incoming(db(), actor(), utcnow()), now=utcnow(), errors=errors or {},
                      values=values or {})
    response.status_code = status
    return response


@bp.get("/overdracht/aanbod")
@staff
def offers():
    """The live list of offers for me; polled by the workspace and the task screen.

    The poll sends the offers it shows; when nothing changed the answer is 204 and htmx leaves the
    part alone, so a decline reason being typed is never wiped by a refresh.
    """
    mark_seen()  # a specialist's Taken screen is open: colleagues handing over see so
    found = handover.incoming(db(), actor(), utcnow())
    if wants_fragment() and request.args.get("known", "") == ",".join(str(offer.id) for offer in found):
        return "", 204
    handover.read(db(), actor(), found, utcnow())
    return render("handover/offers_page.html", "handover/_offers.html", offers=found, now=utcnow(), errors={})


@bp.post("/overdracht/<int:handover_id>/aannemen")
@staff
def accept(handover_id: int):
    offer = handover_or_404(db(), actor(), handover_id, answer=True)
    try:
        contact = handover.accept(db(), offer, actor(), utcnow())
    except (Conflict, NotAllowed) as error:
        unit_of_work.keep_on_error("expiry")
        return _offers({handover_id: {"form": translate(error.args[0])}}, 409)
    endpoint = handover.landing_after_accept(actor())
    target = url_for(endpoint, contact_id=contact.id) if endpoint == "handover.handled" else url_for(endpoint)
    if wants_fragment():
        response = render("handover/_offers.html", "handover/_offers.html", offers=[], now=utcnow(), errors={},
                          in_workspace=_in_workspace())
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


@bp.post("/overdracht/<int:handover_id>/weigeren")
@staff
def decline(handover_id: int):
    offer = handover_or_404(db(), actor(), handover_id, answer=True)
    reason = request.form.get("reason", "")
    try:
        handover.decline(db(), offer, actor(), reason, utcnow())
    except ValidationError as error:
        db().rollback()
        return _offers({handover_id: {"reason": translate(error.fields.get("reason", ""))}}, 422, {handover_id: reason})
    except (Conflict, NotAllowed) as error:
        db().rollback()
        return _offers({handover_id: {"form": translate(error.args[0])}}, 409)
    if wants_fragment():
        return _offers()
    return redirect(url_for("callbacks.task_list"))


@bp.get("/overdracht/contact/<int:contact_id>")
@staff
def handled(contact_id: int):
    """A specialist who accepted a handover finishes the contact here (no queue workspace needed)."""
    contact = handling.open_contact(db(), actor(), contact_or_404(db(), actor(), contact_id, own=True))
    # the same panel the sender worked in: story, knowledge, notes, outcome, a further handover or callback
    if contact.status == ContactStatus.in_progress:
        return render("handover/handled.html", **workspace.current_context(), heading=contact)
    return render("handover/handled.html", contact=contact, heading=contact, story=handover.accepted_story(db(), contact),
                  errors={}, values={})


@bp.post("/overdracht/contact/<int:contact_id>/afronden")
@staff
def finish_handled(contact_id: int):
    """The receiver closes the contact they accepted: answered, or warmly referred on."""
    contact = contact_or_404(db(), actor(), contact_id, own=True)
    values = {key: request.form.get(key, "") for key in ("outcome", "note", "referred_to")}
    try:
        queues.resolve(db(), contact.id, actor(), values["outcome"], utcnow(), note=values["note"],
                       referred_to=values["referred_to"])
    except (ValidationError, Conflict) as error:
        db().rollback()
        page = render("handover/handled.html", **workspace.current_context(errors=field_errors(error), values=values),
                      heading=contact)
        return page, 422 if isinstance(error, ValidationError) else 409
    return redirect(url_for("callbacks.task_list"))
