"""Demo data for `make run`: staff for every role, desks, and a morning of contacts. Loading twice adds nothing."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kcc.cli import demo_board
from kcc.config import DEFAULT_HEADSTART, QueueSettings
from kcc.contacts import intake
from kcc.content.domains import DAYS
from kcc.content.model import load_artefact
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import local, utcnow
from kcc.core.workinghours import is_holiday, open_now
from kcc.handover import operations as handover
from kcc.models import Appointment, Contact, ContactEvent, ContactStatus, Desk, Domain, LobbyTurnaway, Outcome, Staff, Team, Topic
from kcc.staff import accounts

DEMO_PASSWORD = "kcc-demo-wachtwoord"
DEMO = Actor.system("demo", name="kcc-demo")

# username, name, roles, skills, languages, teams
STAFF = [
    ("fatima", "Fatima el Amrani", ["agent"], [("burgerzaken", "primary"), ("sociaal", "secondary")], ["nl", "en", "ar"], []),
    ("jeroen", "Jeroen de Boer", ["agent"], [("vergunningen", "primary"), ("algemeen", "secondary")], ["nl"], []),
    ("sanne", "Sanne Visser", ["agent"], [("burgerzaken", "primary"), ("algemeen", "secondary")], ["nl", "en"], []),
    ("pieter", "Pieter Hoekstra", ["agent"], [("sociaal", "primary"), ("algemeen", "secondary")], ["nl", "fy"], []),
    ("noor", "Noor Jansen", ["agent", "host"], [("algemeen", "primary")], ["nl", "en"], []),
    ("lotte", "Lotte Bakker", ["host"], [], ["nl", "en", "de"], []),
    ("ahmed", "Ahmed Yilmaz", ["lead", "agent"], [("burgerzaken", "primary"), ("vergunningen", "secondary")], ["nl", "tr"], []),
    ("marieke", "Marieke Smit", ["senior", "agent"], [("sociaal", "primary")], ["nl"], []),
    ("tom", "Tom van Dijk", ["senior", "agent"], [("vergunningen", "primary")], ["nl", "en"], []),
    ("ingrid", "Ingrid Mulder", ["specialist"], [], ["nl"], ["wmo-consulenten"]),
    ("bas", "Bas Koster", ["specialist"], [], ["nl"], ["bouwen-en-verbouwen"]),
    ("yvonne", "Yvonne de Wit", ["specialist"], [], ["nl"], ["werk-en-inkomen", "geldzaken"]),
    ("beheer", "Functioneel Beheer", ["admin"], [], ["nl"], []),
    ("telefonie", "Telefonieplatform", ["integration"], [], ["nl"], []),
]

DESKS = [("1", "Balie 1 — burgerzaken"), ("2", "Balie 2 — burgerzaken"), ("3", "Balie 3 — algemeen"),
         ("4", "Spreekkamer 4 — sociaal domein")]

FIRST_NAMES = ("Jan", "Anna", "Kees", "Emma", "Mohammed", "Aylin", "Wim", "Sophie", "Marek", "Fenna", "Rik", "Noor",
               "Sietske", "Daan", "Yara", "Henk", "Lotte", "Bram", "Iris", "Thijs", "Mila", "Joost", "Esra", "Pim")
SURNAMES = ("de Vries", "Bos", "Meijer", "de Graaf", "Peters", "Kaya", "Hendriks", "van Leeuwen", "Dekker", "Visser",
            "Smit", "Mulder", "de Boer", "Jansen", "Bakker", "El Idrissi", "Hoekstra", "Postma", "Kowalski", "Yilmaz")
REPEATS = {9: 3, 25: 14}  # contact number → an earlier contact's citizen: a repeat caller is the exception


def _router(session: Session) -> Router:
    """The router as the screens use it: with the trained model when there is one (`kcc route train`)."""
    from flask import current_app, has_app_context

    model = load_artefact(Path(current_app.config["KCC"].router_model)) if has_app_context() else None
    return Router.from_session(session, model=model)


def citizen(rng: random.Random) -> dict[str, str | None]:
    """A believable, made-up citizen: a name as people give it, a mobile number, sometimes an e-mail address."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    phone = f"06 {rng.choice('1234')}{rng.randint(1000000, 9999999)}"
    email = f"{first.lower()}.{last.lower().replace(' ', '')}{rng.randint(1, 99)}@example.nl" if rng.random() < 0.6 else None
    return {"name": f"{first} {last}", "phone": phone if rng.random() < 0.85 or email is None else None, "email": email}

