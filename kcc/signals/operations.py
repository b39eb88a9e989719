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
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from kcc.contacts.intake import reference
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Conflict, Msg, NotAllowed, NotFound, ValidationError
from kcc.core.timeutil import AMSTERDAM
from kcc.models import (
    Contact,
    Domain,
    OutgoingMail,
    RoutingCorrection,
    Signal,
    SignalContact,
    SignalStatus,
    Skill,
    Staff,
    StaffRole,
    Topic,
    signal_domains,
)

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
    if status == SignalStatus.done:
        thanked = _thank_citizens(session, signal, now)
        if thanked:
            audit.record(session, actor, "signal.thank", object_type="signal", object_id=signal.id,
                         detail=str(thanked))
    return signal


def _thank_citizens(session: Session, signal: Signal, now: datetime) -> int:
    """Every citizen who made the suggestion and agreed to hear back gets one short B1 thank-you e-mail."""
    links = session.scalars(select(SignalContact).where(
        SignalContact.signal_id == signal.id, SignalContact.thank_citizen.is_(True),
        SignalContact.thanked_at.is_(None)).options(selectinload(SignalContact.contact).selectinload(
            Contact.citizen))).all()
    sent: set[str] = set()
    for link in links:
        citizen = link.contact.citizen if link.contact else None
        link.thanked_at = now
        if link.contact is None or citizen is None or not citizen.email or citizen.email.lower() in sent:
            continue  # the address is gone (retention) or already thanked for this signal
        sent.add(citizen.email.lower())
        greeting = f"Beste {citizen.name}," if citizen.name else "Beste inwoner,"
        body = "\n".join([
            greeting, "",
            "U gaf ons een tip om het beter te doen. Dank u wel daarvoor.", "",
            "Wat wij ermee hebben gedaan:", signal.action or "Wij hebben uw tip besproken en opgepakt.", "",
            f"Uw kenmerk was {reference(link.contact.id)}. U hoeft niets te doen.", "",
            "Met vriendelijke groet,", "Het Klantcontactcentrum van de gemeente",
        ])
        session.add(OutgoingMail(kind="signal_thanks", to_address=citizen.email, subject="Dank u voor uw tip",
                                 body=body, created_at=now, next_attempt_at=now))
    session.flush()
    return len(sent)


def owner_choices(session: Session, signal: Signal) -> list[tuple[int, str]]:
    """Who can own a signal: a senior of one of its domains, or a floor lead."""
    domain_ids = [domain.id for domain in signal.domains]
    senior = and_(StaffRole.role == "senior", Staff.id.in_(select(Skill.staff_id).where(Skill.domain_id.in_(domain_ids))))
    query = (select(Staff.id, Staff.name).join(StaffRole, StaffRole.staff_id == Staff.id)
             .where(Staff.active.is_(True), or_(senior, StaffRole.role == "lead")).distinct().order_by(Staff.name))
    return [(row.id, row.name) for row in session.execute(query)]


def update_details(session: Session, actor: Actor, signal_id: int, tags_text: str, owner_id: int | None,
                   action_date: date | None, now: datetime) -> Signal:
    """Tags, owner and the action's date: triage that is no step along the way."""
    signal = _for_triage(session, actor, signal_id)
    if owner_id is not None and owner_id not in {staff_id for staff_id, _name in owner_choices(session, signal)}:
        raise ValidationError({"owner": Msg("kies een senior van een van de domeinen of een teamleider")})
    tags = [tag.strip().lower()[:TAG_LIMIT] for tag in tags_text.split(",") if tag.strip()]
    if len(tags) > 10:
        raise ValidationError({"tags": Msg("ten hoogste 10 labels")})
    signal.tags = list(dict.fromkeys(tags))
    signal.owner_id, signal.action_date, signal.updated_at = owner_id, action_date, now
    session.flush()
    audit.record(session, actor, "signal.update", object_type="signal", object_id=signal.id, detail="details")
    return signal


def add_to(session: Session, actor: Actor, signal_id: int, contact: Contact | None, thank_citizen: bool,
           now: datetime) -> Signal:
    """"Dit zie ik ook": this contact feeds an open signal already on the board instead of a new duplicate."""
    signal = session.get(Signal, signal_id)
    while signal is not None and signal.merged_into_id is not None:
        signal = session.get_one(Signal, signal.merged_into_id)
    if signal is None or signal.status in FINAL:
        raise ValidationError({"same_as": Msg("dat knelpunt is er niet (meer) of al afgesloten; meld het als nieuw")})
    touched = {domain.id for domain in signal.domains}
    if not (may_triage(actor, signal) or (contact is not None and contact.domain_id in touched)):
        # only a signal of the contact's own domain, as the list offers: a guessed id opens nothing
        raise ValidationError({"same_as": Msg("kies een knelpunt uit de lijst")})
    if thank_citizen and not (contact and contact.citizen and contact.citizen.email):
        raise ValidationError({"thank_citizen": Msg("een bedankje kan alleen per e-mail; van deze inwoner is geen "
                                                    "e-mailadres bekend")})
    if contact is not None and any(link.contact_id == contact.id for link in signal.links):
        raise Conflict(Msg("Dit contact hoort al bij knelpunt %(id)s.", id=signal.id))
    signal.links.append(SignalContact(contact_id=contact.id if contact else None, raised_by_id=actor.id, at=now,
                                      thank_citizen=thank_citizen))
    signal.updated_at = now
    session.flush()
    audit.record(session, actor, "signal.raise", object_type="signal", object_id=signal.id, detail="added")
    return signal


