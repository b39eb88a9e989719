"""The counter entry point: the host checks a visitor in and gives a ticket with what to bring."""
from sqlalchemy import select

from kcc.models import Contact
from tests.conftest import csrf_from


def test_host_checks_a_visitor_in_and_gets_a_ticket(client, auth, make_staff, session):
    make_staff("lotte", roles=["host"])
    auth.login("lotte")
    token = csrf_from(client.get("/lobby").get_data(as_text=True))
    response = client.post("/lobby/aanmelden", data={"topic": "burgerzaken/paspoort", "name": "mevrouw Jansen",
                                                     "language": "nl", "csrf_token": token})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    contact = session.scalars(select(Contact)).one()
    assert contact.channel == "counter" and contact.ticket == "B001" and contact.status == "waiting"
    assert "B001" in html and "Neem uw oude paspoort" in html and "Verwachte wachttijd" in html


def test_a_check_in_without_topic_keeps_the_name_and_says_what_to_choose(client, auth, make_staff, session):
    make_staff("lotte", roles=["host"])
    auth.login("lotte")
    token = csrf_from(client.get("/lobby").get_data(as_text=True))
    response = client.post("/lobby/aanmelden", data={"topic": "", "name": "meneer De Boer", "language": "nl",
                                                     "csrf_token": token})
    assert response.status_code == 422
    assert 'value="meneer De Boer"' in response.get_data(as_text=True)
    assert session.scalars(select(Contact)).first() is None


def test_a_ticket_of_a_sensitive_contact_is_not_shown_to_a_host_by_guessing(client, auth, make_staff, session):
    from kcc.models import Domain
    sociaal = session.scalar(select(Domain).where(Domain.slug == "sociaal"))
    contact = Contact(channel="phone", question="schulden", domain=sociaal, ticket=None)
    session.add(contact)
    session.commit()
    make_staff("lotte", roles=["host"])
    auth.login("lotte")
    html = client.get(f"/lobby?ticket={contact.id}").get_data(as_text=True)
    assert "schulden" not in html and "Volgnummer" not in html
