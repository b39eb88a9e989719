"""Appointments: booked on a screen or read from a CSV file (all rows or none), confirmed with a check-in code and
what to bring, and checked in by the host by that code or by name and time — one ticket, ahead of walk-ins."""
import io
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from kcc.appointments import operations as appointments
from kcc.config import load_settings
from kcc.core.actor import Actor
from kcc.core.timeutil import local, start_of_day, utcnow
from kcc.mail.operations import send_due
from kcc.models import Appointment, AuditLog, Contact, LobbyTurnaway, OutgoingMail, Topic
from tests.conftest import csrf_from
from tests.lobby.test_lobby import counter_open  # noqa: F401  (fixture)

ADMIN = Actor(None, "beheer", roles=frozenset({"admin"}))


def tomorrow() -> str:
    return (local(utcnow()).date() + timedelta(days=1)).isoformat()


@pytest.fixture
def clerk(client, auth, make_staff, counter_open):  # noqa: F811
    make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary")])
    auth.login("fatima")
    return client


def post(client, path, page="/afspraken", **data):
    return client.post(path, data={**data, "csrf_token": csrf_from(client.get(page).get_data(as_text=True))})


def test_a_booked_appointment_gets_a_code_and_a_b1_confirmation_with_what_to_bring(clerk, session, tmp_path):
    response = post(clerk, "/afspraken", date=tomorrow(), time="10:30", topic="burgerzaken/paspoort",
                    name="J. de Vries", email="jdevries@example.nl", note="")
    assert response.status_code == 302
    made = session.scalars(select(Appointment)).one()
    assert len(made.code) == 6 and set(made.code) <= set(appointments.ALPHABET)
    page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert appointments.format_code(made.code) in page and "J. de Vries" in page
    mail = session.scalars(select(OutgoingMail)).one()
    assert mail.kind == "appointment" and mail.qr == made.code
    assert appointments.format_code(made.code) in mail.body and "Neem dit mee:" in mail.body
    assert "10:30" in mail.body and "geboortedatum" not in mail.body.lower()
    settings = load_settings({"KCC_ENV": "development"}, tmp_path)
    assert send_due(session, settings, tmp_path / "outbox", utcnow()) == (1, 0)
    sent = message_from_bytes((tmp_path / "outbox" / f"{mail.id:06d}.eml").read_bytes(), policy=default_policy)
    [image] = [part for part in sent.iter_attachments()]
    assert image.get_content_type() == "image/png" and image.get_content().startswith(b"\x89PNG")


def test_a_bad_appointment_form_keeps_what_was_typed_and_says_what_to_fix(clerk, session):
    response = post(clerk, "/afspraken", date=tomorrow(), time="25:99", topic="burgerzaken/paspoort",
                    name="", email="geen-adres", note="rolstoel")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "schrijf de tijd als 10:30" in html and "dit is geen e-mailadres" in html and "schrijf de naam op" in html
    assert 'value="rolstoel"' in html and 'value="geen-adres"' in html
    assert session.scalars(select(Appointment)).first() is None


def test_a_double_click_books_once_and_someone_elses_duplicate_is_refused(clerk, auth, make_staff, session):
    data = dict(date=tomorrow(), time="11:00", topic="burgerzaken/paspoort", name="Anna", email="a@example.nl",
                note="")
    first, again = post(clerk, "/afspraken", **data), post(clerk, "/afspraken", **data)  # a double click
    assert first.status_code == again.status_code == 302
    [made] = session.scalars(select(Appointment)).all()
    assert appointments.format_code(made.code) in clerk.get(again.headers["Location"]).get_data(as_text=True)
    assert len(session.scalars(select(OutgoingMail)).all()) == 1  # one confirmation
    make_staff("sanne", roles=["agent"], skills=[("burgerzaken", "primary")])
    auth.logout()
    auth.login("sanne")
    response = post(clerk, "/afspraken", **data)
    assert response.status_code == 422 and "heeft op dit tijdstip al een afspraak" in response.get_data(as_text=True)
    assert len(session.scalars(select(Appointment)).all()) == 1


