"""Intake, routing into queues and fair assignment, as plain domain functions (no HTTP)."""
from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from kcc.contacts import intake
from kcc.core.actor import Actor
from kcc.core.db import make_engine, make_sessionmaker
from kcc.core.errors import Conflict, ValidationError
from kcc.core.timeutil import utcnow
from kcc.models import Contact, ContactEvent, Desk, Staff
from kcc.queues import operations as queues
from tests.claimers import claim_until_empty
from tests.queues.conftest import SETTINGS


def test_a_question_is_routed_and_queued(arrive):
    received = arrive("Mijn rijbewijs verloopt volgende maand", citizen={"phone": "06 12345678"})
    contact = received.contact
    assert received.created and not received.repeat
    assert (contact.status, contact.domain.slug, contact.topic.slug) == ("waiting", "burgerzaken", "rijbewijs")
    assert contact.routing_method == "router" and contact.citizen.phone == "+31612345678"
    assert [e.type for e in contact.events] == ["arrived", "routed"]


def test_a_choice_from_the_phone_menu_is_not_second_guessed(arrive):
    contact = arrive("", domain="sociaal", topic="schulden").contact
    assert (contact.domain.slug, contact.topic.slug, contact.routing_method) == ("sociaal", "schulden", "choice")


def test_an_unclear_question_lands_in_algemeen_for_triage(arrive):
    contact = arrive("goedemorgen, ik heb een vraagje", channel="web").contact
    assert contact.domain.slug == "algemeen" and contact.triage and contact.routing_method == "fallback"


def test_the_same_call_id_twice_makes_one_contact(arrive, session):
    first = arrive(external_ref="call-1")
    again = arrive(external_ref="call-1")
    assert first.created and not again.created and again.contact.id == first.contact.id
    assert session.query(Contact).filter_by(external_ref="call-1").count() == 1


def test_a_repeat_caller_is_recognised_by_phone_or_email(arrive):
    arrive(citizen={"phone": "0612345678"}, at=utcnow() - timedelta(days=3))
    assert arrive("nog een vraag over mijn paspoort", citizen={"phone": "+31 6 12345678"}).repeat
    assert not arrive(citizen={"phone": "0687654321"}).repeat
    arrive(channel="web", citizen={"email": "a.bos@Example.NL"}, at=utcnow() - timedelta(days=8))
    assert not arrive(channel="web", citizen={"email": "a.bos@example.nl"}).repeat  # more than 7 days ago


def test_counter_visitors_get_a_ticket_per_domain_and_day(arrive):
    tickets = [arrive(channel="counter").contact.ticket for _ in range(3)]
    assert tickets == ["B001", "B002", "B003"]
    assert arrive("grofvuil laten ophalen", channel="counter").contact.ticket == "A001"


@pytest.mark.parametrize("data, field", [
    ({"channel": "fax", "question": "x"}, "channel"),
    ({"channel": "web", "question": ""}, "question"),
    ({"channel": "web", "question": "x" * 10_000}, "question"),
    ({"channel": "web", "question": "x", "colour": "blue"}, "colour"),
    ({"channel": "web", "question": "x", "citizen": {"phone": "12"}}, "citizen.phone"),
    ({"channel": "web", "question": "x", "citizen": {"email": "geen-adres"}}, "citizen.email"),
    ({"channel": "web", "question": "x", "citizen": {"bsn": "123456782"}}, "citizen.bsn"),
    ({"channel": "web", "question": "x", "language": "Nederlands"}, "language"),
    ({"channel": "phone", "question": "", "topic": "paspoort"}, "topic"),
])
def test_bad_contacts_are_refused_per_field(data, field):
    with pytest.raises(ValidationError) as caught:
        intake.parse_contact(data)
    assert field in caught.value.fields


@pytest.mark.parametrize("fields, field", [({"domain": "toerisme"}, "domain"),
                                           ({"domain": "burgerzaken", "topic": "hondenbelasting"}, "topic")])
def test_unknown_domain_or_topic_is_refused_and_nothing_is_stored(arrive, session, fields, field):
    with pytest.raises(ValidationError) as caught:
        arrive("", **fields)
    session.rollback()
    assert field in caught.value.fields and session.query(Contact).count() == 0


def test_oldest_first_with_a_head_start_for_callers_on_the_line(arrive, on_duty, session):
    anna = on_duty("anna")
    now = utcnow()
    mail = arrive("paspoort verlengen", channel="email", at=now - timedelta(minutes=4)).contact
    call = arrive("paspoort verlengen", channel="phone", at=now - timedelta(minutes=1)).contact
    assert queues.claim_next(session, Actor.of(anna), now, SETTINGS).id == call.id  # 1 min + 5 min head start > 4 min
    queues.resolve(session, call.id, Actor.of(anna), "answered", now)
    assert queues.claim_next(session, Actor.of(anna), now, SETTINGS).id == mail.id


