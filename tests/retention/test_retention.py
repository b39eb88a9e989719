"""Retention: past their term, contacts and citizens lose what they said about the person, sent mail its body, old
audit entries go; what is open or recent stays, a dry run counts the same and changes nothing, a second run finds
nothing, a run stopped halfway leaves every contact whole, and the indicators read the same before and after."""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from kcc.callbacks import operations as callbacks
from kcc.config import ConfigError, QueueSettings, load_settings
from kcc.contacts import handling, intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.db import make_sessionmaker, transaction
from kcc.core.timeutil import local, utcnow
from kcc.floor import indicators as figures
from kcc.floor.lobby_figures import lobby_figures
from kcc.handover import operations as handover
from kcc.models import (
    Appointment,
    AuditLog,
    Citizen,
    Contact,
    ContactEvent,
    ContactStatus,
    Feedback,
    Handover,
    IndicatorDay,
    LobbyDay,
    OutgoingMail,
    SettledDay,
    Task,
    TaskAttempt,
    Team,
)
from kcc.retention import operations as retention
from kcc.retention.operations import MARK, Terms

SETTINGS = QueueSettings(headstart_s={})
TERMS = Terms(contact_days=365, mail_days=30, audit_days=730)
TEST = Actor.system("test")
TABLES = (Contact, Citizen, ContactEvent, Task, TaskAttempt, Handover, Feedback, Appointment, OutgoingMail, AuditLog)
EXPECTED = {"contacts": 3, "citizens": 2, "events": 7, "tasks": 1, "attempts": 1, "handovers": 1, "feedback": 1,
            "appointments": 2, "mails": 2, "audit": 3}


@pytest.fixture
def steps(app):
    """The CLI's and the worker's unit of work: each batch committed on its own."""
    maker = make_sessionmaker(app.extensions["kcc.engine"])
    return lambda: transaction(maker)


def _arrive(session, at: datetime, question: str, citizen: dict | None, *, channel="phone", domain="sociaal",
            topic=None, ref=None) -> Contact:
    data: dict = {"channel": channel, "question": question, "domain": domain, "topic": topic, "external_ref": ref}
    if citizen:
        data["citizen"] = citizen
    return intake.receive(session, intake.parse_contact({k: v for k, v in data.items() if v is not None}),
                          Router.from_session(session), SETTINGS, at, actor=TEST).contact


def _close(contact: Contact, at: datetime, outcome="answered") -> None:
    contact.status, contact.outcome = ContactStatus.resolved, outcome
    contact.answered_at, contact.closed_at = contact.answered_at or contact.created_at + timedelta(seconds=20), at


def _mail(session, at: datetime, sent: datetime | None, kind="feedback", body="Beste Aylin, bent u goed geholpen?"):
    mail = OutgoingMail(kind=kind, to_address="aylin@example.nl", subject="Bent u goed geholpen?", body=body,
                        created_at=at, next_attempt_at=at, sent_at=sent, attempts=1 if sent else 0)
    session.add(mail)
    return mail


