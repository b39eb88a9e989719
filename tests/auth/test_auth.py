"""Login, throttling, session renewal, idle timeout, logout and the security headers."""
import re
import time

import pytest
from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.models import AuditLog, Desk, Staff
from kcc.queues import operations as queues
from kcc.web.redirects import same_site_path
from tests.conftest import PASSWORD, Auth, csrf_from


def _audit(session, action, result=None):
    query = select(AuditLog).where(AuditLog.action == action)
    if result:
        query = query.where(AuditLog.result == result)
    return session.scalars(query.order_by(AuditLog.id)).all()


def test_login_lands_on_the_roles_start_screen(client, auth, make_staff, session):
    make_staff("hanna", roles=["host"])
    response = auth.login("hanna")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/lobby"
    assert client.get("/lobby").status_code == 200
    assert _audit(session, "session.login", "ok")[-1].actor_name == "hanna"


def test_wrong_password_says_so_and_is_audited(client, auth, make_staff, session):
    make_staff("hanna")
    response = auth.login("hanna", "wrong-password-123")
    assert response.status_code == 400
    assert "Gebruikersnaam of wachtwoord klopt niet" in response.get_data(as_text=True)
    assert 'value="hanna"' in response.get_data(as_text=True)  # what was typed stays
    entry = _audit(session, "session.login", "failure")[-1]
    assert entry.actor_name == "hanna" and entry.origin == "127.0.0.1"
    assert "wrong-password" not in entry.detail


def test_unknown_user_gets_the_same_answer(auth):
    response = auth.login("nobody", "whatever-password")
    assert response.status_code == 400 and "klopt niet" in response.get_data(as_text=True)


def test_account_is_throttled_after_five_failures_even_with_right_password(auth, make_staff, session):
    make_staff("hanna")
    for _ in range(5):
        assert auth.login("hanna", "wrong-password-123").status_code == 400
    response = auth.login("hanna", PASSWORD)
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)
    assert _audit(session, "session.login", "throttled")


def test_address_is_throttled_across_accounts(app, auth, make_staff):
    app.config["KCC"] = app.config["KCC"].__class__(**{**app.config["KCC"].__dict__, "login_max_failures_ip": 3})
    make_staff("hanna")
    for name in ("a1", "a2", "a3"):
        auth.login(name, "wrong-password-123")
    assert auth.login("hanna", PASSWORD).status_code == 429


def test_session_is_renewed_at_login(client, auth, make_staff):
    make_staff("hanna")
    client.get("/inloggen")
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
        anonymous_csrf = before.get("csrf_token")
    auth.login("hanna")
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after.get("sid") and after.get("csrf_token") != anonymous_csrf


def test_session_cookie_is_httponly_and_samesite(client, auth, make_staff):
    make_staff("hanna")
    response = auth.login("hanna")
    cookie = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("kcc_session=")][-1]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_idle_session_ends(client, auth, make_staff, session):
    make_staff("hanna", roles=["host"])
    auth.login("hanna")
    with client.session_transaction() as state:
        state["last_seen"] = int(time.time()) - 31 * 60
    response = client.get("/lobby")
    assert response.status_code == 302 and response.headers["Location"].startswith("/inloggen")
    assert client.get("/lobby").status_code == 302  # logged out for good
    assert _audit(session, "session.timeout")


def test_a_screen_polling_by_itself_does_not_keep_the_session_alive(client, auth, make_staff):
    make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")])
    auth.login("anna")
    with client.session_transaction() as state:
        state["last_seen"] = int(time.time()) - 29 * 60
    poll = {"HX-Request": "true", "X-KCC-Poll": "1"}
    assert client.get("/werkplek/wachtrij", headers=poll).status_code == 200
    with client.session_transaction() as state:
        assert int(time.time()) - state["last_seen"] >= 29 * 60  # the poll did not count as activity
        state["last_seen"] = int(time.time()) - 31 * 60
    response = client.get("/werkplek/wachtrij", headers=poll)
    assert response.status_code == 302 and response.headers["HX-Redirect"].startswith("/inloggen")


