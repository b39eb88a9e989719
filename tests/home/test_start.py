"""Each role lands on its own start screen after login; someone without a role is told so."""
import pytest

START = {"host": "/lobby", "agent": "/werkplek", "lead": "/vloer", "senior": "/verbeteren",
         "specialist": "/taken", "admin": "/beheer/"}


@pytest.mark.parametrize("role", sorted(START))
def test_the_start_page_sends_each_role_to_its_own_screen(client, auth, make_staff, role):
    make_staff(f"user-{role}", roles=[role])
    auth.login(f"user-{role}")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith(START[role])
    assert client.get(START[role]).status_code == 200


def test_the_integration_account_never_logs_in_to_the_screens(client, auth, make_staff, session):
    from sqlalchemy import select

    from kcc.models import AuditLog
    make_staff("telefonie", roles=["integration"])
    response = auth.login("telefonie")
    assert response.status_code == 400 and "klopt niet" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302 and client.get("/").headers["Location"].startswith("/inloggen")
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "session.login")).all()[-1]
    assert entry.result == "failure" and "API tokens only" in entry.detail


def test_a_lead_who_also_answers_lands_on_the_floor(client, auth, make_staff):
    make_staff("ahmed", roles=["lead", "agent"], skills=[("burgerzaken", "primary")])
    auth.login("ahmed")
    assert client.get("/").headers["Location"].endswith("/vloer")


def test_without_a_role_the_page_says_whom_to_ask(client, auth, make_staff, session):
    from kcc.models import StaffRole
    staff = make_staff("nora", roles=["agent"])
    session.query(StaffRole).filter(StaffRole.staff_id == staff.id).delete()
    session.commit()
    auth.login("nora")
    assert client.get("/").headers["Location"].endswith("/geen-rol")
    assert "beheer" in client.get("/geen-rol").get_data(as_text=True).lower()


def test_the_seniors_see_who_was_sent_home_at_the_counter_this_week(client, auth, make_staff, session):
    from sqlalchemy import select

    from kcc.core.timeutil import utcnow
    from kcc.models import Domain, LobbyTurnaway

    burgerzaken = session.scalar(select(Domain).where(Domain.slug == "burgerzaken"))
    session.add_all([LobbyTurnaway(at=utcnow(), domain_id=burgerzaken.id, reason="missing") for _ in range(3)])
    session.commit()
    make_staff("marieke", roles=["senior"], skills=[("sociaal", "primary")])
    auth.login("marieke")
    html = client.get("/verbeteren").get_data(as_text=True)
    assert "Balie: de afgelopen 7 dagen" in html
    row = html.split("Niet geholpen aan de balie")[1].split("Burgerzaken")[1].split("</tr>")[0]
    assert ">3<" in row.replace(" ", "")
