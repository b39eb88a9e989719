"""What citizens use without logging in: the web question form (vraagformulier), in plain Dutch (B1).

Data-minimal: a question, and only if the citizen wants an answer, a name and an e-mail address or
phone number. Nothing else is asked. Rate-limited per address, CSRF-protected, and whatever was typed
stays in the form when something needs fixing.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from kcc.contacts import intake
from kcc.contacts.intake import reference
from kcc.content.languages import CITIZEN_LANGUAGES
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import ValidationError
from kcc.core.timeutil import utcnow
from kcc.web.access import public
from kcc.web.request import client_origin, db, render, router, settings, translate

WEB_FORM = "webformulier"  # who the audit log names as the sender: the citizen has no account
bp = Blueprint("public", __name__, template_folder="templates")



class QuestionForm(FlaskForm):
    question = TextAreaField(_l("Wat is uw vraag?"), validators=[
        DataRequired(_l("Schrijf uw vraag op.")),
        Length(max=intake.MAX_QUESTION, message=_l("Uw vraag is te lang. Gebruik maximaal 2000 tekens."))],
        description=_l("Schrijf in uw eigen woorden waar het over gaat. Noem geen BSN of medische gegevens."))
    name = StringField(_l("Uw naam (niet verplicht)"), validators=[Optional(), Length(max=150)])
    email = EmailField(_l("Uw e-mailadres (niet verplicht)"), validators=[Optional(), Length(max=254)],
                       description=_l("Dan sturen wij u ons antwoord."))
    phone = StringField(_l("Uw telefoonnummer (niet verplicht)"), validators=[Optional(), Length(max=30)],
                        description=_l("Als u liever gebeld wordt."))
    language = SelectField(_l("In welke taal wilt u antwoord?"),
                           choices=[SelectChoice(code, label) for code, label in CITIZEN_LANGUAGES], default="nl")
    feedback = BooleanField(_l("Na afloop mag de gemeente mij één korte vraag mailen: ben ik goed geholpen?"),
                            description=_l("Niet verplicht. Wij vragen het hoogstens één keer per maand."))


def _limited() -> bool:
    since = utcnow() - timedelta(hours=1)
    sent = audit.count_since(db(), "contact.create", "ok", since, actor_name=WEB_FORM, origin=client_origin())
    return sent >= settings().queue.web_questions_per_hour


@bp.route("/vraag", methods=["GET", "POST"])
@public
def question():
    form = QuestionForm()
    if not form.validate_on_submit():
        return render("public/question.html", form=form, max_question=intake.MAX_QUESTION), 422 if request.method == "POST" else 200
    if _limited():
        form.question.errors.append(_l("U heeft in het afgelopen uur al een paar vragen gestuurd. Probeer het over "
                                       "een uur opnieuw, of bel ons. Uw vraag staat hieronder nog klaar."))
        return render("public/question.html", form=form, max_question=intake.MAX_QUESTION), 429
    try:
        data = intake.parse_contact({
            "channel": "web", "question": form.question.data, "language": form.language.data,
            "feedback": bool(form.feedback.data),
            "citizen": {"name": form.name.data or None, "email": form.email.data or None,
                        "phone": form.phone.data or None}})
    except ValidationError as error:
        for field, message in error.fields.items():
            target = {"citizen.email": form.email, "citizen.phone": form.phone, "citizen.name": form.name,
                      "feedback": form.feedback}.get(
                field, form.question)
            target.errors.append(translate(message))
        return render("public/question.html", form=form, max_question=intake.MAX_QUESTION), 422
    received = intake.receive(db(), data, router(), settings().queue, utcnow(),
                              actor=Actor.system(client_origin(), name=WEB_FORM))
    contact = received.contact
    session["web_question"] = {"reference": reference(contact.id), "domain": contact.domain.name,
                               "topic": contact.topic.id if contact.topic else None,
                               "reachable": bool(data.email or data.phone), "by_email": bool(data.email)}
    return redirect(url_for("public.received"))


@bp.get("/vraag/ontvangen")
@public
def received():
    """What happens next, in plain words; shown once after sending."""
    sent = session.pop("web_question", None)
    if sent is None:
        return redirect(url_for("public.question"))
    from kcc.models import Topic
    topic = db().get(Topic, sent["topic"]) if sent["topic"] else None
    return render("public/received.html", sent=sent, topic=topic, days=settings().written_answer_days,
                  phone=settings().public_phone)
