"""What an employee does with a contact in hand: correct its routing, write notes (no Flask here)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kcc.contacts.intake import recent_contacts
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Conflict, Msg, ValidationError, too_long
from kcc.models import Contact, ContactEvent, ContactStatus, Domain, RoutingCorrection, Topic


def _owned(contact: Contact, actor: Actor) -> None:
    if contact.owner_id != actor.id or contact.status != ContactStatus.in_progress:
        raise Conflict(Msg("Dit contact is niet (meer) bij jou in behandeling."))


def change_routing(session: Session, contact: Contact, actor: Actor, domain_slug: str, topic_slug: str | None,
                   now: datetime) -> RoutingCorrection | None:
    """Set the right domain and topic; the correction is kept, for the router and the seniors."""
    _owned(contact, actor)
    domain = session.scalar(select(Domain).where(Domain.slug == domain_slug, Domain.active.is_(True)))
    if domain is None:
        raise ValidationError({"domain": Msg("kies een domein uit de lijst")})
    topic = None
    if topic_slug:
        topic = session.scalar(select(Topic).where(Topic.domain_id == domain.id, Topic.slug == topic_slug,
                                                   Topic.active.is_(True)))
        if topic is None:
            raise ValidationError({"topic": Msg("dit onderwerp hoort niet bij %(domain)s; kies opnieuw",
                                                domain=domain.name)})
    if domain.id == contact.domain_id and (topic.id if topic else None) == contact.topic_id:
        return None
    correction = RoutingCorrection(contact=contact, actor_id=actor.id, at=now, method=contact.routing_method,
                                   confidence=contact.routing_confidence, from_domain_id=contact.domain_id,
                                   from_topic_id=contact.topic_id, to_domain=domain, to_topic=topic)
    session.add(correction)
    session.add(ContactEvent(contact=contact, type="rerouted", actor_id=actor.id, at=now, data={
        "from": {"domain": contact.domain.slug if contact.domain else None,
                 "topic": contact.topic.slug if contact.topic else None},
        "to": {"domain": domain.slug, "topic": topic.slug if topic else None}}))
    contact.domain, contact.topic, contact.triage, contact.updated_at = domain, topic, False, now
    audit.record(session, actor, "contact.reroute", object_type="contact", object_id=contact.id,
                 detail=f"{domain.slug}/{topic.slug if topic else '-'}")
    session.flush()
    return correction


def add_note(session: Session, contact: Contact, actor: Actor, text: str, now: datetime) -> ContactEvent:
    """A note on the contact's timeline, for whoever reads the story next."""
    _owned(contact, actor)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"note": Msg("schrijf eerst een notitie")})
    if (problem := too_long(text)) is not None:
        raise ValidationError({"note": problem})
    event = ContactEvent(contact=contact, type="note", actor_id=actor.id, at=now, data={"text": text})
    session.add(event)
    contact.updated_at = now
    audit.record(session, actor, "note.add", object_type="contact", object_id=contact.id)
    session.flush()
    return event


def open_contact(session: Session, actor: Actor, contact: Contact, detail: str = "") -> Contact:
    """Someone reads a contact (the question, the story, the timeline): written to the audit log."""
    audit.record(session, actor, "contact.open", object_type="contact", object_id=contact.id, detail=detail)
    return contact


REASON_MIN, REASON_MAX = 10, 400


def state_reason(session: Session, actor: Actor, contact: Contact, reason: str) -> None:
    """A floor lead or administrator opens a sensitive contact they have no work with: the reason goes into the
    audit log (the privacy officer's list, kcc.policy.reason_given), and opens that contact to them for an hour."""
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_MIN:
        raise ValidationError({"reason": Msg("schrijf op waarom je dit contact opent (minstens %(n)s tekens)",
                                             n=REASON_MIN)})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": Msg("houd de reden korter dan %(n)s tekens", n=REASON_MAX)})
    audit.record(session, actor, "contact.break_glass", object_type="contact", object_id=contact.id, detail=reason)


def open_citizen(session: Session, actor: Actor, contact: Contact) -> list[Contact]:
    """The citizen's details and their earlier contacts that this actor may see; opening them is audited."""
    audit.record(session, actor, "citizen.open", object_type="contact", object_id=contact.id)
    return recent_contacts(session, actor, contact)


_FREQUENT: dict[tuple[str, int], tuple[datetime, list[int]]] = {}  # (database, domain id) → (counted at, topic ids)
FREQUENT_FOR = timedelta(minutes=10)  # four weeks of questions hardly change in ten minutes


def frequent_topics(session: Session, domain_id: int, now: datetime, limit: int = 6) -> list[Topic]:
    """The domain's most asked topics of the last four weeks (then by name): one tap sets the topic of a call
    that came in through the phone menu without words.

    Counting four weeks of a domain's contacts grows with the number of contacts, so the order is counted once
    per ten minutes per process and the topics themselves read fresh (one short statement)."""
    key = (str(session.get_bind().engine.url), domain_id)
    counted = _FREQUENT.get(key)
    if counted is None or not now - FREQUENT_FOR <= counted[0] <= now:
        since = now - timedelta(days=28)
        asked = (select(Contact.topic_id, func.count().label("asked")).where(
            Contact.domain_id == domain_id, Contact.topic_id.is_not(None), Contact.created_at >= since)
            .group_by(Contact.topic_id).subquery())
        ids = list(session.scalars(
            select(Topic.id).outerjoin(asked, asked.c.topic_id == Topic.id)
            .where(Topic.domain_id == domain_id, Topic.active.is_(True))
            .order_by(func.coalesce(asked.c.asked, 0).desc(), Topic.name).limit(limit)))
        counted = _FREQUENT[key] = (now, ids)
    topics = {t.id: t for t in session.scalars(select(Topic).where(Topic.id.in_(counted[1]), Topic.active.is_(True)))}
    return [topics[i] for i in counted[1] if i in topics]


def search_topics(session: Session, domain_ids: list[int], query: str, router, limit: int = 12) -> list[Topic]:
    """Topics of these domains for a search: the router's ranking first, then names containing the words."""
    query = (query or "").strip()
    topics = session.scalars(select(Topic).where(Topic.domain_id.in_(domain_ids), Topic.active.is_(True))
                             .order_by(Topic.name)).all()
    if not query:
        return list(topics)[:limit]
    by_key = {(t.domain.slug, t.slug): t for t in topics}
    ranked: list[Topic] = []
    result = router.route(query)
    for guess in ([(result.domain, result.topic)] if result.topic else []) + \
            [(g.domain, g.topic) for g in result.alternatives]:
        if guess in by_key and by_key[guess] not in ranked:
            ranked.append(by_key[guess])
    lowered = query.lower()
    for topic in topics:
        text = " ".join([topic.name, *topic.words]).lower()
        if lowered in text and topic not in ranked:
            ranked.append(topic)
    return ranked[:limit]
