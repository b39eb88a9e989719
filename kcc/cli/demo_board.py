"""The demo's improvement board: a few weeks of signals the front line raised from the demo's past contacts, in
every state a board holds — new, being analysed, an action agreed and taking effect, done, not doing, a merged
duplicate — and the router's corrections that feed it. Loading twice adds nothing."""
from __future__ import annotations

import hashlib
import random
import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kcc.core.timeutil import AMSTERDAM, local, utcnow
from kcc.models import (
    CoachingNote,
    Contact,
    ConversationGuide,
    Domain,
    Feedback,
    MoodCheck,
    RoutingCorrection,
    Signal,
    SignalContact,
    SignalStatus,
    Staff,
    Topic,
)

# domains, topic (slug in the first domain), text, suggestion, status, days ago the action took effect, action, raisers
SIGNALS = [
    (("burgerzaken",), "paspoort", "Mensen komen zonder pasfoto naar de balie: de uitnodiging na de online afspraak "
     "noemt de pasfoto niet.", "Zet 'neem een pasfoto mee' bovenaan de bevestiging.", SignalStatus.action_agreed, 10,
     "De bevestiging van de afspraak noemt nu bovenaan: pasfoto en oude paspoort meenemen.", ("fatima", "sanne")),
    (("vergunningen",), "bouwen-verbouwen", "Website en folder zeggen iets anders over wanneer een dakkapel "
     "vergunningvrij is; inwoners bellen om het te vragen.", "Eén tekst, met een plaatje van voor- en achterkant.",
     SignalStatus.new, None, "", ("jeroen", "ahmed")),
    (("algemeen",), "grofvuil", "De bevestigingsmail van de grofvuilafspraak komt vaak niet aan; mensen bellen "
     "om te vragen of de afspraak staat.", "", SignalStatus.analysing, None, "", ("noor", "sanne", "jeroen")),
    (("sociaal",), "schulden", "De wachttijd voor schuldhulp staat nergens; mensen bellen om te vragen waar hun "
     "aanvraag blijft.", "Zet de actuele wachttijd op de website en in de ontvangstbevestiging.",
     SignalStatus.action_agreed, 4, "De ontvangstbevestiging noemt nu de wachttijd (nu 5 weken) en wie je kunt bellen.",
     ("pieter", "fatima")),
    (("algemeen", "burgerzaken"), "container-aanvragen", "Na een verhuizing wordt de afvalpas niet overgezet; "
     "inwoners bellen eerst burgerzaken en dan afval.", "", SignalStatus.new, None, "", ("sanne",)),
    (("vergunningen",), "parkeervergunning", "Het formulier voor de parkeervergunning vraagt het kenteken, maar "
     "een nieuwe auto staat vaak nog niet op naam.", "Kenteken later laten doorgeven.", SignalStatus.done, 24,
     "Het kenteken kan nu tot 14 dagen later worden doorgegeven; de tekst op de website is aangepast.",
     ("fatima", "jeroen")),
    (("algemeen",), "belastingen", "Inwoners vragen of we op zaterdag bereikbaar zijn voor vragen over de aanslag.", "",
     SignalStatus.not_doing, 15, "Geen bezetting op zaterdag; het keuzemenu en de website noemen nu de "
     "openingstijden en de chat.", ("noor",)),
]
OWNERS = {"burgerzaken": "ahmed", "vergunningen": "tom", "algemeen": "ahmed", "sociaal": "marieke"}
# the router's corrections: (from domain, from topic) → (to domain, to topic), how many in the last weeks
MISROUTES = [(("burgerzaken", "verhuizing"), ("vergunningen", "parkeervergunning"), 7),
             (("algemeen", "overlast"), ("vergunningen", "handhaving"), 4),
             (("algemeen", "klacht"), ("sociaal", "schulden"), 2)]


