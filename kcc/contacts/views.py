"""A contact's timeline (logboek), for everyone who may see the contact: the next person has the story."""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from kcc.contacts import handling
from kcc.core.errors import ValidationError
from kcc.core.timeutil import utcnow
from kcc.policy import ReasonNeeded, contact_for_reason, contact_or_404
from kcc.web.access import staff
from kcc.web.request import actor, db, field_errors, render
from kcc.web.unit_of_work import record_refusal

bp = Blueprint("contacts", __name__, template_folder="templates")


@bp.get("/contact/<int:contact_id>")
@staff
def timeline(contact_id: int):
    try:
        contact = contact_or_404(db(), actor(), contact_id, now=utcnow())
    except ReasonNeeded as refusal:
        record_refusal(actor(), refusal.reason)
        return render("contacts/reason.html", contact_id=contact_id, reason="", errors={}), 403
    contact = handling.open_contact(db(), actor(), contact, detail="timeline")
    return render("contacts/timeline.html", contact=contact)


@bp.post("/contact/<int:contact_id>/reden")
@staff
def state_reason(contact_id: int):
    """Break-the-glass: a floor lead or administrator says why they open a sensitive contact, then opens it."""
    reason = request.form.get("reason", "")
    contact = contact_for_reason(db(), actor(), contact_id)
    try:
        handling.state_reason(db(), actor(), contact, reason)
    except ValidationError as error:
        return render("contacts/reason.html", contact_id=contact_id, reason=reason, errors=field_errors(error)), 422
    return redirect(url_for("contacts.timeline", contact_id=contact.id))
