"""The host on a tablet: prerequisites before a ticket, one visitor sent home and counted, one routed from a few
words, a ticket read out large; in both orientations, without a sideways scroll, passing axe-core."""
import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from kcc.cli.demo import DEMO_PASSWORD
from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.models import Appointment, Contact, Domain, LobbyTurnaway, Topic
from kcc.staff import accounts

from .conftest import DISPLAY_CODE

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("KCC_TEST_ARTEFACTS", tempfile.gettempdir())) / "kcc-screens"
ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
TABLET = [{"width": 768, "height": 1024}, {"width": 1024, "height": 768}]


@pytest.fixture
def counters_open(backstage, monkeypatch):
    """Every counter open now, whatever day and hour the suite runs; the demo's own hours come back after."""
    monkeypatch.setattr("kcc.core.workinghours.is_holiday", lambda day: False)
    kept = {}
    for domain in backstage.scalars(select(Domain)):
        kept[domain.id] = domain.hours
        domain.hours = {**domain.hours, "counter": ALL_DAY}
    backstage.commit()
    yield
    for domain in backstage.scalars(select(Domain)):
        domain.hours = kept[domain.id]
    backstage.commit()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(SHOTS / f"lobby-{name}-{size['width']}x{size['height']}.png"), full_page=True)


def test_host_checks_visitors_in_on_a_tablet(screen, backstage, counters_open):
    window = screen()
    page = window.page
    window.login("lotte")
    turned_away = backstage.scalar(select(LobbyTurnaway.id).order_by(LobbyTurnaway.id.desc()).limit(1)) or 0
    backstage.rollback()  # a backstage read on SQLite holds the write lock until it ends
    for size in TABLET:
        page.set_viewport_size(size)
        page.goto(window.base + "/lobby")
        assert fits(page) and window.axe() == []
        snap(page, "start")
        for button in page.locator(".kcc-bigchoice__button").all()[:4]:
            assert button.bounding_box()["height"] >= 44

    # a walk-in for a passport, without the passport photo: advice, counted, no ticket
    page.get_by_role("link", name="Paspoort aanvragen of verlengen").click()
    expect(page.get_by_text("Neem één pasfoto mee")).to_be_visible()
    assert window.axe() == []
    snap(page, "prerequisites")
    page.get_by_role("button", name="Mist iets").click()
    expect(page.get_by_role("heading", name="Geen volgnummer: advies gegeven")).to_be_visible()
    assert backstage.scalars(select(LobbyTurnaway).where(LobbyTurnaway.id > turned_away)).one().reason == "missing"
    backstage.rollback()

    # the next one has everything: details (nothing required), then a ticket, once
    page.get_by_role("link", name="Volgende bezoeker").click()
    page.get_by_role("link", name="Paspoort aanvragen of verlengen").click()
    page.get_by_role("button", name="Heeft alles bij zich").click()
    page.get_by_label("Voornaam of voorletters").fill("Sanne")
    page.get_by_label("Rolstoel of slecht ter been").check()
    page.get_by_label("E-mailadres, als de bezoeker het volgnummer per e-mail wil").fill("sanne@")
    page.get_by_role("button", name="Geef volgnummer").click()
    expect(page.get_by_role("alert").first).to_contain_text("e-mailadres")  # the error on screen, input kept
    assert page.get_by_label("Voornaam of voorletters").input_value() == "Sanne"
    assert page.get_by_label("Rolstoel of slecht ter been").is_checked()
    assert window.axe() == []
    page.get_by_label("E-mailadres, als de bezoeker het volgnummer per e-mail wil").fill("")
    page.get_by_role("button", name="Geef volgnummer").click()
    number = page.locator(".kcc-ticket__number").inner_text()
    assert number.startswith("B")
    contact = backstage.scalars(select(Contact).where(Contact.ticket == number)
                                .order_by(Contact.id.desc()).limit(1)).one()
    assert contact.needs == ["wheelchair"] and contact.citizen.name == "Sanne"
    backstage.rollback()
    for size in TABLET:
        page.set_viewport_size(size)
        assert fits(page) and window.axe() == []
        snap(page, "ticket")

    # "iets anders": a few words, the router suggests domain and topic; the words go along as the note
    page.get_by_role("link", name="Volgende bezoeker").click()
    page.get_by_label("Waarvoor komt de bezoeker? In een paar woorden").fill("ik wil een parkeervergunning aanvragen")
    page.get_by_role("button", name="Zoek uit waar de bezoeker heen moet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Parkeervergunning")
    page.get_by_role("button", name="Heeft alles bij zich").click()
    assert page.get_by_label("Notitie voor de balie (gaat mee bij doorverbinden)").input_value() == \
        "ik wil een parkeervergunning aanvragen"
    page.get_by_role("button", name="Geef volgnummer").click()
    assert page.locator(".kcc-ticket__number").inner_text().startswith("V")

    # an appointment by its code: a typo is said at the field, the right code shows what to bring first
    code = expected_now(backstage)
    page.get_by_role("link", name="Volgende bezoeker").click()
    page.get_by_label("Code uit de bevestiging: typen, of scannen van de QR-code").fill("AAA-AAA")
    page.get_by_role("button", name="Zoek afspraak").click()
    expect(page.get_by_role("alert").first).to_contain_text("kennen we niet")
    assert page.get_by_label("Code uit de bevestiging: typen, of scannen van de QR-code").input_value() == "AAA-AAA"
    assert window.axe() == []
    page.get_by_label("Code uit de bevestiging: typen, of scannen van de QR-code").fill(f"{code[:3]} {code[3:]}".lower())
    page.get_by_role("button", name="Zoek afspraak").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Afspraak van Joke Postma")
    expect(page.get_by_text("Neem één pasfoto mee")).to_be_visible()
    for size in TABLET:
        page.set_viewport_size(size)
        assert fits(page) and window.axe() == []
        snap(page, "appointment")
    page.get_by_role("button", name="Aanmelden", exact=True).click()
    ticket = page.locator(".kcc-ticket__number").inner_text()
    assert ticket.startswith("B")
    assert backstage.scalars(select(Appointment).where(Appointment.code == code)).one().status == "checked_in"
    backstage.rollback()
    assert window.console_errors == [] or all(("status of 422" in e or "status of 404" in e)
                                              for e in window.console_errors)


