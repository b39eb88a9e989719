"""Warm handover and callback tasks (warme overdracht, terugbelverzoek) — the state machine, no Flask.

A contact moves only with its story: the sender writes what the citizen needs, what was done and
what was promised, and offers it to a colleague or a team. The receiver reads it before accepting.
Accepted: the contact is theirs, with everything. Declined or not answered within the timeout: it
becomes a callback task for the team, with a deadline in working hours, and the citizen is told
who will call and by when. Expiry is applied by the sweeper and on every read, so it never depends
on the sweeper running. Every step is written on the contact's timeline.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, selectinload

from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.db import row_locks
from kcc.core.errors import Conflict, Msg, NotAllowed, ValidationError, too_long
from kcc.core.timeutil import local
from kcc.core.workinghours import add_working_hours
from kcc.mail.operations import queue_task_confirmation
from kcc.models import Contact, ContactEvent, ContactStatus, Handover, HandoverState, Presence, Staff, Task, TaskState, Team
from kcc.policy import may_answer_offer, offers_for
from kcc.queues import operations as queues

MIN_SUMMARY = 20
MIN_DEADLINE_AHEAD = timedelta(minutes=15)
MAX_DEADLINE_AHEAD = timedelta(days=92)
EXPIRY = Actor.system("expiry")  # an offer runs out by itself: kcc acts, whoever's read noticed it


@dataclass(frozen=True)
class Context:
    """What the receiver needs to know: the citizen's need and situation, what was done, what was promised."""

    summary: str
    done: str = ""
    promised: str = ""
    deadline: datetime | None = None  # a callback by then, when the employee promised one; else the norm
    deadline_reason: str = ""  # why later than the norm, when it is


def check_context(context: Context) -> Context:
    summary, done, promised, deadline_reason = (" ".join((text or "").split()) for text in
                                                (context.summary, context.done, context.promised,
                                                 context.deadline_reason))
    problems: dict[str, Msg] = {}
    if len(summary) < MIN_SUMMARY:
        problems["context.summary"] = Msg("beschrijf in minstens %(n)s tekens wat de inwoner nodig heeft en wat de "
                                          "situatie is: zonder verhaal geen overdracht", n=MIN_SUMMARY)
    for field, text in (("context.summary", summary), ("context.done", done), ("context.promised", promised),
                        ("context.deadline_reason", deadline_reason)):
        if (problem := too_long(text)) is not None:
            problems[field] = problem
    if problems:
        raise ValidationError(problems)
    return Context(summary, done, promised, context.deadline, deadline_reason)


def norm_deadline(contact: Contact, team: Team, now: datetime) -> datetime:
    """The deadline the norm sets: its working hours counted in the team's phone hours, holidays skipped."""
    return add_working_hours(now, norm_hours(contact, team), team.domain.hours.get("phone", {}))


def check_deadline(context: Context, norm: datetime, now: datetime) -> tuple[datetime, str | None]:
    """The deadline to promise: the norm's, or the employee's own — earlier than the norm as they like, later
    only with a reason (the citizen reads it in their confirmation, so it must be one the team can keep)."""
    if context.deadline is None:
        return norm, None
    if context.deadline <= now + MIN_DEADLINE_AHEAD:
        raise ValidationError({"context.deadline": Msg("kies een moment minstens een kwartier vanaf nu")})
    if context.deadline > now + MAX_DEADLINE_AHEAD:
        raise ValidationError({"context.deadline": Msg("kies een moment binnen drie maanden")})
    if context.deadline > norm and not context.deadline_reason:
        raise ValidationError({"context.deadline_reason": Msg(
            "dit is later dan de norm (uiterlijk %(norm)s); schrijf waarom, of kies een eerder moment",
            norm=local(norm).strftime("%d-%m-%Y %H:%M"))})
    return context.deadline, (context.deadline_reason or None) if context.deadline > norm else None


def parse_target(text: str) -> tuple[int | None, str | None]:
    """A target as the handover form names it, "staff:<id>" or "team:<slug>" → (to_staff_id, to_team_slug)."""
    kind, _, value = text.partition(":")
    if kind == "staff" and value.isdigit():
        return int(value), None
    if kind == "team" and value:
        return None, value
    raise ValidationError({"to": Msg("kies een collega of een team")})


def deadline_preview(session: Session, contact: Contact, target: str, now: datetime) -> datetime | None:
    """The norm's deadline for a target as the handover form names it; None while there is no valid target."""
    try:
        to_staff_id, to_team_slug = parse_target(target)
    except ValidationError:
        return None
    team: Team | None = None
    if to_team_slug is not None:
        team = session.scalar(select(Team).where(Team.slug == to_team_slug, Team.active.is_(True)))
    elif to_staff_id is not None and (person := session.get(Staff, to_staff_id)) is not None:
        team = _team_for(session, contact, person)
    return norm_deadline(contact, team, now) if team is not None else None