def test_the_longest_idle_colleague_gets_the_contact_first(arrive, on_duty, session):
    rested = on_duty("rested", idle_for=600)
    fresh = on_duty("fresh", idle_for=5)
    arrive()
    now = utcnow()
    assert queues.claim_next(session, Actor.of(fresh), now, SETTINGS) is None  # not fresh's turn
    assert queues.claim_next(session, Actor.of(rested), now, SETTINGS) is not None


def test_primary_skill_goes_before_secondary(arrive, on_duty, session):
    secondary = on_duty("second", skills=[("burgerzaken", "secondary")], idle_for=900)
    primary = on_duty("first", skills=[("burgerzaken", "primary")], idle_for=10)
    arrive()
    now = utcnow()
    assert queues.claim_next(session, Actor.of(secondary), now, SETTINGS) is None
    assert queues.claim_next(session, Actor.of(primary), now, SETTINGS) is not None


def test_a_colleague_who_is_not_there_is_not_waited_for(arrive, on_duty, session):
    gone = on_duty("gone", idle_for=900)
    gone.last_seen_at = utcnow() - timedelta(minutes=5)
    here = on_duty("here", idle_for=5)
    arrive()
    assert queues.claim_next(session, Actor.of(here), utcnow(), SETTINGS) is not None


def test_no_skill_no_contact(arrive, on_duty, session):
    other = on_duty("vera", skills=[("vergunningen", "primary")])
    arrive()
    assert queues.claim_next(session, Actor.of(other), utcnow(), SETTINGS) is None


def test_language_is_matched_until_the_wait_is_too_long(arrive, on_duty, session):
    dutch = on_duty("dutch", idle_for=900)
    english = on_duty("english", languages=["nl", "en"], idle_for=5)
    now = utcnow()
    arrive("I need to renew my passport", language="en", at=now - timedelta(seconds=30))
    assert queues.claim_next(session, Actor.of(dutch), now, SETTINGS) is None
    assert queues.claim_next(session, Actor.of(english), now, SETTINGS) is not None
    arrive("I lost my passport", language="en", at=now - timedelta(seconds=200))
    assert queues.claim_next(session, Actor.of(dutch), now, SETTINGS) is not None  # waited past language_wait_s


def test_lobby_visitors_go_only_to_someone_at_a_desk(arrive, on_duty, session):
    session.add(Desk(number="7", label="Balie 7"))
    session.commit()
    phone_only = on_duty("phone", idle_for=900)
    at_desk = on_duty("desk", idle_for=5, desk="7")
    visitor = arrive(channel="counter").contact
    now = utcnow()
    assert queues.claim_next(session, Actor.of(phone_only), now, SETTINGS) is None
    claimed = queues.claim_next(session, Actor.of(at_desk), now, SETTINGS)
    assert claimed.id == visitor.id and claimed.desk.number == "7"


def test_a_desk_where_a_colleague_sits_is_refused_with_their_name(on_duty, make_staff, session):
    session.add(Desk(number="7", label="Balie 7"))
    session.commit()
    anna = on_duty("anna", desk="7")
    bram = make_staff("bram", roles=["agent"], skills=[("burgerzaken", "primary")])
    with pytest.raises(ValidationError) as caught:
        queues.set_presence(session, bram, "available", utcnow(), desk_number="7", desk_given=True)
    assert str(caught.value.fields["desk"]) == "Balie 7 is bezet door Anna; kies een andere balie."
    assert bram.desk_id is None and bram.presence == "offline"  # nothing of the request was applied
    queues.set_presence(session, anna, "paused", utcnow(), desk_number="7", desk_given=True)  # keeping one's own desk
    session.commit()
    with pytest.raises(ValidationError):  # paused at the desk is still sitting there
        queues.set_presence(session, bram, "offline", utcnow(), desk_number="7", desk_given=True)


@pytest.mark.parametrize("gone", ["offline", "unseen"])
def test_a_desk_left_behind_can_be_taken_and_whoever_was_on_record_stands_up(on_duty, make_staff, session, gone):
    session.add(Desk(number="7", label="Balie 7"))
    session.commit()
    anna = on_duty("anna", desk="7")
    if gone == "offline":
        queues.set_presence(session, anna, "offline", utcnow())
    else:  # the screen closed without signing off: not seen for longer than the freshness window
        anna.last_seen_at = utcnow() - timedelta(seconds=SETTINGS.presence_fresh_s + 1)
    session.commit()
    bram = make_staff("bram", roles=["agent"], skills=[("burgerzaken", "primary")])
    queues.set_presence(session, bram, "available", utcnow(), desk_number="7", desk_given=True,
                        fresh_s=SETTINGS.presence_fresh_s)
    session.commit()
    session.expire_all()
    assert bram.desk.number == "7" and anna.desk_id is None


