"""Mail to citizens and teams: queued in the database, sent by the worker, retried until it goes.

With KCC_SMTP_HOST set, mail goes out over SMTP (STARTTLS unless KCC_SMTP_TLS=false). Without it,
each message is written as an .eml file to instance/outbox/, so the demo shows what a citizen would
receive. A failing mail server never loses a task or a message: the attempt is counted, the error kept
and shown to the team, and the worker tries again later (1, 2, 4 … minutes, at most an hour apart).
Each mail is committed as being sent before it goes and as sent right after, so a crash sends again at
most the one mail in flight, with the same Message-ID.
"""
from __future__ import annotations

import io
import os
import secrets
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import segno
from sqlalchemy import select
from sqlalchemy.orm import Session

from kcc.config import Settings
from kcc.contacts.intake import reference
from kcc.core.db import Steps, as_steps, row_locks
from kcc.core.timeutil import local
from kcc.models import OutgoingMail, Task, TaskState

DAYS_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december")


def when(moment: datetime) -> str:
    """'dinsdag 24 november om 11:30' — how a deadline reads in a letter."""
    at = local(moment)
    return f"{DAYS_NL[at.weekday()]} {at.day} {MONTHS_NL[at.month - 1]} om {at:%H:%M}"


def queue_task_confirmation(session: Session, task: Task) -> OutgoingMail | None:
    """The citizen's confirmation: reference, which team, by when — in plain Dutch (B1). Only with an address."""
    citizen = task.contact.citizen
    if citizen is None or not citizen.email:
        return None
    greeting = f"Beste {citizen.name}," if citizen.name else "Beste inwoner,"
    topic = task.contact.topic.name.lower() if task.contact.topic else "uw vraag"
    body = "\n".join([
        greeting, "",
        f"U had contact met de gemeente over {topic}. Wij hebben afgesproken dat wij u terugbellen.", "",
        f"Wie belt u? Een medewerker van {task.team.name}.",
        f"Wanneer? Uiterlijk {when(task.deadline)}.",
        *([f"Wat wij met u hebben afgesproken: {task.promised}"] if task.promised else []),
        f"Uw kenmerk: {reference(task.contact_id)}.", "",
        "U hoeft niets te doen. Lukt het ons niet om u te bereiken, dan proberen wij het nog een keer.",
        "Wilt u iets doorgeven? Antwoord op deze e-mail of bel ons, en noem uw kenmerk.", "",
        "Met vriendelijke groet,", "Het Klantcontactcentrum van de gemeente",
    ])
    mail = OutgoingMail(kind="task_confirmation", to_address=citizen.email, task=task,
                        subject=f"Wij bellen u terug – kenmerk {reference(task.contact_id)}", body=body,
                        created_at=task.created_at, next_attempt_at=task.created_at)
    session.add(mail)
    session.flush()
    return mail


