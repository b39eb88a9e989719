"""Two staff sessions in Chromium: a warm handover accepted live, and one to a team that does not answer."""
import os
import re
import tempfile
from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from kcc.cli.demo import DEMO_PASSWORD
from kcc.config import QueueSettings, load_settings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.core.workinghours import add_working_hours
from kcc.mail import operations as mail
from kcc.models import Contact, Domain, Task
from kcc.staff import accounts

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("KCC_TEST_ARTEFACTS", tempfile.gettempdir())) / "kcc-screens"

STORY = "Mevrouw (82) is gevallen en kan niet meer zelf douchen; haar dochter belt namens haar."


def _call(backstage, topic):
    contact = intake.receive(backstage, intake.parse_contact({
        "channel": "phone", "question": "", "domain": "sociaal", "topic": topic,
        "citizen": {"name": "Els de Boer", "phone": "0612345678", "email": "els@example.nl"}}),
        Router.from_session(backstage), QueueSettings(headstart_s={}), utcnow(), actor=Actor.system("test")).contact
    backstage.commit()
    return contact


def _hand_over(window, target_label, summary):
    window.page.get_by_label("Aan wie").select_option(label=target_label)
    window.page.get_by_label("Wat heeft de inwoner nodig, en wat is de situatie? (verplicht)").fill(summary)
    window.page.get_by_label("Wat is met de inwoner afgesproken?").fill("Vandaag nog contact")
    window.page.get_by_role("button", name="Overdragen").click()