# --- reading ----------------------------------------------------------------------------------------

def open_in(session: Session, domain_ids: list[int], limit: int = 30) -> list[Signal]:
    """Open signals touching one of these domains, newest first: what an employee may say "I see this too" to."""
    if not domain_ids:
        return []
    touching = select(signal_domains.c.signal_id).where(signal_domains.c.domain_id.in_(domain_ids))
    return list(session.scalars(select(Signal).where(
        Signal.id.in_(touching), Signal.merged_into_id.is_(None), Signal.status.not_in(FINAL))
        .order_by(Signal.updated_at.desc()).limit(limit)))


@dataclass(frozen=True)
class BoardRow:
    signal: Signal
    contacts: int  # linked contacts, merged ones included
    repeats: int  # of them, repeat contacts
    raisers: int


def board(session: Session, domain_id: int, show_closed: bool = False) -> list[BoardRow]:
    """The signals touching one domain, the most contacts first (impact), open before closed."""
    touching = select(signal_domains.c.signal_id).where(signal_domains.c.domain_id == domain_id)
    counts = (select(SignalContact.signal_id, func.count(func.distinct(SignalContact.contact_id)).label("contacts"),
                     func.count(func.distinct(Contact.id)).filter(Contact.repeated.is_(True)).label("repeats"),
                     func.count(func.distinct(SignalContact.raised_by_id)).label("raisers"))
              .outerjoin(Contact, Contact.id == SignalContact.contact_id)
              .group_by(SignalContact.signal_id).subquery())
    query = (select(Signal, func.coalesce(counts.c.contacts, 0), func.coalesce(counts.c.repeats, 0),
                    func.coalesce(counts.c.raisers, 0))
             .outerjoin(counts, counts.c.signal_id == Signal.id)
             .where(Signal.id.in_(touching), Signal.merged_into_id.is_(None))
             .options(selectinload(Signal.domains), selectinload(Signal.owner)))
    if not show_closed:
        query = query.where(Signal.status.not_in(FINAL))
    rows = [BoardRow(signal, contacts, repeats, raisers) for signal, contacts, repeats, raisers in session.execute(query)]
    return sorted(rows, key=lambda row: (row.signal.status in FINAL, -row.contacts, -row.repeats, -row.signal.id))


@dataclass(frozen=True)
class Week:
    monday: date
    linked: int  # contacts linked to the signal that week
    on_topics: int  # all contacts on the linked contacts' topics
    repeats: int  # of those, repeat contacts
    after: bool  # on or after the action's date


WEEKS_AROUND = 6


def impact(session: Session, signal: Signal, today: date) -> list[Week]:
    """Per week, before and after the action's date (or the last weeks while there is none): the contacts linked
    to the signal, and all contacts on the same topics with their repeat contacts — did the action reduce the
    contacts it was meant to?"""
    pivot = min(signal.action_date or today, today)  # an action still to come: the weeks up to now
    first = pivot - timedelta(days=pivot.weekday()) - timedelta(weeks=WEEKS_AROUND)
    last = min(today, pivot + timedelta(weeks=WEEKS_AROUND))
    low = datetime.combine(first, time(0), tzinfo=AMSTERDAM)
    high = datetime.combine(last + timedelta(days=1), time(0), tzinfo=AMSTERDAM)
    linked = select(SignalContact.contact_id).where(SignalContact.signal_id == signal.id,
                                                    SignalContact.contact_id.is_not(None))
    topics = select(Contact.topic_id).where(Contact.id.in_(linked), Contact.topic_id.is_not(None)).distinct()
    mondays = []
    monday = first
    while monday <= last:
        mondays.append(monday)
        monday += timedelta(weeks=1)
    if not mondays:
        return []
    bounds = [(datetime.combine(m, time(0), tzinfo=AMSTERDAM),
               datetime.combine(m + timedelta(weeks=1), time(0), tzinfo=AMSTERDAM)) for m in mondays]

    def per_week(condition):
        return [func.count(Contact.id).filter(condition, Contact.created_at >= start, Contact.created_at < end)
                for start, end in bounds]

    in_range = and_(Contact.created_at >= low, Contact.created_at < high)
    linked_counts = session.execute(select(*per_week(Contact.id.in_(linked))).where(
        in_range, Contact.id.in_(linked))).one()
    topic_row = session.execute(select(*per_week(Contact.topic_id.in_(topics)),
                                       *per_week(Contact.repeated.is_(True))).where(
        in_range, Contact.topic_id.in_(topics))).one()
    return [Week(monday, linked_counts[n], topic_row[n], topic_row[len(mondays) + n],
                 after=signal.action_date is not None and monday + timedelta(days=6) >= signal.action_date)
            for n, monday in enumerate(mondays)]