def _scenario(session, make_staff, now: datetime) -> dict:
    """Contacts of 400 days ago, closed (with a note, a handover story, a callback, feedback, a sent mail, a lobby
    visitor's needs and appointment) and still open; recent ones; audit entries old and young."""
    anna = make_staff("anna", skills=[("sociaal", "primary"), ("burgerzaken", "secondary")])
    ingrid = make_staff("ingrid", roles=["specialist"], teams=["wmo-consulenten"])
    t0 = now - timedelta(days=400)
    made: dict = {"t0": t0}

    # closed long ago, with everything a contact can carry about the person
    old = _arrive(session, t0, "Mijn moeder Annie de Vries (84) kan niet meer zelf douchen",
                  {"name": "Jan de Vries", "phone": "0612345678", "email": "jan@example.nl"}, ref="tel-0612345678-1")
    old.status, old.owner_id, old.answered_at = ContactStatus.in_progress, anna.id, t0 + timedelta(seconds=30)
    session.flush()
    handling.add_note(session, old, Actor.of(anna), "Zoon belt namens zijn moeder, Lindenlaan 5", t0 + timedelta(minutes=1))
    offer = handover.offer(session, old, Actor.of(anna), handover.Context(
        "Jan de Vries zoekt hulp bij het douchen voor zijn moeder van 84", "Wmo uitgelegd", "Een consulent belt terug"),
        t0 + timedelta(minutes=2), 60, to_team_slug="wmo-consulenten")
    task = handover.decline(session, offer, Actor.of(ingrid), "Vandaag vol, morgen wel", t0 + timedelta(minutes=2, seconds=30))
    callbacks.claim(session, task, Actor.of(ingrid), t0 + timedelta(hours=1))
    callbacks.attempt(session, task, Actor.of(ingrid), False, "Voicemail ingesproken bij Jan", t0 + timedelta(hours=2))
    callbacks.complete(session, task, Actor.of(ingrid), "Mevrouw krijgt hulp via de Wmo", t0 + timedelta(days=1))
    confirmation = session.scalar(select(OutgoingMail).where(OutgoingMail.task_id == task.id))
    confirmation.sent_at, confirmation.attempts, confirmation.qr = t0 + timedelta(minutes=3), 1, "K7QX2PMA"
    session.add(Feedback(token_hash=secrets.token_hex(32), contact_id=old.id, citizen_id=old.citizen_id,
                         domain_id=old.domain_id, channel="phone", sent_at=t0 + timedelta(days=1, minutes=15),
                         answered_at=t0 + timedelta(days=2), answer="partly",
                         comment="Consulent Piet was vriendelijk, maar mijn moeder wacht nog"))
    reminder = _mail(session, now - timedelta(days=40), now - timedelta(days=40), kind="overdue_reminder",
                     body="- KCC-000001: Jan de Vries zoekt hulp bij het douchen")
    # a lobby visitor long ago: help asked for, moved forward, referred on, by appointment
    visitor = _arrive(session, t0 + timedelta(hours=3), "Komt met haar dochter", {"name": "Emma Bos", "email": "emma@example.nl"},
                      channel="counter", domain="burgerzaken", topic="paspoort")
    visitor.needs, visitor.referred_to, visitor.owner_id = ["wheelchair"], "Stichting Thuiszorg, mevrouw Jansen", anna.id
    _close(visitor, t0 + timedelta(hours=3, minutes=20), outcome="referred_external")
    session.add(ContactEvent(contact_id=visitor.id, type="moved_forward", actor_id=anna.id, at=t0 + timedelta(hours=3, minutes=1),
                             data={"reason": "Voelt zich niet goed"}))
    session.add_all([
        Appointment(code="OLDVISIT", domain_id=visitor.domain_id, topic_id=visitor.topic_id, starts_at=t0 + timedelta(hours=3),
                    name="Emma Bos", email="emma@example.nl", note="Rolstoel", status="checked_in", contact_id=visitor.id,
                    checked_in_at=t0 + timedelta(hours=3), created_at=t0),
        Appointment(code="NOSHOW01", domain_id=visitor.domain_id, topic_id=visitor.topic_id, starts_at=t0,
                    name="Kees Bakker", email="kees@example.nl", note="Nieuw paspoort", status="booked", created_at=t0),
        Appointment(code="COMING01", domain_id=visitor.domain_id, topic_id=visitor.topic_id, starts_at=now + timedelta(days=1),
                    name="Mila Smit", email="mila@example.nl", note="", status="booked", created_at=now)])
    # closed long ago, but its citizen came again three days ago: the citizen stays
    earlier = _arrive(session, t0, "Container niet geleegd", {"name": "Wim Peters", "phone": "0687654321"}, domain="algemeen")
    _close(earlier, t0 + timedelta(minutes=5))
    again = _arrive(session, now - timedelta(days=3), "Weer niet geleegd", {"name": "Wim Peters", "phone": "0687654321"},
                    domain="algemeen")
    again.citizen_id = earlier.citizen_id
    _close(again, now - timedelta(days=3) + timedelta(minutes=5))
    # recent: closed ten days ago, with a note, and its mail sent five days ago
    recent = _arrive(session, now - timedelta(days=10), "Hoe vraag ik bijzondere bijstand aan?",
                     {"name": "Aylin Kaya", "phone": "0611112222"})
    recent.status, recent.owner_id = ContactStatus.in_progress, anna.id
    session.flush()
    handling.add_note(session, recent, Actor.of(anna), "Belt terug na haar salaris", now - timedelta(days=10, minutes=-1))
    _close(recent, now - timedelta(days=10, minutes=-5))
    fresh_mail = _mail(session, now - timedelta(days=5), now - timedelta(days=5))
    # open for 400 days: a callback nobody did (its confirmation never went), and a caller still in the queue
    waiting = _arrive(session, t0, "Ik heb schulden en weet niet meer hoe", {"name": "Henk Dekker", "phone": "0633334444",
                                                                             "email": "henk@example.nl"})
    waiting.status, waiting.owner_id = ContactStatus.in_progress, anna.id
    team = session.scalar(select(Team).where(Team.slug == "wmo-consulenten"))
    open_task = handover.create_task(session, waiting, team, handover.Context("Henk Dekker heeft schulden en wil snel hulp"),
                                     t0 + timedelta(minutes=5), created_by_id=anna.id)
    lost = _arrive(session, t0, "Hallo, is daar iemand?", {"name": "Rik", "phone": "0655556666"})
    session.add_all([AuditLog(at=now - timedelta(days=800 + n), action="contact.open", object_type="contact",
                              object_id=str(old.id), result="ok", actor_name="anna") for n in range(3)])
    session.add(AuditLog(at=now - timedelta(days=100), action="contact.open", object_type="contact", object_id=str(recent.id),
                         result="ok", actor_name="anna"))
    session.commit()
    made.update(old=old.id, task=task.id, offer=offer.id, confirmation=confirmation.id, reminder=reminder.id,
                visitor=visitor.id, earlier=earlier.id, again=again.id, recent=recent.id, fresh_mail=fresh_mail.id,
                waiting=waiting.id, open_task=open_task.id, lost=lost.id)
    return made


