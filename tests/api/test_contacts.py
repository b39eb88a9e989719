"""The contact, routing, queue and me/* API, exactly as docs/api.md specifies it."""
import json

import pytest
from sqlalchemy import select

from kcc.models import AuditLog, Contact, Desk
from tests.conftest import api_error


def test_a_call_arrives_routed_with_position_and_wait(telefonie):
    response = telefonie.post("/contacts", json={
        "channel": "phone", "question": "ik wil mijn paspoort verlengen", "domain": None, "topic": None,
        "language": "nl", "citizen": {"name": "J. de Vries", "phone": "06 12345678", "email": None},
        "external_ref": "call-8812"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "waiting" and body["domain"] == "burgerzaken" and body["topic"] == "paspoort"
    assert body["routing"]["method"] == "router" and 0 < body["routing"]["confidence"] <= 1
    assert body["position"] == 1 and body["estimated_wait_s"] > 0 and body["repeat"] is False
    assert body["ticket"] is None
    again = telefonie.post("/contacts", json={"channel": "phone", "question": "paspoort", "external_ref": "call-8812"})
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]


def test_a_phone_menu_choice_needs_no_question_and_counter_gets_a_ticket(telefonie):
    menu = telefonie.post("/contacts", json={"channel": "phone", "question": "", "domain": "sociaal"}).get_json()
    assert menu["routing"] == {"domain": "sociaal", "topic": None, "confidence": 1.0, "method": "choice"}
    counter = telefonie.post("/contacts", json={"channel": "counter", "domain": "burgerzaken", "topic": "paspoort"})
    assert counter.get_json()["ticket"] == "B001"


@pytest.mark.parametrize("body, field", [
    ({"channel": "phone", "question": ""}, "question"),
    ({"channel": "web", "question": "x" * 10_000}, "question"),
    ({"channel": "web", "question": "paspoort", "domain": "toerisme"}, "domain"),
    ({"channel": "web", "question": "paspoort", "domain": "burgerzaken", "topic": "kappen"}, "topic"),
    ({"channel": "web", "question": "paspoort", "citizen": {"phone": "0800-GEMEENTE"}}, "citizen.phone"),
    ({"channel": "web", "question": "paspoort", "citizen": {"email": "jan@"}}, "citizen.email"),
    ({"channel": "web", "question": "paspoort", "priority": "hoog"}, "priority"),
])
def test_bad_contacts_get_422_with_the_field_and_nothing_is_stored(telefonie, session, body, field):
    error = api_error(telefonie.post("/contacts", json=body), 422, "validation_failed")
    assert field in error["fields"]
    assert session.scalar(select(Contact).limit(1)) is None


@pytest.mark.parametrize("data, content_type", [("not json", "application/json"), ("[1, 2]", "application/json"),
                                                ("channel=web", "application/x-www-form-urlencoded")])
def test_a_body_that_is_not_a_json_object_is_400(telefonie, data, content_type):
    api_error(telefonie.post("/contacts", data=data, content_type=content_type), 400, "bad_request")


def test_get_contact_shows_the_timeline_and_is_audited(telefonie, session):
    created = telefonie.post("/contacts", json={"channel": "web", "question": "grofvuil ophalen"}).get_json()
    body = telefonie.get(f"/contacts/{created['id']}").get_json()
    assert [e["type"] for e in body["events"]] == ["arrived", "routed"]
    assert body["owner"] is None and body["created_at"].endswith(("+01:00", "+02:00"))
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "contact.open")).one()
    assert entry.object_id == str(created["id"]) and entry.actor_name == "telefonie"
    api_error(telefonie.get("/contacts/999999"), 404, "not_found")


def test_a_social_domain_contact_is_not_readable_by_guessing_its_id(telefonie, api, session):
    created = telefonie.post("/contacts", json={"channel": "phone", "domain": "sociaal", "topic": "schulden",
                                                "question": ""}).get_json()
    outsider = api("bert", skills=[("burgerzaken", "primary")])
    api_error(outsider.get(f"/contacts/{created['id']}"), 403, "forbidden")
    insider = api("pieter", skills=[("sociaal", "primary")])
    assert insider.get(f"/contacts/{created['id']}").status_code == 200
    denied = session.scalars(select(AuditLog).where(AuditLog.action == "access.denied",
                                                    AuditLog.result == "denied")).all()
    assert any(entry.actor_name == "bert" for entry in denied)


def test_abandon_while_waiting_then_409(telefonie):
    created = telefonie.post("/contacts", json={"channel": "phone", "question": "paspoort"}).get_json()
    response = telefonie.post(f"/contacts/{created['id']}/abandon")
    assert response.status_code == 200 and response.get_json()["status"] == "abandoned"
    api_error(telefonie.post(f"/contacts/{created['id']}/abandon"), 409, "conflict")


def test_route_answers_domain_topic_confidence_and_alternatives(telefonie):
    body = telefonie.post("/route", json={"question": "mijn rijbewijs is verlopen"}).get_json()
    assert (body["domain"], body["topic"]) == ("burgerzaken", "rijbewijs")
    assert len(body["alternatives"]) <= 3 and set(body["alternatives"][0]) == {"domain", "topic", "confidence"}
    api_error(telefonie.post("/route", json={"question": "  "}), 422, "validation_failed")
    api_error(telefonie.post("/route", json={"question": "x", "extra": 1}), 422, "validation_failed")


