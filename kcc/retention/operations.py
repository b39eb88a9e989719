"""Retention (AVG art. 5(1)(e), BIO 18.1.4): what kcc knows about a citizen is kept only as long as it is needed.

A contact closed longer ago than KCC_RETENTION_CONTACT_DAYS, with no callback or handover offer still open, loses
what it says about the person: the question, the timeline's notes and stories, its callback and handover texts,
the feedback comment, the lobby's note of help needed, the external reference, the appointment's name. Its citizen
loses name, phone and e-mail once no newer contact needs them. What the indicators count stays as it was: channel,
domain, topic, times, statuses, outcomes, the repeat flag, every row. A sent mail loses its body, address and QR
code after KCC_RETENTION_MAIL_DAYS (unsent mail is never touched); audit entries go after KCC_RETENTION_AUDIT_DAYS.

Work goes in batches, each its own transaction, so a contact is anonymised wholly or not at all, an interrupted run
is finished by the next, and a run after a run finds nothing. A dry run walks the same batches and counts.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, exists, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from kcc.config import Settings
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.db import Steps, as_steps, row_locks
from kcc.core.timeutil import local, start_of_day
from kcc.models import (
    Appointment,
    AuditLog,
    Citizen,
    Contact,
    ContactEvent,
    ContactStatus,
    Feedback,
    Handover,
    HandoverState,
    OutgoingMail,
    Task,
    TaskAttempt,
    TaskState,
)

MARK = "[geanonimiseerd]"  # where a text was: the reader sees that something was said, and that it is gone
# the keys of a timeline entry's data that hold what someone wrote (notes, stories, reasons); the others are
# structural (channel, routing, team and staff names, deadlines) and stay
FREE_TEXT = frozenset({"text", "note", "summary", "done", "promised", "reason", "referred_to", "deadline_reason"})
BATCH = 200  # contacts per transaction: a short lock, whatever the backlog
AUDIT_BATCH = 2000  # audit entries are small rows without dependants
WORKER_BATCHES = 25  # per worker round: a first run over years of history goes on over rounds, mail keeps going
RETENTION = Actor.system("worker", name="kcc-retention")
CLOSED = (ContactStatus.resolved, ContactStatus.abandoned)
UNFINISHED = "unfinished, goes on"  # in the audit entry of a worker's run whose batches ran out

LABELS = {"contacts": "contacts anonymised", "citizens": "citizens anonymised",
          "events": "timeline entries with text cleared", "tasks": "callback tasks with text cleared",
          "attempts": "call attempt notes cleared", "handovers": "handover stories cleared",
          "feedback": "feedback comments removed", "appointments": "appointments anonymised",
          "mails": "sent mails emptied", "audit": "audit entries deleted"}


@dataclass(frozen=True)
class Terms:
    """How many days each kind of data is kept (see kcc.config)."""

    contact_days: int = 365
    mail_days: int = 30
    audit_days: int = 730

    @classmethod
    def of(cls, settings: Settings) -> Terms:
        return cls(settings.retention_contact_days, settings.retention_mail_days, settings.retention_audit_days)


@dataclass
class Report:
    """What a run anonymised and deleted (a dry run: would have); counts only, never what was removed."""

    dry_run: bool
    contacts_before: datetime
    mail_before: datetime
    audit_before: datetime
    contacts: int = 0
    citizens: int = 0
    events: int = 0
    tasks: int = 0
    attempts: int = 0
    handovers: int = 0
    feedback: int = 0
    appointments: int = 0
    mails: int = 0
    audit: int = 0
    complete: bool = True  # False: the worker's share of batches ran out; its next round goes on

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in LABELS}

    @property
    def changed(self) -> int:
        return sum(self.counts().values())

    def summary(self) -> str:
        """One line, for the audit entry and the worker's log."""
        return ", ".join(f"{name} {count}" for name, count in self.counts().items()) + ("" if self.complete else f"; {UNFINISHED}")

    def describe(self) -> str:
        """What `kcc retention` prints."""
        def day(moment: datetime) -> str:
            return f"{local(moment):%Y-%m-%d %H:%M}"

        head = ("Dry run: nothing changed; a run now would change what follows." if self.dry_run else
                "Retention applied.")
        lines = [head, f"  contacts closed before {day(self.contacts_before)}, mail sent before "
                       f"{day(self.mail_before)}, audit entries before {day(self.audit_before)}:"]
        lines += [f"  {LABELS[name]:<36} {count:>7}" for name, count in self.counts().items()]
        if not self.complete:
            lines.append("  (unfinished: the batches allowed ran out; the next run goes on)")
        return "\n".join(lines)