def test_a_csv_file_is_read_in_whole(clerk, session):
    file = "tijd;onderwerp;naam;e-mail\n09:00;burgerzaken/paspoort;Anna;anna@example.nl\n09:15;rijbewijs;Bram;\n"
    response = clerk.post("/afspraken/inlezen", data={
        "date": tomorrow(), "file": (io.BytesIO(file.encode()), "dinsdag.csv"),
        "csrf_token": csrf_from(clerk.get("/afspraken").get_data(as_text=True))}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True).split("per regel")[-1][:800]
    made = session.scalars(select(Appointment).order_by(Appointment.starts_at)).all()
    assert [(a.name, a.topic.slug, local(a.starts_at).strftime("%H:%M"), a.source) for a in made] == [
        ("Anna", "paspoort", "09:00", "import"), ("Bram", "rijbewijs", "09:15", "import")]
    assert len(session.scalars(select(OutgoingMail)).all()) == 1  # only Anna gave an address
    assert "2 afspraken ingelezen" in clerk.get(response.headers["Location"]).get_data(as_text=True)
    again = clerk.post("/afspraken/inlezen", data={  # the same file sent again at once: it was imported
        "date": tomorrow(), "file": (io.BytesIO(file.encode()), "dinsdag.csv"),
        "csrf_token": csrf_from(clerk.get("/afspraken").get_data(as_text=True))}, content_type="multipart/form-data")
    assert again.status_code == 302 and len(session.scalars(select(Appointment)).all()) == 2