@dataclass(frozen=True)
class Outcome:
    link_id: int
    signal: Signal


def outcomes_for(session: Session, actor: Actor) -> list[Outcome]:
    """What became of the signals this person raised, once done or not done, until they have seen it."""
    if actor.id is None:
        return []
    rows = session.execute(select(SignalContact.id, SignalContact.signal_id).where(
        SignalContact.raised_by_id == actor.id, SignalContact.seen_outcome_at.is_(None))
        .join(Signal, Signal.id == SignalContact.signal_id)
        .where(Signal.status.in_(FINAL), Signal.merged_into_id.is_(None))
        .order_by(SignalContact.at.desc()).limit(20)).all()
    seen: set[int] = set()
    result = []
    for link_id, signal_id in rows:
        if signal_id not in seen:
            seen.add(signal_id)
            result.append(Outcome(link_id, session.get_one(Signal, signal_id)))
    return result


def mark_outcome_seen(session: Session, actor: Actor, signal_id: int, now: datetime) -> None:
    """The raiser read the outcome: every link of theirs to this signal stops showing it."""
    session.execute(update(SignalContact).where(
        SignalContact.signal_id == signal_id, SignalContact.raised_by_id == actor.id,
        SignalContact.seen_outcome_at.is_(None)).values(seen_outcome_at=now).execution_options(
            synchronize_session=False))


def signal_or_404(session: Session, signal_id: int) -> Signal:
    signal = session.get(Signal, signal_id)
    if signal is None:
        raise NotFound(Msg("Signaal %(id)s bestaat niet.", id=signal_id))
    return signal


def may_read(actor: Actor, signal: Signal) -> bool:
    """The board is open to whoever may triage, to every senior (seniors coordinate across domains), and to the
    raisers of the signal."""
    return may_triage(actor, signal) or any(link.raised_by_id == actor.id for link in signal.links) or (
        "senior" in actor.roles)



# --- the router's corrections as a standing source of signals ---------------------------------------------

ROUTING_TAG = "routering"
MISROUTE_WEEKS = 8


@dataclass(frozen=True)
class Misroute:
    """Contacts the router sent to one place and an employee moved to another, over the last weeks."""

    from_domain: str | None
    from_topic: str | None
    to_domain: str
    to_topic: str | None
    key: str  # "from_domain_id:from_topic_id:to_domain_id:to_topic_id", 0 for none
    count: int
    weeks: list[int]  # per week, oldest first
    signal_id: int | None  # an open signal already made of it


def _week_bounds(today: date, weeks: int) -> list[tuple[datetime, datetime]]:
    monday = today - timedelta(days=today.weekday())
    firsts = [monday - timedelta(weeks=weeks - 1 - n) for n in range(weeks)]
    return [(datetime.combine(first, time(0), tzinfo=AMSTERDAM),
             datetime.combine(first + timedelta(weeks=1), time(0), tzinfo=AMSTERDAM)) for first in firsts]


def misroutes(session: Session, domain_id: int, today: date, weeks: int = MISROUTE_WEEKS) -> list[Misroute]:
    """Which topics were routed wrongly, from or to this domain, and to where — most frequent first, per week."""
    bounds = _week_bounds(today, weeks)
    low = bounds[0][0]
    per_week = [func.count(RoutingCorrection.id).filter(RoutingCorrection.at >= start, RoutingCorrection.at < end)
                for start, end in bounds]
    query = (select(RoutingCorrection.from_domain_id, RoutingCorrection.from_topic_id, RoutingCorrection.to_domain_id,
                    RoutingCorrection.to_topic_id, func.count(RoutingCorrection.id), *per_week)
             .where(RoutingCorrection.at >= low,
                    or_(RoutingCorrection.from_domain_id == domain_id, RoutingCorrection.to_domain_id == domain_id),
                    or_(RoutingCorrection.from_domain_id.is_(None),
                        RoutingCorrection.from_domain_id != RoutingCorrection.to_domain_id,
                        RoutingCorrection.from_topic_id.is_(None),
                        RoutingCorrection.from_topic_id != RoutingCorrection.to_topic_id))
             .group_by(RoutingCorrection.from_domain_id, RoutingCorrection.from_topic_id,
                       RoutingCorrection.to_domain_id, RoutingCorrection.to_topic_id)
             .order_by(func.count(RoutingCorrection.id).desc()).limit(15))
    rows = session.execute(query).all()
    domains: dict[int, str] = {domain_id: name for domain_id, name in session.execute(select(Domain.id, Domain.name))}
    topic_ids = {row[1] for row in rows} | {row[3] for row in rows}
    topics: dict[int, str] = {topic_id: name for topic_id, name in session.execute(
        select(Topic.id, Topic.name).where(Topic.id.in_(topic_ids)))}
    result = []
    for from_domain, from_topic, to_domain, to_topic, count, *weekly in rows:
        key = f"{from_domain or 0}:{from_topic or 0}:{to_domain}:{to_topic or 0}"
        result.append(Misroute(domains.get(from_domain) if from_domain else None,
                               topics.get(from_topic) if from_topic else None, domains[to_domain],
                               topics.get(to_topic) if to_topic else None, key, count, list(weekly),
                               _routing_signal(session, from_domain, from_topic, to_domain, to_topic, low)))
    return result


