"""Signals: raised from a contact, merged (their contacts add up), moved along in order, triaged only by a senior
of a domain it touches — and bad input changes nothing."""
import pytest
from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.core.errors import Conflict, NotAllowed, ValidationError
from kcc.core.timeutil import utcnow
from kcc.models import Contact, Domain, Signal, SignalContact
from kcc.signals import operations as signals


def _contact(session, slug="burgerzaken") -> Contact:
    contact = Contact(channel="phone", domain=session.scalar(select(Domain).where(Domain.slug == slug)), question="")
    session.add(contact)
    session.flush()
    return contact


@pytest.fixture
def people(session, make_staff):
    fatima = Actor.of(make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary")]))
    sanne = Actor.of(make_staff("sanne", roles=["agent"], skills=[("burgerzaken", "primary")]))
    senior = Actor.of(make_staff("marieke", roles=["senior", "agent"], skills=[("burgerzaken", "primary")]))
    other = Actor.of(make_staff("tom", roles=["senior", "agent"], skills=[("vergunningen", "primary")]))
    return fatima, sanne, senior, other


def test_two_employees_flag_the_same_thing_and_a_senior_merges_and_closes_it(session, people):
    fatima, sanne, senior, _other = people
    now = utcnow()
    first = signals.raise_signal(session, fatima, _contact(session), signals.parse(
        {"text": "De brief over de paspoortaanvraag noemt de pasfoto niet"}), now)
    second = signals.raise_signal(session, sanne, _contact(session), signals.parse(
        {"text": "Brief paspoort: pasfoto ontbreekt", "suggestion": "zet het in de brief",
         "domains": ["burgerzaken", "algemeen"]}), now)
    merged = signals.merge(session, senior, second.id, first.id, now)
    assert merged.id == first.id and session.get(Signal, second.id).merged_into_id == first.id
    assert {link.raised_by_id for link in session.scalars(select(SignalContact).where(
        SignalContact.signal_id == first.id))} == {fatima.id, sanne.id}  # their contacts add up
    assert {d.slug for d in merged.domains} == {"burgerzaken", "algemeen"}
    signals.move(session, senior, first.id, "analysing", now)
    signals.move(session, senior, first.id, "action_agreed", now, action="Tekst van de brief aangepast")
    done = signals.move(session, senior, first.id, "done", now)
    assert done.status == "done" and done.closed_at == now and done.action == "Tekst van de brief aangepast"


def test_bad_input_gets_a_clear_message_and_changes_nothing(session, people):
    fatima, _sanne, senior, other = people
    now = utcnow()
    with pytest.raises(ValidationError) as empty:
        signals.parse({"text": "   "})
    assert "text" in empty.value.fields
    signal = signals.raise_signal(session, fatima, _contact(session), signals.parse({"text": "Website klopt niet"}), now)
    with pytest.raises(ValidationError):
        signals.merge(session, senior, signal.id, signal.id, now)  # into itself
    with pytest.raises(Conflict):
        signals.move(session, senior, signal.id, "done", now)  # out of order
    with pytest.raises(ValidationError):
        signals.move(session, senior, signal.id, "not_doing", now)  # without a reason
    with pytest.raises(NotAllowed):
        signals.move(session, other, signal.id, "analysing", now)  # a senior of another domain
    assert session.get(Signal, signal.id).status == "new"


def test_a_merge_loop_is_impossible(session, people):
    fatima, _sanne, senior, _other = people
    now = utcnow()
    a = signals.raise_signal(session, fatima, _contact(session), signals.parse({"text": "A"}), now)
    b = signals.raise_signal(session, fatima, _contact(session), signals.parse({"text": "B"}), now)
    signals.merge(session, senior, a.id, b.id, now)
    with pytest.raises(Conflict):
        signals.merge(session, senior, b.id, a.id, now)  # a is merged: work goes on at b
    assert session.get(Signal, b.id).merged_into_id is None


def test_a_citizen_can_only_be_thanked_with_an_address(session, people):
    fatima = people[0]
    with pytest.raises(ValidationError) as refused:
        signals.raise_signal(session, fatima, _contact(session), signals.parse(
            {"text": "Inwoner stelt voor: openingstijden op zaterdag", "from_citizen": True, "thank_citizen": True}),
            utcnow())
    assert "thank_citizen" in refused.value.fields


def _citizen_contact(session, email="anna@example.nl", slug="burgerzaken"):
    from kcc.models import Citizen

    contact = _contact(session, slug)
    contact.citizen = Citizen(name="Anna Jansen", email=email)
    session.flush()
    return contact


def test_done_thanks_each_consenting_citizen_once_and_every_raiser_sees_the_outcome(session, people):
    from kcc.models import OutgoingMail

    fatima, sanne, senior, _other = people
    now = utcnow()
    tip = signals.raise_signal(session, fatima, _citizen_contact(session), signals.parse(
        {"text": "Inwoner: zet de openingstijden van de balie bovenaan de website", "from_citizen": True,
         "thank_citizen": True}), now)
    signals.add_to(session, sanne, tip.id, _citizen_contact(session, "ANNA@example.nl"), True, now)  # same person
    signals.add_to(session, sanne, tip.id, _citizen_contact(session, "piet@example.nl"), False, now)  # no consent
    assert signals.outcomes_for(session, fatima) == []  # nothing to tell yet
    signals.move(session, senior, tip.id, "analysing", now)
    signals.move(session, senior, tip.id, "action_agreed", now, action="De openingstijden staan nu bovenaan.")
    assert session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "signal_thanks")).all() == []
    signals.move(session, senior, tip.id, "done", now)
    thanks = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "signal_thanks")).all()
    assert [m.to_address for m in thanks] == ["anna@example.nl"]
    assert "De openingstijden staan nu bovenaan." in thanks[0].body and "Dank u wel" in thanks[0].body
    for raiser in (fatima, sanne):
        assert [o.signal.id for o in signals.outcomes_for(session, raiser)] == [tip.id]
    signals.mark_outcome_seen(session, fatima, tip.id, now)
    assert signals.outcomes_for(session, fatima) == [] and len(signals.outcomes_for(session, sanne)) == 1