def load(session: Session, people: dict[str, Staff]) -> None:
    if session.scalar(select(Signal.id).limit(1)) is not None:
        return
    rng = random.Random(13)
    now = utcnow()
    today = local(now).date()
    domains = {domain.slug: domain for domain in session.scalars(select(Domain))}
    topics = {(topic.domain.slug, topic.slug): topic for topic in session.scalars(select(Topic))}
    made: list[Signal] = []
    for slugs, topic_slug, text, suggestion, status, action_ago, action, raisers in SIGNALS:
        if not all(slug in domains for slug in slugs):
            continue
        topic = topics.get((slugs[0], topic_slug))
        contacts = _past_contacts(session, topic, today, rng)
        first_seen = min((at for _id, at in contacts), default=now - timedelta(days=20))
        signal = Signal(text=text, suggestion=suggestion, status=status, domains=[domains[s] for s in slugs],
                        owner_id=people[OWNERS[slugs[0]]].id if status != SignalStatus.new else None,
                        action=action, created_by_id=people[raisers[0]].id, created_at=first_seen,
                        updated_at=now - timedelta(days=action_ago or 1),
                        action_date=today - timedelta(days=action_ago) if action_ago is not None else None,
                        tags=["brief"] if "brief" in suggestion or "bevestiging" in text else [])
        if status in (SignalStatus.done, SignalStatus.not_doing):
            signal.closed_at = now - timedelta(days=action_ago or 1)
        for n, (contact_id, at) in enumerate(contacts):
            signal.links.append(SignalContact(contact_id=contact_id, raised_by_id=people[raisers[n % len(raisers)]].id,
                                              at=at + timedelta(minutes=6)))
        session.add(signal)
        made.append(signal)
    session.flush()
    if len(made) >= 2:  # a duplicate already folded into the dakkapel signal
        duplicate = Signal(text="Dakkapel: wat mag zonder vergunning? Bellers snappen de website niet.",
                           status=SignalStatus.new, domains=list(made[1].domains), created_by_id=people["tom"].id,
                           created_at=now - timedelta(days=3), updated_at=now - timedelta(days=2),
                           merged_into_id=made[1].id)
        session.add(duplicate)
    _misroutes(session, domains, topics, people, today, rng)
    session.flush()


def _past_contacts(session: Session, topic: Topic | None, today: date, rng: random.Random) -> list[tuple[int, datetime]]:
    """Some of the demo's past contacts on this topic, spread over the last four weeks: the ones flagged."""
    if topic is None:
        return []
    low = datetime.combine(today - timedelta(days=28), time(0), tzinfo=AMSTERDAM)
    found = session.execute(select(Contact.id, Contact.created_at).where(
        Contact.topic_id == topic.id, Contact.external_ref.like("hist-%"), Contact.created_at >= low)
        .order_by(Contact.created_at)).all()
    if not found:
        return []
    return sorted(rng.sample([(row[0], row[1]) for row in found], min(len(found), rng.randint(4, 14))),
                  key=lambda row: row[1])


def _misroutes(session: Session, domains: dict[str, Domain], topics: dict[tuple[str, str], Topic],
               people: dict[str, Staff], today: date, rng: random.Random) -> None:
    for (from_slug, from_topic), (to_slug, to_topic), count in MISROUTES:
        source, target = topics.get((from_slug, from_topic)), topics.get((to_slug, to_topic))
        if source is None or target is None:
            continue
        low = datetime.combine(today - timedelta(days=35), time(0), tzinfo=AMSTERDAM)
        contacts = session.execute(select(Contact.id, Contact.created_at).where(
            Contact.topic_id == target.id, Contact.external_ref.like("hist-%"), Contact.created_at >= low)).all()
        for contact_id, at in rng.sample(list(contacts), min(count, len(contacts))):
            session.add(RoutingCorrection(contact_id=contact_id, actor_id=people["jeroen"].id,
                                          at=at + timedelta(minutes=2), method="rules", confidence=0.55,
                                          from_domain_id=domains[from_slug].id, from_topic_id=source.id,
                                          to_domain_id=domains[to_slug].id, to_topic_id=target.id))


COMMENTS = {
    "no": ["Ik moest drie keer bellen voordat iemand wist wat ik nodig had.",
           "De brief zei iets anders dan de medewerker aan de telefoon.",
           "Ik werd doorverbonden en moest mijn verhaal opnieuw vertellen."],
    "partly": ["Vriendelijk geholpen, maar ik wacht nog op de terugbelafspraak.",
               "Het antwoord klopte, maar de website had het duidelijker kunnen zeggen."],
}