def _event(session: Session, contact: Contact, kind: str, actor_id: int | None, now: datetime, **data) -> None:
    session.add(ContactEvent(contact=contact, type=kind, actor_id=actor_id, at=now, data=data))


def _free_again(session: Session, actor: Actor, now: datetime) -> None:
    """The sender's hands are free: if available, their idle time starts now (fair turns)."""
    sender = session.get(Staff, actor.id)
    if sender is not None and sender.presence == Presence.available:
        sender.idle_since = now


def _target(session: Session, sender: Actor, to_staff_id: int | None,
            to_team_slug: str | None) -> tuple[Staff | None, Team | None]:
    """The colleague or the team a contact goes to; every way of getting that wrong is a field error."""
    if (to_staff_id is None) == (to_team_slug is None):
        raise ValidationError({"to": Msg("kies een collega of een team")})
    if to_staff_id is not None:
        to_staff = session.get(Staff, to_staff_id)
        if to_staff is None or not to_staff.active:
            raise ValidationError({"to.staff": Msg("deze collega bestaat niet (meer); kies iemand uit de lijst")})
        if to_staff.id == sender.id:
            raise ValidationError({"to.staff": Msg("je kunt een contact niet aan jezelf overdragen")})
        return to_staff, None
    to_team = session.scalar(select(Team).where(Team.slug == to_team_slug, Team.active.is_(True)))
    if to_team is None:
        raise ValidationError({"to.team": Msg("onbekend team %(slug)s; kies een team uit de lijst", slug=to_team_slug)})
    return None, to_team


def _hold(session: Session, contact: Contact, sender: Actor) -> None:
    """Only the employee with the contact in hand moves it (the row is locked on PostgreSQL while we do)."""
    session.refresh(contact, with_for_update=row_locks(session))
    if contact.owner_id != sender.id or contact.status != ContactStatus.in_progress:
        raise Conflict(Msg("Alleen wie het contact in behandeling heeft, kan het overdragen."))
    if contact.channel == "counter" and contact.ticket and contact.called_at and contact.started_at is None:
        # the display still sends the visitor to this desk: first see them, or mark them as not there
        raise Conflict(Msg("De bezoeker is opgeroepen maar zit nog niet aan je balie. Kies eerst „Bezoeker is er: "
                           "begin” of „Niet verschenen”."))


def offer(session: Session, contact: Contact, sender: Actor, context: Context, now: datetime, timeout_s: int,
          to_staff_id: int | None = None, to_team_slug: str | None = None) -> Handover:
    """Offer the contact with its story to a colleague or a team; the contact waits for their answer."""
    context = check_context(context)
    to_staff, to_team = _target(session, sender, to_staff_id, to_team_slug)
    deadline, reason = (None, None) if context.deadline is None else check_deadline(
        context, norm_deadline(contact, to_team or _team_for(session, contact, to_staff), now), now)
    _hold(session, contact, sender)
    handover = Handover(contact=contact, from_staff_id=sender.id, to_staff=to_staff, to_team=to_team,
                        summary=context.summary, done=context.done, promised=context.promised,
                        status=HandoverState.offered, created_at=now, expires_at=now + timedelta(seconds=timeout_s),
                        deadline=deadline, deadline_reason=reason)
    session.add(handover)
    contact.status, contact.updated_at = ContactStatus.handover_offered, now
    target = to_staff.name if to_staff else to_team.name if to_team else ""
    _event(session, contact, "handover_offered", sender.id, now, to=target, summary=context.summary)
    _free_again(session, sender, now)
    session.flush()
    audit.record(session, sender, "handover.offer", object_type="contact", object_id=contact.id,
                 detail=f"handover {handover.id} to {target}")
    return handover


def _close(session: Session, handover: Handover, status: str, now: datetime, actor: Actor | None,
           reason: str | None = None) -> bool:
    """Move an open offer to its end state; exactly one caller wins (conditional UPDATE)."""
    conditions = [Handover.id == handover.id, Handover.status == HandoverState.offered]
    if status != HandoverState.expired:
        conditions.append(Handover.expires_at > now)
    result = cast(CursorResult, session.execute(update(Handover).where(*conditions).values(
        status=status, answered_at=now, answered_by_id=actor.id if actor else None, decline_reason=reason)
        .execution_options(synchronize_session=False)))
    session.refresh(handover)
    return result.rowcount == 1


def apply_expiry(session: Session, handover: Handover, now: datetime) -> Task | None:
    """An offer past its time becomes a callback task; called on every read and by the sweeper."""
    if handover.status != HandoverState.offered or handover.expires_at > now:
        return None
    if not _close(session, handover, HandoverState.expired, now, None):
        return None
    _event(session, handover.contact, "handover_expired", None, now)
    audit.record(session, EXPIRY, "handover.expire", object_type="contact", object_id=handover.contact_id,
                 detail=f"handover {handover.id}")
    return _task_from(session, handover, now)