# channel, domain, topic, question
QUESTIONS = [
    ("phone", "burgerzaken", "paspoort", "Mijn paspoort verloopt volgende maand, wat neem ik mee?"),
    ("phone", "algemeen", "afval-niet-opgehaald", "De groene container is gisteren niet geleegd in de Lindenlaan."),
    ("web", "vergunningen", "bouwen-verbouwen", "Heb ik een vergunning nodig voor een dakkapel aan de achterkant?"),
    ("counter", "burgerzaken", "identiteitskaart", ""),
    ("phone", "sociaal", "huishoudelijke-hulp", "Mijn moeder van 84 kan niet meer zelf schoonmaken."),
    ("email", "algemeen", "straatverlichting", "Lantaarnpaal voor nummer 12 brandt al een week niet."),
    ("phone", "burgerzaken", "verhuizing", "Ik ga per 1 december verhuizen, hoe geef ik dat door?"),
    ("phone", "algemeen", "grofvuil", "Ik wil een oude bank laten ophalen."),
    ("counter", "burgerzaken", "rijbewijs", ""),
    ("phone", "sociaal", "schulden", "Ik krijg brieven van de deurwaarder en weet niet wat ik moet doen."),
    ("web", "algemeen", "woz", "De WOZ-waarde van mijn huis is veel te hoog."),
    ("phone", "vergunningen", "evenement", "We willen een straatfeest houden op Koningsdag."),
    ("phone", "algemeen", "bestrating", "Er ligt een losse stoeptegel waar mijn buurvrouw over gevallen is."),
    ("counter", "algemeen", "gevonden-verloren", ""),
    ("phone", "sociaal", "hulpmiddelen", "Mijn scootmobiel is kapot, wie komt hem repareren?"),
    ("email", "sociaal", "bijstand", "Mijn WW stopt, kan ik bijstand aanvragen?"),
    ("phone", "burgerzaken", "uittreksel-brp", "Ik heb een uittreksel nodig voor mijn nieuwe werkgever."),
    ("phone", "vergunningen", "boom-kappen", "Mag ik de berk in mijn achtertuin kappen?"),
    ("phone", "algemeen", "overlast", "De buren hebben elke nacht harde muziek aan."),
    ("web", "burgerzaken", "trouwen-partnerschap", "Wij willen volgend jaar trouwen in het stadhuis."),
    ("phone", "sociaal", "jeugdhulp", "Ik maak me zorgen over mijn zoon van 15."),
    ("phone", "algemeen", "belastingen", "Kan ik de aanslag in termijnen betalen?"),
    ("counter", "burgerzaken", "paspoort", ""),
    ("phone", "algemeen", "ongedierte", "Ik zie ratten bij de speeltuin."),
    ("phone", "vergunningen", "parkeervergunning", "Ik heb een nieuwe auto, hoe wijzig ik mijn parkeervergunning?"),
    ("email", "algemeen", "klacht", "Ik ben drie keer niet teruggebeld over mijn melding."),
    ("phone", "sociaal", "mantelzorg", "Ik zorg voor mijn man en het wordt me te veel."),
    ("phone", "burgerzaken", "overlijden", "Mijn vader is overleden, wat regel ik bij de gemeente?"),
    ("phone", "algemeen", "container-aanvragen", "Mijn kliko is gestolen."),
    ("web", "vergunningen", "uitrit", "Ik wil een oprit aanleggen en de stoep laten verlagen."),
    ("phone", "sociaal", "vervoer", "Hoe kom ik aan een pas voor de regiotaxi?"),
    ("phone", "algemeen", "riolering-water", "Het putje voor mijn huis is verstopt en de straat staat blank."),
    ("counter", "sociaal", "minima-regelingen", ""),
    ("phone", "burgerzaken", "verkiezingen", "Ik ben mijn stempas kwijt."),
    ("phone", "vergunningen", "handhaving", "Mijn buurman bouwt een schuur zonder vergunning, denk ik."),
    ("phone", "algemeen", "gladheid", "Het fietspad naar school is spiegelglad."),
]


