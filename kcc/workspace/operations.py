"""What a workspace poll needs to know before drawing anything: the contact in hand, the offers waiting for this
person, and what became of their own recent offers — read in one plain statement, so the poll of a screen where
nothing changed costs one round trip beyond the request itself."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Integer, String, and_, bindparam, case, cast, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from kcc.core.actor import Actor
from kcc.core.db import UTCDateTime
from kcc.models import Contact, ContactStatus, Handover, HandoverState, Task

SENT_HOURS, SENT_SHOWN = 2, 8  # "Jouw overdrachten": the last two hours, at most eight


@dataclass(frozen=True)
class Glance:
    in_hand: int | None  # the contact in progress
    offers: str  # the open offers for this person, as the offers part writes its version
    handovers: str  # their own recent offers, as handovers_version writes it


def handovers_version(sent: Iterable[tuple[int, str, int | None]], now: datetime) -> str:
    """What "Jouw overdrachten" shows, from (id, status, task id) newest first: while one still waits for an
    answer its countdown moves every second."""
    sent = list(sent)
    shown = ";".join(f"{id_}:{status}:{task_id or ''}" for id_, status, task_id in sent)
    waiting = any(status == HandoverState.offered for _id, status, _task in sent)
    return f"{shown}@{int(now.timestamp())}" if waiting else shown or "none"


class NextUp(Protocol):
    """The contact next in line for someone: as the queue reads it (kcc.queues.operations.Waiting), or loaded whole."""

    @property
    def id(self) -> int: ...

    @property
    def queued_at(self) -> datetime: ...


def offer_version(offer: NextUp | None, now: datetime) -> str:
    """What the "next contact" card of someone available shows: who waits for them, and for how many whole
    minutes (the card says "less than a minute" before that, so it is not redrawn — and read out — every poll)."""
    if offer is None:
        return "nobody"
    return f"offer-{offer.id}-{max(0, int((now - offer.queued_at).total_seconds())) // 60}"


def offers_version(ids: Iterable[int]) -> str:
    return ",".join(str(id_) for id_ in ids)


def _glance_statement():
    """Built once with bound parameters: building a statement costs more than the database takes to run it."""
    me, now = bindparam("me", type_=Integer), bindparam("now", type_=UTCDateTime())
    in_hand = (select(literal("hand").label("kind"), Contact.id.label("id"), cast(null(), String).label("status"),
                      cast(null(), Integer).label("task"), Contact.answered_at.label("at"))
               .where(Contact.owner_id == me, Contact.status == ContactStatus.in_progress)
               .order_by(Contact.answered_at.desc()).limit(1).subquery())
    for_me = or_(Handover.to_staff_id == me, and_(Handover.to_staff_id.is_(None),
                                                  Handover.to_team_id.in_(bindparam("teams", expanding=True))))
    offers = (select(literal("offer").label("kind"), Handover.id.label("id"), Handover.status.label("status"),
                     cast(null(), Integer).label("task"), Handover.created_at.label("at"))
              .where(Handover.status == HandoverState.offered, Handover.expires_at > now, for_me))
    # an offer past its time that nobody expired yet reads as "due": the part is drawn, which applies the expiry
    status = case((and_(Handover.status == HandoverState.offered, Handover.expires_at <= now), literal("due")),
                  else_=Handover.status)
    sent = (select(literal("sent").label("kind"), Handover.id.label("id"), status.label("status"),
                   select(Task.id).where(Task.handover_id == Handover.id).limit(1).scalar_subquery().label("task"),
                   Handover.created_at.label("at"))
            .where(Handover.from_staff_id == me, Handover.created_at >= bindparam("since", type_=UTCDateTime()))
            .order_by(Handover.created_at.desc(), Handover.id.desc()).limit(SENT_SHOWN).subquery())
    return union_all(offers, select(sent), select(in_hand))


_GLANCE = _glance_statement()


def glance(session: Session, actor: Actor, now: datetime) -> Glance:
    """The three in one statement (a UNION of three small indexed reads); the offers by the same rule as
    kcc.policy.offers_for (to this person, or to one of their teams and no one in particular)."""
    rows = session.connection().execute(_GLANCE, {"me": actor.id, "now": now, "teams": list(actor.team_ids) or [-1],
                                                  "since": now - timedelta(hours=SENT_HOURS)}).all()
    hand = next((row.id for row in rows if row.kind == "hand"), None)
    open_offers = sorted((row.at, row.id) for row in rows if row.kind == "offer")
    mine = sorted(((row.at, row.id, row.status, row.task) for row in rows if row.kind == "sent"), reverse=True)
    return Glance(hand, offers_version(id_ for _at, id_ in open_offers),
                  handovers_version(((id_, status, task) for _at, id_, status, task in mine), now))