def test_paused_or_busy_employees_get_nothing(arrive, on_duty, session):
    anna = on_duty("anna")
    arrive()
    arrive()
    now = utcnow()
    queues.set_presence(session, anna, "paused", now)
    with pytest.raises(Conflict):
        queues.claim_next(session, Actor.of(anna), now, SETTINGS)
    queues.set_presence(session, anna, "available", now)
    assert queues.claim_next(session, Actor.of(anna), now, SETTINGS) is not None
    assert queues.presence_of(session, anna) == "busy"
    with pytest.raises(Conflict):
        queues.claim_next(session, Actor.of(anna), now, SETTINGS)


def test_resolve_needs_the_owner_and_a_referral_needs_whom(arrive, on_duty, session):
    anna, bert = on_duty("anna", idle_for=60), on_duty("bert")
    arrive()
    now = utcnow()
    contact = queues.claim_next(session, Actor.of(anna), now, SETTINGS)
    with pytest.raises(Conflict):
        queues.resolve(session, contact.id, Actor.of(bert), "answered", now)
    with pytest.raises(ValidationError) as caught:
        queues.resolve(session, contact.id, Actor.of(anna), "referred_external", now, referred_to="  ")
    assert "referred_to" in caught.value.fields
    queues.resolve(session, contact.id, Actor.of(anna), "referred_external", now, referred_to="UWV, gesproken met Joke")
    assert contact.status == "resolved" and contact.outcome == "referred_external"
    with pytest.raises(Conflict):
        queues.resolve(session, contact.id, Actor.of(anna), "answered", now)


def test_abandon_only_while_waiting(arrive, on_duty, session):
    waiting = arrive().contact
    queues.abandon(session, waiting, utcnow(), actor=Actor.system("test"))
    assert waiting.status == "abandoned"
    with pytest.raises(Conflict):
        queues.abandon(session, waiting, utcnow(), actor=Actor.system("test"))


def test_queue_status_shows_waiting_longest_wait_staff_and_service_level(arrive, on_duty, session):
    on_duty("anna")
    now = utcnow()
    arrive(at=now - timedelta(seconds=90))
    arrive(at=now - timedelta(seconds=30))
    status = {q.domain.slug: q for q in queues.queue_status(session, now)}
    assert status["burgerzaken"].waiting == 2 and 89 <= status["burgerzaken"].longest_wait_s <= 91
    assert status["burgerzaken"].staff_available == 1 and status["vergunningen"].waiting == 0
    assert status["burgerzaken"].service_level_today is None


def test_service_level_counts_todays_answered_calls_per_domain_against_its_target(arrive, session):
    from kcc.core.timeutil import local

    midnight = local(utcnow()).replace(hour=0, minute=0, second=0, microsecond=0)
    now = midnight + timedelta(hours=12)  # at noon, whenever the test runs
    answers = [(now - timedelta(minutes=9), 10, "burgerzaken"), (now - timedelta(minutes=8), 60, "burgerzaken"),
               (now - timedelta(minutes=7), 15, "burgerzaken"), (midnight - timedelta(minutes=5), 1, "burgerzaken"),
               (now - timedelta(minutes=6), 25, "vergunningen")]
    for at, after_s, domain in answers:
        contact = arrive(at=at, domain=domain).contact
        contact.status, contact.answered_at = "resolved", at + timedelta(seconds=after_s)
    arrive(at=now - timedelta(minutes=1), channel="email", question="Wanneer is het stadhuis open?", domain="burgerzaken")
    session.commit()
    targets = {q.domain.slug: q.domain.phone_answer_target_s for q in queues.queue_status(session, now)}
    status = {q.domain.slug: q.service_level_today for q in queues.queue_status(session, now)}
    # yesterday's call and the e-mail do not count; 10 s and 15 s are within burgerzaken's target, 60 s is not
    assert targets["burgerzaken"] == 20 and status["burgerzaken"] == round(2 / 3, 3)
    assert status["vergunningen"] == (1.0 if 25 <= targets["vergunningen"] else 0.0) and status["sociaal"] is None


def test_estimated_wait_grows_with_the_queue(arrive, on_duty, session):
    on_duty("anna")
    now = utcnow()
    first, second = arrive(at=now).contact, arrive(at=now).contact
    assert queues.position_and_wait(session, first, now) == (1, queues.DEFAULT_HANDLING_S)
    assert queues.position_and_wait(session, second, now) == (2, 2 * queues.DEFAULT_HANDLING_S)