def _message(mail: OutgoingMail, settings: Settings, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{settings.municipality} <{settings.mail_from}>"
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(local(now))
    message["Message-ID"] = mail.message_id
    message.set_content(mail.body)
    if mail.qr:  # the check-in code as an image: the host's scanner reads it off a phone's screen
        image = io.BytesIO()
        segno.make(mail.qr, error="m").save(image, kind="png", scale=8, border=4)
        message.add_attachment(image.getvalue(), maintype="image", subtype="png",
                               filename=f"inchecken-{mail.qr}.png", disposition="inline")
    return message


def _write_once(path: Path, data: bytes) -> None:
    """Never replace a file: one already there was written before the worker stopped, so that mail went.

    Written aside and linked into place (a link fails when the name exists): the name never holds half a mail.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    aside.write_bytes(data)
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    finally:
        aside.unlink()


def _deliver(message: EmailMessage, settings: Settings, outbox: Path, mail_id: int) -> None:
    if not settings.smtp_host:
        _write_once(Path(outbox) / f"{mail_id:06d}.eml", bytes(message))
        return
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20)
    try:
        if settings.smtp_tls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)
    finally:
        try:  # once the server has the mail, a failed goodbye must not count as a failed attempt (and resend)
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


SENDING_LEASE = timedelta(minutes=10)  # far longer than one SMTP conversation (20 s timeouts)


@dataclass(frozen=True)
class Sending:
    """A mail marked as being sent: the message exactly as it goes to the server."""

    mail_id: int
    message: EmailMessage


def claim_next(session: Session, settings: Settings, now: datetime) -> Sending | None:
    """Mark the next due mail as being sent, for the caller to commit before it goes.

    Committed first, so a crash is not silent: the attempt is counted, and a mail still marked as sending
    after SENDING_LEASE becomes due again. It may have gone: that one duplicate is as near as SMTP allows,
    and its Message-ID (made once, kept over attempts) lets the receiving side drop it. A second worker
    skips a row being claimed (PostgreSQL: SKIP LOCKED; SQLite writers go one at a time).
    """
    query = (select(OutgoingMail).where(OutgoingMail.sent_at.is_(None), OutgoingMail.next_attempt_at <= now)
             .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id).limit(1))
    mail = session.scalars(query.with_for_update(skip_locked=True) if row_locks(session) else query).first()
    if mail is None:
        return None
    mail.attempts += 1
    mail.sending_at, mail.next_attempt_at = now, now + SENDING_LEASE
    if mail.message_id is None:
        mail.message_id = f"<kcc.{mail.id}.{secrets.token_hex(8)}@{settings.mail_from.rpartition('@')[2]}>"
    session.flush()
    return Sending(mail.id, _message(mail, settings, now))


def deliver(sending: Sending, settings: Settings, outbox: Path) -> str | None:
    """Hand the mail to the server (or the outbox); the error as kept on the mail, or None when it went."""
    try:
        _deliver(sending.message, settings, Path(outbox), sending.mail_id)
    except (OSError, smtplib.SMTPException) as error:
        return f"{type(error).__name__}: {error}"[:500]
    return None


def finish(session: Session, sending: Sending, error: str | None, now: datetime) -> None:
    """Store how the attempt ended: sent, or the error and the next try (1, 2, 4 … minutes, at most an hour)."""
    mail = session.get(OutgoingMail, sending.mail_id)
    if mail is None or mail.sent_at is not None:
        return
    mail.sending_at = None
    if error is None:
        mail.sent_at, mail.last_error = now, None
    else:
        mail.last_error = error
        mail.next_attempt_at = now + timedelta(minutes=min(60, 2 ** (mail.attempts - 1)))
    session.flush()


def send_due(db: Session | Steps, settings: Settings, outbox: Path, now: datetime | Callable[[], datetime],
             limit: int = 50) -> tuple[int, int]:
    """Send what is due, one mail at a time; returns (sent, failed).

    Given steps (the worker passes its session_scope), the claim and the outcome of each mail are each
    committed, so a worker killed mid-batch sends again at most the one mail it had in hand. Given one
    Session, all is flushed into it for the caller to commit (tests, a one-off). `now` may be a clock:
    the lease of a mail taken late in a slow batch counts from when it was taken.
    """
    steps = as_steps(db)
    clock = now if callable(now) else lambda: now
    sent = failed = 0
    for _ in range(limit):
        with steps() as step:
            sending = claim_next(step, settings, clock())
        if sending is None:
            break
        error = deliver(sending, settings, outbox)
        with steps() as step:
            finish(step, sending, error, clock())
        sent, failed = (sent + 1, failed) if error is None else (sent, failed + 1)
    return sent, failed


def queue_overdue_reminders(session: Session, now: datetime) -> int:
    """Once a working day, each team with overdue callback tasks gets one reminder listing them."""
    from kcc.core.workinghours import is_holiday

    today = local(now).date()
    if today.weekday() >= 5 or is_holiday(today):
        return 0
    overdue = session.scalars(select(Task).where(Task.state == TaskState.open, Task.deadline < now)
                              .order_by(Task.team_id, Task.deadline)).all()
    by_team: dict[int, list[Task]] = {}
    for task in overdue:
        if task.reminded_on != today:
            by_team.setdefault(task.team_id, []).append(task)
    queued = 0
    for team_tasks in by_team.values():
        team = team_tasks[0].team
        lines = [f"- {reference(t.contact_id)}: {t.summary[:120]} (afgesproken: uiterlijk {when(t.deadline)}"
                 f"{', opgepakt door ' + t.owner.name if t.owner else ', nog door niemand opgepakt'})"
                 for t in team_tasks]
        body = "\n".join([f"Beste collega's van {team.name},", "",
                          f"Deze terugbelverzoeken zijn over tijd ({len(team_tasks)}):", "", *lines, "",
                          "De inwoners wachten op ons. Pak ze vandaag op in kcc onder Taken.", "", "kcc"])
        for member in team.members:
            if member.active and member.email:
                session.add(OutgoingMail(kind="overdue_reminder", to_address=member.email, body=body,
                                         subject=f"{len(team_tasks)} terugbelverzoek(en) over tijd — {team.name}",
                                         created_at=now, next_attempt_at=now))
                queued += 1
        for task in team_tasks:
            task.reminded_on = today
    session.flush()
    return queued