def test_warm_handover_accepted_in_another_window_and_one_that_becomes_a_callback(screen, backstage, tmp_path):
    accounts.create_staff(backstage, accounts.StaffInput(username="kees", name="Kees Bakker", roles=["agent"],
                                                         skills=[("sociaal", "primary")], languages=["nl"], teams=[]),
                          DEMO_PASSWORD, actor=Actor.system("test"))
    sociaal = backstage.scalar(select(Domain.id).where(Domain.slug == "sociaal"))
    backstage.execute(update(Contact).where(Contact.status == "waiting", Contact.domain_id == sociaal)
                      .values(status="abandoned"))
    backstage.commit()

    kees, ingrid = screen(), screen()
    kees.login("kees")
    kees.page.get_by_role("button", name="Beschikbaar").click()
    ingrid.login("ingrid")
    assert ingrid.page.url.endswith("/taken")

    first = _call(backstage, "huishoudelijke-hulp")
    kees.page.get_by_role("button", name="Neem het volgende contact").click()
    expect(kees.page.get_by_role("heading", name="Warm overdragen")).to_be_visible()
    assert kees.axe() == []
    _hand_over(kees, "Wmo-consulenten (Sociaal domein)", STORY)
    expect(kees.page.get_by_text("Overdracht aangeboden aan Wmo-consulenten")).to_be_visible()

    # Ingrid's screen shows the offer by itself, with the whole story, before she accepts
    expect(ingrid.page.get_by_text(STORY)).to_be_visible(timeout=10_000)
    expect(ingrid.page.get_by_text("Vandaag nog contact")).to_be_visible()
    assert ingrid.axe() == []
    ingrid.page.get_by_role("button", name="Aannemen").click()
    expect(ingrid.page.get_by_role("heading", name=re.compile("^Overgenomen contact"))).to_be_visible()
    assert ingrid.axe() == []
    # the receiver's forms say what is wrong on screen too: a referral without saying to whom
    ingrid.page.get_by_label("Warm doorverwezen").check()
    ingrid.page.get_by_role("button", name="Contact afronden").click()
    expect(ingrid.page.get_by_text("schrijf naar wie je hebt verwezen en wat je hebt afgesproken").first).to_be_visible()
    expect(ingrid.page.locator(".kcc-error-summary")).to_be_focused()
    expect(ingrid.page.get_by_label("Warm doorverwezen")).to_be_checked()
    ingrid.page.get_by_label("In één keer beantwoord").check()
    _shots(ingrid.page, "accepted-handover")
    expect(kees.page.get_by_text("aangenomen door Ingrid Mulder")).to_be_visible(timeout=10_000)
    backstage.expire_all()
    assert backstage.get(Contact, first.id).owner.username == "ingrid"

    # a second call, handed to a team where nobody answers: after the timeout it is a callback task
    second = _call(backstage, "bijstand")
    kees.page.get_by_role("button", name="Neem het volgende contact").click()
    _hand_over(kees, "Werk en Inkomen (Sociaal domein)", "Meneer heeft sinds vorige week geen inkomen en wil weten "
                                                         "of hij bijstand kan krijgen.")
    expect(kees.page.get_by_text(re.compile("niet op tijd aangenomen"))).to_be_visible(timeout=20_000)
    backstage.expire_all()
    task = backstage.scalars(select(Task).where(Task.contact_id == second.id)).one()
    team_hours = task.team.domain.hours["phone"]
    assert task.deadline == add_working_hours(task.created_at, task.contact.topic.callback_norm_hours
                                              if task.contact.topic.handover_team_id == task.team_id
                                              else task.team.callback_norm_hours or task.team.domain.callback_norm_hours,
                                              team_hours)
    assert backstage.get(Contact, second.id).status == "callback_scheduled"

    # the worker sends the citizen's confirmation; without SMTP it lands in the outbox as .eml
    settings = replace(load_settings({"KCC_ENV": "testing"}, tmp_path), smtp_host=None)
    mail.send_due(backstage, settings, tmp_path / "outbox", utcnow())
    backstage.commit()
    sent = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in (tmp_path / "outbox").glob("*.eml")]
    confirmation = next(m for m in sent if f"KCC-{second.id:06d}" in m["Subject"])
    assert "Werk en Inkomen" in confirmation.get_content() and mail.when(task.deadline) in confirmation.get_content()
    # the team works it: Yvonne (Werk en Inkomen) sees the task with its urgency and claims it
    yvonne = screen()
    yvonne.login("yvonne")
    card = yvonne.page.locator(f"#task-{task.id}")
    expect(card.get_by_text(re.compile(r"nog \d+ (u|d)"))).to_be_visible()
    assert yvonne.axe() == []
    card.get_by_role("button", name="Aan mij toewijzen").click()
    expect(card.get_by_role("button", name="Belpoging vastleggen")).to_be_visible()
    assert yvonne.axe() == []
    card.get_by_role("link", name="Logboek van dit contact").click()
    expect(yvonne.page.get_by_text("Terugbelverzoek opgepakt")).to_be_visible()
    assert yvonne.axe() == []
    assert kees.console_errors == [] and yvonne.console_errors == []
    assert [e for e in ingrid.console_errors if "status of 422" not in e] == []  # her refused referral, nothing else


def test_a_task_card_shows_its_mistakes_on_screen_and_keeps_the_radio_chosen(screen, backstage):
    """Completing without saying what was agreed, or forwarding without a reason: the message appears on the
    card itself (htmx swaps the 422), nothing else on the page moves."""
    from kcc.handover import operations as handover
    from kcc.models import Team

    contact = _call(backstage, "bijstand")
    team = backstage.scalar(select(Team).where(Team.slug == "werk-en-inkomen"))
    task = handover.create_task(backstage, contact, team, handover.Context(STORY), utcnow(), created_by_id=None)
    backstage.commit()
    yvonne = screen()
    yvonne.login("yvonne")
    card = yvonne.page.locator(f"#task-{task.id}")
    card.get_by_role("button", name="Aan mij toewijzen").click()
    card.get_by_label("niet bereikt").check()
    expect(card.get_by_label("niet bereikt")).to_be_checked()
    card.get_by_role("button", name="Afronden").click()
    expect(card.locator(f"#complete-error-{task.id}")).to_have_text("schrijf een korte toelichting")
    expect(card.locator(".kcc-error-summary")).to_be_focused()  # read out first, with a link to the field
    expect(card.locator(".kcc-error-summary").get_by_role("link")).to_have_attribute("href", f"#complete-note-{task.id}")
    card.get_by_text("Doorsturen naar een ander team").click()
    card.get_by_role("button", name="Doorsturen").click()
    expect(card.locator(f"#forward-error-{task.id}")).to_have_text("schrijf een korte toelichting")
    expect(card.locator(f"#forward-error-{task.id}")).to_be_visible()  # the fold stays open to show it
    expect(card.locator(f"#complete-error-{task.id}")).to_have_count(0)  # each message beside its own field
    assert yvonne.axe() == []
    _shots(yvonne.page, "task-card-errors")