@dataclass
class DemoResult:
    created_staff: list[str] = field(default_factory=list)
    contacts: int = 0
    desks: int = 0
    weekend: bool = False  # the demo opened the municipality today, a Saturday or Sunday
    evening: str | None = None  # the demo opened from this hour until midnight, outside the opening hours
    appointments: int = 0
    try_code: str | None = None  # a check-in code of today to try in the lobby, with its name and time


def _ensure_staff(session: Session, result: DemoResult) -> dict[str, Staff]:
    people = {}
    for username, name, roles, skills, languages, teams in STAFF:
        existing = accounts.find_staff(session, username)
        if existing is None:
            existing = accounts.create_staff(session, accounts.StaffInput(
                username=username, name=name, roles=roles, skills=skills, languages=languages, teams=teams,
                email=f"{username}@gemeente.example"), DEMO_PASSWORD, actor=DEMO)
            result.created_staff.append(username)
        people[username] = existing
    return people


def _ensure_desks(session: Session, result: DemoResult) -> None:
    known = set(session.scalars(select(Desk.number)))
    for number, label in DESKS:
        if number not in known:
            session.add(Desk(number=number, label=label))
            result.desks += 1


def _morning(session: Session, people: dict[str, Staff], result: DemoResult) -> None:
    """Contacts over the last three and a half hours, through the real intake: most handled, the newest waiting.

    Phone and counter contacts carry the choice made in the phone menu or by the host; web and e-mail
    questions are routed by the router, as they would be.
    """
    if session.scalar(select(Contact.id).where(Contact.external_ref.like("demo-%")).limit(1)) is not None:
        return
    rng = random.Random(14)
    router = _router(session)
    settings = QueueSettings(headstart_s=DEFAULT_HEADSTART)
    agents = {slug: [p for p in people.values() if "agent" in p.roles and any(s.domain.slug == slug for s in p.skills)]
              for slug in session.scalars(select(Domain.slug))}
    now = utcnow()
    start = now - timedelta(hours=3, minutes=30)
    step = (now - start) / (len(QUESTIONS) + 1)
    at_counter = _counter_topics(session)
    desks = list(session.scalars(select(Desk).where(Desk.active.is_(True)).order_by(Desk.number)))
    people_seen: list[dict[str, str | None]] = []
    for index, (channel, domain_slug, topic_slug, question) in enumerate(QUESTIONS):
        arrived = start + step * index + timedelta(seconds=rng.randint(0, 90))
        if channel == "counter" and (domain_slug, topic_slug) not in at_counter:
            channel = "phone"  # not a counter topic: this citizen calls
        person = people_seen[REPEATS[index]] if index in REPEATS else citizen(rng)
        people_seen.append(person)
        data: dict[str, object] = {"channel": channel, "question": question, "external_ref": f"demo-{index + 1:03d}"}
        if channel in ("phone", "counter"):
            data["domain"] = domain_slug
        if channel == "counter":
            data["topic"] = topic_slug
            data["citizen"] = {"name": person["name"]}
        else:
            data["citizen"] = person
        contact = intake.receive(session, intake.parse_contact(data), router, settings, arrived,
                                 actor=DEMO).contact
        if index < len(QUESTIONS) - 6:
            owner = rng.choice(agents[domain_slug])
            answered = arrived + timedelta(seconds=rng.randint(8, 140))
            closed = answered + timedelta(minutes=rng.randint(2, 9))
            contact.status, contact.owner, contact.outcome = ContactStatus.resolved, owner, Outcome.answered
            contact.answered_at, contact.closed_at, contact.updated_at = answered, closed, closed
            if channel == "counter":  # called to a desk, as the lobby display shows it
                contact.desk = desks[index % len(desks)]
                contact.called_at, contact.calls, contact.started_at = answered, 1, answered + timedelta(seconds=40)
            session.add(ContactEvent(contact=contact, type="claimed", actor=owner, at=answered,
                                     data={"waited_s": int((answered - arrived).total_seconds())}))
            session.add(ContactEvent(contact=contact, type="resolved", actor=owner, at=closed,
                                     data={"outcome": "answered"}))
        result.contacts += 1


