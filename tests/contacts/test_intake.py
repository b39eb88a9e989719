"""Intake: a phone-menu choice names the domain; the caller's own words name the topic within it."""
from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow

SETTINGS = QueueSettings(headstart_s={})


def _receive(session, **fields):
    data = intake.parse_contact({"channel": "phone", **fields})
    return intake.receive(session, data, Router.from_session(session), SETTINGS, utcnow(), actor=Actor.system("test"))


def test_a_menu_choice_with_a_question_gets_the_topic_the_words_name(session):
    received = _receive(session, domain="burgerzaken", question="ik wil mijn paspoort verlengen")
    contact = received.contact
    assert contact.domain.slug == "burgerzaken" and contact.topic.slug == "paspoort"
    assert contact.routing_method == "choice" and received.routing["topic_by"] == "router"


def test_the_words_never_move_a_menu_choice_to_another_domain(session):
    contact = _receive(session, domain="algemeen", question="ik wil mijn paspoort verlengen").contact
    assert contact.domain.slug == "algemeen" and contact.topic is None


def test_without_clear_words_the_topic_stays_open_for_the_employee(session):
    contact = _receive(session, domain="sociaal", question="hallo, ik heb een vraag").contact
    assert contact.domain.slug == "sociaal" and contact.topic is None
    assert _receive(session, domain="sociaal", question="").contact.topic is None


def test_a_contact_in_a_language_that_does_not_exist_is_refused():
    import pytest

    from kcc.core.errors import ValidationError
    with pytest.raises(ValidationError) as caught:
        intake.parse_contact({"channel": "web", "question": "vraag", "language": "xx"})
    assert "language" in caught.value.fields
    assert intake.parse_contact({"channel": "web", "question": "vraag", "language": "fy"}).language == "fy"


def test_earlier_contacts_are_counted_up_to_a_cap_not_row_by_row_for_ever(session, make_staff, monkeypatch):
    monkeypatch.setattr(intake, "EARLIER_COUNTED", 3)
    anna = Actor.of(make_staff("anna", skills=[("burgerzaken", "primary")]))

    def call():
        return _receive(session, question="", domain="burgerzaken", citizen={"phone": "0612345678"}).contact

    first, second = call(), call()
    assert intake.count_earlier(session, anna, second) == 1
    latest = [call() for _ in range(4)][-1]
    assert intake.count_earlier(session, anna, latest) == 4 and intake.count_earlier(session, anna, first) == 4  # "3+"
