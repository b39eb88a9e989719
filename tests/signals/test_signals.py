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
