"""The employee's workspace through the real screens: htmx fragments, CSRF on, audit log written."""
import re
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from kcc import models
from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.models import AuditLog, Contact, RoutingCorrection, Staff
from kcc.queues import operations as queues
from tests.conftest import csrf_from

HTMX = {"HX-Request": "true"}


@pytest.fixture
def arrive(session):
    router = Router.from_session(session)

    def make(question="ik wil mijn paspoort verlengen", channel="phone", **fields):
        contact = intake.receive(session, intake.parse_contact({"channel": channel, "question": question, **fields}),
                                 router, QueueSettings(headstart_s={}), utcnow(), actor=Actor.system("test")).contact
        session.commit()
        return contact
    return make


@pytest.fixture
def desk(client, auth, make_staff):
    """Fatima logged in at the workspace; desk.post(path, data) sends a form the way htmx does, token included."""
    make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary")], name="Fatima el Amrani")
    auth.login("fatima")

    class Desk:
        token = csrf_from(client.get("/werkplek").get_data(as_text=True))

        def post(self, path, data=None, htmx=True):
            return client.post(path, data={**(data or {}), "csrf_token": self.token}, headers=HTMX if htmx else {})

        def get(self, path, htmx=True):
            return client.get(path, headers=HTMX if htmx else {})
    return Desk()


def test_the_workspace_page_shows_presence_queue_and_knowledge_search(desk):
    html = desk.get("/werkplek", htmx=False).get_data(as_text=True)
    assert "Jouw status:" in html and "Afgemeld" in html and "Wachtrij van je domeinen" in html
    assert 'hx-get="/werkplek/bijwerken"' in html and "Kennis zoeken" in html


def _versions(html: str) -> dict[str, str]:
    """What the poller sends: the version input each part carries."""
    return dict(re.findall(r'class="kcc-version" name="(\w+)" value="([^"]*)"', html))


def test_one_poll_keeps_the_workspace_live_and_sends_only_what_changed(desk, arrive):
    """The page's single poller sends each part's version; unchanged → 204 (htmx leaves the page alone),
    changed → only those parts, out of band, each with its new version."""
    desk.post("/werkplek/status", {"state": "available"})
    shown = _versions(desk.get("/werkplek", htmx=False).get_data(as_text=True))
    assert shown == {"current": "nobody", "offers": "", "handovers": "none", "poll": "4"}
    first = desk.get("/werkplek/bijwerken?" + urlencode(shown))  # the queue panel gets its version at the first poll
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and {"queue"} == set(_versions(html))
    assert html.count('hx-swap-oob="true"') == 1 and 'id="offers"' not in html and 'id="current"' not in html
    shown.update(_versions(html))
    assert desk.get("/werkplek/bijwerken?" + urlencode(shown)).status_code == 204  # nothing changed: nothing sent
    arrive("mijn paspoort is verlopen")
    html = desk.get("/werkplek/bijwerken?" + urlencode(shown)).get_data(as_text=True)
    assert "Er wacht iemand voor jou" in html and "wacht minder dan 1 min" in html
    assert re.fullmatch(r"offer-\d+-0", _versions(html)["current"])
    shown.update(_versions(html))
    time.sleep(2.1)  # the queue panel is drawn once per 2 s for every screen with the same domains
    html = desk.get("/werkplek/bijwerken?" + urlencode(shown)).get_data(as_text=True)
    assert set(_versions(html)) == {"queue"} and "<td" in html  # the offer card stays until a minute has passed
    shown.update(_versions(html))
    taken = desk.post("/werkplek/volgende").get_data(as_text=True)
    shown.update(_versions(taken))  # the panel swapped in by the answer carries its own version
    assert shown["current"].startswith("in-hand-")
    # while the contact is in hand, its panel is never redrawn under the employee's typing
    again = desk.get("/werkplek/bijwerken?" + urlencode(shown)).get_data(as_text=True)
    assert 'id="current"' not in again


def test_the_poll_slows_down_while_paused_and_speeds_up_when_available(desk, session):
    """A paused or offline employee has nothing to act on within seconds: their screen polls every 15 s, and the
    answer to choosing "Beschikbaar" swaps in the 4 s poller at once."""
    html = desk.get("/werkplek", htmx=False).get_data(as_text=True)
    assert 'hx-trigger="every 15s"' in html and _versions(html)["poll"] == "15"  # signed off at the start
    answer = desk.post("/werkplek/status", {"state": "available"}).get_data(as_text=True)
    assert re.search(r'id="workspace-poll" hidden hx-swap-oob="true"[^>]*every 4s', answer)
    shown = _versions(answer)
    assert shown["poll"] == "4"
    # the status changed elsewhere (a telephony integration): the next poll brings the slower poller
    staff = session.scalars(select(Staff).where(Staff.username == "fatima")).one()
    staff.presence = "paused"
    session.commit()
    html = desk.get("/werkplek/bijwerken?" + urlencode(shown)).get_data(as_text=True)
    assert '<div hx-swap-oob="true" id="workspace-poll"' in html and 'every 15s' in html and _versions(html)["poll"] == "15"