def test_the_board_puts_the_most_contacts_first_and_a_merged_one_under_its_target(session, people):
    fatima, sanne, senior, _other = people
    now = utcnow()
    burgerzaken = session.scalar(select(Domain.id).where(Domain.slug == "burgerzaken"))
    small = signals.raise_signal(session, fatima, _contact(session), signals.parse({"text": "Klein"}), now)
    big = signals.raise_signal(session, fatima, _contact(session), signals.parse({"text": "Groot"}), now)
    duplicate = signals.raise_signal(session, sanne, _contact(session), signals.parse({"text": "Ook groot"}), now)
    signals.add_to(session, sanne, big.id, _contact(session), False, now)
    signals.merge(session, senior, duplicate.id, big.id, now)
    rows = signals.board(session, burgerzaken)
    assert [(row.signal.id, row.contacts, row.raisers) for row in rows] == [(big.id, 3, 2), (small.id, 1, 1)]
    with pytest.raises(Conflict):  # the same contact twice on one signal
        signals.add_to(session, fatima, big.id, session.get(Contact, rows[0].signal.links[0].contact_id), False, now)


def test_saying_it_is_the_same_as_a_merged_or_closed_signal(session, people):
    fatima, _sanne, senior, _other = people
    now = utcnow()
    a = signals.raise_signal(session, fatima, _contact(session), signals.parse({"text": "A"}), now)
    b = signals.raise_signal(session, fatima, _contact(session), signals.parse({"text": "B"}), now)
    signals.merge(session, senior, a.id, b.id, now)
    assert signals.add_to(session, fatima, a.id, _contact(session), False, now).id == b.id  # lands on the target
    signals.move(session, senior, b.id, "not_doing", now, action="Valt buiten de gemeente")
    with pytest.raises(ValidationError):
        signals.add_to(session, fatima, b.id, _contact(session), False, now)


