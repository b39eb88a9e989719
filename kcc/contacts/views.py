"""A contact's timeline (logboek), for everyone who may see the contact: the next person has the story."""
from __future__ import annotations

from flask import Blueprint

from kcc.contacts import handling
from kcc.policy import contact_or_404
from kcc.web.access import staff
from kcc.web.request import actor, db, render

bp = Blueprint("contacts", __name__, template_folder="templates")


@bp.get("/contact/<int:contact_id>")
@staff
def timeline(contact_id: int):
    contact = handling.open_contact(db(), actor(), contact_or_404(db(), actor(), contact_id), detail="timeline")
    return render("contacts/timeline.html", contact=contact)
