"""The live content the screens choose from: active domains, teams, desks and counter topics, each read once here."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from kcc.models import Desk, Domain, Team, Topic


def active_domains(session: Session) -> list[Domain]:
    return list(session.scalars(select(Domain).where(Domain.active.is_(True)).order_by(Domain.position)))


def active_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name)))


def active_desks(session: Session) -> list[Desk]:
    return list(session.scalars(select(Desk).where(Desk.active.is_(True)).order_by(Desk.number)))


def counter_topics(session: Session) -> dict[int, list[Topic]]:
    """Topics a counter handles, per domain id, by name."""
    topics: dict[int, list[Topic]] = defaultdict(list)
    for topic in session.scalars(select(Topic).where(Topic.active.is_(True), Topic.counter.is_(True))
                                 .order_by(Topic.name)):
        topics[topic.domain_id].append(topic)
    return topics
