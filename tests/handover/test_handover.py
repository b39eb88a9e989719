"""The warm handover state machine and callback tasks, as domain functions on both databases."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.db import make_engine, make_sessionmaker
from kcc.core.errors import Conflict, NotAllowed, ValidationError
from kcc.core.timeutil import AMSTERDAM, utcnow
from kcc.handover import operations as handover
from kcc.mail.operations import when
from kcc.models import Contact, Handover, OutgoingMail, Task, Team
from kcc.queues import operations as queues

SETTINGS = QueueSettings(headstart_s={})
STORY = handover.Context("Mevrouw (82) is gevallen en kan niet meer zelf douchen; dochter belt namens haar.",
                         "Adres en telefoon gecontroleerd.", "Vandaag nog contact van een Wmo-consulent.")


@pytest.fixture
def in_hand(session, make_staff):
    """An agent with a phone contact about home help in progress: (agent, contact)."""
    agent = make_staff("fatima", roles=["agent"], skills=[("sociaal", "primary")])
    queues.set_presence(session, agent, "available", utcnow())
    intake.receive(session, intake.parse_contact({
        "channel": "phone", "question": "hulp in de huishouding voor mijn moeder",
        "citizen": {"name": "Els de Boer", "phone": "0612345678", "email": "els@example.nl"}}),
        Router.from_session(session), SETTINGS, utcnow(), actor=Actor.system("test"))
    contact = queues.claim_next(session, Actor.of(agent), utcnow(), SETTINGS)
    session.commit()
    return agent, contact


@pytest.fixture
def consulent(make_staff):
    return make_staff("ingrid", roles=["specialist"], teams=["wmo-consulenten"])


def test_a_handover_without_a_real_story_is_refused(session, in_hand, consulent):
    agent, contact = in_hand
    for summary in ("", "   ", "bel haar terug"):
        with pytest.raises(ValidationError) as caught:
            handover.offer(session, contact, Actor.of(agent), handover.Context(summary), utcnow(), 60, to_team_slug="wmo-consulenten")
        assert "context.summary" in caught.value.fields
    session.rollback()
    assert session.get(Contact, contact.id).status == "in_progress"


def test_unknown_colleague_oneself_or_unknown_team_is_refused(session, in_hand):
    agent, contact = in_hand
    for kwargs, field in (({"to_staff_id": 99999}, "to.staff"), ({"to_staff_id": agent.id}, "to.staff"),
                          ({"to_team_slug": "geheime-dienst"}, "to.team"), ({}, "to")):
        with pytest.raises(ValidationError) as caught:
            handover.offer(session, contact, Actor.of(agent), STORY, utcnow(), 60, **kwargs)
        assert field in caught.value.fields


def test_only_the_owner_can_hand_over(session, in_hand, make_staff):
    _agent, contact = in_hand
    other = make_staff("sanne", roles=["agent"], skills=[("sociaal", "primary")])
    with pytest.raises(Conflict):
        handover.offer(session, contact, Actor.of(other), STORY, utcnow(), 60, to_team_slug="wmo-consulenten")


def test_accepted_offer_moves_the_contact_with_its_story(session, in_hand, consulent):
    agent, contact = in_hand
    offer = handover.offer(session, contact, Actor.of(agent), STORY, utcnow(), 60, to_team_slug="wmo-consulenten")
    session.commit()
    assert contact.status == "handover_offered"
    taken = handover.accept(session, offer, Actor.of(consulent), utcnow())
    session.commit()
    assert (taken.owner_id, taken.status, offer.status) == (consulent.id, "in_progress", "accepted")
    accepted = [e for e in taken.events if e.type == "handover_accepted"][0]
    assert accepted.data["warm"] is True  # a phone call: both were on the line
    assert [e.type for e in taken.events][-2:] == ["handover_offered", "handover_accepted"]


def test_someone_who_is_not_the_target_cannot_accept(session, in_hand, make_staff):
    agent, contact = in_hand
    bas = make_staff("bas", roles=["specialist"], teams=["bouwen-en-verbouwen"])
    offer = handover.offer(session, contact, Actor.of(agent), STORY, utcnow(), 60, to_team_slug="wmo-consulenten")
    with pytest.raises(NotAllowed):
        handover.accept(session, offer, Actor.of(bas), utcnow())


def test_an_expired_offer_becomes_a_callback_task_and_cannot_be_accepted(session, in_hand, consulent):
    agent, contact = in_hand
    start = utcnow()
    offer = handover.offer(session, contact, Actor.of(agent), STORY, start, 60, to_team_slug="wmo-consulenten")
    session.commit()
    with pytest.raises(Conflict):
        handover.accept(session, offer, Actor.of(consulent), start + timedelta(seconds=61))
    session.commit()
    task = session.scalars(select(Task)).one()
    assert offer.status == "expired" and task.team.slug == "wmo-consulenten" and task.handover_id == offer.id
    assert contact.status == "callback_scheduled" and task.summary == STORY.summary
    assert task.deadline > start


def test_a_decline_needs_a_reason_and_becomes_a_task(session, in_hand, consulent):
    agent, contact = in_hand
    offer = handover.offer(session, contact, Actor.of(agent), STORY, utcnow(), 60, to_team_slug="wmo-consulenten")
    with pytest.raises(ValidationError):
        handover.decline(session, offer, Actor.of(consulent), "  ", utcnow())
    task = handover.decline(session, offer, Actor.of(consulent), "Zit in een huisbezoek", utcnow())
    assert offer.status == "declined" and task.state == "open" and contact.status == "callback_scheduled"
    with pytest.raises(Conflict):
        handover.accept(session, offer, Actor.of(consulent), utcnow())


def test_the_sweeper_expires_offers_without_a_reader(session, in_hand):
    agent, contact = in_hand
    start = utcnow()
    handover.offer(session, contact, Actor.of(agent), STORY, start, 60, to_team_slug="wmo-consulenten")
    assert handover.expire_due(session, start + timedelta(seconds=30)) == []
    tasks = handover.expire_due(session, start + timedelta(seconds=90))
    assert len(tasks) == 1 and handover.expire_due(session, start + timedelta(seconds=120)) == []


@pytest.mark.parametrize("start", [
    "2026-11-20 16:00",  # Friday afternoon: runs over the weekend
    "2026-04-24 16:00",  # Friday before Koningsdag (Monday 27 April 2026)
])
def test_deadline_skips_weekends_and_koningsdag(session, in_hand, start):
    """Wmo-consulenten take the topic's norm, counted in the sociaal domain's phone hours."""
    from kcc.core.workinghours import working_hours_between
    agent, contact = in_hand
    now = datetime.fromisoformat(start).replace(tzinfo=AMSTERDAM)
    team = session.scalar(select(Team).where(Team.slug == "wmo-consulenten"))
    task = handover.create_task(session, contact, team, STORY, now, created_by_id=agent.id)
    hours = team.domain.hours["phone"]
    norm = handover.norm_hours(contact, team)
    assert working_hours_between(now, task.deadline, hours) == pytest.approx(norm)
    local = task.deadline.astimezone(AMSTERDAM)
    assert local.weekday() < 5 and local.date().isoformat() != "2026-04-27"


def test_two_people_accepting_the_same_team_offer_at_once_one_wins(database_url, session, in_hand, make_staff):
    agent, contact = in_hand
    ingrid = make_staff("ingrid", roles=["specialist"], teams=["wmo-consulenten"])
    mees = make_staff("mees", roles=["specialist"], teams=["wmo-consulenten"])
    offer = handover.offer(session, contact, Actor.of(agent), STORY, utcnow(), 60, to_team_slug="wmo-consulenten")
    session.commit()
    outcomes: dict[int, str] = {}
    barrier = threading.Barrier(2)

    def try_accept(staff_id: int) -> None:
        engine = make_engine(database_url)
        with make_sessionmaker(engine)() as own:
            barrier.wait()
            try:
                handover.accept(own, own.get(Handover, offer.id), Actor.of(own.get(type(ingrid), staff_id)), utcnow())
                own.commit()
                outcomes[staff_id] = "won"
            except Conflict:
                own.rollback()
                outcomes[staff_id] = "lost"
        engine.dispose()

    threads = [threading.Thread(target=try_accept, args=(sid,)) for sid in (ingrid.id, mees.id)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["lost", "won"]
    session.expire_all()
    winner = next(sid for sid, result in outcomes.items() if result == "won")
    assert session.get(Contact, contact.id).owner_id == winner


def test_an_offer_a_colleague_declines_goes_to_their_team_not_onto_their_desk(session, in_hand, consulent):
    """Declining means "I cannot now": the callback lands with the decliner's team, unassigned, and the
    reason travels with it; an offer that just ran out stays named to the colleague it was meant for."""
    agent, contact = in_hand
    offer = handover.offer(session, contact, Actor.of(agent), STORY, utcnow(), 60, to_staff_id=consulent.id)
    task = handover.decline(session, offer, Actor.of(consulent), "Vanmiddag op huisbezoek", utcnow())
    assert task.owner_id is None and task.team.slug == "wmo-consulenten"
    assert task.handover.decline_reason == "Vanmiddag op huisbezoek"


def test_the_employee_may_promise_an_earlier_callback_but_a_later_one_only_with_a_reason(session, in_hand, consulent):
    """The deadline the citizen is told is the one the employee promised, not the norm's Tuesday 16:00."""
    agent, contact = in_hand
    now = utcnow()
    team = session.scalar(select(Team).where(Team.slug == "wmo-consulenten"))
    norm = handover.norm_deadline(contact, team, now)
    soon = now + timedelta(hours=2)
    assert soon < norm
    with pytest.raises(ValidationError) as too_soon:
        handover.callback_now(session, contact, Actor.of(agent), replace(STORY, deadline=now + timedelta(minutes=5)),
                              now, to_team_slug="wmo-consulenten")
    assert "context.deadline" in too_soon.value.fields
    with pytest.raises(ValidationError) as unexplained:
        handover.callback_now(session, contact, Actor.of(agent), replace(STORY, deadline=norm + timedelta(days=3)),
                              now, to_team_slug="wmo-consulenten")
    assert "context.deadline_reason" in unexplained.value.fields
    task = handover.callback_now(session, contact, Actor.of(agent),
                                 replace(STORY, promised="Vóór 12:00 terugbellen", deadline=soon), now,
                                 to_team_slug="wmo-consulenten")
    assert task.deadline == soon and task.deadline_reason is None
    mail = session.scalars(select(OutgoingMail).where(OutgoingMail.task_id == task.id)).one()
    assert "Vóór 12:00 terugbellen" in mail.body and when(soon) in mail.body


def test_a_deadline_promised_with_an_offer_holds_when_the_offer_becomes_a_task(session, in_hand, consulent):
    agent, contact = in_hand
    now = utcnow()
    later = handover.norm_deadline(contact, consulent.teams[0], now) + timedelta(days=2)
    offer = handover.offer(session, contact, Actor.of(agent),
                           replace(STORY, deadline=later, deadline_reason="Mevrouw is tot donderdag in het ziekenhuis"),
                           now, 60, to_team_slug="wmo-consulenten")
    task = handover.decline(session, offer, Actor.of(consulent), "Vol vandaag", now)
    assert task.deadline == later and task.deadline_reason == "Mevrouw is tot donderdag in het ziekenhuis"