def test_impact_counts_contacts_on_the_same_topics_before_and_after_the_action(session, people):
    from datetime import date, datetime, time, timedelta

    from kcc.core.timeutil import AMSTERDAM
    from kcc.models import Topic

    fatima, _sanne, senior, _other = people
    topic = session.scalar(select(Topic).join(Domain).where(Domain.slug == "burgerzaken").limit(1))
    action_day = date(2026, 11, 2)  # a Monday
    for weeks_off, count in ((-2, 5), (-1, 4), (0, 2), (1, 1)):
        for n in range(count):
            moment = datetime.combine(action_day + timedelta(weeks=weeks_off, days=1), time(10, n), tzinfo=AMSTERDAM)
            session.add(Contact(channel="phone", domain_id=topic.domain_id, topic_id=topic.id, question="",
                                created_at=moment, repeated=n == 0))
    linked = _contact(session)
    linked.topic_id = topic.id
    linked.created_at = datetime.combine(action_day - timedelta(days=6), time(9), tzinfo=AMSTERDAM)
    signal = signals.raise_signal(session, fatima, linked, signals.parse({"text": "Brief onduidelijk"}), utcnow())
    signals.update_details(session, senior, signal.id, "brief, Paspoort ,brief", None, action_day, utcnow())
    assert signal.tags == ["brief", "paspoort"]
    weeks = {week.monday: week for week in signals.impact(session, signal, date(2026, 11, 20))}
    before, after = weeks[action_day - timedelta(weeks=1)], weeks[action_day]
    assert (before.linked, before.on_topics, before.repeats, before.after) == (1, 5, 1, False)
    assert (after.on_topics, after.repeats, after.after) == (2, 1, True)
    assert weeks[action_day - timedelta(weeks=2)].on_topics == 5


def test_only_a_senior_of_the_domains_or_a_lead_can_own_a_signal(session, people, make_staff):
    fatima, _sanne, senior, other = people
    signal = signals.raise_signal(session, fatima, _contact(session), signals.parse({"text": "A"}), utcnow())
    with pytest.raises(ValidationError):
        signals.update_details(session, senior, signal.id, "", other.id, None, utcnow())
    assert signals.update_details(session, senior, signal.id, "", senior.id, None, utcnow()).owner_id == senior.id


def test_a_misrouting_pattern_becomes_one_signal_in_both_domains(session, people):
    from kcc.core.timeutil import local
    from kcc.models import RoutingCorrection, Topic

    fatima, _sanne, senior, other = people
    now = utcnow()
    ids = dict(session.execute(select(Domain.slug, Domain.id)).all())
    wrong = session.scalar(select(Topic).where(Topic.domain_id == ids["burgerzaken"]).limit(1))
    right = session.scalar(select(Topic).where(Topic.domain_id == ids["vergunningen"]).limit(1))
    for _n in range(3):
        session.add(RoutingCorrection(contact=_contact(session), actor_id=fatima.id, at=now, method="rules",
                                      from_domain_id=ids["burgerzaken"], from_topic_id=wrong.id,
                                      to_domain_id=ids["vergunningen"], to_topic_id=right.id))
    session.flush()
    today = local(now).date()
    [pattern] = signals.misroutes(session, ids["burgerzaken"], today)
    assert (pattern.count, pattern.weeks[-1], pattern.to_topic, pattern.signal_id) == (3, 3, right.name, None)
    signal = signals.signal_from_misroute(session, senior, pattern.key, today, now)
    assert {d.slug for d in signal.domains} == {"burgerzaken", "vergunningen"} and len(signal.links) == 3
    assert signals.misroutes(session, ids["vergunningen"], today)[0].signal_id == signal.id
    with pytest.raises(Conflict):  # a second click makes no duplicate
        signals.signal_from_misroute(session, other, pattern.key, today, now)
    with pytest.raises(ValidationError):
        signals.signal_from_misroute(session, senior, "1:2:x", today, now)


def test_a_guessed_signal_id_does_not_make_one_a_raiser(session, people, make_staff):
    """"Staat het al op het bord?" takes only a signal of the contact's own domain, as the list offers."""
    fatima, _sanne, senior, _other = people
    pieter = Actor.of(make_staff("pieter", roles=["agent"], skills=[("sociaal", "primary")]))
    now = utcnow()
    hidden = signals.raise_signal(session, pieter, _contact(session, "sociaal"), signals.parse(
        {"text": "Wachtlijst schuldhulp"}), now)
    with pytest.raises(ValidationError):
        signals.add_to(session, fatima, hidden.id, _contact(session), False, now)
    assert not signals.may_read(fatima, hidden) and len(hidden.links) == 1


def test_an_action_date_in_the_future_shows_the_weeks_up_to_now(session, people):
    from datetime import timedelta

    from kcc.core.timeutil import local

    fatima, _sanne, senior, _other = people
    signal = signals.raise_signal(session, fatima, _contact(session), signals.parse({"text": "A"}), utcnow())
    today = local(utcnow()).date()
    signals.update_details(session, senior, signal.id, "", None, today + timedelta(weeks=10), utcnow())
    weeks = signals.impact(session, signal, today)
    assert weeks and weeks[-1].monday <= today and not any(week.after for week in weeks)