def _corrected(from_domain: int | None, from_topic: int | None, to_domain: int, to_topic: int | None, low: datetime):
    def same(column, value):
        return column.is_(None) if value is None else column == value

    return select(RoutingCorrection.contact_id).where(
        RoutingCorrection.at >= low, same(RoutingCorrection.from_domain_id, from_domain),
        same(RoutingCorrection.from_topic_id, from_topic), RoutingCorrection.to_domain_id == to_domain,
        same(RoutingCorrection.to_topic_id, to_topic))


def _routing_signal(session: Session, from_domain, from_topic, to_domain, to_topic, low) -> int | None:
    """The open signal a misrouting pattern was already turned into (it links the pattern's contacts)."""
    linked = select(SignalContact.signal_id).where(
        SignalContact.contact_id.in_(_corrected(from_domain, from_topic, to_domain, to_topic, low)))
    for signal in session.scalars(select(Signal).where(Signal.id.in_(linked), Signal.merged_into_id.is_(None),
                                                       Signal.status.not_in(FINAL)).order_by(Signal.id)):
        if ROUTING_TAG in (signal.tags or []):
            return signal.id
    return None


def signal_from_misroute(session: Session, actor: Actor, key: str, today: date, now: datetime) -> Signal:
    """One click: the pattern becomes a signal in both domains, its corrected contacts linked (the latest 50)."""
    try:
        from_domain, from_topic, to_domain, to_topic = (int(part) or None for part in key.split(":"))
    except ValueError:
        raise ValidationError({"pattern": Msg("dit patroon bestaat niet (meer); ververs de pagina")}) from None
    if to_domain is None or not ({from_domain, to_domain} & set(actor.skill_levels) or actor.roles & TRIAGE_ALWAYS):
        raise NotAllowed(Msg("Dit patroon raakt geen domein van jou."), "misroute outside the reader's domains")
    low = _week_bounds(today, MISROUTE_WEEKS)[0][0]
    existing = _routing_signal(session, from_domain, from_topic, to_domain, to_topic, low)
    if existing is not None:
        raise Conflict(Msg("Van dit patroon is al knelpunt %(id)s gemaakt.", id=existing))
    contact_ids = list(session.scalars(_corrected(from_domain, from_topic, to_domain, to_topic, low)
                                       .order_by(None).distinct().limit(50)))
    if not contact_ids:
        raise ValidationError({"pattern": Msg("dit patroon bestaat niet (meer); ververs de pagina")})

    def name(domain_id, topic_id):
        if domain_id is None:
            return "geen domein"
        domain = session.get_one(Domain, domain_id)
        topic = session.get(Topic, topic_id) if topic_id else None
        return f"{domain.name} — {topic.name}" if topic else domain.name

    text = (f"De router stuurt vragen naar {name(from_domain, from_topic)}, maar ze horen bij "
            f"{name(to_domain, to_topic)} ({len(contact_ids)} keer in {MISROUTE_WEEKS} weken gecorrigeerd).")
    domains = [session.get_one(Domain, d) for d in dict.fromkeys(d for d in (from_domain, to_domain) if d)]
    signal = Signal(text=text, suggestion="Pas de trefwoorden of het onderwerp in domains/ aan.", status=SignalStatus.new,
                    tags=[ROUTING_TAG], created_by_id=actor.id, created_at=now, updated_at=now, domains=domains)
    signal.links = [SignalContact(contact_id=contact_id, raised_by_id=actor.id, at=now) for contact_id in contact_ids]
    session.add(signal)
    session.flush()
    audit.record(session, actor, "signal.raise", object_type="signal", object_id=signal.id, detail="routing")
    return signal
