"""Warm handover and callback tasks through the screens (htmx fragments, CSRF on)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import local, utcnow
from kcc.mail.operations import when
from kcc.models import Contact, Handover, Task
from kcc.web import polling
from tests.conftest import Auth, csrf_from

HTMX = {"HX-Request": "true"}
STORY = "Mevrouw (82) is gevallen en kan niet meer zelf douchen; haar dochter belt namens haar."


class Window:
    """One logged-in person in their own browser session."""

    def __init__(self, app, username, page):
        self.client = app.test_client()
        Auth(self.client).login(username)
        self.token = csrf_from(self.client.get(page).get_data(as_text=True))

    def post(self, path, data=None, htmx=True):
        return self.client.post(path, data={**(data or {}), "csrf_token": self.token}, headers=HTMX if htmx else {})

    def get(self, path, htmx=True):
        return self.client.get(path, headers=HTMX if htmx else {})


@pytest.fixture
def people(app, make_staff, session):
    make_staff("pieter", roles=["agent"], skills=[("sociaal", "primary")], name="Pieter Hoekstra")
    make_staff("ingrid", roles=["specialist"], teams=["wmo-consulenten"], name="Ingrid Mulder")
    pieter = Window(app, "pieter", "/werkplek")
    ingrid = Window(app, "ingrid", "/taken")
    pieter.post("/werkplek/status", {"state": "available"})
    intake.receive(session, intake.parse_contact({
        "channel": "phone", "question": "Mijn moeder kan niet meer zelf douchen", "domain": "sociaal",
        "topic": "huishoudelijke-hulp", "citizen": {"name": "Els", "email": "els@example.nl"}}),
        Router.from_session(session), QueueSettings(headstart_s={}), utcnow(), actor=Actor.system("test"))
    session.commit()
    pieter.post("/werkplek/volgende")
    contact = session.scalars(select(Contact)).one()
    return pieter, ingrid, contact


def test_no_story_no_handover_and_what_was_typed_stays(people, session):
    pieter, _, contact = people
    response = pieter.post(f"/werkplek/contact/{contact.id}/overdragen",
                           {"target": "team:wmo-consulenten", "summary": "bellen", "done": "adres gecheckt"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "zonder verhaal geen overdracht" in html and "adres gecheckt" in html
    assert session.scalar(select(Handover)) is None


def test_offer_read_and_accept_across_two_sessions(people, session):
    pieter, ingrid, contact = people
    sent = pieter.post(f"/werkplek/contact/{contact.id}/overdragen",
                       {"target": "team:wmo-consulenten", "summary": STORY, "done": "Wmo-folder gemaild",
                        "promised": "Vandaag nog contact"})
    assert "Overdracht aangeboden aan Wmo-consulenten" in sent.get_data(as_text=True)
    offers = ingrid.get("/overdracht/aanbod").get_data(as_text=True)
    assert STORY in offers and "Vandaag nog contact" in offers and "Van Pieter Hoekstra" in offers
    offer = session.scalars(select(Handover)).one()
    assert ingrid.get(f"/overdracht/aanbod?known={offer.id}").status_code == 204  # nothing new: no redraw
    accepted = ingrid.post(f"/overdracht/{offer.id}/aannemen")
    assert accepted.headers["HX-Redirect"] == f"/overdracht/contact/{contact.id}"
    page = ingrid.get(f"/overdracht/contact/{contact.id}", htmx=False).get_data(as_text=True)
    assert "Overdracht aangenomen" in page and STORY in page
    # the whole story stays with the contact: what was done and what was promised, not only the summary
    story = page.split("Verhaal van de overdracht", 1)[1].split("Logboek", 1)[0]
    assert STORY in story and "Wmo-folder gemaild" in story and "Vandaag nog contact" in story
    status = pieter.get("/werkplek/overdrachten").get_data(as_text=True)
    assert "aangenomen door Ingrid Mulder" in status and "warm doorverbonden" in status
    done = ingrid.post(f"/overdracht/contact/{contact.id}/afronden", {"outcome": "answered", "note": "Indicatie"},
                       htmx=False)
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Contact, contact.id).status == "resolved"


def test_a_declined_offer_becomes_a_task_the_team_works_on_screen(people, session):
    pieter, ingrid, contact = people
    pieter.post(f"/werkplek/contact/{contact.id}/overdragen", {"target": "team:wmo-consulenten", "summary": STORY})
    offer = session.scalars(select(Handover)).one()
    refused = ingrid.post(f"/overdracht/{offer.id}/weigeren", {"reason": ""})
    assert refused.status_code == 422
    ingrid.post(f"/overdracht/{offer.id}/weigeren", {"reason": "Op huisbezoek"})
    task = session.scalars(select(Task)).one()
    listing = ingrid.get("/taken", htmx=False).get_data(as_text=True)
    assert f"KCC-{contact.id:06d}" in listing and "nog " in listing and "Aan mij toewijzen" in listing
    assert "Overdracht geweigerd, met als reden" in listing and "Op huisbezoek" in listing
    assert "geweigerd" in pieter.get("/werkplek/overdrachten").get_data(as_text=True)
    card = ingrid.post(f"/taken/{task.id}/afronden", {"note": "klaar"})
    assert card.status_code == 409  # not claimed yet
    assert "Belpoging vastleggen" in ingrid.post(f"/taken/{task.id}/oppakken").get_data(as_text=True)
    assert "voicemail" in ingrid.post(f"/taken/{task.id}/poging", {"reached": "nee", "note": "voicemail"}).get_data(
        as_text=True)
    assert ingrid.post(f"/taken/{task.id}/afronden", {"note": ""}).status_code == 422
    assert "Afgerond" in ingrid.post(f"/taken/{task.id}/afronden", {"note": "Huisbezoek gepland"}).get_data(
        as_text=True)


def test_someone_else_cannot_accept_or_open_an_offer(people, app, make_staff, session):
    pieter, _, contact = people
    pieter.post(f"/werkplek/contact/{contact.id}/overdragen", {"target": "team:wmo-consulenten", "summary": STORY})
    offer = session.scalars(select(Handover)).one()
    make_staff("bas", roles=["specialist"], teams=["bouwen-en-verbouwen"])
    bas = Window(app, "bas", "/taken")
    assert STORY not in bas.get("/overdracht/aanbod", htmx=False).get_data(as_text=True)
    assert bas.post(f"/overdracht/{offer.id}/aannemen").status_code == 403


def test_the_employee_can_choose_a_callback_task_straight_away(people, session):
    pieter, ingrid, contact = people
    html = pieter.post(f"/werkplek/contact/{contact.id}/overdragen",
                       {"target": "team:wmo-consulenten", "summary": STORY, "how": "callback"}).get_data(as_text=True)
    task = session.scalars(select(Task)).one()
    assert "Terugbelverzoek gemaakt voor Wmo-consulenten" in html and task.handover_id is None
    assert session.scalar(select(Handover)) is None
    assert f"KCC-{contact.id:06d}" in ingrid.get("/taken", htmx=False).get_data(as_text=True)


def test_everyone_who_may_see_the_contact_reads_its_timeline(people, app, make_staff, session):
    pieter, ingrid, contact = people
    pieter.post(f"/werkplek/contact/{contact.id}/overdragen",
                {"target": "team:wmo-consulenten", "summary": STORY, "how": "callback"})
    page = ingrid.get(f"/contact/{contact.id}", htmx=False).get_data(as_text=True)
    assert "Terugbelverzoek gemaakt" in page and STORY in page and "Binnengekomen" in page
    make_staff("bas", roles=["specialist"], teams=["bouwen-en-verbouwen"])
    bas = Window(app, "bas", "/taken")
    assert bas.get(f"/contact/{contact.id}", htmx=False).status_code == 403  # sociaal: not his to read


def test_the_sender_sees_the_deadline_before_sending_and_may_promise_an_earlier_one(people, session):
    """The form says by when the team calls back (the norm), takes an earlier moment, refuses a past or unreadable
    one with the message next to the field, and the task card shows the promise."""
    pieter, ingrid, contact = people
    hint = pieter.get(f"/werkplek/contact/{contact.id}/termijn?target=team:wmo-consulenten").get_data(as_text=True)
    assert 'id="deadline-hint"' in hint and "uiterlijk" in hint and "<html" not in hint
    for typed, message in (("morgen", "schrijf datum en tijd"), ("2020-01-01T10:00", "minstens een kwartier")):
        refused = pieter.post(f"/werkplek/contact/{contact.id}/overdragen",
                              {"target": "team:wmo-consulenten", "summary": STORY, "how": "callback",
                               "deadline": typed})
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422 and message in page and f'value="{typed}"' in page
        assert 'id="handover-deadline" name="deadline"' in page and 'aria-invalid="true"' in page
    soon = local(utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    done = pieter.post(f"/werkplek/contact/{contact.id}/overdragen",
                       {"target": "team:wmo-consulenten", "summary": STORY, "how": "callback", "deadline": soon,
                        "promised": "Binnen het uur terugbellen"})
    assert done.status_code == 200
    task = session.scalars(select(Task)).one()
    assert local(task.deadline).strftime("%Y-%m-%dT%H:%M") == soon
    card = ingrid.get("/taken", htmx=False).get_data(as_text=True)
    assert "Binnen het uur terugbellen" in card and "Beloofd terug te bellen" in card and when(task.deadline) in card


def test_the_receiver_works_the_contact_with_everything_the_sender_had(people, session):
    """A specialist who takes a handover over gets the sender's panel: story, knowledge, notes, outcome, and a
    further handover or callback task — not a page with less."""
    pieter, ingrid, contact = people
    pieter.post(f"/werkplek/contact/{contact.id}/overdragen", {"target": "team:wmo-consulenten", "summary": STORY,
                                                                "done": "Wmo-folder gemaild"})
    offer = session.scalars(select(Handover)).one()
    ingrid.post(f"/overdracht/{offer.id}/aannemen")
    page = ingrid.get(f"/overdracht/contact/{contact.id}", htmx=False).get_data(as_text=True)
    for part in ("Verhaal van de overdracht", "Wmo-folder gemaild", "Notitie opslaan", "Contact afronden",
                 "Warm overdragen", "Logboek"):
        assert part in page, part
    noted = ingrid.post(f"/werkplek/contact/{contact.id}/notitie", {"note": "Dochter gebeld, huisbezoek dinsdag"})
    assert noted.status_code == 200 and "Dochter gebeld, huisbezoek dinsdag" in noted.get_data(as_text=True)
    task = ingrid.post(f"/werkplek/contact/{contact.id}/overdragen",
                       {"target": "team:geldzaken", "summary": STORY, "how": "callback"}).get_data(as_text=True)
    assert "Terugbelverzoek gemaakt voor Geldzaken" in task and "Terug naar de terugbelverzoeken" in task


def test_the_handover_list_says_whether_a_specialists_screen_is_open_and_a_receiver_is_not_offered_their_own_team(
        people, session):
    pieter, ingrid, contact = people
    panel = pieter.get("/werkplek/huidig").get_data(as_text=True)
    # Ingrid works from her task screen (no queue presence): not "afgemeld", but whether that screen is open
    assert "Ingrid Mulder — Taken-scherm open" in panel  # she logged in and opened /taken just now
    assert 'value="team:wmo-consulenten" selected' in panel  # the topic's team, suggested to the sender
    from kcc.models import Staff
    session.execute(Staff.__table__.update().where(Staff.username == "ingrid").values(
        last_seen_at=utcnow() - timedelta(minutes=10)))
    session.commit()
    polling.forget_shared()  # the list is read once per 3 s for everyone: here, without waiting for that
    assert "Ingrid Mulder — Taken-scherm niet open" in pieter.get("/werkplek/huidig").get_data(as_text=True)
    assert ingrid.get("/overdracht/aanbod").status_code == 204  # her screen polls (nothing new): she is there again
    polling.forget_shared()
    assert "Ingrid Mulder — Taken-scherm open" in pieter.get("/werkplek/huidig").get_data(as_text=True)
    # Ingrid takes the contact over; handing it on, her own team is not what the form proposes
    pieter.post(f"/werkplek/contact/{contact.id}/overdragen", {"target": f"staff:{ingrid_id(session)}", "summary": STORY})
    offer = session.scalars(select(Handover)).one()
    ingrid.post(f"/overdracht/{offer.id}/aannemen")
    handled = ingrid.get(f"/overdracht/contact/{contact.id}", htmx=False).get_data(as_text=True)
    assert 'value="team:wmo-consulenten" selected' not in handled and "— kies een team of collega —" in handled


def ingrid_id(session):
    from kcc.models import Staff
    return session.scalar(select(Staff.id).where(Staff.username == "ingrid"))


def test_the_senders_poll_shows_an_offer_running_out_and_what_became_of_it(people, session):
    """Pieter's one workspace poll follows his offer: waiting with a countdown, then a callback task once nobody
    took it in time (expiry applied on the read, without the worker)."""
    import re
    from urllib.parse import urlencode

    pieter, _, contact = people
    pieter.post(f"/werkplek/contact/{contact.id}/overdragen", {"target": "team:wmo-consulenten", "summary": STORY})

    def poll(shown):
        answer = pieter.get("/werkplek/bijwerken?" + urlencode(shown))
        html = answer.get_data(as_text=True)
        return html, {**shown, **dict(re.findall(r'class="kcc-version" name="(\w+)" value="([^"]*)"', html))}

    html, shown = poll({})
    assert "wacht op antwoord" in html
    offer = session.scalars(select(Handover)).one()
    offer.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    html, shown = poll(shown)
    assert "niet op tijd aangenomen" in html and "terugbelverzoek voor Wmo-consulenten" in html
    assert pieter.get("/werkplek/bijwerken?" + urlencode(shown)).status_code in (200, 204)
    html, shown = poll(shown)
    assert 'id="handovers"' not in html  # settled: not sent again
