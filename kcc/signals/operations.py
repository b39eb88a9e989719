"""Signals (knelpunten): from what the front line notices to an agreed action and its measured effect.

Any employee flags a signal from a contact in two clicks (what went wrong or made the contact necessary, an
optional suggestion); a citizen's own suggestion is recorded the same way, marked as theirs, with their consent
to be thanked. The seniors of the domains a signal touches triage it: merge duplicates (their contacts add up),
tag it, move it along new → being analysed → action agreed → done, or close it as not doing with a reason.

Who may triage: a senior of one of the signal's domains, or whoever owns it; the floor lead and admin always.
Everyone may raise one; the raisers hear the outcome.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Conflict, Msg, NotAllowed, NotFound, ValidationError
from kcc.models import Contact, Domain, Signal, SignalContact, SignalStatus

TEXT_LIMIT = 1000
TAG_LIMIT = 40
NEXT = {SignalStatus.new: SignalStatus.analysing, SignalStatus.analysing: SignalStatus.action_agreed,
        SignalStatus.action_agreed: SignalStatus.done}
FINAL = (SignalStatus.done, SignalStatus.not_doing)
TRIAGE_ALWAYS = frozenset({"lead", "admin"})
STATUS_LABELS = {SignalStatus.new: Msg("nieuw"), SignalStatus.analysing: Msg("wordt geanalyseerd"),
                 SignalStatus.action_agreed: Msg("actie afgesproken"), SignalStatus.done: Msg("afgerond"),
                 SignalStatus.not_doing: Msg("doen we niet")}


@dataclass(frozen=True)
class Raised:
    """A signal as an employee flags it."""

    text: str
    suggestion: str = ""
    domains: tuple[str, ...] = ()  # slugs; empty: the contact's own domain
    from_citizen: bool = False
    thank_citizen: bool = False


def parse(data: dict) -> Raised:
    problems: dict[str, str | Msg] = {}
    text = " ".join(str(data.get("text") or "").split())
    suggestion = str(data.get("suggestion") or "").strip()
    if not text:
        problems["text"] = Msg("schrijf in een zin wat er misging of waarom de inwoner contact opnam")
    elif len(text) > TEXT_LIMIT:
        problems["text"] = Msg("schrijf het in ten hoogste %(limit)s tekens", limit=TEXT_LIMIT)
    if len(suggestion) > TEXT_LIMIT:
        problems["suggestion"] = Msg("schrijf de suggestie in ten hoogste %(limit)s tekens", limit=TEXT_LIMIT)
    from_citizen = bool(data.get("from_citizen"))
    if problems:
        raise ValidationError(problems)
    return Raised(text, suggestion, tuple(dict.fromkeys(data.get("domains") or ())), from_citizen,
                  from_citizen and bool(data.get("thank_citizen")))


def raise_signal(session: Session, actor: Actor, contact: Contact | None, raised: Raised, now: datetime) -> Signal:
    """A new signal, linked to the contact it came from; it touches the given domains or the contact's own."""
    domains = _domains(session, raised.domains or ((contact.domain.slug,) if contact and contact.domain else ()))
    if not domains:
        raise ValidationError({"domains": Msg("kies minstens één domein waar dit speelt")})
    if raised.thank_citizen and not (contact and contact.citizen and contact.citizen.email):
        raise ValidationError({"thank_citizen": Msg("een bedankje kan alleen per e-mail; van deze inwoner is geen "
                                                    "e-mailadres bekend")})
    signal = Signal(text=raised.text, suggestion=raised.suggestion, from_citizen=raised.from_citizen,
                    status=SignalStatus.new, created_by_id=actor.id, created_at=now, updated_at=now, domains=domains)
    signal.links.append(SignalContact(contact_id=contact.id if contact else None, raised_by_id=actor.id, at=now,
                                      thank_citizen=raised.thank_citizen))
    session.add(signal)
    session.flush()
    audit.record(session, actor, "signal.raise", object_type="signal", object_id=signal.id,
                 detail=",".join(d.slug for d in domains))
    return signal


