"""Intake: every channel (phone, counter, web, e-mail) becomes one Contact, routed and queued.

One entry point, `receive`, used by the API, the web form, the lobby and `kcc mail import`, so each
channel gets the same checks, the same routing and the same timeline.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, bindparam, exists, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kcc.config import QueueSettings
from kcc.contacts.citizens import normalise_email, normalise_phone
from kcc.content.languages import is_language
from kcc.content.router import FALLBACK_DOMAIN, Router
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Msg, ValidationError, too_long
from kcc.lobby import operations as lobby
from kcc.models import CHANNELS, Citizen, Contact, ContactEvent, ContactStatus, Domain, RoutingMethod, Task, TaskState, Topic
from kcc.policy import contacts_visible_to

MAX_QUESTION = 2000
MAX_NAME = 150
REPEAT_WINDOW = timedelta(days=7)
CONTACT_FIELDS = {"channel", "question", "domain", "topic", "language", "citizen", "external_ref", "feedback"}
CITIZEN_FIELDS = {"name", "phone", "email"}


@dataclass(frozen=True)
class ContactInput:
    """A contact as it arrives, already checked; citizen details normalised (E.164, lower-case domain)."""

    channel: str
    question: str = ""
    domain: str | None = None
    topic: str | None = None
    language: str = "nl"
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    external_ref: str | None = None
    feedback: bool = False  # the citizen agreed to one question by e-mail afterwards (kcc.feedback)


def _text(value: Any, field: str, problems: dict[str, str | Msg], limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems[field] = Msg("moet tekst zijn")
        return None
    value = value.strip()
    if (problem := too_long(value, limit)) is not None:
        problems[field] = problem
        return None
    return value or None


def parse_contact(data: Any) -> ContactInput:
    """Check a contact as the API (or a form) sends it; every problem at once, per field, unknown fields refused."""
    if not isinstance(data, dict):
        raise ValidationError({"body": Msg("stuur een JSON-object")})
    problems: dict[str, str | Msg] = {}
    for unknown in sorted(set(data) - CONTACT_FIELDS):
        problems[unknown] = Msg("onbekend veld; toegestaan zijn: %(fields)s", fields=", ".join(sorted(CONTACT_FIELDS)))
    channel = data.get("channel")
    if channel not in CHANNELS:
        problems["channel"] = Msg("kies phone, counter, web of email")
    question = _text(data.get("question"), "question", problems, MAX_QUESTION) or ""
    domain = _text(data.get("domain"), "domain", problems, 40)
    topic = _text(data.get("topic"), "topic", problems, 60)
    language = _text(data.get("language"), "language", problems, 8) or "nl"
    if "language" not in problems and not is_language(language):
        problems["language"] = Msg("gebruik een taalcode van twee letters, zoals nl, fy of en")
    if topic and not domain:
        problems["topic"] = Msg("geef ook het domein van dit onderwerp")
    if not question and "question" not in problems and not (channel in ("phone", "counter") and domain):
        problems["question"] = Msg("beschrijf de vraag (alleen bij telefoon en balie mag dit leeg als het domein gekozen is)")
    external_ref = _text(data.get("external_ref"), "external_ref", problems, 100)
    citizen = data.get("citizen") or {}
    name = phone = email = None
    if not isinstance(citizen, dict):
        problems["citizen"] = Msg("moet een object zijn met name, phone en/of email")
    else:
        for unknown in sorted(set(citizen) - CITIZEN_FIELDS):
            problems[f"citizen.{unknown}"] = Msg("onbekend veld; toegestaan zijn: name, phone, email")
        name = _text(citizen.get("name"), "citizen.name", problems, MAX_NAME)
        for kind, normalise in (("phone", normalise_phone), ("email", normalise_email)):
            raw = _text(citizen.get(kind), f"citizen.{kind}", problems, 254)
            try:
                value = normalise(raw)
            except ValidationError as error:
                problems[f"citizen.{kind}"] = error.fields[kind]
                continue
            if kind == "phone":
                phone = value
            else:
                email = value
    feedback = data.get("feedback", False)
    if not isinstance(feedback, bool):
        problems["feedback"] = Msg("moet true of false zijn")
    elif feedback and not email and "citizen.email" not in problems:
        problems["feedback"] = Msg("een vraag achteraf kan alleen per e-mail: geef ook citizen.email")
    if problems:
        raise ValidationError(problems)
    assert isinstance(channel, str)  # no problems: it is one of CHANNELS
    return ContactInput(channel=channel, question=question, domain=domain, topic=topic, language=language,
                        name=name, phone=phone, email=email, external_ref=external_ref, feedback=bool(feedback))


@dataclass
class Received:
    """A contact as intake stored it: what the caller needs to answer, without loading the Contact
    (`contact` loads the object, for the screens that show more)."""

    session: Session = field(repr=False)
    id: int
    created: bool  # False when the external_ref was seen before (a retried webhook)
    repeat: bool
    status: str
    channel: str
    language: str
    domain_id: int | None  # None only when domains/ has no active fallback domain (algemeen)
    rank_at: datetime
    ticket: str | None
    routing: dict

    @classmethod
    def existing(cls, session: Session, contact: Contact) -> Received:
        return cls(session, contact.id, False, is_repeat(session, contact), contact.status, contact.channel,
                   contact.language, contact.domain_id, contact.rank_at, contact.ticket, contact_routing(contact))

    @property
    def contact(self) -> Contact:
        return self.session.get_one(Contact, self.id)  # stored by intake: it is there


def reference(contact_id: int) -> str:
    """The number a citizen can quote, on screens and in every e-mail: KCC-000123."""
    return f"KCC-{contact_id:06d}"


def contact_routing(contact: Contact) -> dict:
    return {"method": contact.routing_method, "domain": contact.domain.slug if contact.domain else None,
            "topic": contact.topic.slug if contact.topic else None, "confidence": contact.routing_confidence}


def receive(session: Session, data: ContactInput, router: Router, settings: QueueSettings, now: datetime,
            actor: Actor) -> Received:
    """Route and queue one contact; the same external_ref twice returns the first contact, never a second.

    Every channel's contacts come through here, the telephony platform's many times a second at peak, so
    the rows are written with a few Core statements: the citizen, the contact, its first two events.
    """
    if data.external_ref:
        existing = session.scalar(select(Contact).where(Contact.external_ref == data.external_ref))
        if existing is not None:
            return _audited(session, actor, Received.existing(session, existing))
    domain_id, topic_id, routing = _route(session, data, router)
    session.flush()
    conn = session.connection()
    citizen_id = None
    if data.name or data.phone or data.email:
        citizen_id = conn.execute(_NEW_CITIZEN, {"name": data.name, "phone": data.phone, "email": data.email,
                                                 "created_at": now}).scalar_one()
    rank_at = now - timedelta(seconds=settings.headstart(data.channel))
    # taken at arrival and kept: the indicators count repeat contacts without a query per contact
    repeat = bool(citizen_id) and repeat_of(session, None, data.phone, data.email, now)
    row = dict(channel=data.channel, citizen_id=citizen_id, question=data.question, domain_id=domain_id,
               topic_id=topic_id, language=data.language, status=ContactStatus.waiting, repeated=repeat,
               feedback_ok=data.feedback,
               triage=routing["method"] == RoutingMethod.fallback,
               external_ref=data.external_ref, routing_method=routing["method"],
               routing_confidence=routing.get("confidence"), created_at=now, updated_at=now, queued_at=now,
               rank_at=rank_at)
    try:
        if data.external_ref:
            with session.begin_nested():  # only a retried webhook can collide
                contact_id = conn.execute(_NEW_CONTACT, row).scalar_one()
        else:
            contact_id = conn.execute(_NEW_CONTACT, row).scalar_one()
    except IntegrityError:
        # the same external_ref arrived at the same moment through another process: theirs stands
        existing = session.scalar(select(Contact).where(Contact.external_ref == data.external_ref))
        if existing is None:
            raise
        return _audited(session, actor, Received.existing(session, existing))
    actor_id = actor.id
    conn.execute(_NEW_EVENT, [
        dict(contact_id=contact_id, type="arrived", actor_id=actor_id, at=now,
             data={"channel": data.channel, "language": data.language}),
        dict(contact_id=contact_id, type="routed", actor_id=actor_id, at=now, data=routing)])
    ticket = None
    if data.channel == "counter":
        # routed contacts have a domain unless domains/ lacks an active fallback (algemeen): get_one raises then
        ticket = lobby.next_ticket(session, session.get_one(Domain, domain_id), now)
        conn.execute(update(Contact).where(Contact.id == contact_id).values(ticket=ticket))
    return _audited(session, actor, Received(session, contact_id, True, repeat, ContactStatus.waiting, data.channel,
                                             data.language, domain_id, rank_at, ticket, routing))


def _audited(session: Session, actor: Actor, received: Received) -> Received:
    audit.record(session, actor, "contact.create", object_type="contact", object_id=received.id,
                 result="ok" if received.created else "existing", detail=received.channel)
    return received


def _route(session: Session, data: ContactInput, router: Router) -> tuple[int | None, int | None, dict[str, Any]]:
    """A choice already made (phone menu, host) stands; otherwise the router decides, or triage in algemeen."""
    if data.domain:
        domain_id, topic_id = _ids(session, data.domain, data.topic)
        if domain_id is None:
            raise ValidationError({"domain": Msg("onbekend domein %(slug)s; kies burgerzaken, vergunningen, sociaal "
                                                 "of algemeen", slug=data.domain)})
        if data.topic and topic_id is None:
            raise ValidationError({"topic": Msg("onbekend onderwerp %(slug)s in %(domain)s",
                                                slug=data.topic, domain=data.domain)})
        routing: dict[str, Any] = {"method": RoutingMethod.choice, "domain": data.domain, "topic": data.topic,
                                   "confidence": 1.0}
        if topic_id is None and data.question:
            # the menu chose the domain; the caller's own words may well name the topic within it
            guess = router.topic_within(data.question, data.domain)
            if guess is not None and (found := _ids(session, data.domain, guess.topic)[1]) is not None:
                topic_id = found
                routing.update(topic=guess.topic, topic_by="router", topic_confidence=guess.confidence)
        return domain_id, topic_id, routing
    result = router.route(data.question)
    domain_id, topic_id = _ids(session, result.domain, result.topic)
    if domain_id is None:  # the router's domain left domains/ since it was built: triage rather than lose it
        result = router.route("")
        domain_id, topic_id = _ids(session, FALLBACK_DOMAIN, None)
    return domain_id, topic_id, {
        "method": result.method, "domain": result.domain, "topic": result.topic if topic_id else None,
        "confidence": result.confidence,
        "alternatives": [{"domain": g.domain, "topic": g.topic, "confidence": g.confidence}
                         for g in result.alternatives]}


# built once: every contact of every channel runs these
_NEW_CITIZEN = insert(Citizen).returning(Citizen.id)
_NEW_CONTACT = insert(Contact).returning(Contact.id)
_NEW_EVENT = insert(ContactEvent)
_IDS = (select(Domain.id, Topic.id)
        .outerjoin(Topic, and_(Topic.domain_id == Domain.id, Topic.slug == bindparam("topic", type_=String),
                               Topic.active.is_(True)))
        .where(Domain.slug == bindparam("domain"), Domain.active.is_(True)))


def _ids(session: Session, domain: str, topic: str | None) -> tuple[int | None, int | None]:
    """The active domain's id and, when asked, its active topic's id, in one statement."""
    row = session.connection().execute(_IDS, {"domain": domain, "topic": topic}).first()
    return (row[0], row[1]) if row else (None, None)


def is_repeat(session: Session, contact: Contact) -> bool:
    """The same phone number or e-mail address came in during the last 7 days, or has an open callback task."""
    citizen = contact.citizen
    if citizen is None or not (citizen.phone or citizen.email):
        return False
    return repeat_of(session, contact.id, citizen.phone, citizen.email, contact.created_at)


def repeat_of(session: Session, contact_id: int | None, phone: str | None, email: str | None, created_at: datetime) -> bool:
    """is_repeat for a contact known by its fields (`contact_id` None: one not stored yet)."""
    if not (phone or email):
        return False
    person = same_person(phone, email)
    other = Contact.id != contact_id if contact_id is not None else true()
    recent = exists().where(
        other, Contact.citizen_id == Citizen.id,
        Contact.created_at >= created_at - REPEAT_WINDOW, Contact.created_at <= created_at, person)
    waiting_for_us = exists().where(Task.state == TaskState.open, Task.contact_id == Contact.id, other,
                                    Contact.citizen_id == Citizen.id, person)
    return bool(session.connection().execute(select(recent | waiting_for_us)).scalar())


def same_person(phone: str | None, email: str | None):
    conditions = []
    if phone:
        conditions.append(Citizen.phone == phone)
    if email:
        conditions.append(Citizen.email == email)
    return or_(*conditions)


def _earlier(actor: Actor, contact: Contact):
    citizen = contact.citizen
    if citizen is None or not (citizen.phone or citizen.email):
        return None
    return (Contact.id != contact.id, same_person(citizen.phone, citizen.email), contacts_visible_to(actor))


def recent_contacts(session: Session, actor: Actor, contact: Contact, limit: int = 10) -> list[Contact]:
    """Earlier contacts of the same person (phone or e-mail) that this actor may see, newest first: nobody
    starts over, and nobody learns of a contact outside their need to know."""
    where = _earlier(actor, contact)
    if where is None:
        return []
    return list(session.scalars(select(Contact).join(Contact.citizen).where(*where)
                                .order_by(Contact.created_at.desc()).limit(limit)))


EARLIER_COUNTED = 100  # "100+" beyond this: a caller of many years is not counted row by row on every screen


def count_earlier(session: Session, actor: Actor, contact: Contact) -> int:
    """How many earlier contacts of this person the actor may see (the workspace's 'eerdere contacten (N)'),
    counted up to EARLIER_COUNTED + 1."""
    where = _earlier(actor, contact)
    if where is None:
        return 0
    found = select(Contact.id).join(Contact.citizen).where(*where).limit(EARLIER_COUNTED + 1).subquery()
    return session.scalar(select(func.count()).select_from(found)) or 0
