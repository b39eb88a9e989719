"""The citizen's web form in Chromium: the counter shows the limit while typing; an over-long text is refused
with the message on screen and kept, never cut."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_question_counter_and_the_refusal_of_a_long_text(screen):
    window = screen()
    page = window.page
    page.goto(window.base + "/vraag")
    question = page.get_by_label("Wat is uw vraag?")
    question.fill("Mijn container is niet geleegd.")
    expect(page.locator("#question-count")).to_have_text("nog 1969 tekens over")
    long_text = "Mijn container is niet geleegd. " * 70  # 2,240 characters: a paste the browser must not cut
    question.fill(long_text)
    expect(question).to_have_value(long_text)
    expect(page.locator("#question-count")).to_have_text("240 tekens te veel")
    page.get_by_role("button", name="Verstuur mijn vraag").click()
    expect(page.get_by_text("Uw vraag is te lang. Gebruik maximaal 2000 tekens.")).to_be_visible()
    expect(page.get_by_label("Wat is uw vraag?")).to_have_value(long_text.rstrip("\n"))
    assert window.axe() == []
    assert [e for e in window.console_errors if "status of 422" not in e] == []  # only the refusal itself
