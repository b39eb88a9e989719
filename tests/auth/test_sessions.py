"""Sessions kept on the server: a cookie saved before logout, a new password, deactivation, new roles or an
administrator's end opens nothing; a login ends after its lifetime however active; the administrator sees and ends
an employee's sessions."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.models import AuditLog, WebSession
from kcc.staff import accounts
from tests.conftest import Auth, csrf_from


def _cookie(client) -> str:
    return client.get_cookie("kcc_session").value


def _replay(client, cookie: str, path: str = "/lobby"):
    """What someone who copied the cookie earlier gets now."""
    client.set_cookie("kcc_session", cookie)
    return client.get(path)


def test_a_cookie_saved_before_logout_opens_nothing_after_it(client, auth, make_staff):
    make_staff("hanna", roles=["host"])
    auth.login("hanna")
    saved = _cookie(client)
    assert client.get("/lobby").status_code == 200
    assert auth.logout().status_code == 302
    response = _replay(client, saved)
    assert response.status_code == 302 and response.headers["Location"].startswith("/inloggen")


@pytest.mark.parametrize("change", ["password", "roles", "deactivated"])
def test_a_new_password_deactivation_or_new_roles_end_sessions_at_once(client, auth, make_staff, session, change):
    staff = make_staff("hanna", roles=["host"])
    auth.login("hanna")
    assert client.get("/lobby").status_code == 200
    system = Actor.system("test")
    if change == "password":
        accounts.set_password(session, staff, "een-heel-nieuw-wachtwoord", actor=system)
    elif change == "roles":
        accounts.set_roles(session, staff, ["host", "agent"], actor=system)
    else:
        data = accounts.StaffInput(username="hanna", name="Hanna", roles=["host"], skills=[], languages=["nl"],
                                   teams=[], active=False)
        accounts.update_staff(session, staff, data, actor=system)
    session.commit()
    assert client.get("/lobby").status_code == 302
    row = session.scalars(select(WebSession)).one()
    assert row.ended_why == change and row.ended_at is not None


def test_an_idle_timeout_closes_the_session_on_the_server_too(client, auth, make_staff, session):
    import time

    make_staff("hanna", roles=["host"])
    auth.login("hanna")
    saved = _cookie(client)
    with client.session_transaction() as state:
        state["last_seen"] = int(time.time()) - 31 * 60
    assert client.get("/lobby").status_code == 302
    assert session.scalars(select(WebSession)).one().ended_why == "timeout"
    with client.session_transaction() as state:  # even a cookie with a fresh last_seen opens nothing now
        state.update({"last_seen": int(time.time())})
    assert _replay(client, saved).status_code == 302


def test_a_login_ends_after_its_lifetime_however_active(client, auth, make_staff, session):
    make_staff("hanna", roles=["host"])
    auth.login("hanna")
    assert client.get("/lobby").status_code == 200
    row = session.scalars(select(WebSession)).one()
    row.created_at -= timedelta(hours=10, minutes=1)  # logged in this morning, busy all day
    session.commit()
    response = client.get("/lobby")
    assert response.status_code == 302 and response.headers["Location"].startswith("/inloggen")
    assert "Je sessie is beëindigd" in client.get("/inloggen").get_data(as_text=True)


def test_the_administrator_sees_and_ends_an_employees_sessions(app, client, auth, make_staff, session):
    hanna = make_staff("hanna", roles=["host"])
    make_staff("beheer", roles=["admin"])
    tablet, desk = app.test_client(), app.test_client()
    Auth(tablet).login("hanna")
    Auth(desk).login("hanna")
    auth.login("beheer")
    page = client.get(f"/beheer/medewerkers/{hanna.id}").get_data(as_text=True)
    assert page.count(">Beëindigen<") == 2 and "Alle sessies van Hanna beëindigen" in page
    first = session.scalars(select(WebSession).where(WebSession.staff_id == hanna.id).order_by(WebSession.id)).first()
    response = client.post(f"/beheer/medewerkers/{hanna.id}/sessies/{first.id}/beeindigen",
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert tablet.get("/lobby").status_code == 302 and desk.get("/lobby").status_code == 200
    page = client.get(f"/beheer/medewerkers/{hanna.id}").get_data(as_text=True)
    assert page.count(">Beëindigen<") == 1
    client.post(f"/beheer/medewerkers/{hanna.id}/sessies/beeindigen", data={"csrf_token": csrf_from(page)})
    assert desk.get("/lobby").status_code == 302
    assert "Hanna is nu nergens ingelogd" in client.get(f"/beheer/medewerkers/{hanna.id}").get_data(as_text=True)
    assert session.scalars(select(AuditLog).where(AuditLog.action == "session.ended")).all()
    assert client.post(f"/beheer/medewerkers/{hanna.id}/sessies/{first.id}/beeindigen",
                       data={"csrf_token": csrf_from(page)}).status_code == 404  # already ended


def test_only_an_administrator_ends_sessions(client, auth, make_staff):
    hanna = make_staff("hanna", roles=["host"])
    make_staff("ahmed", roles=["lead"])
    auth.login("ahmed")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    response = client.post(f"/beheer/medewerkers/{hanna.id}/sessies/beeindigen", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 403