def _waiting_callbacks(session: Session, people: dict[str, Staff], result: DemoResult) -> None:
    """One callback task waiting for every team, made earlier this morning, so /taken is not empty on day one."""
    if session.scalar(select(Contact.id).where(Contact.external_ref.like("demo-task-%")).limit(1)) is not None:
        return
    rng = random.Random(15)
    router = _router(session)
    settings = QueueSettings(headstart_s=DEFAULT_HEADSTART)
    now = utcnow()
    sender = people["fatima"]
    for number, team in enumerate(session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.name))):
        topic = session.scalar(select(Topic).where(Topic.handover_team_id == team.id, Topic.active.is_(True))
                               .order_by(Topic.name).limit(1))
        subject = topic.name.lower() if topic else team.name.lower()
        person = citizen(rng)
        data = {"channel": "phone", "domain": team.domain.slug, "topic": topic.slug if topic else None,
                "question": f"Vraag over {subject}", "citizen": person, "external_ref": f"demo-task-{number + 1:03d}"}
        made = now - timedelta(minutes=rng.randint(20, 150))
        contact = intake.receive(session, intake.parse_contact(data), router, settings, made, actor=DEMO).contact
        contact.status, contact.owner_id, contact.answered_at = ContactStatus.in_progress, sender.id, made
        story = handover.Context(
            f"{person['name']} belt over {subject}; de vraag vraagt uitzoekwerk van {team.name}.",
            "Gegevens en de vraag nagekeken; de algemene informatie al gegeven.",
            "Een medewerker van het team belt terug.")
        handover.create_task(session, contact, team, story, made, created_by_id=sender.id)
        result.contacts += 1


# minutes from now, local; the first is past its window ("niet gekomen"), the second expected now
APPOINTMENT_TIMES = (-50, -5, 10, 25, 40, 65, 95, 130)
APPOINTMENT_TOPICS = (("burgerzaken", "paspoort"), ("burgerzaken", "rijbewijs"), ("vergunningen", "evenement"),
                      ("sociaal", "schulden"), ("burgerzaken", "identiteitskaart"), ("algemeen", "gevonden-verloren"))


def _appointments(session: Session, result: DemoResult) -> None:
    """Today's counter agenda around the hour someone tries the demo (one expected now, to check in by code),
    and a few for tomorrow. Made again on a later day; loading twice on one day adds nothing."""
    from kcc.appointments.operations import _new_code, format_code
    from kcc.core.timeutil import start_of_day

    now = utcnow()
    today = start_of_day(now)
    if session.scalar(select(Appointment.id).where(Appointment.source == "demo", Appointment.created_at >= today)
                      .limit(1)) is not None:
        return
    topics = {(t.domain.slug, t.slug): t for t in session.scalars(select(Topic).where(Topic.counter.is_(True)))}
    usable = [topics[key] for key in APPOINTMENT_TOPICS if key in topics] or list(topics.values())
    if not usable:
        return
    rng = random.Random(local(now).toordinal())
    rounded = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5)
    moments = [rounded + timedelta(minutes=m) for m in APPOINTMENT_TIMES]
    moments = [m for m in moments if today <= m < today + timedelta(days=1)]
    moments += [today + timedelta(days=1, hours=hour) for hour in (9, 10, 11)]
    for number, starts_at in enumerate(moments):
        topic = usable[number % len(usable)]
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        made = Appointment(code=_new_code(session), domain_id=topic.domain_id, topic=topic, starts_at=starts_at,
                           name=name, email=None if number % 3 else f"{name.split()[0].lower()}@example.nl",
                           note="", status="booked", source="demo", created_at=now)
        session.add(made)
        session.flush()
        result.appointments += 1
        if starts_at == rounded - timedelta(minutes=5):
            result.try_code = f"{format_code(made.code)} ({name}, {local(starts_at):%H:%M})"


HISTORY_WEEKS = 4
CALLS_PER_HALF_HOUR = {"burgerzaken": 6, "vergunningen": 3, "sociaal": 4, "algemeen": 5}  # on an ordinary morning
VISITS_PER_HALF_HOUR = {"burgerzaken": 3, "vergunningen": 1, "sociaal": 1, "algemeen": 1}
DAY_CURVE = [0.8, 1.3, 1.5, 1.4, 1.2, 1.0, 0.8, 0.7, 0.9, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]  # 08:30 … 16:30


