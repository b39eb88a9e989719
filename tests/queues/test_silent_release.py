"""No contact stuck: a client that lost the answer to me/next finds its contact; a contact held by someone whose
screen and client went silent goes back to the front of its queue, with a line in its timeline."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.models import AuditLog, Contact, ContactEvent
from kcc.queues import operations as queues
from tests.conftest import api_error
from tests.queues.conftest import SETTINGS

SILENT_S = 20 * 60


def _hold(session, arrive, on_duty, taken_ago_s: int, seen_ago_s: int):
    """Anna took a caller's contact `taken_ago_s` ago and was last heard of `seen_ago_s` ago."""
    now = utcnow()
    older = arrive("paspoort verlengen", at=now - timedelta(seconds=taken_ago_s + 60)).contact
    anna = on_duty("anna")
    claimed = queues.claim(session, Actor.of(anna, "test"), now - timedelta(seconds=taken_ago_s), SETTINGS)
    assert claimed is not None and claimed.id == older.id
    anna.last_seen_at = now - timedelta(seconds=seen_ago_s)
    session.commit()
    return anna, older.id


def test_a_contact_of_a_silent_employee_goes_back_to_the_front_of_its_queue(session, arrive, on_duty):
    anna, held = _hold(session, arrive, on_duty, taken_ago_s=SILENT_S + 120, seen_ago_s=SILENT_S + 60)
    newer = arrive("rijbewijs verlengen").contact.id
    assert queues.release_silent(session, utcnow(), SILENT_S) == [held]
    session.commit()
    contact = session.get(Contact, held)
    assert (contact.status, contact.owner_id) == ("waiting", None)
    event = session.scalars(select(ContactEvent).where(ContactEvent.contact_id == held)
                            .order_by(ContactEvent.id.desc())).first()
    assert event.type == "released" and event.data["owner_id"] == anna.id and event.data["silent_min"] >= 20
    assert session.scalars(select(AuditLog).where(AuditLog.action == "contact.released")).one().object_id == str(held)
    bram = on_duty("bram")
    assert queues.claim(session, Actor.of(bram, "test"), utcnow(), SETTINGS).id == held  # its old place, first
    assert newer != held


def test_a_contact_whose_employee_is_still_there_or_just_took_it_stays(session, arrive, on_duty):
    _, polling = _hold(session, arrive, on_duty, taken_ago_s=SILENT_S + 120, seen_ago_s=10)  # the screen polls
    assert queues.release_silent(session, utcnow(), SILENT_S) == []
    assert session.get(Contact, polling).status == "in_progress"


def test_a_client_that_lost_its_answer_finds_the_contact_it_holds(api, session):
    fatima = api("fatima")
    telefonie = api("telefonie", roles=["integration"], skills=[])
    created = telefonie.post("/contacts", json={"channel": "phone", "question": "paspoort verlengen"}).get_json()
    assert fatima.put("/me/presence", json={"state": "available"}).status_code == 200
    assert fatima.post("/me/next").status_code == 200  # ... and the answer is lost on the way
    error = api_error(fatima.post("/me/next"), 409, "conflict")
    assert error["contact"] == {"id": created["id"]} and str(created["id"]) in error["message"]
    me = fatima.get("/me").get_json()
    assert me["contact_in_progress"]["id"] == created["id"] and me["contact_in_progress"]["channel"] == "phone"
    assert fatima.post(f"/contacts/{created['id']}/resolve", json={"outcome": "answered"}).status_code == 200
    assert fatima.get("/me").get_json()["contact_in_progress"] is None
