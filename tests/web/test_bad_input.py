"""Bad input gets a 4xx that says what to fix, on both databases, on the screens and the API — never a 500, and
nothing written: ids too long for the database, control characters, JSON too deep or with a lone surrogate."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kcc.models import Contact
from tests.conftest import api_error, csrf_from

HUGE_IDS = [2**31, 2**63, 10**30]


@pytest.mark.parametrize("contact_id", HUGE_IDS)
def test_an_id_too_long_for_the_database_is_404_on_screens_and_api(client, auth, make_staff, telefonie, contact_id):
    make_staff("fatima")
    auth.login("fatima")
    assert client.get(f"/contact/{contact_id}").status_code == 404
    assert client.get(f"/contact/{contact_id}/termijn").status_code == 404
    api_error(telefonie.get(f"/contacts/{contact_id}"), 404, "not_found")
    api_error(telefonie.post(f"/contacts/{contact_id}/abandon", json={}), 404, "not_found")
    assert client.get(f"/contact/{2**31 - 1}").status_code == 404  # the largest id that fits: simply not there


def test_a_nul_byte_in_the_public_form_is_refused_with_the_field_named(client, session):
    page = client.get("/vraag").get_data(as_text=True)
    response = client.post("/vraag", data={"question": "paspoort\x00verlopen", "csrf_token": csrf_from(page)})
    assert response.status_code == 422
    assert "‘question’" in response.get_data(as_text=True) and "stuurteken" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_control_character_in_a_query_is_refused(client):
    assert client.get("/vraag?x=a%01b").status_code == 422


@pytest.mark.parametrize("question", ["paspoort\x00verlopen", "paspoort\x1bverlopen"])
def test_the_api_names_the_field_with_a_control_character(telefonie, session, question):
    error = api_error(telefonie.post("/contacts", json={"channel": "phone", "question": question}), 422,
                      "validation_failed")
    assert "question" in error["fields"]
    error = api_error(telefonie.post("/contacts", json={"channel": "phone", "question": "paspoort",
                                                        "citizen": {"name": "An\x00na"}}), 422, "validation_failed")
    assert "citizen.name" in error["fields"]
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_tabs_and_newlines_are_ordinary_text(telefonie):
    response = telefonie.post("/contacts", json={"channel": "phone", "question": "paspoort\tverlopen\r\nwat nu?"})
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.parametrize("body", [
    "[" * 10_000 + "]" * 10_000,
    '{"channel": "phone", "question": ' + "[" * 50 + "]" * 50 + "}",
    '{"channel": "phone", "question": "\\udc80"}',
    '{"channel": "phone", "\\ud800": "paspoort"}',
    '{"channel": "phone", "question": "paspoort"',
])
def test_json_too_deep_broken_or_with_a_lone_surrogate_is_400(telefonie, session, body):
    response = telefonie.post("/contacts", data=body, headers={"Content-Type": "application/json"})
    error = api_error(response, 400, "bad_request")
    assert "JSON" in error["message"] or "surrogate" in error["message"]
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_405_says_which_methods_are_allowed(client, telefonie):
    response = telefonie.open("DELETE", "/teams")
    assert response.status_code == 405 and set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}
    assert "POST" in client.get("/uitloggen").headers.get("Allow", "")