def test_declining_without_a_reason_is_said_on_screen_and_a_promised_deadline_shows_on_the_card(screen, backstage):
    """Ingrid declines a personal offer without saying why: the reason field says so, with a summary on top and
    the offer still there; with a reason it becomes her team's task, which shows the reason. A task whose
    deadline was promised earlier than the norm shows that promise verbatim (screenshots as artefacts)."""
    from datetime import timedelta

    from kcc.handover import operations as handover
    from kcc.models import Staff, Team

    team = backstage.scalar(select(Team).where(Team.slug == "wmo-consulenten"))
    early = _call(backstage, "huishoudelijke-hulp")
    norm = handover.norm_deadline(early, team, utcnow())
    promised = handover.Context("Mevrouw wil weten of de hulp voor de kerst kan beginnen.",
                                promised="Morgen vóór 12:00 bellen we u terug.", deadline=norm - timedelta(hours=1))
    task = handover.create_task(backstage, early, team, promised, utcnow(), created_by_id=None)
    sender = accounts.create_staff(backstage, accounts.StaffInput(
        username="joost", name="Joost Visser", roles=["agent"], skills=[("sociaal", "primary")], languages=["nl"],
        teams=[]), DEMO_PASSWORD, actor=Actor.system("test"))
    offered = _call(backstage, "huishoudelijke-hulp")
    offered.status, offered.owner_id, offered.answered_at = "in_progress", sender.id, utcnow()
    ingrid = backstage.scalar(select(Staff).where(Staff.username == "ingrid"))
    offer = handover.offer(backstage, offered, Actor.of(sender), handover.Context(STORY), utcnow(), timeout_s=600,
                           to_staff_id=ingrid.id)
    backstage.commit()

    window = screen()
    window.login("ingrid")
    window.page.get_by_role("button", name="Weigeren").click()
    summary = window.page.locator(f"#offer-{offer.id}-summary").locator("..")
    expect(summary).to_contain_text("schrijf waarom je de overdracht nu niet kunt aannemen")
    expect(summary).to_be_focused()
    expect(window.page.locator(f"#reason-{offer.id}-error")).to_be_visible()
    expect(window.page.get_by_label(re.compile("^Kan het nu niet"))).to_have_attribute("aria-invalid", "true")
    assert window.axe() == []
    window.page.get_by_label(re.compile("^Kan het nu niet")).fill("Ik zit de hele middag bij een huisbezoek.")
    window.page.get_by_role("button", name="Weigeren").click()
    expect(window.page.locator(f"#offer-{offer.id}-title")).to_have_count(0)
    assert [e for e in window.console_errors if "status of 422" not in e] == []  # the refusal itself, nothing else

    window.page.reload()
    expect(window.page.get_by_text("Ik zit de hele middag bij een huisbezoek.")).to_be_visible()
    card = window.page.locator(f"#task-{task.id}")
    expect(card.get_by_text("Morgen vóór 12:00 bellen we u terug.")).to_be_visible()
    expect(card.get_by_text(mail.when(promised.deadline), exact=False)).to_be_visible()
    card.scroll_into_view_if_needed()
    _shots(window.page, "task-card-promised")


def _shots(page, name):
    """Screenshots at the three widths, kept as test artefacts; each width must fit without sideways scroll."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (768, 1024, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})