def test_estimated_wait_follows_recent_handling_times(arrive, on_duty, session):
    """Two contacts handled in 100 and 200 s: the next in line waits about 150 s per person ahead."""
    anna, _bert = on_duty("anna", idle_for=60), on_duty("bert", idle_for=30)
    now = utcnow()
    for handling_s in (100, 200):
        arrive(at=now - timedelta(seconds=handling_s + 10))
        taken = queues.claim_next(session, Actor.of(anna), now - timedelta(seconds=handling_s), SETTINGS)
        queues.resolve(session, taken.id, Actor.of(anna), "answered", now)
        session.commit()
    waiting = arrive(at=now).contact
    assert queues.position_and_wait(session, waiting, now) == (1, 75)  # 150 s, two people working


# --- two employees never get the same contact ---------------------------------------------------

def _prepare_many(session, make_staff, count_staff: int, count_contacts: int, router) -> list[int]:
    now = utcnow()
    ids = []
    for i in range(count_staff):
        staff = make_staff(f"claimer{i}", roles=["agent"], skills=[("burgerzaken", "primary")])
        queues.set_presence(session, staff, "available", now)
        ids.append(staff.id)
    for i in range(count_contacts):
        intake.receive(session, intake.parse_contact({"channel": "phone", "question": "paspoort"}), router,
                       SETTINGS, now + timedelta(milliseconds=i), actor=Actor.system("test"))
    session.commit()
    return ids


def _assert_each_handed_out_once(session, claimed: list[int], count_contacts: int):
    session.expire_all()
    assert len(claimed) == count_contacts, "a contact was lost or given twice"
    assert max(Counter(claimed).values()) == 1, "a contact was given twice"
    contacts = session.scalars(select(Contact)).all()
    assert {c.status for c in contacts} == {"resolved"}
    claims = Counter(e.contact_id for e in session.scalars(select(ContactEvent).where(ContactEvent.type == "claimed")))
    assert set(claims.values()) == {1} and len(claims) == count_contacts


def test_concurrent_claimers_in_threads_get_each_contact_exactly_once(database_url, session, make_staff, router):
    staff_ids = _prepare_many(session, make_staff, 8, 120, router)
    with ThreadPoolExecutor(len(staff_ids)) as pool:
        results = list(pool.map(lambda sid: claim_until_empty(database_url, sid), staff_ids))
    _assert_each_handed_out_once(session, [cid for got in results for cid in got], 120)
    assert sum(1 for got in results if got) >= 2  # the work was really shared


def test_concurrent_claimers_in_processes_get_each_contact_exactly_once(database_url, session, make_staff, router):
    staff_ids = _prepare_many(session, make_staff, 6, 90, router)
    with ProcessPoolExecutor(len(staff_ids), mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(claim_until_empty, [database_url] * len(staff_ids), staff_ids))
    _assert_each_handed_out_once(session, [cid for got in results for cid in got], 90)


def _claim_once(url: str, me: Actor, start: threading.Barrier) -> str:
    engine = make_engine(url)
    try:
        start.wait()
        with make_sessionmaker(engine)() as session:
            try:
                taken = queues.claim(session, me, utcnow(), SETTINGS)
            except Conflict:
                session.rollback()
                return "busy"
            session.commit()
            return "taken" if taken else "none"
    finally:
        engine.dispose()


def test_a_double_click_on_next_gives_one_contact(database_url, session, make_staff, router):
    """Two requests of the same employee at the same moment: one contact, the other hears they have one."""
    [staff_id] = _prepare_many(session, make_staff, 1, 20, router)
    me = Actor.of(session.get(Staff, staff_id))
    session.commit()
    for _ in range(5):
        start = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(_claim_once, [database_url] * 2, [me] * 2, [start] * 2))
        assert outcomes == ["busy", "taken"]
        session.expire_all()
        [mine] = session.scalars(select(Contact).where(Contact.owner_id == staff_id, Contact.status == "in_progress"))
        queues.resolve(session, mine.id, Actor.of(mine.owner), "answered", utcnow())
        session.commit()


def test_asking_and_finding_nothing_marks_seen_only_when_due(session, make_staff):
    anna = make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")])
    now = utcnow()
    queues.set_presence(session, anna, "available", now)
    session.commit()
    assert queues.claim(session, Actor.of(anna), now + timedelta(seconds=5), SETTINGS) is None
    session.commit()
    session.refresh(anna)
    assert anna.last_seen_at == now  # seen 5 s ago: not written again
    later = now + timedelta(seconds=SETTINGS.presence_fresh_s / 3)
    assert queues.claim(session, Actor.of(anna), later, SETTINGS) is None
    session.commit()
    session.refresh(anna)
    assert anna.last_seen_at == later
