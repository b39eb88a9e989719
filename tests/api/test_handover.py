"""The handover, task and indicator API as docs/api.md specifies it."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kcc.core.timeutil import utcnow
from kcc.models import Handover, Task
from tests.conftest import api_error

STORY = {"summary": "Mevrouw (82) is gevallen, kan niet meer zelf douchen; dochter belt namens haar.",
         "done": "Adres en telefoon gecontroleerd.", "promised": "Vandaag nog contact van een Wmo-consulent."}


@pytest.fixture
def in_hand(api, telefonie):
    """Pieter (sociaal) has a phone contact in progress: (pieter, contact id)."""
    pieter = api("pieter", skills=[("sociaal", "primary")])
    pieter.put("/me/presence", json={"state": "available"})
    telefonie.post("/contacts", json={"channel": "phone", "question": "", "domain": "sociaal",
                                      "topic": "huishoudelijke-hulp",
                                      "citizen": {"name": "Els", "email": "els@example.nl"}})
    return pieter, pieter.post("/me/next").get_json()["id"]


@pytest.fixture
def ingrid(api):
    return api("ingrid", roles=["specialist"], skills=[])


def _join_team(session, caller, slug):
    from kcc.models import Staff, Team
    staff = session.get(Staff, caller.staff.id)
    staff.teams.append(session.scalar(select(Team).where(Team.slug == slug)))
    session.commit()


def test_a_warm_handover_to_a_team_is_read_then_accepted(in_hand, ingrid, session):
    pieter, contact_id = in_hand
    _join_team(session, ingrid, "wmo-consulenten")
    created = pieter.post(f"/contacts/{contact_id}/handover", json={"to": {"team": "wmo-consulenten"}, "context": STORY})
    assert created.status_code == 201
    offer = created.get_json()["handover"]
    assert offer["status"] == "offered" and offer["expires_at"]
    assert pieter.get(f"/contacts/{contact_id}").get_json()["status"] == "handover_offered"
    read = ingrid.get(f"/handovers/{offer['id']}").get_json()
    assert read["context"] == STORY
    accepted = ingrid.post(f"/handovers/{offer['id']}/accept")
    assert accepted.status_code == 200
    body = accepted.get_json()
    assert body["status"] == "in_progress" and body["owner"]["name"] == "Ingrid"
    assert [e["type"] for e in body["events"]][-2:] == ["handover_offered", "handover_accepted"]
    api_error(ingrid.post(f"/handovers/{offer['id']}/accept"), 409, "conflict")


@pytest.mark.parametrize("body, field", [
    ({"to": {"team": "wmo-consulenten"}, "context": {"summary": "   "}}, "context.summary"),
    ({"to": {"team": "wmo-consulenten"}, "context": {"summary": "bel terug"}}, "context.summary"),
    ({"to": {"team": "wmo-consulenten"}}, "context.summary"),
    ({"to": {"staff": 999999}, "context": STORY}, "to.staff"),
    ({"to": {"team": "onbekend"}, "context": STORY}, "to.team"),
    ({"to": {"staff": 1, "team": "wmo-consulenten"}, "context": STORY}, "to"),
    ({"to": {"team": "wmo-consulenten"}, "context": STORY, "urgent": True}, "urgent"),
])
def test_bad_handovers_are_422_and_the_contact_stays(in_hand, body, field):
    pieter, contact_id = in_hand
    error = api_error(pieter.post(f"/contacts/{contact_id}/handover", json=body), 422, "validation_failed")
    assert field in error["fields"]
    assert pieter.get(f"/contacts/{contact_id}").get_json()["status"] == "in_progress"


def test_handing_over_to_oneself_or_someone_elses_contact(in_hand, api):
    pieter, contact_id = in_hand
    api_error(pieter.post(f"/contacts/{contact_id}/handover", json={"to": {"staff": pieter.staff.id}, "context": STORY}),
           422, "validation_failed")
    marieke = api("marieke", skills=[("sociaal", "primary")])
    api_error(marieke.post(f"/contacts/{contact_id}/handover", json={"to": {"team": "wmo-consulenten"}, "context": STORY}),
           409, "conflict")


def test_not_the_target_is_403_and_expired_is_409_with_a_task(in_hand, ingrid, api, session):
    pieter, contact_id = in_hand
    offer = pieter.post(f"/contacts/{contact_id}/handover",
                        json={"to": {"staff": ingrid.staff.id}, "context": STORY}).get_json()["handover"]
    bas = api("bas", roles=["specialist"], skills=[])
    api_error(bas.post(f"/handovers/{offer['id']}/accept"), 403, "forbidden")
    session.execute(update(Handover).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    api_error(ingrid.post(f"/handovers/{offer['id']}/accept"), 409, "conflict")
    assert pieter.get(f"/contacts/{contact_id}").get_json()["status"] == "callback_scheduled"
    session.expire_all()
    assert session.scalars(select(Task)).one().owner_id == ingrid.staff.id  # named to her


def test_decline_becomes_a_task_the_team_works(in_hand, ingrid, api, session):
    pieter, contact_id = in_hand
    _join_team(session, ingrid, "wmo-consulenten")
    offer = pieter.post(f"/contacts/{contact_id}/handover",
                        json={"to": {"team": "wmo-consulenten"}, "context": STORY}).get_json()["handover"]
    api_error(ingrid.post(f"/handovers/{offer['id']}/decline", json={"reason": ""}), 422, "validation_failed")
    declined = ingrid.post(f"/handovers/{offer['id']}/decline", json={"reason": "Op huisbezoek"}).get_json()
    task = declined["task"]
    assert declined["handover"]["status"] == "declined" and task["team"] == "wmo-consulenten"
    assert task["urgency"]["label"].startswith("nog ")
    listed = ingrid.get("/tasks?team=wmo-consulenten").get_json()["tasks"]
    assert [t["id"] for t in listed] == [task["id"]]
    api_error(pieter.get("/tasks?team=wmo-consulenten"), 403, "forbidden")
    api_error(ingrid.post(f"/tasks/{task['id']}/complete", json={"note": "klaar"}), 409, "conflict")  # not claimed
    assert ingrid.post(f"/tasks/{task['id']}/claim").get_json()["owner"]["name"] == "Ingrid"
    api_error(ingrid.post(f"/tasks/{task['id']}/attempt", json={"reached": "ja"}), 422, "validation_failed")
    attempted = ingrid.post(f"/tasks/{task['id']}/attempt", json={"reached": False, "note": "voicemail"}).get_json()
    assert attempted["attempts"][0]["reached"] is False
    done = ingrid.post(f"/tasks/{task['id']}/complete", json={"note": "Huisbezoek donderdag"}).get_json()
    assert done["state"] == "done"
    assert pieter.get(f"/contacts/{contact_id}").get_json()["status"] == "resolved"


def test_indicators_count_the_flow_for_the_team(in_hand, ingrid, api, session):
    pieter, contact_id = in_hand
    pieter.post(f"/contacts/{contact_id}/handover", json={"to": {"staff": ingrid.staff.id}, "context": STORY})
    lead = api("ahmed", roles=["lead"], skills=[])
    rows = lead.get("/indicators?domain=sociaal").get_json()["indicators"]
    phone = next(r for r in rows if r["channel"] == "phone")
    assert phone["contacts"] == 1 and phone["handovers_offered"] == 1 and phone["service_level"] == 1.0
    assert not any("staff" in key or "name" in key for key in phone)
    api_error(pieter.get("/indicators"), 403, "forbidden")
    api_error(lead.get("/indicators?from=gisteren"), 422, "validation_failed")


def test_an_unknown_task_list_parameter_is_refused_not_ignored(ingrid):
    """?overdue=1 is a screen's parameter; the API says which it takes instead of listing every task."""
    response = ingrid.get("/tasks?overdue=1")
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert body["code"] == "validation_failed" and "state, team" in body["fields"]["overdue"]
