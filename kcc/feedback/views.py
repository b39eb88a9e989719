"""The citizen's one question, by a link without login (/tevredenheid/<token>). The answers reach the seniors'
board (kcc.signals.views) and the indicators."""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from kcc.core.errors import Conflict, NotFound, ValidationError
from kcc.core.timeutil import utcnow
from kcc.feedback import operations as feedback
from kcc.web.access import public
from kcc.web.request import db, field_errors, render, translate

bp = Blueprint("feedback", __name__, template_folder="templates")


@bp.route("/tevredenheid/<token>", methods=["GET", "POST"])
@public
def question(token: str):
    """Yes / a bit / no and an optional comment; a second answer is thanked, not counted again."""
    try:
        asked = feedback.by_token(db(), token)
    except NotFound as error:
        return render("feedback/unknown.html", message=translate(error.args[0])), 404
    if asked.answered_at is not None:
        return render("feedback/thanks.html", already=True, given=asked.answer)
    if request.method == "GET":
        return render("feedback/question.html", token=token, errors={}, values={})
    values = {"answer": request.form.get("answer", ""), "comment": request.form.get("comment", "")}
    try:
        feedback.answer(db(), token, values["answer"], values["comment"], utcnow())
    except ValidationError as error:
        db().rollback()
        return render("feedback/question.html", token=token, errors=field_errors(error), values=values), 422
    except Conflict:
        db().rollback()
        return render("feedback/thanks.html", already=True, given=None), 409
    return redirect(url_for("feedback.thanks"))


@bp.get("/tevredenheid/bedankt")
@public
def thanks():
    return render("feedback/thanks.html", already=False, given=None)
