"""Desks that call: call next, recall up to a limit, no-show and the host's undo, a ticket out of turn, start;
and the host's waiting list. Through the operations, on both databases."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.db import make_engine, make_sessionmaker
from kcc.core.errors import Conflict, ValidationError
from kcc.core.timeutil import utcnow
from kcc.lobby import calls, hosting
from kcc.lobby import operations as lobby
from kcc.models import Contact, ContactEvent, Desk, OutgoingMail, Staff
from kcc.queues import operations as queues

SETTINGS = QueueSettings(language_wait_s=120, presence_fresh_s=3600, headstart_s={"counter": 300}, max_calls=2)


@pytest.fixture
def desks(session):
    made = [Desk(number=str(n), label=f"Balie {n}") for n in (1, 2, 3)]
    session.add_all(made)
    session.commit()
    return made


def seat(session, make_staff, name, desk, domain="burgerzaken"):
    staff = make_staff(name, roles=["agent"], skills=[(domain, "primary")])
    queues.set_presence(session, staff, "available", utcnow(), desk_number=desk.number, desk_given=True)
    session.commit()
    return staff


def visitor(session, topic="paspoort", domain="burgerzaken", email=None, at=None):
    data = intake.parse_contact({"channel": "counter", "domain": domain, "topic": topic,
                                 "citizen": {"name": "Anna", "email": email}})
    received = intake.receive(session, data, Router.from_session(session), SETTINGS, at or utcnow(),
                              actor=Actor.system("test"))
    session.commit()
    return received.contact


def test_call_next_shows_the_ticket_at_the_desk_and_recall_puts_it_on_top_again(session, make_staff, desks):
    anna = seat(session, make_staff, "anna", desks[2])
    first, second = visitor(session), visitor(session)
    taken = queues.claim(session, Actor.of(anna), utcnow(), SETTINGS)
    session.commit()
    assert taken.id == first.id
    screen = lobby.board(session, utcnow())
    assert (screen.called[0].ticket, screen.called[0].desk) == (first.ticket, "3")
    assert screen.next_up["burgerzaken"] == [second.ticket]
    assert calls.recall(session, Actor.of(anna), first.id, utcnow() + timedelta(seconds=30), SETTINGS) == 2
    session.commit()
    with pytest.raises(Conflict, match="niet verschenen"):
        calls.recall(session, Actor.of(anna), first.id, utcnow(), SETTINGS)  # max_calls = 2


def test_a_no_show_frees_the_desk_and_the_host_puts_the_visitor_back_in_their_place(session, make_staff, desks):
    anna = seat(session, make_staff, "anna", desks[0])
    host = make_staff("lotte", roles=["host"])
    first, second = visitor(session), visitor(session)
    queues.claim(session, Actor.of(anna), utcnow(), SETTINGS)
    calls.no_show(session, Actor.of(anna), first.id, utcnow())
    session.commit()
    session.refresh(first)
    assert first.status == "abandoned" and queues.busy(session, anna.id) is None
    assert [n.ticket for n in hosting.hall(session, Actor.of(host), utcnow()).no_shows] == [first.ticket]
    calls.undo_no_show(session, Actor.of(host), first.id, utcnow())
    session.commit()
    session.refresh(first)
    assert (first.status, first.owner_id, first.calls) == ("waiting", None, 0)
    # their old place: before the visitor who came after them
    assert queues.claim(session, Actor.of(anna), utcnow(), SETTINGS).id == first.id
    session.commit()
    with pytest.raises(Conflict):
        calls.undo_no_show(session, Actor.of(host), second.id, utcnow())  # never was a no-show


def test_a_recall_after_the_visitor_sat_down_or_was_served_changes_nothing(session, make_staff, desks):
    anna = seat(session, make_staff, "anna", desks[0])
    first = visitor(session)
    queues.claim(session, Actor.of(anna), utcnow(), SETTINGS)
    calls.start(session, Actor.of(anna), first.id, utcnow())
    session.commit()
    with pytest.raises(Conflict, match="zit al aan je balie"):
        calls.recall(session, Actor.of(anna), first.id, utcnow(), SETTINGS)
    queues.resolve(session, first.id, Actor.of(anna), "answered", utcnow())
    session.commit()
    with pytest.raises(Conflict):
        calls.no_show(session, Actor.of(anna), first.id, utcnow())


def test_a_colleague_cannot_recall_or_no_show_someone_elses_visitor(session, make_staff, desks):
    anna = seat(session, make_staff, "anna", desks[0])
    bram = seat(session, make_staff, "bram", desks[1])
    first = visitor(session)
    queues.claim(session, Actor.of(anna), utcnow(), SETTINGS)
    session.commit()
    with pytest.raises(Conflict, match="niet door jou"):
        calls.no_show(session, Actor.of(bram), first.id, utcnow())


def test_a_ticket_out_of_turn_needs_a_reason_and_is_written_down(session, make_staff, desks):
    anna = seat(session, make_staff, "anna", desks[0])
    visitor(session)
    second = visitor(session)
    with pytest.raises(ValidationError):
        calls.call_ticket(session, Actor.of(anna), second.ticket, "  ", utcnow())
    session.rollback()
    taken = calls.call_ticket(session, Actor.of(anna), second.ticket.lower(), "voelt zich niet goed", utcnow())
    session.commit()
    assert taken.id == second.id
    claimed = session.scalars(select(ContactEvent).where(ContactEvent.contact_id == second.id,
                                                         ContactEvent.type == "claimed")).one()
    assert claimed.data["out_of_turn"] == "voelt zich niet goed" and claimed.data["desk"] == "1"
    with pytest.raises(Conflict, match="al een contact"):
        calls.call_ticket(session, Actor.of(anna), "B001", "nog een", utcnow())


def _call_at_once(url: str, who: Actor, ticket: str, start: threading.Barrier) -> bool:
    engine = make_engine(url)
    try:
        start.wait()
        with make_sessionmaker(engine)() as session:
            try:
                calls.call_ticket(session, who, ticket, "tegelijk", utcnow())
            except Conflict:
                session.rollback()
                return False
            session.commit()
            return True
    finally:
        engine.dispose()


def test_two_desks_calling_the_same_ticket_at_once_one_gets_the_visitor(database_url, session, make_staff, desks):
    anna = Actor.of(seat(session, make_staff, "anna", desks[0]))
    bram = Actor.of(seat(session, make_staff, "bram", desks[1]))
    wanted = visitor(session)
    start = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(_call_at_once, [database_url] * 2, [anna, bram], [wanted.ticket] * 2, [start] * 2))
    assert sorted(results) == [False, True]
    session.expire_all()
    assert session.scalar(select(Contact.status).where(Contact.id == wanted.id)) == "in_progress"
    assert len(session.scalars(select(ContactEvent).where(ContactEvent.contact_id == wanted.id,
                                                          ContactEvent.type == "claimed")).all()) == 1


def test_the_host_sees_waits_prompts_and_moves_visitors(session, make_staff, desks):
    host = Actor.of(make_staff("lotte", roles=["host"]))
    seat(session, make_staff, "anna", desks[0])
    long_ago = utcnow() - timedelta(minutes=40)
    early, late = visitor(session, at=long_ago), visitor(session)
    hall = hosting.hall(session, host, utcnow())
    assert [v.id for v in hall.visitors] == [early.id, late.id]
    assert hall.visitors[0].attention and not hall.visitors[1].attention
    assert [(d.number, d.name) for d in hall.desks] == [("1", "Anna")]
    hosting.visited(session, host, early.id, utcnow())
    hosting.move_forward(session, host, late.id, "is onwel", utcnow())
    session.commit()
    hall = hosting.hall(session, host, utcnow())
    assert [v.id for v in hall.visitors] == [late.id, early.id]
    assert hall.visitors[0].moved == "is onwel" and not hall.visitors[1].attention
    hosting.move_domain(session, host, early.id, "algemeen", utcnow())
    hosting.left(session, host, late.id, utcnow())
    session.commit()
    session.refresh(early)
    session.refresh(late)
    assert early.domain.slug == "algemeen" and early.ticket.startswith("B") and late.status == "abandoned"
    with pytest.raises(Conflict):
        hosting.left(session, host, late.id, utcnow())


def test_a_host_sees_sociaal_visitors_in_the_hall_but_not_their_contact(app, client, auth, session, make_staff):
    make_staff("lotte", roles=["host"])
    sociaal = visitor(session, topic="schulden", domain="sociaal")
    auth.login("lotte")
    assert client.get(f"/api/v1/contacts/{sociaal.id}").status_code in (401, 403)  # screens: no contact page
    assert client.get(f"/contact/{sociaal.id}").status_code in (403, 404)
    assert sociaal.ticket in client.get("/lobby/wachtenden").get_data(as_text=True)


def test_a_visitor_with_an_email_hears_once_when_their_turn_is_near(session, make_staff, desks):
    for _ in range(4):
        visitor(session)
    waiting = visitor(session, email="anna@example.nl")
    assert lobby.notify_close(session, utcnow()) == 0  # four ahead, the domain says three
    session.commit()
    anna = seat(session, make_staff, "anna", desks[0])
    queues.claim(session, Actor.of(anna), utcnow(), SETTINGS)
    session.commit()
    assert lobby.notify_close(session, utcnow()) == 1
    assert lobby.notify_close(session, utcnow()) == 0
    session.commit()
    mail = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "lobby_close")).one()
    assert waiting.ticket in mail.body and "nog 3 bezoekers" in mail.body


def test_counter_first_gives_a_desk_employee_the_visitor_before_an_earlier_caller(session, make_staff, desks):
    anna = seat(session, make_staff, "anna", desks[0])
    caller = intake.receive(session, intake.parse_contact({"channel": "phone", "domain": "burgerzaken"}),
                            Router.from_session(session), SETTINGS, utcnow() - timedelta(minutes=20),
                            actor=Actor.system("test"))
    session.commit()
    guest = visitor(session)
    assert queues.claim(session, Actor.of(anna), utcnow(), SETTINGS).id == guest.id  # burgerzaken: counter_first
    session.commit()
    assert caller.id != guest.id


def test_staff_without_a_desk_are_never_given_a_visitor(session, make_staff):
    anna = make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")])
    queues.set_presence(session, anna, "available", utcnow())
    session.commit()
    visitor(session)
    assert queues.claim(session, Actor.of(anna), utcnow(), SETTINGS) is None
    assert session.get(Staff, anna.id).desk_id is None


def test_a_visitor_moved_to_another_domain_meanwhile_is_not_taken_for_the_old_one(session, make_staff, desks):
    anna = seat(session, make_staff, "anna", desks[0])
    host = Actor.of(make_staff("lotte", roles=["host"]))
    moved = visitor(session)
    burgerzaken_id = moved.domain_id
    hosting.move_domain(session, host, moved.id, "sociaal", utcnow())
    session.commit()
    assert queues.take_one(session, Actor.of(anna), moved.id, burgerzaken_id, desks[0].id, utcnow(), "x") is None
    session.rollback()


def test_a_called_visitor_is_seen_before_being_handed_over(session, make_staff, desks):
    from kcc.handover import operations as handover
    anna = seat(session, make_staff, "anna", desks[0])
    first = visitor(session)
    queues.claim(session, Actor.of(anna), utcnow(), SETTINGS)
    session.commit()
    story = handover.Context("Paspoort kwijt in het buitenland; wil weten wat nu.", "", "")
    with pytest.raises(Conflict, match="zit nog niet aan je balie"):
        handover.offer(session, session.get(Contact, first.id), Actor.of(anna), story, utcnow(), 60,
                       to_team_slug="backoffice-burgerzaken")
    session.rollback()
    calls.start(session, Actor.of(anna), first.id, utcnow())
    offered = handover.offer(session, session.get(Contact, first.id), Actor.of(anna), story, utcnow(), 60,
                             to_team_slug="backoffice-burgerzaken")
    session.commit()
    assert offered.contact_id == first.id


def test_the_host_reads_on_screen_that_a_visitor_was_called_meanwhile(app, client, auth, session, make_staff, desks):
    from tests.conftest import csrf_from
    anna = seat(session, make_staff, "anna", desks[0])
    make_staff("lotte", roles=["host"])
    first = visitor(session)
    auth.login("lotte")
    token = csrf_from(client.get("/lobby/wachtenden").get_data(as_text=True))
    queues.claim(session, Actor.of(anna), utcnow(), SETTINGS)  # a desk calls while the host looks
    session.commit()
    response = client.post(f"/lobby/wachtenden/{first.id}/vertrokken", data={"csrf_token": token},
                           headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert f"{first.ticket} wacht niet meer" in response.get_data(as_text=True)  # above the list, as an alert
    session.refresh(first)
    assert first.status == "in_progress"  # the desk's call stands


def test_the_api_refuses_to_recall_a_colleagues_visitor(app, session, make_staff, desks):
    from kcc.staff.accounts import create_token
    anna = seat(session, make_staff, "anna", desks[0])
    bram = seat(session, make_staff, "bram", desks[1])
    first = visitor(session)
    queues.claim(session, Actor.of(anna), utcnow(), SETTINGS)
    _, token = create_token(session, bram, actor=Actor.system("test"))
    session.commit()
    response = app.test_client().post(f"/api/v1/contacts/{first.id}/recall",
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