def accepted_story(session: Session, contact: Contact) -> Handover | None:
    """The latest handover of this contact that someone took over: its whole story stays with the contact, so the
    receiver has what the sender had (what the citizen needs, what was done, what was promised)."""
    return session.scalar(select(Handover).where(Handover.contact_id == contact.id,
                                                 Handover.status == HandoverState.accepted)
                          .order_by(Handover.answered_at.desc(), Handover.id.desc()).limit(1))


def settle(session: Session, contact: Contact, now: datetime) -> None:
    """Apply the expiry of any offer of this contact before it is read or changed (never waits for the sweeper)."""
    if contact.status == ContactStatus.handover_offered:
        for item in session.scalars(select(Handover).where(Handover.contact_id == contact.id,
                                                            Handover.status == HandoverState.offered)):
            apply_expiry(session, item, now)


def incoming(session: Session, actor: Actor, now: datetime) -> list[Handover]:
    """Open offers for this person or one of their teams, expiry applied first (it never waits for the sweeper)."""
    found = session.scalars(select(Handover).where(Handover.status == HandoverState.offered, offers_for(actor))
                            .order_by(Handover.created_at, Handover.id)).all()
    for item in found:
        apply_expiry(session, item, now)
    return [item for item in found if item.status == HandoverState.offered]


def read(session: Session, actor: Actor, offers: list[Handover], now: datetime) -> None:
    """The receiver reads the offers' stories: each reading is written to the audit log."""
    for item in offers:
        apply_expiry(session, item, now)
        audit.record(session, actor, "handover.open", object_type="contact", object_id=item.contact_id,
                     detail=f"handover {item.id}")


def sent_by(session: Session, actor: Actor, now: datetime, hours: int = 2, limit: int = 8) -> list[Handover]:
    """What became of this person's recent offers: waiting, taken over, or a callback task by when."""
    mine = session.scalars(select(Handover).where(Handover.from_staff_id == actor.id,
                                                  Handover.created_at >= now - timedelta(hours=hours))
                           .options(selectinload(Handover.task))
                           .order_by(Handover.created_at.desc(), Handover.id.desc()).limit(limit)).all()
    for item in mine:
        if apply_expiry(session, item, now) is not None:
            session.expire(item, ["task"])  # loaded above as none: the task it just became shows at once
    return list(mine)


def accept(session: Session, handover: Handover, staff: Actor, now: datetime) -> Contact:
    """The receiver takes the contact with its whole story; in a phone call both were on the line: warm."""
    apply_expiry(session, handover, now)
    if not may_answer_offer(staff, handover):
        raise NotAllowed(Msg("Deze overdracht is voor iemand anders."), f"handover {handover.id} is for someone else")
    if handover.status != HandoverState.offered:
        raise Conflict(Msg("Deze overdracht is niet meer open (%(status)s).", status=handover.status))
    assert staff.id is not None  # may_answer_offer refuses an actor without a staff row
    if queues.busy(session, staff.id) is not None:
        raise Conflict(Msg("Je hebt al een contact in behandeling. Rond dat eerst af en neem dan de overdracht aan."))
    if not _close(session, handover, HandoverState.accepted, now, staff):
        session.refresh(handover)
        raise Conflict(Msg("Iemand anders was je voor, of de tijd is verstreken (%(status)s).",
                           status=handover.status))
    contact = handover.contact
    session.refresh(contact)
    contact.owner_id, contact.status, contact.updated_at = staff.id, ContactStatus.in_progress, now
    _event(session, contact, "handover_accepted", staff.id, now, warm=contact.channel == "phone",
           by=staff.name)
    audit.record(session, staff, "handover.accept", object_type="contact", object_id=contact.id,
                 detail=f"handover {handover.id}")
    session.flush()
    return contact


def landing_after_accept(actor: Actor) -> str:
    """Where the receiver continues: an employee in their workspace, a specialist on the contact's own page."""
    return "workspace.page" if actor.has_role("agent") else "handover.handled"


