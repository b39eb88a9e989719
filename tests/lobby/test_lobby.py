"""The host's check-in: a topic, what to bring *before* a ticket, then a ticket only for who can be helped."""
from datetime import datetime

import pytest
from sqlalchemy import select

from kcc.core.timeutil import AMSTERDAM
from kcc.lobby import operations as lobby
from kcc.models import Contact, Domain, LobbyTurnaway, OutgoingMail, Topic
from tests.conftest import csrf_from

ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def set_counter_hours(session, hours):
    for domain in session.scalars(select(Domain)):
        domain.hours = {**domain.hours, "counter": hours}
    session.commit()


@pytest.fixture
def counter_open(session, monkeypatch):
    """Every counter open now, whatever day and hour the suite runs (a public holiday too)."""
    monkeypatch.setattr("kcc.core.workinghours.is_holiday", lambda day: False)
    set_counter_hours(session, ALL_DAY)


@pytest.fixture
def host(client, auth, make_staff, counter_open):
    make_staff("lotte", roles=["host"])
    auth.login("lotte")
    return client


def token(client, path="/lobby"):
    return csrf_from(client.get(path).get_data(as_text=True))


def check_in(client, path, **fields):
    html = client.post(path, data={"step": "has_all", "csrf_token": token(client), **fields}).get_data(as_text=True)
    key = html.split('name="form_key" value="')[1].split('"')[0]
    return key, html


def test_the_prerequisites_are_shown_before_any_ticket_exists(host, session):
    html = host.get("/lobby/onderwerp/burgerzaken/paspoort").get_data(as_text=True)
    assert "Neem uw oude paspoort" in html and "Heeft alles bij zich" in html and "Mist iets" in html
    assert session.scalars(select(Contact)).first() is None


def test_a_visitor_with_everything_gets_one_ticket_however_often_check_in_is_tapped(host, session):
    key, form = check_in(host, "/lobby/onderwerp/burgerzaken/paspoort", note="")
    assert "Voornaam of voorletters" in form and "geboortedatum" not in form.lower() and "BSN" not in form
    data = {"name": "Anna", "language": "nl", "needs": ["wheelchair"], "note": "komt met haar dochter",
            "email": "", "form_key": key, "csrf_token": token(host)}
    first = host.post("/lobby/aanmelden/burgerzaken/paspoort", data=data)
    second = host.post("/lobby/aanmelden/burgerzaken/paspoort", data=data)  # a double tap
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    contact = session.scalars(select(Contact)).one()
    assert (contact.channel, contact.ticket, contact.status) == ("counter", "B001", "waiting")
    assert contact.question == "komt met haar dochter" and contact.needs == ["wheelchair"]
    html = host.get(first.headers["Location"]).get_data(as_text=True)
    assert "B001" in html and "Verwachte wachttijd" in html


def test_a_visitor_missing_something_gets_advice_and_is_counted_not_queued(host, session):
    response = host.post("/lobby/onderwerp/burgerzaken/paspoort", data={"step": "missing", "csrf_token": token(host)})
    assert response.status_code == 200
    assert "Een afspraak maken" in response.get_data(as_text=True)
    assert session.scalars(select(Contact)).first() is None
    [turnaway] = session.scalars(select(LobbyTurnaway)).all()
    assert turnaway.reason == "missing" and turnaway.topic.slug == "paspoort"


def test_a_closed_counter_is_said_plainly_with_the_next_opening_instead_of_a_ticket(host, session):
    set_counter_hours(session, {})  # closed every day
    html = host.get("/lobby/onderwerp/burgerzaken/paspoort").get_data(as_text=True)
    assert "is nu gesloten" in html and "Heeft alles bij zich" not in html
    # a form still open from before the closing gets no ticket either
    response = host.post("/lobby/aanmelden/burgerzaken/paspoort",
                         data={"form_key": "a" * 32, "language": "nl", "csrf_token": token(host)})
    assert response.status_code == 409 and "is nu gesloten" in response.get_data(as_text=True)
    assert session.scalars(select(Contact)).first() is None