def test_an_employee_takes_and_resolves_the_next_contact(telefonie, api):
    fatima = api("fatima")
    assert fatima.put("/me/presence", json={"state": "available"}).get_json() == {"state": "available", "desk": None}
    assert fatima.post("/me/next").status_code == 204
    created = telefonie.post("/contacts", json={"channel": "phone", "question": "paspoort verlengen",
                                                "citizen": {"phone": "0612345678"}}).get_json()
    taken = fatima.post("/me/next")
    assert taken.status_code == 200
    body = taken.get_json()
    assert body["id"] == created["id"] and body["status"] == "in_progress" and body["owner"]["name"] == "Fatima"
    assert body["citizen"]["phone"] == "+31612345678" and body["question"] == "paspoort verlengen"
    assert fatima.get("/me").get_json()["presence"] == "busy"
    api_error(fatima.post("/me/next"), 409, "conflict")  # one contact at a time
    api_error(fatima.post(f"/contacts/{created['id']}/resolve", json={"outcome": "referred_external"}), 422,
           "validation_failed")
    done = fatima.post(f"/contacts/{created['id']}/resolve", json={"outcome": "answered", "note": "Afspraak gemaakt"})
    assert done.status_code == 200 and done.get_json()["status"] == "resolved"
    api_error(fatima.post(f"/contacts/{created['id']}/resolve", json={"outcome": "answered"}), 409, "conflict")


def test_someone_else_cannot_resolve_and_a_paused_employee_gets_409(telefonie, api):
    fatima, sanne = api("fatima"), api("sanne")
    fatima.put("/me/presence", json={"state": "available"})
    telefonie.post("/contacts", json={"channel": "phone", "question": "paspoort"})
    contact = fatima.post("/me/next").get_json()
    api_error(sanne.post(f"/contacts/{contact['id']}/resolve", json={"outcome": "answered"}), 409, "conflict")
    sanne.put("/me/presence", json={"state": "paused"})
    error = api_error(sanne.post("/me/next"), 409, "conflict")
    assert "beschikbaar" in error["message"]


def test_presence_refuses_unknown_states_desks_and_fields(api):
    fatima = api("fatima")
    assert "state" in api_error(fatima.put("/me/presence", json={"state": "lunch"}), 422, "validation_failed")["fields"]
    assert "desk" in api_error(fatima.put("/me/presence", json={"state": "available", "desk": "99"}), 422,
                            "validation_failed")["fields"]
    assert "mood" in api_error(fatima.put("/me/presence", json={"state": "available", "mood": "green"}), 422,
                            "validation_failed")["fields"]


def test_me_queues_and_available_staff(telefonie, api):
    fatima = api("fatima", skills=[("burgerzaken", "primary"), ("sociaal", "secondary")], languages=["nl", "ar"])
    me = fatima.get("/me").get_json()
    assert me["skills"] == [{"domain": "burgerzaken", "level": "primary"}, {"domain": "sociaal", "level": "secondary"}]
    assert me["languages"] == ["ar", "nl"] and me["presence"] == "offline" and me["desk"] is None
    fatima.put("/me/presence", json={"state": "available"})
    telefonie.post("/contacts", json={"channel": "phone", "question": "paspoort"})
    queues = {q["domain"]: q for q in telefonie.get("/queues").get_json()["queues"]}
    assert queues["burgerzaken"]["waiting"] == 1 and queues["burgerzaken"]["staff_available"] == 1
    assert set(queues) == {"burgerzaken", "vergunningen", "sociaal", "algemeen"}
    available = fatima.get("/staff?available=true").get_json()["staff"]
    assert [person["name"] for person in available] == ["Fatima"]


def test_lobby_display_shows_tickets_called_and_waiting_counts_without_personal_data(api, session, telefonie):
    session.add(Desk(number="3", label="Balie 3"))
    session.commit()
    first = telefonie.post("/contacts", json={"channel": "counter", "domain": "burgerzaken", "question": "",
                                              "citizen": {"name": "Jan de Vries"}}).get_json()
    telefonie.post("/contacts", json={"channel": "counter", "domain": "burgerzaken", "question": ""})
    telefonie.post("/contacts", json={"channel": "phone", "domain": "burgerzaken", "question": ""})  # not in the lobby
    screen = telefonie.get("/lobby/display").get_json()
    assert screen["called"] == [] and screen["waiting"]["burgerzaken"] == 2
    assert set(screen["waiting"]) == {"burgerzaken", "vergunningen", "sociaal", "algemeen"}

    fatima = api("fatima")
    fatima.put("/me/presence", json={"state": "available", "desk": "3"})
    assert fatima.post("/me/next").get_json()["ticket"] == first["ticket"]
    screen = telefonie.get("/lobby/display").get_json()
    assert [(c["ticket"], c["desk"]) for c in screen["called"]] == [(first["ticket"], "3")]
    assert screen["waiting"]["burgerzaken"] == 1
    assert "Jan" not in json.dumps(screen)
    # a screen that polls with the ETag it has gets a bodiless 304 until something changes
    etag = telefonie.get("/lobby/display").headers["ETag"]
    unchanged = telefonie.get("/lobby/display", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    telefonie.post("/contacts", json={"channel": "counter", "domain": "burgerzaken", "question": ""})
    assert telefonie.get("/lobby/display", headers={"If-None-Match": etag}).get_json()["waiting"]["burgerzaken"] == 2
    api_error(fatima.get("/lobby/display"), 403, "forbidden")  # hosts and the screen's own token only