def test_a_csv_file_with_bad_rows_names_each_line_and_imports_nothing(clerk, session):
    file = ("tijd,onderwerp,naam,e-mail\n"
            "09:00,burgerzaken/paspoort,Anna,\n"  # line 2: good
            "9:7x,burgerzaken/paspoort,Bram,\n"  # line 3: bad time
            "09:30,vuurwerk,Cor,\n"  # line 4: unknown topic
            "09:00,burgerzaken/paspoort,anna,\n")  # line 5: the same as line 2
    response = clerk.post("/afspraken/inlezen", data={
        "date": tomorrow(), "file": (io.BytesIO(file.encode()), "fout.csv"),
        "csrf_token": csrf_from(clerk.get("/afspraken").get_data(as_text=True))}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "fout.csv is niet ingelezen" in html
    rows = html.split("Wat er mis is, per regel")[1]
    assert '<th class="utrecht-table__header-cell" scope="row">3</th>' in rows and "schrijf de tijd als 10:30" in rows
    assert '<th class="utrecht-table__header-cell" scope="row">4</th>' in rows and "onbekend onderwerp vuurwerk" in rows
    assert '<th class="utrecht-table__header-cell" scope="row">5</th>' in rows and "staat al op regel 2" in rows
    assert session.scalars(select(Appointment)).first() is None


def test_a_csv_parser_refuses_a_file_that_is_not_utf8_or_has_no_header(session, counter_open):  # noqa: F811
    with pytest.raises(appointments.ImportRefused) as refused:
        appointments.parse_csv(session, ADMIN, "tijd;onderwerp;naam\n09:00;paspoort;Zoë\n".encode("cp1252"), None,
                               utcnow())
    assert refused.value.problems[0].line == 1 and "UTF-8" in str(refused.value.problems[0].message)
    with pytest.raises(appointments.ImportRefused) as refused:
        appointments.parse_csv(session, ADMIN, b"wanneer;wat\n09:00;paspoort\n", None, utcnow())
    assert "de eerste regel noemt de kolommen" in str(refused.value.problems[0].message)


# --- the host checks in ----------------------------------------------------------------------------------------

def booked_today(session, name="Anna", topic="paspoort", minutes=-1, **extra) -> Appointment:
    now = utcnow()
    at = max(start_of_day(now), now + timedelta(minutes=minutes))
    found = session.scalars(select(Topic).where(Topic.slug == topic)).first()
    appointment = Appointment(code=appointments._new_code(session), domain_id=found.domain_id, topic=found,
                              starts_at=at, name=name, email=extra.get("email"), status=extra.get("status", "booked"),
                              note=extra.get("note", ""))
    session.add(appointment)
    session.commit()
    return appointment


@pytest.fixture
def host(client, auth, make_staff, counter_open):  # noqa: F811
    make_staff("lotte", roles=["host"])
    auth.login("lotte")
    return client


def test_the_host_checks_in_by_code_prerequisites_first_and_a_double_tap_gives_one_ticket(host, session):
    walk_in = Contact(channel="counter", status="waiting", ticket="B001", domain_id=booked_today(session, "X").domain_id,
                      queued_at=utcnow() - timedelta(minutes=5), rank_at=utcnow() - timedelta(minutes=10))
    session.add(walk_in)
    session.commit()
    appointment = booked_today(session, "J. de Vries", note="komt met zoon")
    response = post(host, "/lobby/afspraak", page="/lobby", code=appointments.format_code(appointment.code).lower())
    assert response.status_code == 302
    html = host.get(response.headers["Location"]).get_data(as_text=True)
    assert "J. de Vries" in html and "Neem uw oude paspoort" in html and "Op tijd" in html
    assert session.scalars(select(Contact).where(Contact.ticket != "B001")).first() is None  # no ticket yet
    data = {"step": "ahead", "language": "nl", "needs": ["interpreter"], "note": "",
            "csrf_token": csrf_from(html)}
    first = host.post(f"/lobby/afspraak/{appointment.id}", data=data)
    second = host.post(f"/lobby/afspraak/{appointment.id}", data=data)
    assert first.status_code == second.status_code == 302 and first.headers["Location"] == second.headers["Location"]
    contact = session.scalars(select(Contact).where(Contact.id != walk_in.id)).one()
    assert contact.ticket and contact.needs == ["interpreter"] and contact.question == "komt met zoon"
    assert contact.rank_at < walk_in.rank_at  # ahead of the walk-in who came before
    session.refresh(appointment)
    assert appointment.status == "checked_in" and appointment.contact_id == contact.id
    assert session.scalars(select(AuditLog).where(AuditLog.action == "appointment.check_in")).one()


@pytest.mark.parametrize("case, status, message", [
    ("unknown", 404, "kennen we niet"), ("used", 409, "al aangemeld"), ("cancelled", 409, "geannuleerd"),
    ("tomorrow", 409, "niet vandaag"), ("garbled", 422, "een code heeft 6 tekens")])
def test_a_code_that_cannot_be_used_says_why_and_gives_no_ticket(host, session, case, status, message):
    appointment = booked_today(session, status="cancelled" if case == "cancelled" else "booked")
    if case == "used":
        response = host.get(f"/lobby/afspraak/{appointment.id}")
        host.post(f"/lobby/afspraak/{appointment.id}", data={"step": "ahead", "language": "nl",
                                                              "csrf_token": csrf_from(response.get_data(as_text=True))})
    if case == "tomorrow":
        appointment.starts_at += timedelta(days=1)
        session.commit()
    code = {"unknown": "ACD479" if appointment.code != "ACD479" else "ACD477", "garbled": "0O1IL"}.get(case,
                                                                                                      appointment.code)
    tickets = session.scalars(select(Contact)).all()
    response = post(host, "/lobby/afspraak", page="/lobby", code=code)
    html = response.get_data(as_text=True)
    assert response.status_code == status and message in html and f'value="{code}"' in html
    assert session.scalars(select(Contact)).all() == tickets


def test_a_late_visitor_is_the_hosts_call_and_without_priority_queues_as_a_walk_in(host, session):
    appointment = booked_today(session, minutes=-40)
    html = host.get(f"/lobby/afspraak/{appointment.id}").get_data(as_text=True)
    if appointment.starts_at > utcnow() - timedelta(minutes=30):
        pytest.skip("just after midnight the appointment cannot lie 40 minutes back today")
    assert "minuten te laat" in html and "Aanmelden zonder voorrang" in html
    host.post(f"/lobby/afspraak/{appointment.id}", data={"step": "walk_in", "language": "nl", "csrf_token": csrf_from(html)})
    contact = session.scalars(select(Contact)).one()
    assert contact.rank_at > appointment.starts_at  # no priority: ranked as of now


def test_missing_a_document_counts_a_turnaway_and_keeps_the_appointment(host, session):
    appointment = booked_today(session)
    html = host.get(f"/lobby/afspraak/{appointment.id}").get_data(as_text=True)
    response = host.post(f"/lobby/afspraak/{appointment.id}", data={"step": "missing", "csrf_token": csrf_from(html)})
    assert response.status_code == 200 and "Geen volgnummer" in response.get_data(as_text=True)
    assert session.scalars(select(LobbyTurnaway)).one().reason == "missing"
    session.refresh(appointment)
    assert appointment.status == "booked" and session.scalars(select(Contact)).first() is None


def test_the_host_finds_an_appointment_by_name_and_time(host, session):
    wanted = booked_today(session, "Jan de Vries")
    booked_today(session, "Piet Jansen")
    at = local(wanted.starts_at).strftime("%H:%M")
    html = host.get(f"/lobby?afspraak=de+vries+{at}").get_data(as_text=True)
    assert f"/lobby/afspraak/{wanted.id}" in html and "Piet Jansen" not in html


def test_an_agent_sees_only_the_agenda_of_their_own_domains(clerk, session):
    own = booked_today(session, "Anna", "paspoort", minutes=60)
    other = booked_today(session, "Bea", "schulden", minutes=60)
    html = clerk.get(f"/afspraken?dag={local(own.starts_at).date().isoformat()}").get_data(as_text=True)
    assert "Anna" in html and "Bea" not in html
    response = post(clerk, f"/afspraken/{other.id}/annuleren", dag=local(own.starts_at).date().isoformat())
    assert response.status_code == 404
    session.refresh(other)
    assert other.status == "booked"


def test_a_visitor_checked_in_near_their_turn_gets_no_near_turn_mail_at_once(host, session):
    from kcc.lobby import operations as lobby

    appointment = booked_today(session, email="anna@example.nl")
    html = host.get(f"/lobby/afspraak/{appointment.id}").get_data(as_text=True)
    host.post(f"/lobby/afspraak/{appointment.id}", data={"step": "ahead", "language": "nl", "csrf_token": csrf_from(html)})
    assert lobby.notify_close(session, utcnow()) == 0
    assert session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "lobby_close")).first() is None


