"""Intake: every channel (phone, counter, web, e-mail) becomes one Contact, routed and queued.

One entry point, `receive`, used by the API, the web form, the lobby and `kcc mail import`, so each
channel gets the same checks, the same routing and the same timeline.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .citizens import normalise_email, normalise_phone
from .config import QueueSettings
from .errors import Msg, ValidationError
from .models import CHANNELS, Citizen, Contact, ContactEvent, Domain, Staff, Task, TicketCounter, Topic
from .router import FALLBACK_DOMAIN, Router
from .timeutil import local

MAX_QUESTION = 2000
MAX_NAME = 150
REPEAT_WINDOW = timedelta(days=7)
CONTACT_FIELDS = {"channel", "question", "domain", "topic", "language", "citizen", "external_ref"}
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


def _text(value: Any, field: str, problems: dict, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems[field] = Msg("moet tekst zijn")
        return None
    value = value.strip()
    if len(value) > limit:
        problems[field] = Msg("is te lang: %(length)s tekens, het maximum is %(limit)s", length=len(value), limit=limit)
        return None
    return value or None


def parse_contact(data: Any) -> ContactInput:
    """Check a contact as the API (or a form) sends it; every problem at once, per field, unknown fields refused."""
    if not isinstance(data, dict):
        raise ValidationError({"body": Msg("stuur een JSON-object")})
    problems: dict[str, Msg] = {}
    for unknown in sorted(set(data) - CONTACT_FIELDS):
        problems[unknown] = Msg("onbekend veld; toegestaan zijn: %(fields)s", fields=", ".join(sorted(CONTACT_FIELDS)))
    channel = data.get("channel")
    if channel not in CHANNELS:
        problems["channel"] = Msg("kies phone, counter, web of email")
    question = _text(data.get("question"), "question", problems, MAX_QUESTION) or ""
    domain = _text(data.get("domain"), "domain", problems, 40)
    topic = _text(data.get("topic"), "topic", problems, 60)
    language = _text(data.get("language"), "language", problems, 8) or "nl"
    if "language" not in problems and not (len(language) == 2 and language.isalpha() and language.islower()):
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
        for field, normalise in (("phone", normalise_phone), ("email", normalise_email)):
            raw = _text(citizen.get(field), f"citizen.{field}", problems, 254)
            try:
                value = normalise(raw)
            except ValidationError as error:
                problems[f"citizen.{field}"] = error.fields[field]
                continue
            if field == "phone":
                phone = value
            else:
                email = value
    if problems:
        raise ValidationError(problems)
    return ContactInput(channel=channel, question=question, domain=domain, topic=topic, language=language,
                        name=name, phone=phone, email=email, external_ref=external_ref)


@dataclass
class Received:
    contact: Contact
    created: bool  # False when the external_ref was seen before (a retried webhook)
    repeat: bool


def receive(session: Session, data: ContactInput, router: Router, settings: QueueSettings, now: datetime,
            actor: Staff | None = None) -> Received:
    """Route and queue one contact; the same external_ref twice returns the first contact, never a second."""
    if data.external_ref:
        existing = session.scalar(select(Contact).where(Contact.external_ref == data.external_ref))
        if existing is not None:
            return Received(existing, False, is_repeat(session, existing))
    domain, topic, routing = _route(session, data, router)
    citizen = None
    if data.name or data.phone or data.email:
        citizen = Citizen(name=data.name, phone=data.phone, email=data.email, created_at=now)
    contact = Contact(channel=data.channel, citizen=citizen, question=data.question, domain=domain, topic=topic,
                      language=data.language, status="waiting", triage=routing["method"] == "fallback",
                      external_ref=data.external_ref, routing_method=routing["method"],
                      routing_confidence=routing.get("confidence"), created_at=now, updated_at=now,
                      queued_at=now, rank_at=now - timedelta(seconds=settings.headstart(data.channel)))
    contact.events.append(ContactEvent(type="arrived", actor=actor, at=now,
                                       data={"channel": data.channel, "language": data.language}))
    contact.events.append(ContactEvent(type="routed", actor=actor, at=now, data=routing))
    try:
        with session.begin_nested():
            session.add(contact)
            session.flush()
    except IntegrityError:
        # the same external_ref arrived at the same moment through another process: theirs stands
        existing = session.scalar(select(Contact).where(Contact.external_ref == data.external_ref))
        if existing is None:
            raise
        return Received(existing, False, is_repeat(session, existing))
    if data.channel == "counter":
        contact.ticket = next_ticket(session, domain, now)
        session.flush()
    return Received(contact, True, is_repeat(session, contact))


def _route(session: Session, data: ContactInput, router: Router) -> tuple[Domain, Topic | None, dict]:
    """A choice already made (phone menu, host) stands; otherwise the router decides, or triage in algemeen."""
    if data.domain:
        domain = session.scalar(select(Domain).where(Domain.slug == data.domain, Domain.active.is_(True)))
        if domain is None:
            raise ValidationError({"domain": Msg("onbekend domein %(slug)s; kies burgerzaken, vergunningen, sociaal "
                                                 "of algemeen", slug=data.domain)})
        topic = None
        if data.topic:
            topic = session.scalar(select(Topic).where(Topic.domain_id == domain.id, Topic.slug == data.topic,
                                                       Topic.active.is_(True)))
            if topic is None:
                raise ValidationError({"topic": Msg("onbekend onderwerp %(slug)s in %(domain)s",
                                                    slug=data.topic, domain=domain.slug)})
        return domain, topic, {"method": "choice", "domain": domain.slug, "topic": topic.slug if topic else None,
                               "confidence": 1.0}
    result = router.route(data.question)
    domain = session.scalar(select(Domain).where(Domain.slug == result.domain))
    if domain is None:  # the router's domain left domains/ since it was built: triage rather than lose it
        domain = session.scalar(select(Domain).where(Domain.slug == FALLBACK_DOMAIN))
        result = router.route("")
    topic = None
    if result.topic:
        topic = session.scalar(select(Topic).where(Topic.domain_id == domain.id, Topic.slug == result.topic))
    return domain, topic, {
        "method": result.method, "domain": domain.slug, "topic": topic.slug if topic else None,
        "confidence": result.confidence,
        "alternatives": [{"domain": g.domain, "topic": g.topic, "confidence": g.confidence}
                         for g in result.alternatives]}


def next_ticket(session: Session, domain: Domain, now: datetime) -> str:
    """B001, B002, … per domain and local day; the counter row is locked so two hosts never print the same."""
    day = local(now).date()
    counter = session.scalar(select(TicketCounter).where(TicketCounter.domain_id == domain.id,
                                                         TicketCounter.day == day).with_for_update())
    if counter is None:
        try:
            with session.begin_nested():
                counter = TicketCounter(domain_id=domain.id, day=day, last=0)
                session.add(counter)
                session.flush()
        except IntegrityError:
            counter = session.scalar(select(TicketCounter).where(TicketCounter.domain_id == domain.id,
                                                                 TicketCounter.day == day).with_for_update())
    counter.last += 1
    return f"{domain.ticket_prefix}{counter.last:03d}"


def is_repeat(session: Session, contact: Contact) -> bool:
    """The same phone number or e-mail address came in during the last 7 days, or has an open callback task."""
    citizen = contact.citizen
    if citizen is None or not (citizen.phone or citizen.email):
        return False
    recent = exists().where(
        Contact.id != contact.id, Contact.citizen_id == Citizen.id,
        Contact.created_at >= contact.created_at - REPEAT_WINDOW, Contact.created_at <= contact.created_at,
        same_person(citizen))
    waiting_for_us = exists().where(Task.state == "open", Task.contact_id == Contact.id, Contact.id != contact.id,
                                    Contact.citizen_id == Citizen.id, same_person(citizen))
    return bool(session.scalar(select(recent | waiting_for_us)))


def same_person(citizen: Citizen):
    conditions = []
    if citizen.phone:
        conditions.append(Citizen.phone == citizen.phone)
    if citizen.email:
        conditions.append(Citizen.email == citizen.email)
    return or_(*conditions)


def recent_contacts(session: Session, contact: Contact, limit: int = 10) -> list[Contact]:
    """Earlier contacts of the same person (phone or e-mail), newest first: nobody starts over."""
    citizen = contact.citizen
    if citizen is None or not (citizen.phone or citizen.email):
        return []
    return list(session.scalars(
        select(Contact).join(Contact.citizen).where(Contact.id != contact.id, same_person(citizen))
        .order_by(Contact.created_at.desc()).limit(limit)))
