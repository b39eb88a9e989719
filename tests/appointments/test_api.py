"""The agenda and the check-in through the API, as the contract (docs/api.md) describes them."""
from datetime import timedelta

from sqlalchemy import select

from kcc.core.timeutil import local, utcnow
from kcc.models import Appointment, Contact
from tests.appointments.test_appointments import booked_today
from tests.conftest import api_error
from tests.lobby.test_lobby import counter_open  # noqa: F401  (fixture)


def tomorrow() -> str:
    return (local(utcnow()).date() + timedelta(days=1)).isoformat()


def test_book_list_and_cancel_through_the_api(api, session, counter_open):  # noqa: F811
    clerk = api("fatima")
    made = clerk.post("/appointments", json={"date": tomorrow(), "time": "10:30", "topic": "burgerzaken/paspoort",
                                             "name": "Anna", "email": "anna@example.nl"})
    assert made.status_code == 201
    body = made.get_json()
    assert body["status"] == "booked" and len(body["code"]) == 7 and body["code"][3] == "-"
    listed = clerk.get(f"/appointments?date={tomorrow()}").get_json()
    assert [a["id"] for a in listed["appointments"]] == [body["id"]]
    assert clerk.post(f"/appointments/{body['id']}/cancel").get_json()["status"] == "cancelled"
    api_error(clerk.post(f"/appointments/{body['id']}/cancel"), 409, "conflict")


def test_a_bad_booking_names_each_field(api, counter_open):  # noqa: F811
    response = api("fatima").post("/appointments", json={"date": "morgen", "time": "10:30", "topic": "vuurwerk",
                                                         "name": "", "shoe": 1})
    api_error(response, 422, "validation_failed")
    assert set(response.get_json()["error"]["fields"]) == {"shoe"}  # unknown fields first, before anything is read
    response = api("jeroen").post("/appointments", json={"date": "morgen", "time": "10:30", "topic": "vuurwerk",
                                                         "name": ""})
    assert set(response.get_json()["error"]["fields"]) == {"date", "topic", "name"}


def test_a_csv_import_with_a_bad_row_imports_nothing_and_names_the_line(api, session, counter_open):  # noqa: F811
    clerk = api("fatima")
    good = "tijd;onderwerp;naam\n09:00;burgerzaken/paspoort;Anna\n"
    response = clerk.post(f"/appointments/import?date={tomorrow()}", data=good + "09:60;burgerzaken/paspoort;Bram\n",
                          headers={"Content-Type": "text/csv"})
    api_error(response, 422, "validation_failed")
    assert "schrijf de tijd als 10:30" in response.get_json()["error"]["fields"]["line 3"]
    assert session.scalars(select(Appointment)).first() is None
    response = clerk.post(f"/appointments/import?date={tomorrow()}", data=good, headers={"Content-Type": "text/csv"})
    assert response.status_code == 201 and response.get_json()["imported"] == 1


def test_the_host_checks_in_by_code_once(api, session, counter_open):  # noqa: F811
    host = api("lotte", roles=["host"], skills=[])
    appointment = booked_today(session)
    seen = host.get(f"/lobby/appointments/{appointment.code}").get_json()
    assert seen["arrival"] == "on_time" and seen["prerequisites"]
    first = host.post("/lobby/check-in", json={"code": appointment.code.lower(), "needs": ["reading"]})
    assert first.status_code == 201 and first.get_json()["ticket"].startswith("B") and first.get_json()["ahead"] is True
    second = host.post("/lobby/check-in", json={"code": appointment.code})
    api_error(second, 409, "conflict")
    assert first.get_json()["ticket"] in second.get_json()["error"]["message"]
    assert len(session.scalars(select(Contact)).all()) == 1
    api_error(host.post("/lobby/check-in", json={"code": "ACD-47"}), 422, "validation_failed")


def test_an_agent_cannot_read_another_domains_appointment(api, session, counter_open):  # noqa: F811
    other = booked_today(session, "Bea", "schulden", minutes=60)
    api_error(api("fatima").get(f"/appointments/{other.id}"), 404, "not_found")


def test_bad_types_and_dates_are_422_not_500(api, session, counter_open):  # noqa: F811
    host = api("lotte", roles=["host"], skills=[])
    appointment = booked_today(session)
    api_error(host.post("/lobby/check-in", json={"code": appointment.code, "needs": 5}), 422, "validation_failed")
    api_error(api("fatima").get("/appointments?date=9999-99-99"), 422, "validation_failed")
    api_error(api("sanne").get("/appointments?date=0001-01-01"), 422, "validation_failed")