def load_feedback(session: Session) -> None:
    """Citizens' answers to "Bent u goed geholpen?" over the demo's past weeks: mostly yes, some a bit or no."""
    if session.scalar(select(Feedback.id).limit(1)) is not None:
        return
    rng = random.Random(7)
    contacts = session.execute(select(Contact.id, Contact.domain_id, Contact.channel, Contact.closed_at).where(
        Contact.external_ref.like("hist-%"), Contact.status == "resolved")).all()
    for contact_id, domain_id, channel, closed in rng.sample(list(contacts), min(len(contacts), len(contacts) // 12)):
        if closed is None:
            continue
        sent = closed + timedelta(minutes=15)
        roll = rng.random()
        answer = None if roll < 0.35 else "yes" if roll < 0.8 else "partly" if roll < 0.92 else "no"
        comment = rng.choice(COMMENTS[answer]) if answer in COMMENTS and rng.random() < 0.5 else ""
        session.add(Feedback(token_hash=hashlib.sha256(secrets.token_bytes(24)).hexdigest(),
                             contact_id=contact_id, domain_id=domain_id, channel=channel, sent_at=sent,
                             answered_at=sent + timedelta(hours=rng.randint(1, 30)) if answer else None,
                             answer=answer, comment=comment))


GUIDES = {
    "burgerzaken": "Vraag waar het document voor nodig is: reizen, werk of een verhuizing.\n"
                   "Check of er al een afspraak is; een paspoort of ID-kaart kan alleen op afspraak.\n"
                   "Noem wat mee moet: pasfoto (niet ouder dan 6 maanden), het oude document.\n"
                   "Bij een verhuizing: doorgeven kan online met DigiD, tot 4 weken vooraf.",
    "vergunningen": "Vraag eerst wat de inwoner wil bouwen of organiseren, en waar.\n"
                    "Verwijs bij bouwen naar de vergunningcheck van het Omgevingsloket.\n"
                    "Twijfel over vergunningvrij? Warm overdragen aan Bouwen en verbouwen.",
    "sociaal": "Luister eerst: wat is er aan de hand, en wat is het meest dringend?\n"
               "Vraag of de inwoner al hulp krijgt (wijkteam, schuldhulp, Wmo).\n"
               "Bij zorgen over veiligheid: direct warm overdragen, niet terugbellen.\n"
               "Noem nooit een BSN of medische gegevens in een notitie.",
    "algemeen": "Een melding: vraag de plek zo precies mogelijk (straat, huisnummer, lantaarnpaalnummer).\n"
                "Afval: kijk eerst in de afvalkalender van het adres.\n"
                "Een klacht over ons: neem hem serieus, vraag wat er misging en leg het vast als knelpunt.",
}
MOODS = [("fatima", "green", ""), ("jeroen", "yellow", "Veel bellers over de dakkapel-folder, beetje moe van."),
         ("sanne", "green", "Fijne week, goede samenwerking met de balie."), ("ahmed", "green", ""),
         ("tom", "red", "Thuis is het even zwaar; ik wil het er graag kort over hebben.")]
COACHING = [("jeroen", "top", "Rustig en duidelijk uitgelegd waarom een dakkapel aan de voorkant wel een vergunning "
             "nodig heeft; de beller bedankte je."),
            ("jeroen", "goal", "Bij twijfel eerder warm overdragen aan Bouwen en verbouwen, in plaats van zelf te "
             "zoeken.")]


def load_team(session: Session, people: dict[str, Staff]) -> None:
    """This week's mood checks for the lead's team, a couple of coaching notes, and a guide per domain."""
    if session.scalar(select(ConversationGuide.domain_id).limit(1)) is not None:
        return
    now = utcnow()
    monday = local(now).date() - timedelta(days=local(now).weekday())
    for domain in session.scalars(select(Domain)):
        if domain.slug in GUIDES:
            session.add(ConversationGuide(domain_id=domain.id, text=GUIDES[domain.slug], updated_at=now,
                                          updated_by_id=people["tom"].id))
    for username, mood, note in MOODS:
        session.add(MoodCheck(staff_id=people[username].id, week=monday, mood=mood, note=note,
                              at=now - timedelta(hours=2)))
    for username, kind, text in COACHING:
        session.add(CoachingNote(staff_id=people[username].id, coach_id=people["ahmed"].id,
                                 author_id=people["ahmed"].id, kind=kind, text=text, at=now - timedelta(days=3)))
