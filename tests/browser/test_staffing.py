"""The lead's staffing help in a browser: the suggestion, a mistake said at its field, at three widths, axe-clean."""
import pytest
from playwright.sync_api import expect

from .test_lobby import SHOTS, fits

pytestmark = pytest.mark.browser


def test_the_staffing_page_reads_at_every_width(screen):
    window = screen()
    page = window.page
    window.login("ahmed")
    page.goto(window.base + "/vloer")
    page.get_by_role("link", name="Bezetting per half uur (Erlang C)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bezetting per half uur")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (768, 1024, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert fits(page) and window.axe() == []
        page.screenshot(path=str(SHOTS / f"staffing-{width}.png"), full_page=True)
    page.get_by_label("Doel (procent binnen de tijd)").fill("150")
    page.get_by_role("button", name="Reken uit").click()
    expect(page.locator("#staffing-doel-error")).to_have_text("een percentage van 1 tot 99")
    assert page.get_by_label("Doel (procent binnen de tijd)").input_value() == "150"
    assert window.axe() == []
