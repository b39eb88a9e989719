"""A KCC employee in Chromium: goes available, an offer appears by itself, takes it, answers it."""
import os
import re
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
from kcc.models import Contact, Domain
from kcc.staff import accounts

pytestmark = pytest.mark.browser


def test_an_offer_appears_by_itself_and_is_answered_in_one_go(screen, backstage):
    accounts.create_staff(backstage, accounts.StaffInput(username="wout", name="Wout Vermeer", roles=["agent"],
                                                         skills=[("vergunningen", "primary")], languages=["nl"],
                                                         teams=[]),
                          DEMO_PASSWORD, actor=Actor.system("test"))
    vergunningen = backstage.scalar(select(Domain.id).where(Domain.slug == "vergunningen"))
    backstage.execute(update(Contact).where(Contact.status == "waiting", Contact.domain_id == vergunningen)
                      .values(status="abandoned"))
    backstage.commit()

    window = screen()
    window.login("wout")
    assert window.page.url.endswith("/werkplek")
    poller = window.page.locator("#workspace-poll")
    expect(poller).to_have_attribute("hx-trigger", "every 15s")  # signed off: nothing to act on within seconds
    window.page.get_by_role("button", name="Beschikbaar").click()
    expect(window.page.get_by_text("Er wacht nu niemand voor jou")).to_be_visible()
    expect(poller).to_have_attribute("hx-trigger", "every 4s")  # the answer swapped in the faster poller
    assert window.axe() == []

    contact = intake.receive(backstage, intake.parse_contact({
        "channel": "phone", "question": "Mag ik een dakkapel bouwen zonder vergunning?",
        "citizen": {"name": "Karel Appel", "phone": "06 11223344"}}), Router.from_session(backstage),
        QueueSettings(headstart_s={}), utcnow(), actor=Actor.system("test")).contact
    backstage.commit()
    expect(window.page.get_by_text("Er wacht iemand voor jou")).to_be_visible(timeout=10_000)  # by polling

    window.page.get_by_role("button", name="Neem het volgende contact").click()
    expect(window.page.get_by_text("Mag ik een dakkapel bouwen zonder vergunning?")).to_be_visible()
    expect(window.page.get_by_role("heading", name=re.compile(r"^Kennis: "))).to_be_visible()
    assert window.axe() == []
    window.page.get_by_role("button", name="Toon gegevens en eerdere contacten van de inwoner").click()
    expect(window.page.get_by_text("+31611223344")).to_be_visible()
    window.page.get_by_label("Afsluitende notitie (optioneel)").fill("Vergunningcheck samen gedaan")
    # the workspace's poll goes on while the contact is in hand, and never redraws the panel being typed in
    with window.page.expect_response(lambda r: "/werkplek/bijwerken" in r.url, timeout=10_000) as poll:
        pass
    assert poll.value.status in (200, 204) and 'id="current"' not in poll.value.text()
    expect(window.page.get_by_label("Afsluitende notitie (optioneel)")).to_have_value("Vergunningcheck samen gedaan")
    window.page.get_by_role("button", name="Contact afronden").click()
    expect(window.page.get_by_text("Contact afgerond: In één keer beantwoord.")).to_be_visible()
    backstage.expire_all()
    assert backstage.get(Contact, contact.id).status == "resolved"
    assert window.console_errors == []


SHOTS = Path(os.environ.get("KCC_TEST_ARTEFACTS", tempfile.gettempdir())) / "kcc-screens"
WIDTHS = (768, 1024, 1366)


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_workspace_form_errors_are_shown_on_screen_and_choices_look_chosen(screen, backstage):
    """Every htmx form of the current contact answers a mistake with the message next to the field, keeps what
    was typed, and a chosen radio button reads as chosen; the page never scrolls sideways."""
    accounts.create_staff(backstage, accounts.StaffInput(username="lies", name="Lies Vos", roles=["agent"],
                                                         skills=[("algemeen", "primary")], languages=["nl"],
                                                         teams=[]),
                          DEMO_PASSWORD, actor=Actor.system("test"))
    algemeen = backstage.scalar(select(Domain.id).where(Domain.slug == "algemeen"))
    backstage.execute(update(Contact).where(Contact.status == "waiting", Contact.domain_id == algemeen)
                      .values(status="abandoned"))
    intake.receive(backstage, intake.parse_contact({
        "channel": "phone", "domain": "algemeen", "question": "Mijn grijze container is niet geleegd",
        "citizen": {"name": "Henk de Boer", "phone": "06 12398765"}}), Router.from_session(backstage),
        QueueSettings(headstart_s={}), utcnow(), actor=Actor.system("test"))
    backstage.commit()

    window = screen()
    window.login("lies")
    page = window.page
    page.get_by_role("button", name="Beschikbaar").click()
    page.get_by_role("button", name="Neem het volgende contact").click()
    expect(page.get_by_text("Mijn grijze container is niet geleegd")).to_be_visible()
    expect(page.locator("#presence-heading")).to_contain_text("In gesprek")  # the status follows the contact

    page.get_by_role("button", name="Notitie opslaan").click()
    expect(page.get_by_text("schrijf eerst een notitie").first).to_be_visible()
    summary = page.locator(".kcc-error-summary")
    expect(summary).to_be_focused()  # the summary is read out first, and links to the field
    expect(summary.get_by_role("link", name="schrijf eerst een notitie")).to_have_attribute("href", "#note")

    page.get_by_label("Warm doorverwezen").check()
    page.get_by_label("Afsluitende notitie (optioneel)").fill("Gebeld met de inzamelaar")
    page.get_by_role("button", name="Contact afronden").click()
    expect(page.get_by_text("schrijf naar wie je hebt verwezen en wat je hebt afgesproken").first).to_be_visible()
    referred = page.get_by_label("Warm doorverwezen")
    expect(referred).to_be_checked()
    expect(page.get_by_label("Afsluitende notitie (optioneel)")).to_have_value("Gebeld met de inzamelaar")
    # the chosen radio is drawn filled: its border takes the brand colour, the unchosen one stays grey
    chosen, other = (page.evaluate("el => getComputedStyle(el).borderColor", el.element_handle())
                     for el in (referred, page.get_by_label("In één keer beantwoord")))
    assert chosen != other

    page.get_by_label("Aan wie").select_option("team:afval")
    expect(page.locator("#deadline-hint")).to_contain_text("volgens de norm uiterlijk")  # asked on change
    page.get_by_label("Wat is al gedaan?").fill("Adres nagekeken")
    page.get_by_role("button", name="Overdragen").click()
    expect(page.get_by_text("zonder verhaal geen overdracht").first).to_be_visible()
    expect(page.get_by_label("Wat is al gedaan?")).to_have_value("Adres nagekeken")
    assert window.axe() == []

    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert _no_sideways_scroll(page), (width, page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""))
        page.screenshot(path=str(SHOTS / f"workspace-errors-{width}.png"), full_page=True)
