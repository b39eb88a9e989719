"""The wall display opens without a login only with the display code or from the display network, and shows
numbers, desks and counts: never a name or a question."""
import pytest
from sqlalchemy import select

from kcc import create_app
from kcc.config import DEV_DISPLAY_CODE
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.models import Contact
from kcc.queues.operations import claim

CODE = "a-display-code-of-the-hall-0123"


@pytest.fixture
def make_app(database_url):
    """Apps with their own display settings; their engines are closed after the test."""
    made = []

    def make(**environ):
        made.append(create_app({"DATABASE_URL": database_url, "TESTING": True},
                               environ={"KCC_ENV": "testing", **environ}))
        return made[-1]
    yield make
    for app in made:
        app.extensions["kcc.engine"].dispose()


def test_the_display_needs_its_code_or_its_network(make_app):
    client = make_app(KCC_DISPLAY_CODE=CODE).test_client()
    closed = client.get("/lobby/scherm")
    assert closed.status_code == 403 and "schermcode" in closed.get_data(as_text=True)
    assert client.get("/lobby/scherm?code=wrong-code-wrong-code").status_code == 403
    assert client.get(f"/lobby/scherm?code={CODE}").status_code == 200
    assert client.get("/lobby/scherm/stand").status_code == 403
    by_network = make_app(KCC_DISPLAY_NETWORKS="127.0.0.0/8").test_client()
    assert by_network.get("/lobby/scherm").status_code == 200


def test_development_has_a_known_code_and_production_none(make_app):
    assert make_app(KCC_ENV="development").config["KCC"].display_code == DEV_DISPLAY_CODE
    assert make_app(KCC_ENV="testing").config["KCC"].display_code is None


def test_the_state_shows_tickets_desks_and_counts_but_no_name(make_app, session, make_staff):
    from kcc.config import QueueSettings
    from kcc.models import Desk
    from kcc.queues.operations import set_presence
    session.add(Desk(number="3", label="Balie 3"))
    session.commit()
    anna = make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")])
    set_presence(session, anna, "available", utcnow(), desk_number="3", desk_given=True)
    router = Router.from_session(session)
    for name in ("Mevrouw Geheimnaam", "Meneer Anders"):
        data = intake.parse_contact({"channel": "counter", "domain": "burgerzaken", "topic": "paspoort",
                                     "question": "vertrouwelijke notitie", "citizen": {"name": name}})
        intake.receive(session, data, router, QueueSettings(), utcnow(), actor=Actor.system("test"))
    session.commit()
    claim(session, Actor.of(anna), utcnow(), QueueSettings())
    session.commit()
    client = make_app(KCC_DISPLAY_CODE=CODE).test_client()
    state = client.get(f"/lobby/scherm/stand?code={CODE}").get_json()
    first = session.scalars(select(Contact).order_by(Contact.id)).first()
    assert state["called"][0]["ticket"] == first.ticket and state["called"][0]["desk"] == "3"
    burgerzaken = next(d for d in state["domains"] if d["slug"] == "burgerzaken")
    assert burgerzaken["waiting"] == 1 and burgerzaken["next"] == ["B002"] and burgerzaken["wait_min"] == 5
    page = client.get(f"/lobby/scherm?code={CODE}").get_data(as_text=True)
    for private in ("Geheimnaam", "Anders", "vertrouwelijke"):
        assert private not in page and private not in str(state)
