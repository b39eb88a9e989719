"""The live content the screens choose from: active domains, teams, desks and counter topics, each read once here."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kcc.models import Desk, Domain, Team, Topic


def active_domains(session: Session, with_topics: bool = False) -> list[Domain]:
    """`with_topics`: their topics loaded alongside in one more statement (a choice of domain and topic)."""
    query = select(Domain).where(Domain.active.is_(True)).order_by(Domain.position)
    if with_topics:
        query = query.options(selectinload(Domain.topics))
    return list(session.scalars(query))


def active_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name)))


def active_desks(session: Session) -> list[Desk]:
    """In number order, 10 after 9 (as /beheer/balies and the host's list of desks have them)."""
    return list(session.scalars(select(Desk).where(Desk.active.is_(True))
                                .order_by(func.length(Desk.number), Desk.number)))


def counter_topics(session: Session) -> dict[int, list[Topic]]:
    """Topics a counter handles, per domain id, by name."""
    topics: dict[int, list[Topic]] = defaultdict(list)
    for topic in session.scalars(select(Topic).where(Topic.active.is_(True), Topic.counter.is_(True))
                                 .order_by(Topic.name)):
        topics[topic.domain_id].append(topic)
    return topics
