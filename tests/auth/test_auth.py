"""Login, throttling, session renewal, idle timeout, logout and the security headers."""
import time

from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.models import AuditLog
from tests.conftest import PASSWORD, csrf_from


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
