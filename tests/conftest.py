"""Fixtures: an app per test on SQLite and on a throwaway PostgreSQL, a test client, factories, helpers.

With CI=true, PostgreSQL and Chromium are required: their absence fails the run instead of skipping.
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from kcc import create_app
from kcc.content.domains import load_dir, sync
from kcc.core import migrate
from kcc.core.actor import Actor
from kcc.core.db import make_engine, make_sessionmaker
from kcc.staff.accounts import StaffInput, create_staff, create_token

from .pgserver import PgServer, find_bindir

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ROOT / "domains"
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct-horse-battery"
CHROMIUM = os.environ.get("KCC_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session", autouse=True)
def router_model():
    """The router's trained model, as `make run` keeps it (instance/router-model.npz): trained here once when it is
    missing or of other content, so every test routes as production does — rules and model together."""
    from kcc.content import training
    from kcc.content.model import Model

    specs, problems = load_dir(DOMAINS)
    assert not problems, problems
    path = Path.cwd() / "instance" / "router-model.npz"
    try:
        current = training.is_current(Model.load(path), specs, DOMAINS)
    except ValueError:
        current = False
    if not current:
        training.train_artefact(specs, DOMAINS, path)
    return path


def require(present: bool, what: str) -> None:
    """Skip with a reason on a developer machine; fail in CI, where every part must be tested."""
    if not present:
        message = f"{what} is not installed; install it (see .ci/run) to run these tests"
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)


def pytest_report_header(config):
    bindir = find_bindir()
    return [f"PostgreSQL binaries: {bindir or 'MISSING: PostgreSQL tests will be skipped'}",
            f"Chromium: {CHROMIUM if Path(CHROMIUM).exists() else 'MISSING: browser tests will be skipped'}"]


def _prepare(url: str) -> None:
    """Migrate and load the shipped domains: the state every test starts from."""
    migrate.upgrade(url)
    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    specs, problems = load_dir(DOMAINS)
    assert not problems, problems
    sync(session, specs)
    session.commit()
    session.close()
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "kcc.sqlite3"
    _prepare(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_server():
    bindir = find_bindir()
    require(bindir is not None, "PostgreSQL (Debian package postgresql)")
    server = PgServer(bindir)
    server.start()
    server.admin("CREATE DATABASE kcc_template")
    _prepare(server.url("kcc_template"))
    yield server
    server.stop()


_counter = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request, tmp_path):
    """A fresh, migrated database with the domains loaded, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "kcc.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"kcc_test_{os.getpid()}_{next(_counter)}"
    server.admin(f"CREATE DATABASE {name} TEMPLATE kcc_template")
    yield server.url(name)
    server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def app(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True}, environ={"KCC_ENV": "testing"})
    yield app
    app.extensions["kcc.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    """A database session of its own, as another process would see the data (it never holds the write lock)."""
    session = make_sessionmaker(app.extensions["kcc.engine"], writer=False)()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def make_staff(session):
    """Factory: make_staff('anna', roles=['agent'], skills=[('burgerzaken', 'primary')])."""
    def make(username: str, roles=("agent",), skills=(), languages=("nl",), teams=(), password=PASSWORD, name=None):
        staff = create_staff(session, StaffInput(username=username, name=name or username.title(), roles=list(roles),
                                                 skills=list(skills), languages=list(languages), teams=list(teams)),
                             password, actor=Actor.system("test"))
        session.commit()
        return staff
    return make


TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = TOKEN_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class Auth:
    """Logs in through the real form, CSRF token included."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD, follow: bool = False):
        page = self.client.get("/inloggen")
        return self.client.post("/inloggen", data={"username": username, "password": password,
                                                   "csrf_token": csrf_from(page.get_data(as_text=True))},
                                follow_redirects=follow)

    def post(self, path: str, data: dict, page: str | None = None, **kwargs):
        """POST a form with the CSRF token taken from the page it lives on."""
        html = self.client.get(page or path).get_data(as_text=True)
        return self.client.post(path, data={**data, "csrf_token": csrf_from(html)}, **kwargs)

    def logout(self):
        html = self.client.get("/", follow_redirects=True).get_data(as_text=True)
        return self.client.post("/uitloggen", data={"csrf_token": csrf_from(html)})


@pytest.fixture
def auth(client):
    return Auth(client)


# --- API callers -------------------------------------------------------------------------------------

@pytest.fixture
def api(client, session, make_staff):
    """api('fatima', roles=..., skills=...) → a caller: call.post(path, json=...) with its bearer token."""
    class Caller:
        def __init__(self, staff, token):
            self.staff, self.token = staff, token

        def open(self, method, path, **kwargs):
            headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
            return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

        def get(self, path, **kw):
            return self.open("GET", path, **kw)

        def post(self, path, **kw):
            return self.open("POST", path, **kw)

        def put(self, path, **kw):
            return self.open("PUT", path, **kw)

    def make(username, roles=("agent",), skills=(("burgerzaken", "primary"),), languages=("nl",)):
        staff = make_staff(username, roles=list(roles), skills=list(skills), languages=list(languages))
        _, token = create_token(session, session.merge(staff), actor=Actor.system("test"))
        session.commit()
        return Caller(staff, token)
    return make


@pytest.fixture
def telefonie(api):
    return api("telefonie", roles=["integration"], skills=[])


def api_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    return error


# --- a real SMTP server (aiosmtpd) for mail to citizens ---------------------------------------------------

class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_mail(inbox: Inbox, subject: str) -> list:
    """The SMTP server takes messages on its own thread: those with this subject, once one has arrived (≤ 5 s)."""
    for _ in range(100):
        found = [message for message in inbox.messages if message["Subject"] == subject]
        if found:
            return found
        time.sleep(0.05)
    return []
