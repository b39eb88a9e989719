"""Citizen feedback (KTO): one question in plain Dutch after a resolved contact — "Bent u goed geholpen?" —
answered yes / partly / no with an optional comment, through a link without login.

Only with the citizen's consent (`Contact.feedback_ok`, asked on the web form or by the employee) and an e-mail
address; at most once per citizen per month. The worker asks a while after the contact closed, so an employee's
correction comes first. The link's token is kept only as a SHA-256 hash: the database alone cannot answer for
anyone. Answers are counted per domain and channel, never per employee; a "no" with a comment can become a signal.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from kcc.contacts.intake import reference
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Conflict, Msg, NotAllowed, NotFound, ValidationError
from kcc.models import Citizen, Contact, ContactStatus, Domain, Feedback, FeedbackAnswer, OutgoingMail, Signal, SignalContact, SignalStatus

ASK_AFTER = timedelta(minutes=10)  # after the contact closed: time for the employee's correction
ASK_WITHIN = timedelta(days=2)  # a contact closed longer ago is not asked about any more
ONCE_PER = timedelta(days=30)  # per citizen
COMMENT_LIMIT = 1000
ANSWER_LABELS = {FeedbackAnswer.yes: "Ja", FeedbackAnswer.partly: "Een beetje", FeedbackAnswer.no: "Nee"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def queue_due(session: Session, now: datetime, public_url: str, limit: int = 50) -> int:
    """Ask about recently resolved contacts whose citizen agreed; one question per citizen per month."""
    earlier = aliased(Feedback)
    asked_recently = exists().where(earlier.citizen_id == Contact.citizen_id, earlier.sent_at > now - ONCE_PER)
    asked_about = exists().where(earlier.contact_id == Contact.id)
    due = session.execute(
        select(Contact.id, Contact.citizen_id, Contact.domain_id, Contact.channel, Citizen.email, Citizen.name)
        .join(Citizen, Citizen.id == Contact.citizen_id)
        .where(Contact.feedback_ok.is_(True), Contact.status == ContactStatus.resolved,
               Contact.closed_at <= now - ASK_AFTER, Contact.closed_at > now - ASK_WITHIN,
               Citizen.email.is_not(None), Citizen.email != "", ~asked_about, ~asked_recently)
        .order_by(Contact.closed_at).limit(limit)).all()
    asked: set[int | None] = set()
    for contact_id, citizen_id, domain_id, channel, email, name in due:
        if citizen_id in asked:
            continue  # two contacts of one citizen in this round: one question
        asked.add(citizen_id)
        token = secrets.token_urlsafe(24)
        session.add(Feedback(token_hash=_hash(token), contact_id=contact_id, citizen_id=citizen_id,
                             domain_id=domain_id, channel=channel, sent_at=now))
        body = "\n".join([
            f"Beste {name}," if name else "Beste inwoner,", "",
            f"U had contact met de gemeente (kenmerk {reference(contact_id)}).",
            "Wij willen graag weten: bent u goed geholpen?", "",
            "Klik op de link en kies ja, een beetje of nee. Dat kost u een halve minuut.",
            f"{public_url}/tevredenheid/{token}", "",
            "U hoeft niet te antwoorden. Wij vragen u dit hoogstens één keer per maand.", "",
            "Met vriendelijke groet,", "Het Klantcontactcentrum van de gemeente",
        ])
        session.add(OutgoingMail(kind="feedback", to_address=email, subject="Bent u goed geholpen?", body=body,
                                 created_at=now, next_attempt_at=now))
    session.flush()
    return len(asked)


def consent(session: Session, actor: Actor, contact_id: int) -> None:
    """The employee asked, and the citizen agreed to one question afterwards (only with an e-mail address)."""
    contact = session.get_one(Contact, contact_id)
    if contact.citizen is None or not contact.citizen.email or contact.feedback_ok:
        return
    contact.feedback_ok = True
    session.flush()
    audit.record(session, actor, "contact.update", object_type="contact", object_id=contact_id, detail="feedback ok")


def by_token(session: Session, token: str) -> Feedback:
    """The question behind a link; an unknown or forged link is simply not found."""
    feedback = session.scalar(select(Feedback).where(Feedback.token_hash == _hash(token[:100])))
    if feedback is None:
        raise NotFound(Msg("Deze link kennen wij niet. Misschien is hij niet helemaal meegekomen; kopieer hem "
                           "dan in zijn geheel uit de e-mail."))
    return feedback


def answer(session: Session, token: str, given: str, comment: str, now: datetime) -> Feedback:
    """The citizen's answer, once. A second answer through the same link is refused and changes nothing."""
    feedback = by_token(session, token)
    comment = (comment or "").replace("\x00", "").strip()
    problems: dict[str, str | Msg] = {}
    if given not in FeedbackAnswer.__members__:
        problems["answer"] = Msg("kies ja, een beetje of nee")
    if len(comment) > COMMENT_LIMIT:
        problems["comment"] = Msg("schrijf in ten hoogste %(limit)s tekens", limit=COMMENT_LIMIT)
    if feedback.answered_at is not None:
        raise Conflict(Msg("U heeft deze vraag al beantwoord. Dank u wel!"))
    if problems:
        raise ValidationError(problems)
    feedback.answer, feedback.comment, feedback.answered_at = given, comment, now
    session.flush()
    audit.record(session, Actor.system("citizen"), "feedback.answer", object_type="feedback", object_id=feedback.id,
                 detail=given)
    return feedback