def test_activity_keeps_the_session(client, auth, make_staff):
    make_staff("hanna", roles=["host"])
    auth.login("hanna")
    with client.session_transaction() as state:
        state["last_seen"] = int(time.time()) - 29 * 60
    assert client.get("/lobby").status_code == 200


def test_logout_ends_the_session(client, auth, make_staff, session):
    make_staff("hanna", roles=["host"])
    auth.login("hanna")
    assert auth.logout().status_code == 302
    assert client.get("/lobby").status_code == 302
    assert _audit(session, "session.logout", "ok")


def test_password_change_ends_existing_sessions(client, auth, make_staff, session):
    from kcc.staff.accounts import set_password
    staff = make_staff("hanna", roles=["host"])
    auth.login("hanna")
    set_password(session, staff, "a-brand-new-password", actor=Actor.system("test"))
    session.commit()
    assert client.get("/lobby").status_code == 302


def test_login_form_without_csrf_token_is_refused(client, make_staff):
    make_staff("hanna")
    response = client.post("/inloggen", data={"username": "hanna", "password": PASSWORD})
    assert response.status_code == 400
    assert "formulier was verlopen" in response.get_data(as_text=True)


def test_next_only_goes_to_our_own_site(client, make_staff):
    make_staff("hanna", roles=["host"])
    page = client.get("/inloggen?next=//evil.example/steal")
    response = client.post("/inloggen", data={"username": "hanna", "password": PASSWORD, "next": "//evil.example/x",
                                              "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.headers["Location"] == "/"


BYPASSES = ["//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
            "/\n/evil.example", "/%09/evil.example", "/%2F%2Fevil.example", "/%2f/evil.example", "/%5Cevil.example",
            "https://evil.example/", "http:evil.example", "javascript:alert(1)", " /werkplek", "/werkplek\r\nSet-Cookie: x=1",
            "evil.example", "/../../evil", "/%0d%0aLocation:%20//evil.example", "", None]


@pytest.mark.parametrize("target", BYPASSES)
def test_a_return_address_elsewhere_is_refused(target):
    assert same_site_path(target) is None


@pytest.mark.parametrize("target", ["/", "/werkplek", "/contact/12?tab=tijdlijn", "/vloer?domein=sociaal&x=a%20b"])
def test_a_return_address_here_is_kept(target):
    assert same_site_path(target) == target


@pytest.mark.parametrize("target", ["/%09/evil.example", "/\t/evil.example", "/\nevil", "//evil.example"])
def test_login_and_language_switch_never_send_someone_elsewhere(client, make_staff, target):
    make_staff("hanna", roles=["host"])
    page = client.get("/inloggen", query_string={"next": target})
    assert page.status_code == 200
    response = client.post("/inloggen", data={"username": "hanna", "password": PASSWORD, "next": target,
                                              "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    switched = client.post("/taal", data={"lang": "en", "next": target,
                                          "csrf_token": csrf_from(client.get("/", follow_redirects=True).get_data(as_text=True))})
    assert switched.status_code == 302 and switched.headers["Location"] == "/"


def test_security_headers_forbid_inline_script(client):
    response = client.get("/inloggen")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    body = response.get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body


def test_english_is_available(client, make_staff):
    page = client.get("/inloggen")
    client.post("/taal", data={"lang": "en", "next": "/inloggen", "csrf_token": csrf_from(page.get_data(as_text=True))})
    body = client.get("/inloggen").get_data(as_text=True)
    assert '<html lang="en">' in body and "Log in" in body and "User name" in body
    assert "Inloggen" not in body and "Gebruikersnaam" not in body


def test_forwarded_address_is_used_only_behind_a_configured_proxy(database_url, make_staff, session):
    """Anyone can send X-Forwarded-For; only with KCC_PROXIES set does the audit log take the proxy's word."""
    from kcc import create_app

    make_staff("hanna")
    for proxies, origin in (("0", "127.0.0.1"), ("1", "203.0.113.7")):
        app = create_app({"DATABASE_URL": database_url, "TESTING": True},
                         environ={"KCC_ENV": "testing", "KCC_PROXIES": proxies})
        client = app.test_client()
        page = client.get("/inloggen")
        client.post("/inloggen", data={"username": "hanna", "password": "wrong-password-123",
                                       "csrf_token": csrf_from(page.get_data(as_text=True))},
                    headers={"X-Forwarded-For": "203.0.113.7"})
        app.extensions["kcc.engine"].dispose()
        assert _audit(session, "session.login", "failure")[-1].origin == origin


# --- choosing a desk at login (issue 12: desks that call) ---------------------------------------------

@pytest.fixture
def desks(session):
    """Desks 3, 9 and 10 in use, desk 4 no longer."""
    made = {number: Desk(number=number, label=f"Balie {number} — burgerzaken" if number != "9" else "", active=active)
            for number, active in (("10", True), ("3", True), ("4", False), ("9", True))}
    session.add_all(made.values())
    session.commit()
    return made


def _login_at(client, username, desk, password=PASSWORD):
    """Log in through the form with a desk chosen in its select."""
    page = client.get("/inloggen").get_data(as_text=True)
    return client.post("/inloggen", data={"username": username, "password": password, "desk": desk,
                                          "csrf_token": csrf_from(page)})


def _staff(session, username):
    session.expire_all()
    return session.scalar(select(Staff).where(Staff.username == username))


def test_the_login_form_offers_the_active_desks_in_number_order_with_a_label(client, desks):
    html = client.get("/inloggen").get_data(as_text=True)
    assert '<label class="utrecht-form-label" for="desk">Aan welke balie zit je? (niet verplicht)</label>' in html
    options = re.findall(r'<option (?:selected )?value="([^"]*)">([^<]*)</option>', html)
    assert options == [("", "Geen balie (telefoon en schriftelijk)"), ("3", "Balie 3 — burgerzaken"),
                       ("9", "Balie 9"), ("10", "Balie 10 — burgerzaken")]  # 10 after 9; desk 4 is not in use


def test_without_desks_the_login_form_asks_nothing_about_them(client):
    assert 'name="desk"' not in client.get("/inloggen").get_data(as_text=True)


def test_an_agent_who_chooses_a_desk_at_login_sits_there(client, make_staff, session, desks):
    make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")])
    response = _login_at(client, "anna", "3")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    anna = _staff(session, "anna")
    assert anna.desk_id == desks["3"].id
    assert anna.presence == "paused" and anna.last_seen_at is not None  # at the desk: no longer offline
    workspace = client.get("/werkplek").get_data(as_text=True)
    assert '<option value="3" selected>Balie 3 — burgerzaken</option>' in workspace
    # a colleague who picks the same desk a moment later hears it is taken, and anna keeps it
    make_staff("bram", roles=["agent"], skills=[("burgerzaken", "primary")])
    other = client.application.test_client()
    page = other.get("/inloggen").get_data(as_text=True)
    other.post("/inloggen", data={"username": "bram", "password": "correct-horse-battery", "desk": "3",
                                  "csrf_token": csrf_from(page)})
    session.expire_all()
    assert _staff(session, "bram").desk_id is None and _staff(session, "anna").desk_id == desks["3"].id


def test_no_desk_at_login_stands_an_agent_up_from_yesterdays_desk(client, make_staff, session, desks):
    anna = make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")])
    queues.set_presence(session, anna, "offline", utcnow(), desk_number="3", desk_given=True)
    session.commit()
    assert _login_at(client, "anna", "").status_code == 302
    assert _staff(session, "anna").desk_id is None


def test_a_desk_a_colleague_sits_at_logs_in_but_says_so_and_does_not_seat(client, make_staff, session, desks):
    noor = make_staff("noor", roles=["agent"], skills=[("burgerzaken", "primary")], name="Noor Bakker")
    queues.set_presence(session, noor, "available", utcnow(), desk_number="3", desk_given=True)
    session.commit()
    make_staff("sanne", roles=["agent", "lead"], skills=[("burgerzaken", "primary")])
    response = _login_at(client, "sanne", "3")
    assert response.status_code == 302 and response.headers["Location"] == "/werkplek"  # where one chooses again
    page = client.get("/werkplek")
    assert page.status_code == 200  # logged in all the same
    assert "Balie 3 is bezet door Noor Bakker; kies een andere balie." in page.get_data(as_text=True)
    assert _staff(session, "sanne").desk_id is None
    assert _staff(session, "noor").desk_id == desks["3"].id
    assert _audit(session, "session.login", "ok")[-1].actor_name == "sanne"


def test_a_desk_not_on_the_list_is_a_form_error_and_nobody_logs_in(client, make_staff, session, desks):
    make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")])
    for forged in ("4", "99"):  # a desk no longer in use, one that never was
        response = _login_at(client, "anna", forged)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Kies een balie uit de lijst." in html and 'aria-invalid="true"' in html
        assert 'value="anna"' in html  # what was typed stays
        assert client.get("/werkplek").status_code == 302  # not logged in
    assert _audit(session, "session.login") == [] and _staff(session, "anna").desk_id is None


@pytest.mark.parametrize("roles", [["host"], ["admin"]], ids=["host", "admin"])
def test_someone_who_takes_no_contacts_is_not_seated_by_the_desk_choice(client, make_staff, session, desks, roles):
    make_staff("hanna", roles=roles)
    response = _login_at(client, "hanna", "3")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _staff(session, "hanna").desk_id is None
    assert "utrecht-alert--warning" not in client.get("/", follow_redirects=True).get_data(as_text=True)  # silently


def test_what_was_typed_as_an_unknown_user_name_is_kept_only_as_a_short_hash(auth, session):
    auth.login("Zomer2026!geheim", "whatever-password")  # a password typed into the wrong field
    entry = _audit(session, "session.login", "failure")[-1]
    assert entry.actor_name.startswith("onbekend:") and "zomer" not in entry.actor_name.lower()
    assert "Zomer2026" not in entry.detail


def test_a_stranger_guessing_from_one_address_does_not_lock_the_administrator_out(app, make_staff):
    make_staff("beheer", roles=["admin"])
    stranger, desk = Auth(app.test_client()), Auth(app.test_client())
    stranger.client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    desk.client.environ_base["REMOTE_ADDR"] = "10.20.0.15"
    for _ in range(6):
        stranger.login("beheer", "raden-raden-raden")
    assert stranger.login("beheer", PASSWORD).status_code == 429  # that address is stopped ...
    assert desk.login("beheer", PASSWORD).status_code == 302  # ... the administrator at her desk is not


def test_refused_tokens_and_forms_are_audited_but_cannot_flood_the_log(client, session):
    for _ in range(5):
        assert client.get("/api/v1/queues", headers={"Authorization": "Bearer kcc_guess"}).status_code == 401
        assert client.post("/vraag", data={"question": "paspoort"}).status_code == 400  # no CSRF token
    tokens = _audit(session, "api.token_refused")
    forms = _audit(session, "request.csrf_refused")
    assert len(tokens) == 1 and tokens[0].result == "denied" and "kcc_guess" not in tokens[0].detail
    assert len(forms) == 1 and forms[0].object_id == "public.question"


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    import stat

    from kcc.core.db import make_engine

    path = tmp_path / "kcc.sqlite3"
    with make_engine(f"sqlite:///{path}").connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_forty_simultaneous_guesses_get_at_most_the_limit_of_password_checks(app, make_staff, session):
    """Throttling holds under concurrency: the account's row is locked while its password is checked, so each
    guess counts the failures of the guesses before it (SQLite's writers go one at a time already)."""
    from concurrent.futures import ThreadPoolExecutor

    make_staff("beheer", roles=["admin"])
    pages = []
    for _ in range(40):
        guesser = app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = "198.51.100.7"
        pages.append((guesser, csrf_from(guesser.get("/inloggen").get_data(as_text=True))))

    def guess(pair):
        guesser, token = pair
        return guesser.post("/inloggen", data={"username": "beheer", "password": "raden-raden-raden",
                                               "csrf_token": token}).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(guess, pages))
    session.expire_all()
    checked = _audit(session, "session.login", "failure")
    assert len(checked) == 5, answers  # KCC_LOGIN_MAX_FAILURES: five passwords checked, no more
    assert answers.count(400) == 5 and answers.count(429) == 35