def _past_weeks(session: Session, result: DemoResult) -> None:
    """Four weeks of working days behind the demo, phone calls and counter visits, all handled and closed: the
    lead's staffing help, the seniors' lobby figures and the indicators have history to read. Written in bulk,
    once; no citizens and no timeline, so nothing of it shows up as anyone's earlier contact."""
    from sqlalchemy import insert

    from kcc.core.timeutil import AMSTERDAM

    if session.scalar(select(Contact.id).where(Contact.external_ref.like("hist-%")).limit(1)) is not None:
        return
    rng = random.Random(28)
    today = local(utcnow()).date()
    domains = {slug: domain_id for domain_id, slug in session.execute(select(Domain.id, Domain.slug))}
    desks = list(session.scalars(select(Desk.id).where(Desk.active.is_(True))))
    topics: dict[int, list[int]] = {}  # per domain, its topics as often as the demo's questions name them
    known = {(slug, topic): topic_id for topic_id, slug, topic in session.execute(
        select(Topic.id, Domain.slug, Topic.slug).join(Domain, Topic.domain_id == Domain.id))}
    for _channel, slug, topic, _question in QUESTIONS:
        if (slug, topic) in known and slug in domains:
            topics.setdefault(domains[slug], []).append(known[slug, topic])
    rows: list[dict[str, object]] = []
    turnaways: list[dict[str, object]] = []
    for back in range(1, 7 * HISTORY_WEEKS + 1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5 or is_holiday(day):
            continue
        for slot, weight in enumerate(DAY_CURVE):
            start = datetime.combine(day, time(8, 30), tzinfo=AMSTERDAM) + timedelta(minutes=30 * slot)
            for channel, per_slot in (("phone", CALLS_PER_HALF_HOUR), ("counter", VISITS_PER_HALF_HOUR)):
                for slug, base in per_slot.items():
                    if slug not in domains:
                        continue
                    for _n in range(max(0, round(rng.gauss(base * weight, 1.0)))):
                        row = _handled(rng, channel, domains[slug], start + timedelta(seconds=rng.randint(0, 1799)),
                                       desks, len(rows))
                        row["topic_id"] = rng.choice(topics[domains[slug]]) if topics.get(domains[slug]) else None
                        row["repeated"] = rng.random() < 0.08  # called about the same thing within the week
                        rows.append(row)
            if slot % 4 == 1 and domains.get("burgerzaken"):  # now and then someone came without their photo
                turnaways.append({"at": start + timedelta(minutes=rng.randint(0, 29)), "domain_id": domains["burgerzaken"],
                                  "reason": "missing"})
    if rows:
        session.execute(insert(Contact), rows)
    if turnaways:
        session.execute(insert(LobbyTurnaway), turnaways)
    result.contacts += len(rows)


def _handled(rng: random.Random, channel: str, domain_id: int, arrived: datetime, desks: list[int],
             number: int) -> dict[str, object]:
    """One closed contact of the past: answered after a wait, handled in a few minutes; a few gave up waiting."""
    waited = timedelta(seconds=int(rng.expovariate(1 / (45 if channel == "phone" else 420))))
    handled = timedelta(seconds=int(rng.gauss(240 if channel == "phone" else 420, 60)) + 60)
    row: dict[str, object] = {"channel": channel, "domain_id": domain_id, "question": "", "created_at": arrived,
                              "queued_at": arrived, "rank_at": arrived - timedelta(seconds=300),
                              "external_ref": f"hist-{arrived:%Y%m%d%H%M%S}-{number}", "routing_method": "choice"}
    if rng.random() < (0.06 if channel == "phone" else 0.03):
        return {**row, "status": ContactStatus.abandoned, "closed_at": arrived + waited, "updated_at": arrived + waited}
    answered = arrived + waited
    row.update(status=ContactStatus.resolved, outcome=Outcome.answered if rng.random() < 0.85 else "referred_external",
               answered_at=answered, closed_at=answered + handled, updated_at=answered + handled)
    if channel == "counter":
        row.update(ticket=None, desk_id=rng.choice(desks) if desks else None, called_at=answered, calls=1,
                   started_at=answered + timedelta(seconds=40))
    return row


WEEKEND_HOURS = [["09:00", "16:00"]]  # as domains/ spans are stored: [start, end] pairs


def _open_now(session: Session, result: DemoResult) -> None:
    """The demo municipality is open when someone tries the demo: on a Saturday or Sunday it opens its phones and
    counters 09:00-16:00, and outside those hours (an evening, a night) it holds an opening from this hour until
    midnight, so the host can give a ticket and a desk can call. Only the synced rows in the database change (the
    next `kcc domains sync` restores domains/); the working-hours rules themselves are untouched."""
    now = utcnow()
    today = local(now)
    day = DAYS[today.weekday()]
    for domain in session.scalars(select(Domain).where(Domain.active.is_(True))):
        hours = {channel: dict(days) for channel, days in (domain.hours or {}).items()}
        for channel in ("phone", "counter"):
            if not hours.get(channel):
                continue
            if day in ("sat", "sun") and not hours[channel].get(day):
                hours[channel][day] = [list(span) for span in WEEKEND_HOURS]
                result.weekend = True
            if not open_now(hours[channel], now)[0] and not is_holiday(today.date()):
                start = f"{today.hour:02d}:00"
                hours[channel][day] = [span for span in hours[channel].get(day, []) if span[1] <= start] + [[start, "24:00"]]
                result.evening = start
        if hours != domain.hours:
            domain.hours = hours


def load(session: Session) -> DemoResult:
    """Create what is missing of the demo set; needs the domains synced first."""
    if session.scalar(select(Domain.id).limit(1)) is None:
        raise RuntimeError("no domains in the database; run `kcc domains sync` before `kcc demo`")
    result = DemoResult()
    people = _ensure_staff(session, result)
    _ensure_desks(session, result)
    _open_now(session, result)
    _morning(session, people, result)
    _waiting_callbacks(session, people, result)
    _appointments(session, result)
    _past_weeks(session, result)
    session.flush()
    demo_board.load(session, people)
    demo_board.load_feedback(session)
    demo_board.load_team(session, people)
    return result


def describe(result: DemoResult) -> str:
    """The demo accounts as a table, for the terminal of whoever ran `make run`."""
    lines = [f"Demo data: {len(result.created_staff)} staff, {result.desks} desks, {result.contacts} contacts added.",
             *(["It is the weekend: the demo municipality is open today, 09:00-16:00 (in the database only; "
                "domains/ is unchanged)."] if result.weekend else []),
             *([f"Outside opening hours: the demo municipality is open today from {result.evening} until midnight "
                "(in the database only; domains/ is unchanged)."] if result.evening else []),
             *([f"Today's counter agenda: {result.appointments} appointments; check one in at /lobby with the code "
                f"{result.try_code}."] if result.try_code else []),
             "", f"Demo accounts (password for all: {DEMO_PASSWORD}):"]
    for username, name, roles, skills, _languages, teams in STAFF:
        extra = ", ".join([f"{d}:{lvl}" for d, lvl in skills] + teams)
        lines.append(f"  {username:<10} {'+'.join(roles):<18} {name:<22} {extra}")
    return "\n".join(lines)


def _counter_topics(session: Session) -> set[tuple[str, str]]:
    """(domain, topic) pairs a counter handles: only those bring a visitor to the lobby."""
    rows = session.execute(select(Domain.slug, Topic.slug).join(Topic, Topic.domain_id == Domain.id)
                           .where(Topic.counter.is_(True), Topic.active.is_(True)))
    return {(domain, topic) for domain, topic in rows}


def arrive(session: Session, rng: random.Random, number: int) -> Contact:
    """One new demo contact through the real intake, as the telephony platform, a host or the web would send it."""
    channel, domain_slug, topic_slug, question = rng.choice(QUESTIONS)
    channel = rng.choice(["phone", "phone", "phone", "web", "email", "counter"])
    if channel == "counter" and (domain_slug, topic_slug) not in _counter_topics(session):
        channel = "phone"
    person = citizen(rng)
    data: dict[str, object] = {"channel": channel, "question": question or f"{topic_slug.replace('-', ' ')}",
                               "external_ref": f"demo-live-{utcnow():%Y%m%d%H%M%S}-{number}"}
    if channel == "phone" and rng.random() < 0.5:
        data["domain"] = domain_slug  # chosen in the phone menu
    if channel == "counter":
        data.update(domain=domain_slug, topic=topic_slug, citizen={"name": person["name"]})
    else:
        data["citizen"] = person  # given for the confirmation
    settings = QueueSettings(headstart_s=DEFAULT_HEADSTART)
    return intake.receive(session, intake.parse_contact(data), _router(session), settings, utcnow(),
                          actor=DEMO).contact
