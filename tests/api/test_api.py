"""The API's authentication and error contract: bearer tokens only, JSON errors, no cookies."""
from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.staff.accounts import create_token


def _token(session, staff):
    _, plain = create_token(session, session.merge(staff), actor=Actor.system("test"))
    session.commit()
    return plain


def test_teams_lists_members_for_handover(client, session, make_staff):
    make_staff("ingrid", roles=["specialist"], teams=["wmo-consulenten"], name="Ingrid Mulder")
    token = _token(session, make_staff("fatima"))
    response = client.get("/api/v1/teams", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    teams = {t["slug"]: t for t in response.get_json()["teams"]}
    assert teams["wmo-consulenten"]["domain"] == "sociaal"
    assert teams["wmo-consulenten"]["members"] == [{"id": teams["wmo-consulenten"]["members"][0]["id"],
                                                    "name": "Ingrid Mulder"}]


def test_missing_or_bad_token_is_401_json(client):
    for headers in ({}, {"Authorization": "Bearer kcc_nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/teams", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        error = response.get_json()["error"]
        assert error["code"] == "unauthorized" and "kcc token create" in error["message"] and error["fields"] == {}


def test_web_session_cookie_is_not_accepted_by_the_api(client, auth, make_staff):
    make_staff("fatima")
    auth.login("fatima")
    assert client.get("/werkplek").status_code == 200
    assert client.get("/api/v1/teams").status_code == 401


def test_unknown_api_path_is_404_json(client, session, make_staff):
    token = _token(session, make_staff("fatima"))
    response = client.get("/api/v1/nothing-here", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_405_json(client, session, make_staff):
    token = _token(session, make_staff("fatima"))
    response = client.delete("/api/v1/teams", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"


def test_revoking_a_token_or_changing_roles_counts_from_the_next_call(api, session, telefonie):
    """The app keeps employees' profiles between calls; a change by an administrator must still count at once."""
    from kcc.models import ApiToken, Staff
    from kcc.staff import accounts

    fatima = api("fatima", roles=["agent"], skills=[("burgerzaken", "primary")])
    assert fatima.put("/me/presence", json={"state": "available"}).status_code == 200
    assert fatima.post("/me/next").status_code == 204  # agent: may take contacts
    staff = session.get(Staff, fatima.staff.id)
    accounts.update_staff(session, staff, accounts.StaffInput(
        username="fatima", name="Fatima", roles=["host"], skills=[("burgerzaken", "primary")], languages=["nl"],
        teams=[]), actor=Actor.system("test"))
    session.commit()
    assert fatima.post("/me/next").status_code == 403  # a host no longer takes contacts
    assert fatima.get("/me").get_json()["roles"] == ["host"]

    sociaal = telefonie.post("/contacts", json={"channel": "phone", "question": "", "domain": "sociaal"}).get_json()
    assert fatima.get(f"/contacts/{sociaal['id']}").status_code == 403  # sensitive, not her domain
    accounts.update_staff(session, staff, accounts.StaffInput(
        username="fatima", name="Fatima", roles=["agent"], skills=[("sociaal", "primary")], languages=["nl"],
        teams=[]), actor=Actor.system("test"))
    session.commit()
    assert fatima.get(f"/contacts/{sociaal['id']}").status_code == 200  # her new skill opens it

    token = session.scalars(select(ApiToken).where(ApiToken.staff_id == staff.id)).one()
    accounts.revoke_token(session, token.id, actor=Actor.system("test"))
    session.commit()
    assert fatima.get("/me").status_code == 401


def test_a_token_with_an_expiry_ends_by_itself(client, session, make_staff):
    from datetime import timedelta

    from kcc.core.timeutil import utcnow
    from kcc.models import ApiToken

    staff = make_staff("telefonie", roles=["integration"])
    _, plain = create_token(session, session.merge(staff), "leverancier test", actor=Actor.system("test"),
                            expires_at=utcnow() + timedelta(days=1))
    session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/queues", headers=headers).status_code == 200
    token = session.scalars(select(ApiToken)).one()
    assert token.last_used_at is not None  # when it was last used, for the administrator
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    response = client.get("/api/v1/queues", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