def _domains(session: Session, slugs: tuple[str, ...]) -> list[Domain]:
    found = list(session.scalars(select(Domain).where(Domain.slug.in_(slugs), Domain.active.is_(True))))
    if len(found) != len(set(slugs)):
        raise ValidationError({"domains": Msg("kies domeinen uit de lijst")})
    return found


def may_triage(actor: Actor, signal: Signal) -> bool:
    """A senior of one of its domains, its owner, the floor lead or admin."""
    if actor.roles & TRIAGE_ALWAYS or (actor.id is not None and signal.owner_id == actor.id):
        return True
    return "senior" in actor.roles and any(domain.id in actor.skill_levels for domain in signal.domains)


def _for_triage(session: Session, actor: Actor, signal_id: int) -> Signal:
    signal = session.get(Signal, signal_id)
    if signal is None:
        raise NotFound(Msg("Signaal %(id)s bestaat niet.", id=signal_id))
    if not may_triage(actor, signal):
        raise NotAllowed(Msg("Dit signaal raakt geen domein van jou; vraag een senior van %(domains)s.",
                             domains=", ".join(d.name for d in signal.domains)), f"signal {signal_id} is not theirs")
    if signal.merged_into_id is not None:
        raise Conflict(Msg("Dit signaal is samengevoegd met signaal %(id)s; werk daar verder.", id=signal.merged_into_id))
    return signal


def merge(session: Session, actor: Actor, signal_id: int, into_id: int, now: datetime) -> Signal:
    """Fold a duplicate into another signal: its contacts and raisers, and its domains, go along; itself stays
    as a pointer. Never into itself, into a merged signal, or into one of its own duplicates (no loops)."""
    if signal_id == into_id:
        raise ValidationError({"into": Msg("een signaal kan niet met zichzelf worden samengevoegd")})
    duplicate = _for_triage(session, actor, signal_id)
    target = _for_triage(session, actor, into_id)
    if target.status in FINAL:
        raise Conflict(Msg("Signaal %(id)s is al afgesloten; voeg samen met een open signaal.", id=target.id))
    session.execute(update(SignalContact).where(SignalContact.signal_id == duplicate.id)
                    .values(signal_id=target.id).execution_options(synchronize_session=False))
    for domain in duplicate.domains:
        if domain not in target.domains:
            target.domains.append(domain)
    duplicate.merged_into_id, duplicate.updated_at, target.updated_at = target.id, now, now
    session.expire(target, ["links"])
    session.expire(duplicate, ["links"])
    session.flush()
    audit.record(session, actor, "signal.merge", object_type="signal", object_id=duplicate.id, detail=str(target.id))
    return target


def move(session: Session, actor: Actor, signal_id: int, status: str, now: datetime, *, action: str = "",
         action_date=None, owner_id: int | None = None) -> Signal:
    """One step along new → analysing → action agreed → done, or to not doing with the reason (from any open
    state). Agreeing an action needs the action; not doing needs the reason."""
    signal = _for_triage(session, actor, signal_id)
    action = (action or "").strip()
    if signal.status in FINAL:
        raise Conflict(Msg("Dit signaal is al afgesloten."))
    if status == SignalStatus.not_doing:
        if not action:
            raise ValidationError({"action": Msg("schrijf op waarom we hier niets mee doen")})
    elif NEXT.get(SignalStatus(signal.status)) != status:
        raise Conflict(Msg("Dit signaal staat op '%(now)s'; de volgende stap is '%(next)s'.",
                           now=STATUS_LABELS[SignalStatus(signal.status)],
                           next=STATUS_LABELS[NEXT[SignalStatus(signal.status)]]))
    elif status == SignalStatus.action_agreed and not action:
        raise ValidationError({"action": Msg("schrijf de afgesproken actie op")})
    signal.status, signal.updated_at = status, now
    if action:
        signal.action = action[:TEXT_LIMIT]
    if action_date is not None:
        signal.action_date = action_date
    if owner_id is not None:
        signal.owner_id = owner_id
    if status in FINAL:
        signal.closed_at = now
    session.flush()
    audit.record(session, actor, "signal.update", object_type="signal", object_id=signal.id, detail=status)
    return signal
