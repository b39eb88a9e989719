"""The counter agenda in a browser: a booking with a mistake says what to fix and keeps what was typed; a CSV file
with a bad row lists every bad line on screen and books nothing; at 768, 1024 and 1366 px, passing axe-core."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from kcc.core.timeutil import local, utcnow
from kcc.models import Appointment

from .test_lobby import SHOTS, counters_open, fits  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
WIDTHS = (768, 1024, 1366)


def test_the_agenda_books_and_reads_a_file_showing_every_mistake(screen, backstage, counters_open, tmp_path):  # noqa: F811
    window = screen()
    page = window.page
    window.login("fatima")
    before = backstage.scalar(select(func.count()).select_from(Appointment))
    backstage.rollback()
    day = (local(utcnow()).date() + timedelta(days=1)).isoformat()
    page.goto(f"{window.base}/afspraken?dag={day}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert fits(page) and window.axe() == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"agenda-{width}.png"), full_page=True)

    page.get_by_label("Tijd", exact=True).fill("10:30")
    page.get_by_label("Onderwerp").select_option(label="Paspoort aanvragen of verlengen")
    page.get_by_label("E-mailadres voor de bevestiging (niet verplicht)").fill("kees@")
    page.get_by_role("button", name="Maak afspraak").click()
    expect(page.locator("#new-name-error")).to_contain_text("schrijf de naam op")
    expect(page.locator("#new-email-error")).to_contain_text("e-mailadres")
    assert page.get_by_label("Onderwerp").input_value() == "burgerzaken/paspoort"
    assert page.get_by_label("Tijd", exact=True).input_value() == "10:30"
    assert window.axe() == []
    page.get_by_label("Naam, zoals de bezoeker die geeft (voornaam of voorletters mag)").fill("Kees Bos")
    page.get_by_label("E-mailadres voor de bevestiging (niet verplicht)").fill("kees@example.nl")
    page.get_by_role("button", name="Maak afspraak").click()
    expect(page.locator(".kcc-flash, [role=status]").first).to_contain_text("Code:")
    expect(page.get_by_role("cell", name="Kees Bos", exact=True)).to_be_visible()

    bad = tmp_path / "woensdag.csv"
    bad.write_text("tijd;onderwerp;naam;e-mail\n09:00;burgerzaken/paspoort;Anna;\n09:7x;burgerzaken/paspoort;Bram;\n"
                   "09:30;vuurwerk;Cor;\n")
    page.get_by_label("CSV-bestand", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Lees in").click()
    expect(page.get_by_role("alert").first).to_contain_text("woensdag.csv is niet ingelezen")
    problems = page.get_by_role("table", name="Wat er mis is, per regel")
    expect(problems.get_by_role("row", name="3")).to_contain_text("schrijf de tijd als 10:30")
    expect(problems.get_by_role("row", name="4")).to_contain_text("onbekend onderwerp vuurwerk")
    assert fits(page) and window.axe() == []
    page.screenshot(path=str(SHOTS / "agenda-import-errors.png"), full_page=True)
    assert backstage.scalar(select(func.count()).select_from(Appointment)) == before + 1  # Kees only
    backstage.rollback()