def test_the_next_opening_is_named(session, counter_open):
    tuesday_evening = datetime(2026, 11, 24, 20, 30, tzinfo=AMSTERDAM)
    set_counter_hours(session, {"wed": [["08:30", "12:30"]]})
    advice = lobby.advise(session, "burgerzaken", "paspoort", tuesday_evening)
    assert not advice.may_queue and advice.opens_at == datetime(2026, 11, 25, 8, 30, tzinfo=AMSTERDAM)


def test_a_topic_the_counter_does_not_handle_is_said_instead_of_a_ticket(host, session):
    topic = session.scalar(select(Topic).where(Topic.slug == "grofvuil"))
    assert not topic.counter
    html = host.get("/lobby/onderwerp/algemeen/grofvuil").get_data(as_text=True)
    assert "Dit doen we niet aan de balie" in html and "Heeft alles bij zich" not in html
    host.post("/lobby/onderwerp/algemeen/grofvuil", data={"step": "not_at_counter", "csrf_token": token(host)})
    assert session.scalars(select(LobbyTurnaway.reason)).all() == ["not_at_counter"]


def test_walk_ins_for_vergunningen_and_sociaal_can_be_checked_in(host, session):
    for domain in ("vergunningen", "sociaal"):
        assert session.scalar(select(Topic).join(Domain).where(Domain.slug == domain, Topic.counter.is_(True)))


def test_something_else_is_routed_and_the_words_travel_as_the_note(host, session):
    response = host.post("/lobby/iets-anders", data={"words": "ik wil een parkeervergunning voor mijn auto",
                                                     "csrf_token": token(host)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Parkeervergunning" in html
    assert 'name="note" value="ik wil een parkeervergunning voor mijn auto"' in html


def test_something_else_without_words_says_what_to_do_and_keeps_the_page(host):
    response = host.post("/lobby/iets-anders", data={"words": "  ", "csrf_token": token(host)})
    assert response.status_code == 422 and "typ in een paar woorden" in response.get_data(as_text=True)


def test_the_search_finds_topics_by_name_and_by_the_router(host):
    html = host.get("/lobby?zoek=paspoort").get_data(as_text=True)
    assert "Paspoort aanvragen of verlengen" in html
    html = host.get("/lobby?zoek=rijbewijs verlopen").get_data(as_text=True)
    assert "Rijbewijs" in html


def test_a_bad_email_keeps_what_was_typed_and_says_what_to_fix(host, session):
    key, _ = check_in(host, "/lobby/onderwerp/burgerzaken/paspoort")
    response = host.post("/lobby/aanmelden/burgerzaken/paspoort",
                         data={"name": "Bram", "language": "nl", "email": "bram@", "note": "eerste keer",
                               "form_key": key, "csrf_token": token(host)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Bram"' in html and "eerste keer" in html and 'aria-invalid="true"' in html
    assert session.scalars(select(Contact)).first() is None


def test_the_ticket_can_be_emailed_in_plain_dutch(host, session):
    key, _ = check_in(host, "/lobby/onderwerp/burgerzaken/paspoort")
    host.post("/lobby/aanmelden/burgerzaken/paspoort",
              data={"language": "nl", "email": "bezoeker@example.nl", "form_key": key, "csrf_token": token(host)})
    mail = session.scalars(select(OutgoingMail)).one()
    assert mail.to_address == "bezoeker@example.nl" and "B001" in mail.subject
    assert "Uw volgnummer is B001" in mail.body and "Neem uw oude paspoort" in mail.body


def test_unknown_topics_and_other_roles_are_refused(host, client, auth, make_staff):
    assert host.get("/lobby/onderwerp/burgerzaken/bestaat-niet").status_code == 404
    make_staff("anna", roles=["agent"])
    auth.logout()
    auth.login("anna")
    assert client.get("/lobby").status_code == 403


def test_a_ticket_of_a_sensitive_contact_is_not_shown_to_a_host_by_guessing(host, session):
    sociaal = session.scalar(select(Domain).where(Domain.slug == "sociaal"))
    contact = Contact(channel="phone", question="schulden", domain=sociaal, ticket=None)
    session.add(contact)
    session.commit()
    assert host.get(f"/lobby/ticket/{contact.id}").status_code == 404