@dataclass(frozen=True)
class Tally:
    """Answers of one domain and channel in a period (never per employee)."""

    domain_id: int | None
    channel: str
    asked: int
    yes: int
    partly: int
    no: int


def tallies(session: Session, low: datetime, high: datetime) -> list[Tally]:
    """Per domain and channel: questions sent in the period and how they were answered."""
    def counted(value: str):
        return func.count(Feedback.id).filter(Feedback.answer == value)

    rows = session.execute(select(Feedback.domain_id, Feedback.channel, func.count(Feedback.id), counted("yes"),
                                  counted("partly"), counted("no"))
                           .where(Feedback.sent_at >= low, Feedback.sent_at < high)
                           .group_by(Feedback.domain_id, Feedback.channel)).all()
    return [Tally(*row) for row in rows]


def comments(session: Session, domain_id: int, since: datetime, limit: int = 8) -> list[Feedback]:
    """The "no" and "partly" answers with a comment of one domain: what the seniors read, newest first."""
    return list(session.scalars(select(Feedback).where(
        Feedback.domain_id == domain_id, Feedback.answered_at >= since, Feedback.comment != "",
        Feedback.answer.in_([FeedbackAnswer.no, FeedbackAnswer.partly])).order_by(Feedback.answered_at.desc())
        .limit(limit)))


def to_signal(session: Session, actor: Actor, feedback_id: int, now: datetime) -> Signal:
    """A citizen's "no" with a comment becomes a signal on the board of its domain, marked as the citizen's."""
    feedback = session.get(Feedback, feedback_id)
    if feedback is None or not feedback.comment or feedback.domain_id is None:
        raise NotFound(Msg("Deze reactie bestaat niet (meer)."))
    if feedback.domain_id not in actor.skill_levels and not actor.roles & {"lead", "admin"}:
        raise NotAllowed(Msg("Deze reactie hoort bij een domein dat niet het jouwe is."), "feedback of another domain")
    if feedback.signal_id is not None:
        raise Conflict(Msg("Van deze reactie is al knelpunt %(id)s gemaakt.", id=feedback.signal_id))
    signal = Signal(text=f"Een inwoner zei: {feedback.comment}"[:1000], from_citizen=True, status=SignalStatus.new,
                    tags=["kto"], created_by_id=actor.id, created_at=now, updated_at=now,
                    domains=[session.get_one(Domain, feedback.domain_id)])
    signal.links.append(SignalContact(contact_id=feedback.contact_id, raised_by_id=actor.id, at=now))
    session.add(signal)
    session.flush()
    feedback.signal_id = signal.id
    audit.record(session, actor, "signal.raise", object_type="signal", object_id=signal.id, detail="feedback")
    return signal