def decline(session: Session, handover: Handover, staff: Actor, reason: str, now: datetime) -> Task:
    """The receiver cannot take it now: with a reason, and the contact becomes a callback task."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": Msg("schrijf waarom je de overdracht nu niet kunt aannemen")})
    apply_expiry(session, handover, now)
    if not may_answer_offer(staff, handover):
        raise NotAllowed(Msg("Deze overdracht is voor iemand anders."), f"handover {handover.id} is for someone else")
    if handover.status != HandoverState.offered or not _close(session, handover, HandoverState.declined, now, staff, reason):
        raise Conflict(Msg("Deze overdracht is niet meer open (%(status)s).", status=handover.status))
    _event(session, handover.contact, "handover_declined", staff.id, now, reason=reason)
    audit.record(session, staff, "handover.decline", object_type="contact", object_id=handover.contact_id,
                 detail=f"handover {handover.id}")
    return _task_from(session, handover, now, declined=True)


def _task_from(session: Session, handover: Handover, now: datetime, declined: bool = False) -> Task:
    """The callback task an unanswered or declined offer becomes. An offer to a colleague that ran out stays
    theirs; one they declined goes to their team, unassigned — never silently back onto the decliner's desk."""
    named = handover.to_staff if not declined else None
    team = handover.to_team or _team_for(session, handover.contact, handover.to_staff)
    story = Context(handover.summary, handover.done, handover.promised, handover.deadline,
                    handover.deadline_reason or "")
    return create_task(session, handover.contact, team, story, now, created_by_id=handover.from_staff_id, named=named,
                       handover=handover)


def _team_for(session: Session, contact: Contact, named: Staff | None = None) -> Team:
    """For a callback named to a colleague: their team. Otherwise the topic's handover team, or the first
    team of the contact's domain."""
    if named is not None and named.teams:
        return named.teams[0]
    if contact.topic is not None and contact.topic.handover_team is not None:
        return contact.topic.handover_team
    team = session.scalar(select(Team).where(Team.domain_id == contact.domain_id, Team.active.is_(True))
                          .order_by(Team.name).limit(1))
    if team is None:
        raise ValidationError({"to": Msg("er is geen team voor dit domein om het terugbelverzoek te krijgen")})
    return team


def suggested_target(contact: Contact, sender: Actor) -> str:
    """The handover target a form proposes first: the team that handles the contact's topic ("team:<slug>"),
    unless the sender is in that team (a receiver handing on does not hand back to themselves)."""
    team = contact.topic.handover_team if contact.topic is not None else None
    return f"team:{team.slug}" if team is not None and team.id not in sender.team_ids else ""


def norm_hours(contact: Contact, team: Team) -> int:
    """The callback norm: the topic's when this team handles the topic, else the team's, else the domain's."""
    if contact.topic is not None and contact.topic.handover_team_id == team.id:
        return contact.topic.callback_norm_hours
    return team.callback_norm_hours or team.domain.callback_norm_hours


def create_task(session: Session, contact: Contact, team: Team, context: Context, now: datetime, *,
                created_by_id: int | None, named: Staff | None = None, handover: Handover | None = None) -> Task:
    """A callback task with its deadline: the one the employee promised (checked when it was set), or the norm
    in working hours (the team's phone hours, Dutch holidays skipped)."""
    deadline = context.deadline or norm_deadline(contact, team, now)
    task = Task(contact=contact, team=team, owner=named, handover=handover, created_by_id=created_by_id,
                summary=context.summary, done=context.done, promised=context.promised, state=TaskState.open,
                created_at=now, deadline=deadline, deadline_reason=context.deadline_reason or None)
    session.add(task)
    contact.status, contact.owner_id, contact.updated_at = ContactStatus.callback_scheduled, None, now
    _event(session, contact, "task_created", created_by_id, now, team=team.name, summary=context.summary,
           deadline=deadline.isoformat(), **({"named": named.name} if named else {}))
    session.flush()
    if queue_task_confirmation(session, task) is not None:
        _event(session, contact, "confirmation_queued", None, now, to="citizen")
        session.flush()
    return task


def callback_now(session: Session, contact: Contact, sender: Actor, context: Context, now: datetime,
                 to_staff_id: int | None = None, to_team_slug: str | None = None) -> Task:
    """Straight to a callback task, by the employee's choice: same story, same checks, no offer first."""
    context = check_context(context)
    named, team = _target(session, sender, to_staff_id, to_team_slug)
    team = team or _team_for(session, contact, named)
    deadline, reason = check_deadline(context, norm_deadline(contact, team, now), now)
    context = replace(context, deadline=deadline, deadline_reason=reason or "")
    _hold(session, contact, sender)
    _free_again(session, sender, now)
    task = create_task(session, contact, team, context, now, created_by_id=sender.id, named=named)
    audit.record(session, sender, "task.create", object_type="task", object_id=task.id,
                 detail=f"contact {contact.id} for team {team.slug}")
    return task


def expire_due(session: Session, now: datetime) -> list[Task]:
    """The sweeper's work: every offer past its time becomes a callback task."""
    due = session.scalars(select(Handover).where(Handover.status == HandoverState.offered, Handover.expires_at <= now)
                          .order_by(Handover.expires_at)).all()
    return [task for handover in due if (task := apply_expiry(session, handover, now)) is not None]