def test_a_file_with_rows_for_another_domain_names_them_and_books_nothing(clerk, session):
    file = "tijd;onderwerp;naam\n09:00;burgerzaken/paspoort;Anna\n09:30;sociaal/schulden;Bea\n"
    response = clerk.post("/afspraken/inlezen", data={
        "date": tomorrow(), "file": (io.BytesIO(file.encode()), "gemengd.csv"),
        "csrf_token": csrf_from(clerk.get("/afspraken").get_data(as_text=True))}, content_type="multipart/form-data")
    assert response.status_code == 422
    rows = response.get_data(as_text=True).split("Wat er mis is, per regel")[1]
    assert '<th class="utrecht-table__header-cell" scope="row">3</th>' in rows and "geen afspraken voor" in rows
    assert session.scalars(select(Appointment)).first() is None


def test_a_file_with_bare_cr_lines_or_an_open_quote_is_read_or_refused_by_line(session, counter_open):  # noqa: F811
    day = local(utcnow()).date() + timedelta(days=1)
    mac = b"tijd;onderwerp;naam\r09:00;burgerzaken/paspoort;Anna\r09:10;burgerzaken/paspoort;Bram\r"
    assert [b.name for b in appointments.parse_csv(session, ADMIN, mac, day, utcnow())] == ["Anna", "Bram"]
    broken = ('tijd;onderwerp;naam\n09:00;burgerzaken/paspoort;"Anna' + "x" * 140_000 + "\n").encode()
    with pytest.raises(appointments.ImportRefused) as refused:
        appointments.parse_csv(session, ADMIN, broken, day, utcnow())
    assert "aanhalingsteken" in str(refused.value.problems[0].message)


def test_an_import_says_nothing_of_another_domains_agenda(clerk, session):
    other = booked_today(session, "Noor de Vries", "schulden", minutes=120)
    at = local(other.starts_at)
    file = f"datum;tijd;onderwerp;naam\n{at:%Y-%m-%d};{at:%H:%M};sociaal/schulden;Noor de Vries\n"
    response = clerk.post("/afspraken/inlezen", data={
        "file": (io.BytesIO(file.encode()), "probe.csv"),
        "csrf_token": csrf_from(clerk.get("/afspraken").get_data(as_text=True))}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "geen afspraken voor" in html and "staat al in de agenda" not in html


def test_a_date_out_of_any_sensible_range_is_a_message_not_an_error(clerk, session):
    assert clerk.get("/afspraken?dag=0001-01-01").status_code == 200  # today's list instead
    response = post(clerk, "/afspraken", date="30-12-9999", time="10:30", topic="burgerzaken/paspoort", name="Anna")
    assert response.status_code == 422 and "kies een dag tussen" in response.get_data(as_text=True)
    far = (local(utcnow()).date() + timedelta(days=400)).isoformat()
    response = post(clerk, "/afspraken", date=far, time="10:30", topic="burgerzaken/paspoort", name="Anna")
    assert response.status_code == 422 and "tot een jaar vooruit" in response.get_data(as_text=True)