def _snapshot(session, tables=TABLES) -> dict:
    session.expire_all()
    return {model.__tablename__: session.execute(select(model.__table__).order_by(*model.__table__.primary_key)).all()
            for model in tables}


def _events(session, contact_id: int) -> dict[str, dict]:
    return {event.type: event.data for event in session.scalars(select(ContactEvent).where(ContactEvent.contact_id == contact_id))}


def test_past_their_term_anonymised_recent_and_open_untouched(session, make_staff, steps):
    now = utcnow()
    made = _scenario(session, make_staff, now)
    before = _snapshot(session)
    old_contact = session.get(Contact, made["old"])
    kept_fields = ("channel", "domain_id", "topic_id", "status", "outcome", "created_at", "answered_at", "closed_at",
                   "owner_id", "repeated", "routing_method", "updated_at")
    kept_before = {name: getattr(old_contact, name) for name in kept_fields}

    dry = retention.run(steps, now, TERMS, dry_run=True, batch=2)
    assert _snapshot(session) == before  # nothing changed, not even an audit entry
    assert dry.counts() == EXPECTED and dry.dry_run and dry.complete

    done = retention.run(steps, now, TERMS, batch=2)  # small batches: many transactions
    assert done.counts() == dry.counts()
    after = _snapshot(session)

    old = session.get(Contact, made["old"])
    assert old.question == "" and old.external_ref is None and old.anonymised_at == now
    assert {name: getattr(old, name) for name in kept_fields} == kept_before
    assert (old.citizen.name, old.citizen.phone, old.citizen.email) == (None, None, None)
    events = _events(session, old.id)
    assert events["note"] == {"text": MARK}
    assert events["handover_offered"] == {"to": "Wmo-consulenten", "summary": MARK}
    assert events["handover_declined"] == {"reason": MARK}
    assert events["task_created"]["summary"] == MARK and events["task_created"]["team"] == "Wmo-consulenten"
    assert events["task_attempt"]["note"] == MARK and events["task_attempt"]["reached"] is False
    assert events["task_completed"]["note"] == MARK and events["task_completed"]["on_time"] is True
    assert events["routed"]["method"] == "choice" and events["arrived"] == {"channel": "phone", "language": "nl"}
    task = session.get(Task, made["task"])
    assert (task.summary, task.done, task.promised, task.outcome_note) == (MARK, MARK, MARK, MARK)
    assert task.state == "done" and task.completed_at == made["t0"] + timedelta(days=1) and task.deadline_reason is None
    assert [(a.note, a.reached) for a in task.attempts] == [(MARK, False)]
    offer = session.get(Handover, made["offer"])
    assert (offer.summary, offer.done, offer.promised, offer.decline_reason, offer.status) == (MARK, MARK, MARK, MARK, "declined")
    feedback = session.scalar(select(Feedback).where(Feedback.contact_id == old.id))
    assert feedback.comment == "" and feedback.answer == "partly" and feedback.citizen_id == old.citizen_id
    for mail_id in (made["confirmation"], made["reminder"]):
        mail = session.get(OutgoingMail, mail_id)
        assert (mail.body, mail.to_address, mail.qr) == ("", "", None) and mail.sent_at is not None and mail.subject

    visitor = session.get(Contact, made["visitor"])
    assert (visitor.question, visitor.needs, visitor.referred_to, visitor.outcome) == ("", [], MARK, "referred_external")
    assert visitor.ticket and visitor.citizen.name is None and _events(session, visitor.id)["moved_forward"] == {"reason": MARK}
    appointments = {a.code: (a.name, a.email, a.note, a.status) for a in session.scalars(select(Appointment))}
    assert appointments == {"OLDVISIT": (MARK, None, "", "checked_in"), "NOSHOW01": (MARK, None, "", "booked"),
                            "COMING01": ("Mila Smit", "mila@example.nl", "", "booked")}

    earlier = session.get(Contact, made["earlier"])
    assert earlier.anonymised_at == now and earlier.question == ""
    assert earlier.citizen.name == "Wim Peters" and earlier.citizen.phone  # still needed by the contact of 3 days ago

    for name in ("recent", "again", "waiting", "lost"):  # recent, or still open: as they were
        contact = session.get(Contact, made[name])
        assert contact.anonymised_at is None and contact.question and contact.citizen.name, name
    assert _events(session, made["recent"])["note"] == {"text": "Belt terug na haar salaris"}
    assert session.get(Task, made["open_task"]).summary == "Henk Dekker heeft schulden en wil snel hulp"
    assert session.get(Contact, made["waiting"]).status == "callback_scheduled"
    unsent = session.scalar(select(OutgoingMail).where(OutgoingMail.task_id == made["open_task"]))
    assert unsent.sent_at is None and unsent.to_address == "henk@example.nl" and "Henk Dekker" in unsent.body
    fresh = session.get(OutgoingMail, made["fresh_mail"])
    assert fresh.body and fresh.to_address == "aylin@example.nl"

    assert [(now - at).days for at in session.scalars(select(AuditLog.at).where(AuditLog.at < now - timedelta(days=1)))] == [100]
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "retention.run"))
    assert entry.actor_name == "kcc-retention" and entry.detail.startswith(
        "contacts 3, citizens 2, events 7, tasks 1, attempts 1, handovers 1, feedback 1, appointments 2, mails 2, audit 3;")

    again = retention.run(steps, now, TERMS)  # a second run: nothing left to do
    assert again.changed == 0 and again.complete
    tables = [model for model in TABLES if model is not AuditLog]
    assert _snapshot(session, tables) == {name: rows for name, rows in after.items() if name != "audit_log"}
    assert session.scalar(select(func.count()).where(AuditLog.action == "retention.run")) == 2