def run(db: Session | Steps, now: datetime, terms: Terms, *, actor: Actor = RETENTION, dry_run: bool = False,
        max_batches: int | None = None, batch: int = BATCH) -> Report:
    """Anonymise and delete what is past its term; returns the counts. Given steps (the CLI's session_scope),
    each batch is committed on its own; given one Session, all goes into it for the caller to commit (tests).
    A real run ends with its own audit entry; a dry run writes nothing at all."""
    steps = as_steps(db)
    report = Report(dry_run, now - timedelta(days=terms.contact_days), now - timedelta(days=terms.mail_days),
                    now - timedelta(days=terms.audit_days))
    job = _Job(steps, now, report, not dry_run, batch, max_batches)
    job.contacts()
    job.by_id(Citizen.id, _citizens_left(report.contacts_before), _anonymise_citizens, "citizens", seen=True)
    job.by_id(Appointment.id, _appointments_left(report.contacts_before), _anonymise_appointments, "appointments")
    job.by_id(Feedback.id, _feedback_left(report.contacts_before), _clear_feedback, "feedback")
    job.by_id(OutgoingMail.id, _mail_due(report.mail_before), _empty_mail, "mails")
    job.by_id(AuditLog.id, [AuditLog.at < report.audit_before], _delete_audit, "audit", size=AUDIT_BATCH)
    if not dry_run:
        with steps() as session:
            audit.record(session, actor, "retention.run", object_type="retention",
                         detail=f"{report.summary()}; terms {terms.contact_days}/{terms.mail_days}/"
                                f"{terms.audit_days} days (contacts/mail/audit)")
    return report


class Daily:
    """The worker asks every round; retention runs once a local day (a date compared, nothing read), its backlog
    spread over rounds of WORKER_BATCHES batches. A failure is tried again the next day, not every round."""

    def __init__(self, terms: Terms, actor: Actor = RETENTION, batch: int = BATCH) -> None:
        self.terms, self.actor, self.batch = terms, actor, batch
        self.done_on: date | None = None

    def __call__(self, steps: Steps, now: datetime) -> Report | None:
        today = local(now).date()
        if self.done_on == today:
            return None
        self.done_on = today
        with steps() as session:
            if ran_today(session, now):  # by the CLI, or by this worker before a restart
                return None
        report = run(steps, now, self.terms, actor=self.actor, max_batches=WORKER_BATCHES, batch=self.batch)
        if not report.complete:
            self.done_on = None
        return report


# --- which rows are due --------------------------------------------------------------------------------------------

def _closed_for_good(contact: Any, before: datetime) -> ColumnElement[bool]:
    """Closed before the cutoff with nothing still running on it: no open callback task, no open handover offer.
    Never NULL, so its negation means "still needed"."""
    return and_(contact.status.in_(CLOSED), contact.closed_at.is_not(None), contact.closed_at < before,
                ~exists().where(Task.contact_id == contact.id, Task.state == TaskState.open),
                ~exists().where(Handover.contact_id == contact.id, Handover.status == HandoverState.offered))


def _has_data(citizen: Any = Citizen) -> ColumnElement[bool]:
    return or_(citizen.name.is_not(None), citizen.phone.is_not(None), citizen.email.is_not(None))


def _still_needed(before: datetime) -> ColumnElement[bool]:
    """The citizen has a contact that is neither anonymised nor due: it still needs their name and number."""
    other = aliased(Contact)
    return exists().where(other.citizen_id == Citizen.id, other.anonymised_at.is_(None),
                          ~_closed_for_good(other, before))


def _citizens_left(before: datetime) -> list[ColumnElement[bool]]:
    """Citizens whose contacts were all anonymised earlier, or who have none."""
    return [_has_data(), Citizen.created_at < before, ~_still_needed(before)]


def _appointment_has_data() -> ColumnElement[bool]:
    return or_(Appointment.name != MARK, Appointment.email.is_not(None), Appointment.note != "")


def _appointments_left(before: datetime) -> list[ColumnElement[bool]]:
    """Appointments never checked in (cancelled, or nobody came): their time is their end."""
    return [Appointment.contact_id.is_(None), Appointment.starts_at < before, _appointment_has_data()]