def expected_now(backstage) -> str:
    """An appointment for a passport a minute ago, as booked for today; its check-in code."""
    from datetime import timedelta

    from kcc.appointments.operations import _new_code
    from kcc.core.timeutil import start_of_day

    topic = backstage.scalars(select(Topic).where(Topic.slug == "paspoort")).one()
    now = utcnow()
    code = _new_code(backstage)
    backstage.add(Appointment(code=code, domain_id=topic.domain_id, topic=topic, name="Joke Postma",
                              starts_at=max(start_of_day(now), now - timedelta(minutes=1)), status="booked", note=""))
    backstage.commit()
    return code


def test_a_desk_calls_and_the_wall_display_follows_within_seconds(screen, backstage, counters_open):
    """The display in a second browser; an employee at desk 3 calls, recalls, marks a no-show; the host puts the
    visitor back; the desk calls again, starts, and finishes with a warm handover to the back office."""
    accounts.create_staff(backstage, accounts.StaffInput(
        username="dirk", name="Dirk de Balie", roles=["agent"], skills=[("burgerzaken", "primary")],
        languages=["nl"], teams=[]), DEMO_PASSWORD, actor=Actor.system("test"))
    burgerzaken = backstage.scalar(select(Domain.id).where(Domain.slug == "burgerzaken"))
    backstage.execute(update(Contact).where(Contact.status == "waiting", Contact.domain_id == burgerzaken)
                      .values(status="abandoned"))
    backstage.commit()
    ticket = intake.receive(backstage, intake.parse_contact(
        {"channel": "counter", "domain": "burgerzaken", "topic": "rijbewijs", "question": "komt met zijn zoon",
         "citizen": {"name": "Jan"}}), Router.from_session(backstage), QueueSettings(), utcnow(),
        actor=Actor.system("test")).ticket
    backstage.commit()

    wall = screen()
    wall.page.set_viewport_size({"width": 1920, "height": 1080})
    wall.page.goto(f"{wall.base}/lobby/scherm?code={DISPLAY_CODE}")
    expect(wall.page.locator(".kcc-wall__next").first).to_contain_text(ticket)
    assert "Jan" not in wall.page.content() and "zoon" not in wall.page.content()
    assert wall.axe() == []
    wall.page.screenshot(path=str(SHOTS / "lobby-wall-1920x1080.png"), full_page=True)

    desk = screen()
    desk.login("dirk")
    desk.page.get_by_label("Balie").select_option(label="Balie 3 — algemeen")
    desk.page.get_by_role("button", name="Beschikbaar").click()
    expect(desk.page.get_by_role("button", name="Beschikbaar")).to_have_attribute("aria-pressed", "true")
    desk.page.get_by_role("button", name="Neem het volgende contact").click()
    expect(desk.page.get_by_text(f"Opgeroepen: {ticket} naar Balie 3 — algemeen")).to_be_visible()
    assert desk.axe() == []
    latest = wall.page.locator(".kcc-wall__latest")
    expect(latest).to_contain_text(ticket, timeout=3_000)
    expect(latest).to_contain_text("3")

    desk.page.get_by_role("button", name="Opnieuw oproepen").click()
    expect(desk.page.get_by_text("2 keer opgeroepen")).to_be_visible()
    desk.page.get_by_role("button", name="Opnieuw oproepen").click()
    expect(desk.page.get_by_role("button", name="Opnieuw oproepen")).to_be_disabled()
    desk.page.get_by_role("button", name="Niet verschenen").click()
    expect(desk.page.get_by_role("heading", name="Volgend contact")).to_be_visible()

    host = screen()
    host.login("lotte")
    host.page.goto(host.base + "/lobby/wachtenden")
    assert host.axe() == []
    host.page.set_viewport_size({"width": 768, "height": 1024})
    assert fits(host.page)
    snap(host.page, "waiting-list")
    host.page.get_by_role("button", name="Is er toch: terug in de rij").first.click()
    expect(host.page.locator(".kcc-hall__ticket", has_text=ticket)).to_be_visible()

    desk.page.get_by_role("button", name="Neem het volgende contact").click()
    expect(desk.page.get_by_text(f"Opgeroepen: {ticket}")).to_be_visible()
    desk.page.get_by_role("button", name="Bezoeker is er: begin").click()
    expect(desk.page.get_by_role("button", name="Opnieuw oproepen")).to_have_count(0)  # seated: no call panel
    expect(desk.page.get_by_text("komt met zijn zoon")).to_be_visible()
    desk.page.get_by_label("Aan wie").select_option(label="Backoffice Burgerzaken (Burgerzaken)")
    desk.page.get_by_label("Wat heeft de inwoner nodig, en wat is de situatie? (verplicht)").fill(
        "Rijbewijs verlopen in het buitenland; hij wil weten of een omwisseling kan.")
    desk.page.get_by_role("button", name="Overdragen").click()
    expect(desk.page.get_by_text("Overdracht aangeboden aan Backoffice Burgerzaken")).to_be_visible()
    assert all("status of 4" in e for e in desk.console_errors + wall.console_errors + host.console_errors)
