"""Citizen feedback (KTO): asked once, only with consent and an address, at most monthly per citizen; answered by a
link without login, once; a forged link finds nothing; a "no" with a comment becomes a signal; counted per domain
and channel in the indicators, never per employee."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.core.errors import Conflict, NotFound, ValidationError
from kcc.core.timeutil import local, utcnow
from kcc.feedback import operations as feedback
from kcc.floor.indicators import indicators
from kcc.models import Citizen, Contact, Domain, Feedback, OutgoingMail

URL = "https://kcc.gemeente.example"


def _resolved(session, email="sara@example.nl", consent=True, closed_ago=timedelta(minutes=30), citizen=None,
              channel="phone"):
    now = utcnow()
    contact = Contact(channel=channel, domain=session.scalar(select(Domain).where(Domain.slug == "burgerzaken")),
                      question="", status="resolved", outcome="answered", feedback_ok=consent,
                      citizen=citizen or Citizen(name="Sara Bakker", email=email), created_at=now - closed_ago,
                      closed_at=now - closed_ago)
    session.add(contact)
    session.flush()
    return contact


def _token(session) -> str:
    mail = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "feedback").order_by(
        OutgoingMail.id.desc())).first()
    return re.search(r"/tevredenheid/(\S+)", mail.body).group(1)


def test_asked_once_with_consent_and_at_most_monthly(session):
    sara = _resolved(session)
    _resolved(session, consent=False, email="geen@example.nl")  # no consent: never asked
    _resolved(session, email="te.vroeg@example.nl", closed_ago=timedelta(minutes=2))  # the employee may still correct
    _resolved(session, email="te.laat@example.nl", closed_ago=timedelta(days=3))  # too long ago to ask
    assert feedback.queue_due(session, utcnow(), URL) == 1
    mail = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "feedback")).one()
    assert mail.to_address == "sara@example.nl" and f"{URL}/tevredenheid/" in mail.body
    assert mail.subject == "Bent u goed geholpen?" and "bent u goed geholpen?" in mail.body
    assert "hoogstens één keer per maand" in mail.body
    assert feedback.queue_due(session, utcnow(), URL) == 0  # the same contact is not asked twice
    _resolved(session, citizen=sara.citizen)  # the same citizen again this month
    assert feedback.queue_due(session, utcnow(), URL) == 0
    stored = session.scalars(select(Feedback)).one()
    assert _token(session) not in stored.token_hash and len(stored.token_hash) == 64  # only the hash is kept


def test_an_answer_counts_once_and_a_forged_link_finds_nothing(session):
    _resolved(session)
    feedback.queue_due(session, utcnow(), URL)
    token = _token(session)
    with pytest.raises(NotFound):
        feedback.answer(session, token[:-1] + ("A" if token[-1] != "A" else "B"), "yes", "", utcnow())
    with pytest.raises(ValidationError):
        feedback.answer(session, token, "misschien", "", utcnow())
    assert feedback.answer(session, token, "no", " Drie keer gebeld ", utcnow()).comment == "Drie keer gebeld"
    with pytest.raises(Conflict):
        feedback.answer(session, token, "yes", "", utcnow())
    assert session.scalars(select(Feedback)).one().answer == "no"


def test_a_no_with_a_comment_becomes_a_signal_once(session, make_staff):
    senior = Actor.of(make_staff("anne", roles=["senior", "agent"], skills=[("burgerzaken", "primary")]))
    other = Actor.of(make_staff("tom", roles=["senior", "agent"], skills=[("vergunningen", "primary")]))
    _resolved(session)
    feedback.queue_due(session, utcnow(), URL)
    answered = feedback.answer(session, _token(session), "no", "De brief was onduidelijk", utcnow())
    from kcc.core.errors import NotAllowed
    with pytest.raises(NotAllowed):
        feedback.to_signal(session, other, answered.id, utcnow())
    signal = feedback.to_signal(session, senior, answered.id, utcnow())
    assert signal.from_citizen and "De brief was onduidelijk" in signal.text and signal.links[0].contact_id
    with pytest.raises(Conflict):
        feedback.to_signal(session, senior, answered.id, utcnow())


def test_the_answers_are_counted_per_domain_and_channel(session):
    for email, given in (("a@example.nl", "yes"), ("b@example.nl", "partly"), ("c@example.nl", None)):
        _resolved(session, email=email)
        feedback.queue_due(session, utcnow(), URL)
        if given:
            feedback.answer(session, _token(session), given, "", utcnow())
    today = local(utcnow()).date()
    row = next(r for r in indicators(session, today, today, utcnow(), "burgerzaken") if r["channel"] == "phone")
    assert (row["feedback_asked"], row["feedback_yes"], row["feedback_partly"], row["feedback_no"]) == (3, 1, 1, 0)


def test_the_public_page_asks_keeps_a_mistake_and_thanks_once(session, client):
    _resolved(session)
    feedback.queue_due(session, utcnow(), URL)
    session.commit()
    token = _token(session)
    page = client.get(f"/tevredenheid/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Bent u goed geholpen?" in html and "Een beetje" in html
    from tests.conftest import csrf_from
    csrf = csrf_from(html)
    wrong = client.post(f"/tevredenheid/{token}", data={"comment": "Snel geholpen", "csrf_token": csrf})
    assert wrong.status_code == 422 and "kies ja, een beetje of nee" in wrong.get_data(as_text=True)
    assert "Snel geholpen" in wrong.get_data(as_text=True)
    done = client.post(f"/tevredenheid/{token}", data={"answer": "yes", "comment": "Snel geholpen", "csrf_token": csrf})
    assert done.status_code == 302
    again = client.get(f"/tevredenheid/{token}")
    assert "U heeft deze vraag al beantwoord" in again.get_data(as_text=True)
    forged = client.get("/tevredenheid/niet-echt")
    assert forged.status_code == 404 and "Deze link kennen wij niet" in forged.get_data(as_text=True)
    no_csrf = client.post(f"/tevredenheid/{token}", data={"answer": "no"})
    assert no_csrf.status_code in (400, 403)
    session.expire_all()
    assert session.scalars(select(Feedback)).one().answer == "yes"