def _feedback_left(before: datetime) -> list[ColumnElement[bool]]:
    """A comment whose contact is gone (contacts are not deleted; kept for completeness)."""
    return [Feedback.contact_id.is_(None), Feedback.sent_at < before, Feedback.comment != ""]


def _mail_due(before: datetime) -> list[ColumnElement[bool]]:
    return [OutgoingMail.sent_at.is_not(None), OutgoingMail.sent_at < before, OutgoingMail.body != ""]


def _marked(column: Any) -> ColumnElement[Any]:
    """A text replaced by MARK; an empty one (or NULL) stays as it is."""
    return case((or_(column.is_(None), column == ""), column), else_=MARK)


# --- the work ------------------------------------------------------------------------------------------------------

class _Job:
    def __init__(self, steps: Steps, now: datetime, report: Report, apply: bool, batch: int,
                 max_batches: int | None) -> None:
        self.steps, self.now, self.report, self.apply, self.batch = steps, now, report, apply, batch
        self.left = max_batches
        self.seen: set[int] = set()  # citizens counted already: a dry run meets them again in a later batch

    def go(self) -> bool:
        """Whether another batch may run. Only a batch that found work counts: finding nothing is one short read."""
        if self.left is not None and self.left <= 0:
            self.report.complete = False
            return False
        return True

    def spent(self) -> None:
        if self.left is not None:
            self.left -= 1

    def contacts(self) -> None:
        """Due contacts in (closed_at, id) order, a batch per transaction, everything of each contact in its batch."""
        before = self.report.contacts_before
        after: tuple[datetime, int] | None = None
        while self.go():
            with self.steps() as session:
                query = (select(Contact.id, Contact.closed_at, Contact.citizen_id)
                         .where(Contact.anonymised_at.is_(None), _closed_for_good(Contact, before))
                         .order_by(Contact.closed_at, Contact.id).limit(self.batch))
                if after is not None:
                    query = query.where(or_(Contact.closed_at > after[0],
                                            and_(Contact.closed_at == after[0], Contact.id > after[1])))
                if self.apply and row_locks(session):
                    query = query.with_for_update(of=Contact)
                rows = session.execute(query).all()
                if rows:
                    self._anonymise_contacts(session, [row.id for row in rows],
                                             {row.citizen_id for row in rows if row.citizen_id is not None})
                    self.spent()
            if len(rows) < self.batch:
                return
            after = (rows[-1].closed_at, rows[-1].id)

    def _anonymise_contacts(self, session: Session, ids: list[int], citizen_ids: set[int]) -> None:
        report, apply = self.report, self.apply
        report.contacts += len(ids)
        if apply:
            session.execute(update(Contact).where(Contact.id.in_(ids)).values(
                question="", external_ref=None, referred_to=_marked(Contact.referred_to), needs=[],
                anonymised_at=self.now, updated_at=Contact.updated_at).execution_options(synchronize_session=False))
        # their citizens, unless a contact neither anonymised nor due still needs them
        candidates = citizen_ids - self.seen
        if candidates:
            citizens = list(session.scalars(select(Citizen.id).where(
                Citizen.id.in_(candidates), _has_data(), ~_still_needed(report.contacts_before))))
            self.seen.update(citizens)
            _anonymise_citizens(session, citizens, apply)
            report.citizens += len(citizens)
        events = [{"id": event_id, "data": cleared} for event_id, data in session.execute(
            select(ContactEvent.id, ContactEvent.data).where(ContactEvent.contact_id.in_(ids)))
            if (cleared := _cleared(data)) is not None]
        report.events += len(events)
        if apply and events:
            session.execute(update(ContactEvent), events)
        tasks = list(session.scalars(select(Task.id).where(Task.contact_id.in_(ids))))
        report.tasks += len(tasks)
        attempts = list(session.scalars(select(TaskAttempt.id).where(TaskAttempt.task_id.in_(tasks),
                                                                     TaskAttempt.note != ""))) if tasks else []
        report.attempts += len(attempts)
        handovers = list(session.scalars(select(Handover.id).where(Handover.contact_id.in_(ids))))
        report.handovers += len(handovers)
        feedback = list(session.scalars(select(Feedback.id).where(Feedback.contact_id.in_(ids), Feedback.comment != "")))
        appointments = list(session.scalars(select(Appointment.id).where(Appointment.contact_id.in_(ids),
                                                                         _appointment_has_data())))
        if apply:
            if tasks:
                session.execute(update(Task).where(Task.id.in_(tasks)).values(
                    summary=_marked(Task.summary), done=_marked(Task.done), promised=_marked(Task.promised),
                    deadline_reason=_marked(Task.deadline_reason), outcome_note=_marked(Task.outcome_note))
                    .execution_options(synchronize_session=False))
            if attempts:
                session.execute(update(TaskAttempt).where(TaskAttempt.id.in_(attempts)).values(note=MARK)
                                .execution_options(synchronize_session=False))
            if handovers:
                session.execute(update(Handover).where(Handover.id.in_(handovers)).values(
                    summary=_marked(Handover.summary), done=_marked(Handover.done), promised=_marked(Handover.promised),
                    decline_reason=_marked(Handover.decline_reason), deadline_reason=_marked(Handover.deadline_reason))
                    .execution_options(synchronize_session=False))
        report.feedback += len(feedback)
        _clear_feedback(session, feedback, apply)
        report.appointments += len(appointments)
        _anonymise_appointments(session, appointments, apply)

    def by_id(self, key: Any, where: list[ColumnElement[bool]], work: Callable[[Session, list[int], bool], None],
              counter: str, *, seen: bool = False, size: int | None = None) -> None:
        """Rows matching `where` in id order, a batch per transaction. `seen`: citizens met in the contacts' batches
        are left out, so a dry run counts each once (in a real run they no longer match)."""
        size = size or self.batch
        after = 0
        while self.go():
            with self.steps() as session:
                ids = list(session.scalars(select(key).where(*where, key > after).order_by(key).limit(size)))
                todo = [row_id for row_id in ids if row_id not in self.seen] if seen else ids
                if todo:
                    work(session, todo, self.apply)
                    setattr(self.report, counter, getattr(self.report, counter) + len(todo))
                    self.spent()
            if len(ids) < size:
                return
            after = ids[-1]


