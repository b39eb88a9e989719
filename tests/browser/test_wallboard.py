"""The wallboard at 1920×1080 (saved as a screenshot artefact), the period report at three widths, and the citizen's
feedback page — in Chromium, axe-clean, no sideways scrolling."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kcc.core.timeutil import utcnow
from kcc.feedback import operations as feedback
from kcc.models import Citizen, Contact, Domain, OutgoingMail

from .test_lobby import SHOTS, fits

pytestmark = pytest.mark.browser


def test_the_wallboard_fills_a_tv_and_the_report_reads_at_every_width(screen):
    window = screen()
    page = window.page
    window.login("ahmed")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(window.base + "/vloer/wand")
    expect(page.get_by_role("heading", level=1)).to_contain_text("KCC vandaag")
    expect(page.get_by_role("heading", name="Burgerzaken")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "wallboard-1920x1080.png"))
    assert fits(page) and window.axe() == []
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080, "the wallboard scrolls on a 1080p TV"
    assert "Fatima" not in page.content() and "Jeroen" not in page.content()  # never a person on the wall

    page.goto(window.base + "/vloer")
    page.get_by_role("link", name="Rapport per periode, met CSV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapport per domein en kanaal")
    for width in (768, 1024, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert fits(page), f"the report scrolls sideways at {width} px"
        assert window.axe() == []
        page.screenshot(path=str(SHOTS / f"report-{width}.png"), full_page=True)
    page.get_by_label("Van", exact=True).fill("2026-02-01")
    page.get_by_label("Tot en met", exact=True).fill("2026-01-01")
    page.get_by_role("button", name="Toon").click()
    expect(page.locator("#report-tot-error")).to_have_text("de einddatum ligt voor de begindatum")
    assert page.get_by_label("Van", exact=True).input_value() == "2026-02-01"
    assert window.axe() == []


def test_a_citizen_answers_the_one_question_on_a_phone(screen, backstage):
    now = utcnow()
    contact = Contact(channel="phone", domain=backstage.scalar(select(Domain).where(Domain.slug == "algemeen")),
                      question="", status="resolved", outcome="answered", feedback_ok=True,
                      citizen=Citizen(name="Joke Smit", email="joke.smit@example.nl"), created_at=now, closed_at=now)
    backstage.add(contact)
    backstage.commit()
    from datetime import timedelta
    feedback.queue_due(backstage, now + timedelta(minutes=15), "http://kcc.example")
    backstage.commit()
    body = backstage.scalars(select(OutgoingMail).where(OutgoingMail.to_address == "joke.smit@example.nl")).one().body
    backstage.rollback()  # SQLite: a read left open would hold the lock the live server needs
    token = re.search(r"/tevredenheid/(\S+)", body).group(1)
    window = screen()
    page = window.page
    for width in (768, 1024, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(window.base + f"/tevredenheid/{token}")
        assert fits(page) and window.axe() == []
        page.screenshot(path=str(SHOTS / f"feedback-{width}.png"), full_page=True)
    page.get_by_label("Wilt u iets uitleggen? (niet verplicht)").fill("Ik moest twee keer bellen.")
    page.get_by_role("button", name="Verstuur mijn antwoord").click()
    expect(page.locator("#answer-error")).to_have_text("kies ja, een beetje of nee")
    assert page.get_by_label("Wilt u iets uitleggen? (niet verplicht)").input_value() == "Ik moest twee keer bellen."
    assert window.axe() == []
    page.get_by_label("Een beetje").check()
    page.get_by_role("button", name="Verstuur mijn antwoord").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dank u wel")
    page.goto(window.base + f"/tevredenheid/{token}")
    expect(page.get_by_text("U heeft deze vraag al beantwoord")).to_be_visible()


def test_the_leads_deployment_coaching_and_the_seniors_guide_read_at_every_width(screen):
    window = screen()
    page = window.page
    window.login("ahmed")
    page.goto(window.base + "/vloer")
    page.get_by_role("link", name="Inzet per domein").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inzet per domein")
    card = page.locator("form", has=page.get_by_role("heading", name="Jeroen de Boer"))
    for box in card.get_by_role("checkbox").all():
        box.uncheck()
    card.get_by_role("button", name="Opslaan").click()
    expect(page.locator("form", has=page.get_by_role("heading", name="Jeroen de Boer")).get_by_role("alert")) \
        .to_contain_text("kies minstens één domein")
    pages = [("deployment", window.base + "/vloer/inzet")]
    page.goto(window.base + "/vloer/team")
    page.get_by_role("link", name="Tops en leerdoelen Jeroen de Boer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Coaching: Jeroen de Boer en Ahmed Yilmaz")
    page.get_by_role("button", name="Vastleggen").click()
    expect(page.locator("#coaching-text-error")).to_have_text("schrijf de top of het leerdoel op")
    pages.append(("coaching", page.url))
    senior = screen()
    senior.login("tom")
    senior.page.goto(senior.base + "/verbeteren/leidraad")
    expect(senior.page.get_by_label("Leidraad voor Vergunningen (elke regel een punt)")).not_to_be_empty()
    pages.append(("guide", senior.page.url))
    for name, url in pages:
        viewer = senior if name == "guide" else window
        viewer.page.goto(url)
        for width in (768, 1024, 1366):
            viewer.page.set_viewport_size({"width": width, "height": 900})
            assert fits(viewer.page), f"{name} scrolls sideways at {width} px"
            assert viewer.axe() == [], name
            viewer.page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
