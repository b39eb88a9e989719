"""A KCC employee in Chromium: goes available, an offer appears by itself, takes it, answers it."""
import re

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
    window.page.get_by_role("button", name="Beschikbaar").click()
    expect(window.page.get_by_text("Er wacht nu niemand voor jou")).to_be_visible()
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
    window.page.get_by_role("button", name="Contact afronden").click()
    expect(window.page.get_by_text("Contact afgerond: In één keer beantwoord.")).to_be_visible()
    backstage.expire_all()
    assert backstage.get(Contact, contact.id).status == "resolved"
    assert window.console_errors == []
