"""A live kcc on SQLite with the demo data, and Debian's Chromium driven by Playwright (never a downloaded browser)."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from kcc import create_app
from kcc.cli import demo
from kcc.core.db import make_engine, make_sessionmaker

from ..conftest import CHROMIUM, require

DISPLAY_CODE = "the-lobby-display-code-in-tests"
AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def live_database(sqlite_template, tmp_path_factory) -> str:
    """The live server's database URL, for tests that make something happen behind the screens."""
    path = tmp_path_factory.mktemp("live") / "kcc.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def backstage(live_database):
    """A session on the live server's database, to let something happen while a person watches a screen."""
    engine = make_engine(live_database)
    session = make_sessionmaker(engine)()
    yield session
    session.close()
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_database):
    url = live_database
    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    demo.load(session)
    session.commit()
    session.close()
    engine.dispose()
    app = create_app({"DATABASE_URL": url}, environ={"KCC_ENV": "testing", "KCC_HANDOVER_TIMEOUT_S": "8",
                                                     "KCC_DISPLAY_CODE": DISPLAY_CODE})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["kcc.engine"].dispose()


@pytest.fixture(scope="session")
def browser():
    require(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM}, Debian package chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Screen:
    """One staff member's browser window; collects console errors (such as CSP violations) as it goes."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="nl-NL")
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))

    def login(self, username: str, password: str = demo.DEMO_PASSWORD):
        self.page.goto(self.base + "/inloggen")
        self.page.get_by_label("Gebruikersnaam").fill(username)
        self.page.get_by_label("Wachtwoord").fill(password)
        self.page.get_by_role("button", name="Inloggen").click()
        self.page.wait_for_load_state()

    def axe(self) -> list[dict]:
        """Serious and critical WCAG 2.1 A/AA violations on the current page."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
        return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                 "nodes": [n["target"] for n in v["nodes"]][:3]}
                for v in result["violations"] if v["impact"] in ("serious", "critical")]

    def close(self):
        self.context.close()


@pytest.fixture
def screen(browser, live_server):
    screens = []

    def open_screen() -> Screen:
        screens.append(Screen(browser, live_server))
        return screens[-1]

    yield open_screen
    for item in screens:
        item.close()