def test_a_desk_a_colleague_sits_at_is_refused_beside_the_desk_choice(desk, make_staff, session):
    session.add(models.Desk(number="3", label="Balie 3 — burgerzaken"))
    noor = make_staff("noor", roles=["agent"], skills=[("burgerzaken", "primary")], name="Noor Bakker")
    queues.set_presence(session, noor, "available", utcnow(), desk_number="3", desk_given=True)
    session.commit()
    answer = desk.post("/werkplek/status", {"state": "available", "desk": "3"})
    assert answer.status_code == 422
    assert '<p class="utrecht-form-field-error-message" id="desk-error">Balie 3 is bezet door Noor Bakker; kies een ' \
           'andere balie.</p>' in answer.get_data(as_text=True)
    fatima = session.scalars(select(Staff).where(Staff.username == "fatima")).one()
    session.refresh(fatima)
    assert fatima.desk_id is None and fatima.presence == "offline"


def test_an_offer_appears_and_the_employee_takes_answers_and_closes_it(desk, arrive, session):
    fragment = desk.post("/werkplek/status", {"state": "available"}).get_data(as_text=True)
    assert 'id="workbench"' in fragment and "<html" not in fragment
    contact = arrive("mijn paspoort is verlopen", citizen={"name": "J. de Vries", "phone": "0612345678"})
    offer = desk.get("/werkplek/huidig").get_data(as_text=True)
    assert "Er wacht iemand voor jou" in offer and "Paspoort aanvragen of verlengen" in offer
    taken = desk.post("/werkplek/volgende").get_data(as_text=True)
    assert "mijn paspoort is verlopen" in taken and "Neem uw oude paspoort" in taken  # question and knowledge
    assert "J. de Vries" not in taken  # personal details only when opened (and audited)
    details = desk.get(f"/werkplek/contact/{contact.id}/inwoner").get_data(as_text=True)
    assert "J. de Vries" in details and "+31612345678" in details
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "citizen.open")).one()
    assert entry.actor_name == "fatima" and entry.object_id == str(contact.id)
    done = desk.post(f"/werkplek/contact/{contact.id}/afronden", {"outcome": "answered", "note": "Afspraak gemaakt"})
    assert done.status_code == 200 and "Contact afgerond" in done.get_data(as_text=True)
    session.expire_all()
    assert session.get(Contact, contact.id).status == "resolved"


