"""Functional administration screens: create and edit staff through the real forms, CSRF on."""
from sqlalchemy import select

from kcc.models import AuditLog, Staff
from tests.conftest import csrf_from


def _login_admin(auth, make_staff):
    make_staff("beheer", roles=["admin"])
    auth.login("beheer")


def _new_staff_form(**overrides):
    data = {"username": "karin", "name": "Karin Bos", "email": "karin@gemeente.example",
            "roles": ["agent", "host"], "primary": "burgerzaken", "secondary": "sociaal",
            "languages": "nl, fy", "teams": ["wmo-consulenten"], "active": "y", "password": "een-lang-wachtwoord"}
    data.update(overrides)
    return data


def test_admin_creates_staff_with_skills_languages_and_teams(client, auth, make_staff, session):
    _login_admin(auth, make_staff)
    response = auth.post("/beheer/medewerkers/nieuw", _new_staff_form())
    assert response.status_code == 302
    karin = session.scalar(select(Staff).where(Staff.username == "karin"))
    assert sorted(karin.roles) == ["agent", "host"]
    assert {(s.domain.slug, s.level) for s in karin.skills} == {("burgerzaken", "primary"), ("sociaal", "secondary")}
    assert sorted(karin.languages) == ["fy", "nl"] and [t.slug for t in karin.teams] == ["wmo-consulenten"]
    assert session.scalars(select(AuditLog).where(AuditLog.action == "staff.create",
                                                  AuditLog.object_id == str(karin.id))).one().origin
    assert "Karin Bos" in client.get("/beheer/").get_data(as_text=True)


def test_bad_form_keeps_what_was_typed_and_says_what_to_fix(client, auth, make_staff, session):
    _login_admin(auth, make_staff)
    response = auth.post("/beheer/medewerkers/nieuw", _new_staff_form(
        password="kort", languages="nederlands", secondary="burgerzaken", roles=[]))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Niet opgeslagen" in body and "minstens 12" in body and "tweeletterige taalcodes" in body
    assert "kies minstens één rol" in body and "kies één primair domein" not in body and 'value="Karin Bos"' in body and 'value="nederlands"' in body
    assert 'aria-invalid="true"' in body
    assert session.scalar(select(Staff).where(Staff.username == "karin")) is None