def test_the_indicators_read_the_same_before_and_after(session, make_staff, steps):
    now = utcnow()
    made = _scenario(session, make_staff, now)
    first_day, today = local(made["t0"]).date(), local(now).date()
    ranges = [(first_day - timedelta(days=1), first_day + timedelta(days=2)), (today - timedelta(days=12), today)]

    def read():
        return [(figures.indicators(session, start, end, now), lobby_figures(session, start, end)) for start, end in ranges]

    before = read()
    session.commit()  # the settled days are kept now
    assert session.scalar(select(func.count()).select_from(SettledDay)) > 0
    assert retention.run(steps, now, TERMS).contacts == 3
    session.expire_all()
    assert read() == before  # kept days and days counted afresh alike
    session.commit()
    for model in (IndicatorDay, LobbyDay, SettledDay):
        session.execute(delete(model))
    session.commit()
    assert read() == before  # every day counted again from the anonymised contacts


def _state(session, made: dict, name: str) -> str:
    """'anonymised' or 'untouched' when every part of the contact agrees, else 'half'."""
    session.expire_all()
    contact = session.get(Contact, made[name])
    texts = [contact.question, *(value for data in _events(session, contact.id).values()
                                 for key, value in data.items() if key in retention.FREE_TEXT),
             *(a.name for a in session.scalars(select(Appointment).where(Appointment.contact_id == contact.id))),
             *(t.summary for t in session.scalars(select(Task).where(Task.contact_id == contact.id)))]
    if name != "earlier":  # its citizen is still needed by a newer contact
        texts.append(contact.citizen.name)
    if contact.anonymised_at is not None and contact.needs == [] and all(text in ("", MARK, None) for text in texts):
        return "anonymised"
    if contact.anonymised_at is None and all(text not in ("", MARK, None) for text in texts):
        return "untouched"
    return "half"