def test_a_referral_without_whom_keeps_what_was_typed_and_says_what_to_fix(desk, arrive):
    desk.post("/werkplek/status", {"state": "available"})
    contact = arrive()
    desk.post("/werkplek/volgende")
    response = desk.post(f"/werkplek/contact/{contact.id}/afronden",
                         {"outcome": "referred_external", "referred_to": "", "note": "belde over UWV"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "schrijf naar wie je hebt verwezen" in html and "belde over UWV" in html
    assert re.search(r'value="referred_external"\s+checked', html)  # the choice made stays made


def test_a_repeat_caller_is_flagged_with_earlier_contacts(desk, arrive, session):
    earlier = arrive("vraag over rijbewijs", citizen={"phone": "0612345678"})
    earlier.status = "resolved"
    session.commit()
    desk.post("/werkplek/status", {"state": "available"})
    contact = arrive("nog steeds geen rijbewijs", citizen={"phone": "06-12345678"})
    html = desk.post("/werkplek/volgende").get_data(as_text=True)
    assert "Herhaalcontact" in html
    details = desk.get(f"/werkplek/contact/{contact.id}/inwoner").get_data(as_text=True)
    assert "vraag over rijbewijs" in details


def test_changing_the_topic_stores_a_correction(desk, arrive, session):
    desk.post("/werkplek/status", {"state": "available"})
    contact = arrive("mijn paspoort is verlopen")
    desk.post("/werkplek/volgende")
    html = desk.post(f"/werkplek/contact/{contact.id}/onderwerp", {"topic": "burgerzaken/documenten-kwijt"})
    assert html.status_code == 200
    correction = session.scalars(select(RoutingCorrection)).one()
    assert correction.from_topic.slug == "paspoort" and correction.to_topic.slug == "documenten-kwijt"
    assert correction.method == "router"
    bad = desk.post(f"/werkplek/contact/{contact.id}/onderwerp", {"topic": "burgerzaken/hondenbelasting"})
    assert bad.status_code == 422


def test_notes_are_kept_on_the_timeline(desk, arrive, session):
    desk.post("/werkplek/status", {"state": "available"})
    contact = arrive()
    desk.post("/werkplek/volgende")
    assert desk.post(f"/werkplek/contact/{contact.id}/notitie", {"note": "   "}).status_code == 422
    html = desk.post(f"/werkplek/contact/{contact.id}/notitie", {"note": "Belt terug na de vakantie"})
    assert "Belt terug na de vakantie" in html.get_data(as_text=True)


def test_knowledge_search_covers_the_employee_domains(desk):
    html = desk.get("/werkplek/onderwerpen?q=rijbewijs").get_data(as_text=True)
    assert "Rijbewijs" in html and "<html" not in html
    assert "Kapvergunning" not in desk.get("/werkplek/onderwerpen?q=boom").get_data(as_text=True)
    assert "<html" in desk.get("/werkplek/onderwerpen?q=paspoort", htmx=False).get_data(as_text=True)


def test_a_form_without_csrf_token_is_refused(client, desk):
    assert client.post("/werkplek/status", data={"state": "available"}, headers=HTMX).status_code == 400


def test_a_sensitive_contact_of_another_domain_cannot_be_opened_by_id(desk, arrive, session):
    contact = arrive("", domain="sociaal", topic="schulden", citizen={"name": "Mevrouw K."})
    response = desk.get(f"/werkplek/contact/{contact.id}/inwoner")
    assert response.status_code == 403 and "Mevrouw K." not in response.get_data(as_text=True)
    assert session.scalars(select(AuditLog).where(AuditLog.action == "access.denied",
                                                  AuditLog.result == "denied")).all()


def test_without_htmx_a_form_post_redirects_back(desk):
    response = desk.post("/werkplek/status", {"state": "paused"}, htmx=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/werkplek")


def test_a_menu_call_without_words_offers_the_domains_frequent_topics_as_one_tap_buttons(desk, arrive, session):
    """Chosen in the phone menu, no question: the most asked topics of the domain are buttons; one tap sets it."""
    for _ in range(3):
        arrive("rijbewijs verlengen", channel="web")  # rijbewijs is the most asked burgerzaken topic this month
    session.execute(Contact.__table__.update().where(Contact.channel == "web").values(status="resolved"))
    session.commit()
    desk.post("/werkplek/status", {"state": "available"})
    arrive("", domain="burgerzaken")
    html = desk.post("/werkplek/volgende").get_data(as_text=True)
    quick = html.split('class="kcc-quick-topics"', 1)[1].split("</form>", 1)[0]
    assert "Rijbewijs" in quick.split("<button", 2)[1]  # the most asked first
    assert quick.count("<button") == 6
    contact = session.scalars(select(Contact).where(Contact.channel == "phone")).one()
    chosen = desk.post(f"/werkplek/contact/{contact.id}/onderwerp", {"topic": "burgerzaken/rijbewijs"})
    assert chosen.status_code == 200 and "Kennis: Rijbewijs" in chosen.get_data(as_text=True)


def test_the_next_contact_card_changes_with_the_contact_and_each_whole_minute():
    from datetime import timedelta
    from types import SimpleNamespace

    from kcc.workspace.operations import offer_version
    now = utcnow()
    waiting = SimpleNamespace(id=7, queued_at=now - timedelta(seconds=59))
    assert offer_version(None, now) == "nobody"
    assert offer_version(waiting, now) == offer_version(waiting, now - timedelta(seconds=30)) == "offer-7-0"
    assert offer_version(waiting, now + timedelta(seconds=1)) == "offer-7-1"
    assert offer_version(SimpleNamespace(id=8, queued_at=waiting.queued_at), now) == "offer-8-0"


def test_acute_danger_in_the_question_tells_the_employee_112_and_veilig_thuis_at_once(desk, arrive):
    """Whatever the phone menu chose, a question that shows danger at home puts 112 and Veilig Thuis first."""
    desk.post("/werkplek/status", {"state": "available"})
    arrive("Ik moet mijn paspoort ophalen, maar mijn man slaat me en ik durf niet naar huis", domain="burgerzaken")
    taken = desk.post("/werkplek/volgende").get_data(as_text=True)
    banner = taken.split('class="kcc-flag kcc-flag--danger" role="alert"', 1)[1].split("</div>", 1)[0]
    assert "Mogelijk acuut gevaar" in banner and "112" in banner and "Veilig Thuis, 0800-2000" in banner


def test_no_danger_banner_for_an_ordinary_question(desk, arrive):
    desk.post("/werkplek/status", {"state": "available"})
    arrive("mijn paspoort is verlopen")
    assert "kcc-flag--danger" not in desk.post("/werkplek/volgende").get_data(as_text=True)