def _cleared(data: Any) -> dict[str, Any] | None:
    """A timeline entry's data without what someone wrote, or None when there was nothing to clear."""
    if not isinstance(data, dict) or not any(key in FREE_TEXT and isinstance(value, str) and value and value != MARK
                                             for key, value in data.items()):
        return None
    return {key: MARK if key in FREE_TEXT and isinstance(value, str) and value else value
            for key, value in data.items()}


def _anonymise_citizens(session: Session, ids: list[int], apply: bool) -> None:
    if apply and ids:
        session.execute(update(Citizen).where(Citizen.id.in_(ids)).values(name=None, phone=None, email=None)
                        .execution_options(synchronize_session=False))


def _anonymise_appointments(session: Session, ids: list[int], apply: bool) -> None:
    if apply and ids:
        session.execute(update(Appointment).where(Appointment.id.in_(ids)).values(name=MARK, email=None, note="")
                        .execution_options(synchronize_session=False))


def _clear_feedback(session: Session, ids: list[int], apply: bool) -> None:
    """The comment goes; the answer (yes, partly, no) stays for the indicators."""
    if apply and ids:
        session.execute(update(Feedback).where(Feedback.id.in_(ids)).values(comment="")
                        .execution_options(synchronize_session=False))


def _empty_mail(session: Session, ids: list[int], apply: bool) -> None:
    """A sent mail keeps kind, subject and times (the task shows it went); body, address, QR code and error go."""
    if apply and ids:
        session.execute(update(OutgoingMail).where(OutgoingMail.id.in_(ids))
                        .values(body="", to_address="", qr=None, last_error=None)
                        .execution_options(synchronize_session=False))


def _delete_audit(session: Session, ids: list[int], apply: bool) -> None:
    if apply and ids:
        session.execute(delete(AuditLog).where(AuditLog.id.in_(ids)).execution_options(synchronize_session=False))


def ran_today(session: Session, now: datetime) -> bool:
    """Whether a finished run was recorded today (local): one read on ix_audit_action_at."""
    return session.scalar(select(AuditLog.id).where(
        AuditLog.action == "retention.run", AuditLog.at >= start_of_day(now),
        AuditLog.detail.not_like(f"%{UNFINISHED}%")).limit(1)) is not None