def test_a_run_stopped_halfway_leaves_each_contact_whole(session, make_staff, steps):
    now = utcnow()
    made = _scenario(session, make_staff, now)
    opened = 0

    @contextmanager
    def dying():
        """The second batch is killed before it commits."""
        nonlocal opened
        opened += 1
        with steps() as step:
            yield step
            if opened == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        retention.run(dying, now, TERMS, batch=1)  # in closing order: earlier, visitor, old
    assert [_state(session, made, name) for name in ("earlier", "visitor", "old")] == ["anonymised", "untouched", "untouched"]
    assert session.get(Citizen, session.get(Contact, made["visitor"]).citizen_id).name == "Emma Bos"
    assert session.scalar(select(func.count()).where(AuditLog.action == "retention.run")) == 0

    rest = retention.run(steps, now, TERMS, batch=1)  # the next run finishes it
    assert rest.contacts == 2 and rest.citizens == 2 and rest.mails == 2
    assert [_state(session, made, name) for name in ("earlier", "visitor", "old")] == ["anonymised"] * 3


def test_the_worker_runs_it_once_a_day(session, make_staff, steps, monkeypatch):
    now = utcnow()
    _scenario(session, make_staff, now)
    monkeypatch.setattr(retention, "WORKER_BATCHES", 2)  # a backlog spread over rounds
    daily = retention.Daily(TERMS, batch=1)
    rounds = [daily(steps, now)]
    assert rounds[0] is not None and not rounds[0].complete and rounds[0].contacts == 2
    while not rounds[-1].complete:
        rounds.append(daily(steps, now))
        assert len(rounds) < 20
    assert {name: sum(r.counts()[name] for r in rounds) for name in EXPECTED} == EXPECTED
    assert daily(steps, now) is None  # the rest of the day: a date compared, nothing read
    assert retention.Daily(TERMS)(steps, now) is None  # a restarted worker finds today's run in the audit log
    tomorrow = daily(steps, now + timedelta(days=1))
    assert tomorrow is not None and tomorrow.complete and tomorrow.changed == 0


def test_the_terms_come_from_the_environment(tmp_path):
    base = {"KCC_ENV": "testing"}
    assert Terms.of(load_settings(base, tmp_path)) == Terms(365, 30, 730)
    chosen = load_settings({**base, "KCC_RETENTION_CONTACT_DAYS": "400", "KCC_RETENTION_MAIL_DAYS": "0",
                            "KCC_RETENTION_AUDIT_DAYS": "1095"}, tmp_path)
    assert Terms.of(chosen) == Terms(400, 0, 1095)
    with pytest.raises(ConfigError, match="KCC_RETENTION_CONTACT_DAYS must be at least 7, got 3"):
        load_settings({**base, "KCC_RETENTION_CONTACT_DAYS": "3"}, tmp_path)
    with pytest.raises(ConfigError, match="KCC_RETENTION_AUDIT_DAYS must be a whole number"):
        load_settings({**base, "KCC_RETENTION_AUDIT_DAYS": "twee jaar"}, tmp_path)
