"""The improvement loop in Chromium: two employees flag the same thing from their contacts, a senior merges the
two and closes with an action, both raisers see the outcome and the citizen gets a thank-you over real SMTP."""
from dataclasses import replace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from kcc.cli.demo import DEMO_PASSWORD
from kcc.config import load_settings
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.mail import operations as mail
from kcc.models import Citizen, Contact, Domain, Staff
from kcc.staff import accounts

from ..conftest import wait_for_mail
from .test_lobby import SHOTS, fits

pytestmark = pytest.mark.browser
TEXT_LABEL = "Het knelpunt, in een zin of twee (verplicht)"


def _employee(backstage, username, name):
    accounts.create_staff(backstage, accounts.StaffInput(username=username, name=name, roles=["agent"],
                                                         skills=[("vergunningen", "primary")], languages=["nl"],
                                                         teams=[]), DEMO_PASSWORD, actor=Actor.system("test"))
    backstage.commit()
    return backstage.scalar(select(Staff.id).where(Staff.username == username))


def _in_hand(backstage, staff_id, citizen=None):
    now = utcnow()
    domain = backstage.scalar(select(Domain).where(Domain.slug == "vergunningen"))
    contact = Contact(channel="phone", domain=domain, question="Ik wil een dakkapel plaatsen, moet ik iets aanvragen?",
                      status="in_progress", owner_id=staff_id, created_at=now, queued_at=now, rank_at=now,
                      answered_at=now, updated_at=now, citizen=citizen)
    backstage.add(contact)
    backstage.commit()
    return contact.id


def _shoot(window, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (768, 1024, 1366):
        window.page.set_viewport_size({"width": width, "height": 900})
        assert fits(window.page), f"{name} scrolls sideways at {width} px"
        window.page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    window.page.set_viewport_size({"width": 1024, "height": 768})


def test_two_flags_merged_and_closed_reach_both_raisers_and_thank_the_citizen(screen, backstage, smtp_server,
                                                                              tmp_path):
    controller, inbox = smtp_server
    lisa_id, koen_id = _employee(backstage, "lisa", "Lisa de Wit"), _employee(backstage, "koen", "Koen Mulder")
    backstage.execute(update(Staff).where(Staff.id.in_([lisa_id, koen_id])).values(presence="available"))
    first = _in_hand(backstage, lisa_id, Citizen(name="Wim Brouwer", email="wim.brouwer@example.nl"))
    second = _in_hand(backstage, koen_id)

    # Lisa flags it while the citizen is still on the line; a first try without text says what is missing
    lisa = screen()
    lisa.login("lisa")
    flag = lisa.page.locator(f"#flag-{first}")
    flag.get_by_text("Knelpunt melden", exact=True).click()
    flag.get_by_label("Suggestie: hoe kan het beter? (optioneel)").fill("Een plaatje van wat vergunningvrij is")
    flag.get_by_role("button", name="Melden").click()
    expect(lisa.page.locator(f"#flag-{first}-text-error")).to_have_text(
        "schrijf in een zin wat er misging of waarom de inwoner contact opnam")
    flag = lisa.page.locator(f"#flag-{first}")
    assert flag.get_by_label("Suggestie: hoe kan het beter? (optioneel)").input_value() == \
        "Een plaatje van wat vergunningvrij is"
    assert lisa.axe() == []
    flag.get_by_label(TEXT_LABEL).fill("Inwoners snappen niet of een dakkapel vergunningvrij is; de website is vaag")
    flag.get_by_label("Dit is een suggestie van de inwoner").check()
    flag.get_by_label("De inwoner wil een bedankje per e-mail als het is opgepakt (gevraagd en goed gevonden)").check()
    flag.get_by_role("button", name="Melden").click()
    expect(lisa.page.get_by_text("Gemeld als knelpunt #")).to_be_visible()

    # Koen finishes his call first, then flags the same thing right after
    koen = screen()
    koen.login("koen")
    koen.page.get_by_role("button", name="Contact afronden").click()
    after = koen.page.locator("#last-contact")
    expect(after.get_by_role("heading", name=f"Net afgerond: KCC-{second:06d}")).to_be_visible()
    after.get_by_text("Knelpunt melden", exact=True).click()
    after.get_by_label(TEXT_LABEL).fill("Dakkapel: website en folder zeggen iets anders")
    after.get_by_role("button", name="Melden").click()
    expect(after.get_by_text("Gemeld als knelpunt #")).to_be_visible()
    assert koen.axe() == []

    # Tom, senior of vergunningen, merges Koen's into Lisa's and closes it with an action
    tom = screen()
    tom.login("tom")
    expect(tom.page.get_by_role("heading", level=1)).to_have_text("Verbeterbord")
    assert tom.axe() == []
    _shoot(tom, "signal-board")
    tom.page.get_by_role("link", name="Dakkapel: website en folder").click()
    tom.page.get_by_label("Samenvoegen met").select_option(label=tom.page.locator(
        "#signal-into option", has_text="Inwoners snappen niet").inner_text())
    tom.page.get_by_role("button", name="Samenvoegen").click()
    expect(tom.page.get_by_role("heading", name="Gemeld bij 2 contact(en)")).to_be_visible()
    triage = tom.page.locator("section", has=tom.page.get_by_role("heading", name="Oppakken"))
    triage.get_by_role("button", name="Opslaan").click()
    expect(tom.page.locator(".kcc-facts").get_by_text("wordt geanalyseerd")).to_be_visible()
    triage.get_by_role("button", name="Opslaan").click()  # agreeing an action without writing it down
    expect(tom.page.locator("#signal-action-error")).to_have_text("schrijf de afgesproken actie op")
    assert tom.axe() == []
    triage.get_by_label("Afgesproken actie, of waarom niet").fill(
        "De pagina over dakkapellen heeft nu een plaatje met wat zonder vergunning mag.")
    triage.get_by_role("button", name="Opslaan").click()
    expect(tom.page.locator(".kcc-facts").get_by_text("actie afgesproken")).to_be_visible()
    triage.get_by_role("button", name="Opslaan").click()
    expect(tom.page.locator(".kcc-facts").get_by_text("afgerond")).to_be_visible()
    assert tom.axe() == []
    _shoot(tom, "signal-detail")

    # both raisers see what became of it
    for window in (lisa, koen):
        window.page.goto(window.base + "/werkplek")
        outcome = window.page.locator("#signal-outcomes")
        expect(outcome.get_by_text("De pagina over dakkapellen heeft nu een plaatje")).to_be_visible()
        assert window.axe() == []
    koen.page.locator("#signal-outcomes").get_by_role("button", name="Gelezen").click()
    expect(koen.page.locator("#signal-outcomes")).to_be_hidden()

    # the worker sends the citizen's thank-you over SMTP
    settings = replace(load_settings({"KCC_ENV": "testing"}, tmp_path), smtp_host="127.0.0.1",
                       smtp_port=controller.port, smtp_tls=False)
    mail.send_due(backstage, settings, tmp_path / "outbox", utcnow())
    backstage.commit()
    thanks = wait_for_mail(inbox, "Dank u voor uw tip")
    assert [m["To"] for m in thanks] == ["wim.brouwer@example.nl"]
    assert "plaatje met wat zonder vergunning mag" in thanks[0].get_content()
    for window in (lisa, koen, tom):  # the refused tries answer 422 on purpose; nothing else may go wrong
        assert [e for e in window.console_errors if "status of 422" not in e] == []
