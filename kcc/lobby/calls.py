"""A desk calls lobby visitors: call next (the queue's own claim), recall, no-show and the host's undo, call a
ticket out of order with a reason, and start when the visitor sits down.

Each is one conditional UPDATE, so two desks calling at once never get the same visitor and a recall after
the visitor was served changes nothing. The display reads `called_at`: a recall puts the ticket on top again.
A no-show is an abandoned counter contact that was called (`calls` > 0); the host can put it back in the
queue at its old place (its `rank_at` is kept).
"""
from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, and_, exists, func, select, update
from sqlalchemy.orm import Session

from kcc.config import QueueSettings
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.db import expire_loaded
from kcc.core.errors import Conflict, Msg, NotFound, ValidationError
from kcc.core.timeutil import start_of_day
from kcc.models import Contact, ContactEvent, ContactStatus, Presence, Skill, Staff
from kcc.queues import operations as queues

REASON_LIMIT = 300


def _mine_at_desk(actor: Actor, contact_id: int):
    """The counter contact this employee called and has not started with yet."""
    return and_(Contact.id == contact_id, Contact.owner_id == actor.id, Contact.channel == "counter",
                Contact.status == ContactStatus.in_progress, Contact.started_at.is_(None))


def _explain(session: Session, actor: Actor, contact_id: int) -> Conflict:
    """Why a call action changed nothing, in words the employee can act on."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.channel != "counter":
        raise NotFound(Msg("geen bezoeker met dit nummer"))
    session.refresh(contact)
    if contact.owner_id != actor.id:
        return Conflict(Msg("Deze bezoeker is niet door jou opgeroepen."))
    if contact.started_at is not None and contact.status == ContactStatus.in_progress:
        return Conflict(Msg("Deze bezoeker zit al aan je balie."))
    return Conflict(Msg("Deze bezoeker is niet meer opgeroepen (status: %(status)s).", status=contact.status))


def _event(session: Session, contact_id: int, kind: str, actor: Actor, now: datetime, **data) -> None:
    session.add(ContactEvent(contact_id=contact_id, type=kind, actor_id=actor.id, at=now, data=data))


def recall(session: Session, actor: Actor, contact_id: int, now: datetime, settings: QueueSettings) -> int:
    """Call the same visitor again (the display shows the ticket on top again); returns how often it was called."""
    changed = cast(CursorResult, session.execute(
        update(Contact).where(_mine_at_desk(actor, contact_id), Contact.calls < settings.max_calls)
        .values(calls=Contact.calls + 1, called_at=now, updated_at=now).returning(Contact.calls)
        .execution_options(synchronize_session=False))).first()
    if changed is None:
        called = session.scalar(select(Contact.calls).where(_mine_at_desk(actor, contact_id)))
        if called is not None:
            raise Conflict(Msg("Al %(count)s keer opgeroepen. Meld de bezoeker als niet verschenen.", count=called))
        raise _explain(session, actor, contact_id)
    _event(session, contact_id, "recalled", actor, now, calls=changed.calls)
    audit.record(session, actor, "contact.recall", object_type="contact", object_id=contact_id)
    expire_loaded(session, Contact, contact_id)
    return int(changed.calls)


def no_show(session: Session, actor: Actor, contact_id: int, now: datetime) -> None:
    """The called visitor did not come: the contact ends as abandoned, and the employee is free for the next."""
    changed = cast(CursorResult, session.execute(
        update(Contact).where(_mine_at_desk(actor, contact_id))
        .values(status=ContactStatus.abandoned, closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)))
    if changed.rowcount != 1:
        raise _explain(session, actor, contact_id)
    _event(session, contact_id, "no_show", actor, now)
    queues.free_again(session, actor, now)
    audit.record(session, actor, "contact.no_show", object_type="contact", object_id=contact_id)
    expire_loaded(session, Contact, contact_id)


def undo_no_show(session: Session, actor: Actor, contact_id: int, now: datetime) -> None:
    """The host saw the visitor after all: back in the queue at the place they had, to be called again."""
    changed = cast(CursorResult, session.execute(
        update(Contact).where(Contact.id == contact_id, Contact.channel == "counter", Contact.calls > 0,
                              Contact.status == ContactStatus.abandoned, Contact.started_at.is_(None),
                              Contact.created_at >= start_of_day(now))
        .values(status=ContactStatus.waiting, owner_id=None, desk_id=None, called_at=None, calls=0,
                answered_at=None, closed_at=None, updated_at=now)
        .execution_options(synchronize_session=False)))
    if changed.rowcount != 1:
        if session.get(Contact, contact_id) is None:
            raise NotFound(Msg("geen bezoeker met dit nummer"))
        raise Conflict(Msg("Deze bezoeker staat niet als niet verschenen (van vandaag); er is niets terug te zetten."))
    _event(session, contact_id, "no_show_undone", actor, now)
    audit.record(session, actor, "contact.no_show_undo", object_type="contact", object_id=contact_id)
    expire_loaded(session, Contact, contact_id)


def start(session: Session, actor: Actor, contact_id: int, now: datetime) -> None:
    """The called visitor sits down at the desk: from here it is handled like any contact."""
    changed = cast(CursorResult, session.execute(
        update(Contact).where(_mine_at_desk(actor, contact_id)).values(started_at=now, updated_at=now)
        .execution_options(synchronize_session=False)))
    if changed.rowcount != 1:
        raise _explain(session, actor, contact_id)
    _event(session, contact_id, "started", actor, now)
    audit.record(session, actor, "contact.start", object_type="contact", object_id=contact_id)
    expire_loaded(session, Contact, contact_id)


def call_ticket(session: Session, actor: Actor, ticket: str, reason: str, now: datetime) -> queues.Claimed:
    """Call one waiting visitor out of order (someone unwell, an interpreter who is here now), with the reason.

    Only an employee at a desk, with nothing in hand, for a visitor of one of their domains; the same
    conditional take as the queue's, so a colleague calling the same ticket at once cannot also get it.
    """
    ticket, reason = (ticket or "").strip().upper(), (reason or "").strip()
    problems: dict[str, str | Msg] = {}
    if not ticket:
        problems["ticket"] = Msg("geef het volgnummer, bijvoorbeeld B012")
    if not reason:
        problems["reason"] = Msg("schrijf op waarom deze bezoeker voorgaat; collega's en de gastvrouw zien het")
    elif len(reason) > REASON_LIMIT:
        problems["reason"] = Msg("schrijf de reden in ten hoogste %(limit)s tekens", limit=REASON_LIMIT)
    if problems:
        raise ValidationError(problems)
    session.flush()
    conn = session.connection()
    # lock the employee's row first (a double submit waits here), then read the state with a fresh statement:
    # on PostgreSQL the locking statement itself still sees the state from before the wait
    conn.execute(select(Staff.id).where(Staff.id == actor.id).with_for_update())
    me = conn.execute(
        select(Staff.desk_id, Staff.presence, exists().where(Contact.owner_id == actor.id,
                                                            Contact.status == ContactStatus.in_progress).label("busy"))
        .where(Staff.id == actor.id)).one()
    if me.desk_id is None:
        raise Conflict(Msg("Je zit niet aan een balie. Kies eerst je balie."))
    if me.busy:
        raise Conflict(Msg("Je hebt al een contact in behandeling. Rond dat eerst af."))
    if me.presence != Presence.available:
        raise Conflict(Msg("Je staat niet op beschikbaar. Zet jezelf op beschikbaar om een bezoeker op te roepen."))
    found = conn.execute(
        select(Contact.id, Contact.domain_id).where(
            Contact.channel == "counter", func.upper(Contact.ticket) == ticket, Contact.created_at >= start_of_day(now),
            Contact.status == ContactStatus.waiting,
            Contact.domain_id.in_(select(Skill.domain_id).where(Skill.staff_id == actor.id)))
        .order_by(Contact.id.desc()).limit(1)).first()
    if found is None:
        raise Conflict(Msg("Volgnummer %(ticket)s wacht nu niet voor jouw domeinen.", ticket=ticket))
    taken = queues.take_one(session, actor, found.id, found.domain_id, me.desk_id, now, reason=reason)
    if taken is None:
        raise Conflict(Msg("Een collega heeft %(ticket)s net opgeroepen.", ticket=ticket))
    return taken