def test_admin_edits_roles_and_deactivation_ends_sessions(client, auth, make_staff, session, app):
    person = make_staff("karin", roles=["agent"], skills=[("burgerzaken", "primary")])
    other = app.test_client()
    page = other.get("/inloggen")
    other.post("/inloggen", data={"username": "karin", "password": "correct-horse-battery",
                                  "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert other.get("/werkplek").status_code == 200
    _login_admin(auth, make_staff)
    form = _new_staff_form(roles=["agent", "lead"], primary="algemeen", secondary="", teams=[], password="")
    form.pop("active")
    response = auth.post(f"/beheer/medewerkers/{person.id}", form)
    assert response.status_code == 302
    session.expire_all()
    karin = session.get(Staff, person.id)
    assert sorted(karin.roles) == ["agent", "lead"] and karin.active is False
    assert [s.domain.slug for s in karin.skills] == ["algemeen"]
    assert other.get("/werkplek").status_code == 302  # the deactivated employee is logged out


def test_username_cannot_be_changed(client, auth, make_staff, session):
    person = make_staff("karin")
    _login_admin(auth, make_staff)
    auth.post(f"/beheer/medewerkers/{person.id}", _new_staff_form(username="someone-else", password=""))
    session.expire_all()
    assert session.get(Staff, person.id).username == "karin"


def test_staff_search_returns_a_fragment_for_htmx(client, auth, make_staff):
    make_staff("karin", name="Karin Bos")
    make_staff("wim", name="Wim Bakker")
    _login_admin(auth, make_staff)
    response = client.get("/beheer/?q=kar", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="staff-rows"') and "Karin Bos" in body and "Wim Bakker" not in body
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/beheer/?q=kar", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert full.get_data(as_text=True).startswith("<!doctype html>")


def test_unknown_staff_id_is_404(client, auth, make_staff):
    _login_admin(auth, make_staff)
    assert client.get("/beheer/medewerkers/99999").status_code == 404


def test_audit_log_screen_lists_failed_logins(client, auth, make_staff):
    make_staff("karin")
    auth.login("karin", "not-the-password")
    _login_admin(auth, make_staff)
    body = client.get("/beheer/auditlog?q=login").get_data(as_text=True)
    assert "karin" in body and "Inloggen" in body and "mislukt" in body


def test_the_audit_log_is_searched_by_what_the_administrator_reads(client, auth, make_staff):
    """The Dutch label of an action or result, and a person's full name, find the entries."""
    make_staff("karin", name="Karin Bos")
    auth.login("karin", "not-the-password")
    auth.login("karin")
    auth.logout()
    _login_admin(auth, make_staff)
    for text in ("Uitloggen", "mislukt", "Karin Bos"):
        body = client.get(f"/beheer/auditlog?q={text}").get_data(as_text=True)
        assert "karin" in body and "Geen regels gevonden" not in body, text
    failed = client.get("/beheer/auditlog?q=mislukt").get_data(as_text=True)
    assert "Uitloggen" not in failed.split("<tbody", 1)[1]
    assert "Geen regels gevonden" in client.get("/beheer/auditlog?q=zzzz-niets").get_data(as_text=True)


def test_the_audit_log_filters_by_who_what_when_and_which_contact(client, auth, make_staff, session):
    from kcc.config import QueueSettings
    from kcc.contacts import handling, intake
    from kcc.content.router import Router
    from kcc.core.actor import Actor
    from kcc.core.timeutil import local, utcnow

    anna = make_staff("anna", name="Anna de Wit")
    data = intake.parse_contact({"channel": "web", "question": "paspoort verlengen"})
    contact = intake.receive(session, data, Router.from_session(session), QueueSettings(headstart_s={}), utcnow(),
                             actor=Actor.system("test")).contact
    handling.open_contact(session, Actor.of(session.merge(anna), "192.0.2.1"), contact)
    session.commit()
    _login_admin(auth, make_staff)
    today = local(utcnow()).date().isoformat()
    rows = client.get(f"/beheer/auditlog?who=Anna+de+Wit&action=contact.open&contact=KCC-{contact.id:06d}"
                      f"&from={today}&to={today}").get_data(as_text=True).split("<tbody", 1)[1]
    assert rows.count('<tr class="utrecht-table__row">') == 1 and "Contact geopend" in rows
    assert "Geen regels gevonden" in client.get("/beheer/auditlog?who=anna&from=2001-01-01&to=2001-01-02").get_data(
        as_text=True)
    refused = client.get("/beheer/auditlog?contact=gisteren&from=morgen")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Schrijf het kenmerk als KCC-000123" in page and "Kies een geldige datum" in page
    assert 'value="gisteren"' in page


def test_admin_adds_and_retires_a_desk_and_whoever_sat_there_stands_up(client, auth, make_staff, session):
    from kcc.models import Desk
    make_staff("beheer", roles=["admin"])
    auth.login("beheer")
    token = csrf_from(client.get("/beheer/balies/nieuw").get_data(as_text=True))
    bad = client.post("/beheer/balies/nieuw", data={"number": "3 b", "label": "Balie 3", "csrf_token": token})
    assert bad.status_code == 400 and 'value="Balie 3"' in bad.get_data(as_text=True)
    assert client.post("/beheer/balies/nieuw", data={"number": "3", "label": "Balie 3", "active": "y",
                                                     "csrf_token": token}).status_code == 302
    desk = session.scalar(select(Desk).where(Desk.number == "3"))
    anna = make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")])
    anna.desk_id = desk.id
    session.commit()
    assert "Balie 3" in client.get("/beheer/balies").get_data(as_text=True)
    client.post(f"/beheer/balies/{desk.id}", data={"number": "3", "label": "Balie 3", "csrf_token": token})
    session.expire_all()
    assert not session.get(Desk, desk.id).active and session.get(Staff, anna.id).desk_id is None
