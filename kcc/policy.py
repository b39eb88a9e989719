"""Every object rule in one place: who may see a contact, work a callback task, answer a handover offer.

The sociaal domein holds sensitive contacts (debts, care, domestic violence). Only people who work in
that domain, or to whom the contact is handed, may open one — never someone who guesses an id, and
never by way of a list of "related" things (a citizen's earlier contacts, open tasks, counts). Not a floor
lead or an administrator by their role either: they open one only with a stated reason (break-the-glass),
which the audit log keeps and the privacy officer reads. The integration account reads every contact's
status through the API (the telephony platform abandons a call that hung up), never its story.

Each rule is written twice: as a predicate for one object, and as a SQL condition for lists and counts.
A test holds the two to agree on every fixture. The loaders (`contact_or_404`, …) apply the predicate;
screens and API use the same loaders. No Flask here: a refusal is `NotAllowed`, which the web layer
turns into a 403 and an audit entry.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, ColumnExpressionArgument, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session, aliased, object_session

from kcc.core.actor import Actor
from kcc.core.errors import Msg, NotAllowed, NotFound
from kcc.models import Appointment, AuditLog, Contact, Domain, Handover, Task, Topic

SENSITIVE_DOMAINS = frozenset({"sociaal"})
SEE_EVERYTHING = frozenset({"admin", "lead", "integration"})  # every ordinary contact; sensitive ones: below
ROUTING_ROLES = frozenset({"agent", "senior"})  # see other domains' ordinary contacts, to reroute them
LOOK_WITH_REASON = frozenset({"admin", "lead"})  # may open a sensitive contact anyway, with a stated reason
REASON_VALID = timedelta(hours=1)  # a stated reason opens that one contact to that person this long


# --- contacts ---------------------------------------------------------------------------------------

def may_see_contact(actor: Actor, contact: Contact) -> bool:
    """Owner and the integration user always; floor lead and admin every ordinary contact; others by skill,
    team, handover or lobby duty. A sensitive contact only by work: owner, skill, team or handover."""
    if "integration" in actor.roles or (actor.id is not None and contact.owner_id == actor.id):
        return True
    if contact.domain_id in actor.skill_levels:
        return True
    if contact.topic is not None and contact.topic.handover_team_id in actor.team_ids:
        return True
    if _handed_to(actor, contact):
        return True
    if is_sensitive(contact):
        return False
    return bool(actor.roles & (SEE_EVERYTHING | ROUTING_ROLES)) or ("host" in actor.roles and contact.channel == "counter")


def is_sensitive(contact: Contact) -> bool:
    return contact.domain is not None and contact.domain.slug in SENSITIVE_DOMAINS


def may_look_with_reason(actor: Actor, contact: Contact) -> bool:
    """A floor lead or administrator may open a sensitive contact they have no work with, after stating why."""
    return bool(actor.roles & LOOK_WITH_REASON) and is_sensitive(contact)


def reason_given(session: Session, actor: Actor, contact_id: int, now: datetime) -> bool:
    """This person stated a reason to open this contact within the last hour (kept in the audit log)."""
    if actor.id is None:
        return False
    return bool(session.scalar(select(exists().where(
        AuditLog.action == "contact.break_glass", AuditLog.at > now - REASON_VALID, AuditLog.actor_id == actor.id,
        AuditLog.object_type == "contact", AuditLog.object_id == str(contact_id)))))


def _handed_to(actor: Actor, contact: Contact) -> bool:
    """A handover offer or callback task for this person or one of their teams opens the contact to them."""
    session = object_session(contact)
    if session is None or actor.id is None:
        return False
    return bool(session.scalar(select(_tasks_for_me(actor, contact.id) | _offers_for_me(actor, contact.id))))


def _tasks_for_me(actor: Actor, contact_id: ColumnExpressionArgument[int] | int):
    """A callback task of this contact for me or one of my teams (an alias: never correlated away)."""
    task = aliased(Task)
    mine = task.owner_id == actor.id
    return exists().where(task.contact_id == contact_id,
                          or_(mine, task.team_id.in_(actor.team_ids)) if actor.team_ids else mine)


def _offers_for_me(actor: Actor, contact_id: ColumnExpressionArgument[int] | int):
    """A handover offer of this contact to me or one of my teams."""
    offer = aliased(Handover)
    mine = offer.to_staff_id == actor.id
    return exists().where(offer.contact_id == contact_id,
                          or_(mine, offer.to_team_id.in_(actor.team_ids)) if actor.team_ids else mine)


def contacts_visible_to(actor: Actor) -> ColumnElement[bool]:
    """`may_see_contact` as a condition on Contact, for lists, searches and counts."""
    if "integration" in actor.roles:
        return true()
    if actor.id is None:
        return false()
    conditions: list[ColumnElement[bool]] = [Contact.owner_id == actor.id]
    if actor.skill_levels:
        conditions.append(Contact.domain_id.in_(list(actor.skill_levels)))
    if actor.team_ids:
        conditions.append(Contact.topic_id.in_(select(Topic.id).where(Topic.handover_team_id.in_(actor.team_ids))))
    conditions.append(_tasks_for_me(actor, Contact.id))
    conditions.append(_offers_for_me(actor, Contact.id))
    ordinary = or_(Contact.domain_id.is_(None),
                   Contact.domain_id.not_in(select(Domain.id).where(Domain.slug.in_(SENSITIVE_DOMAINS))))
    if actor.roles & (SEE_EVERYTHING | ROUTING_ROLES):
        conditions.append(ordinary)
    elif "host" in actor.roles:
        conditions.append(and_(ordinary, Contact.channel == "counter"))
    return or_(*conditions)


LOBBY_ROLES = frozenset({"host", "lead", "admin"})


def may_see_in_lobby(actor: Actor, contact: Contact, since) -> bool:
    """Lobby duty: a host sees today's counter visitors of every domain, sociaal too, but only what was said at
    the door (ticket, topic, first name, note, help needed, wait) on the lobby screens; never the timeline or the
    citizen's other contacts, which stay behind `may_see_contact`. `since`: the start of today."""
    return bool(actor.roles & LOBBY_ROLES) and contact.channel == "counter" and contact.created_at >= since


def lobby_visible_to(actor: Actor, since) -> ColumnElement[bool]:
    """`may_see_in_lobby` as a condition on Contact, for the host's waiting list."""
    if not actor.roles & LOBBY_ROLES:
        return false()
    return and_(Contact.channel == "counter", Contact.created_at >= since)


# --- appointments -----------------------------------------------------------------------------------

def may_see_appointment(actor: Actor, domain_id: int) -> bool:
    """Who keeps a domain's counter agenda: its own staff, the hosts (who check visitors in by name and time),
    floor lead and admin. Booking and cancelling follow the same rule."""
    return bool(actor.roles & (SEE_EVERYTHING | LOBBY_ROLES)) or domain_id in actor.skill_levels


def appointments_visible_to(actor: Actor) -> ColumnElement[bool]:
    """`may_see_appointment` as a condition on Appointment."""
    if actor.roles & (SEE_EVERYTHING | LOBBY_ROLES):
        return true()
    if not actor.skill_levels:
        return false()
    return Appointment.domain_id.in_(list(actor.skill_levels))


class ReasonNeeded(NotAllowed):
    """A floor lead or administrator may open this sensitive contact only after stating why (403 until then)."""


def _contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(Msg("Contact %(id)s bestaat niet.", id=contact_id))
    return contact


def contact_or_404(session: Session, actor: Actor, contact_id: int, *, own: bool = False,
                   now: datetime | None = None) -> Contact:
    """The contact if this actor may see it (and, with `own`, has it in hand); NotFound or NotAllowed otherwise.
    With `now`, a reason stated in the last hour opens a sensitive contact to a floor lead or administrator."""
    contact = _contact(session, contact_id)
    if own and contact.owner_id != actor.id:
        raise NotAllowed(Msg("Dit contact is niet bij jou in behandeling."), f"contact {contact_id} is not theirs")
    if not may_see_contact(actor, contact):
        if may_look_with_reason(actor, contact):
            if now is not None and reason_given(session, actor, contact_id, now):
                return contact
            raise ReasonNeeded(Msg("Dit contact is uit het sociaal domein. Geef eerst aan waarom je het opent."),
                               f"contact {contact_id} is sensitive; no reason given")
        raise NotAllowed(Msg("Je hebt geen toegang tot dit contact."),
                         f"contact {contact_id} is outside the reader's domains")
    return contact


def contact_for_reason(session: Session, actor: Actor, contact_id: int) -> Contact:
    """A sensitive contact this floor lead or administrator may open after stating why; for anyone else, or a
    contact they may open anyway, there is nothing to state (NotAllowed)."""
    contact = _contact(session, contact_id)
    if not may_look_with_reason(actor, contact) or may_see_contact(actor, contact):
        raise NotAllowed(Msg("Hier hoef of kun je geen reden op te geven."), f"contact {contact_id}: no reason needed")
    return contact


# --- callback tasks ---------------------------------------------------------------------------------

def team_scope(actor: Actor) -> frozenset[int] | None:
    """The teams whose task lists this actor works: None means every team (floor leads and admins)."""
    return None if actor.has_role("lead") else actor.team_ids


def may_work_task(actor: Actor, task: Task) -> bool:
    """Members of the task's team, its named colleague, floor leads and admins."""
    scope = team_scope(actor)
    return scope is None or (actor.id is not None and task.owner_id == actor.id) or task.team_id in scope


def tasks_workable_by(actor: Actor) -> ColumnElement[bool]:
    """`may_work_task` as a condition on Task."""
    scope = team_scope(actor)
    if scope is None:
        return true()
    mine = Task.owner_id == actor.id if actor.id is not None else false()
    return or_(mine, Task.team_id.in_(scope)) if scope else mine


def tasks_visible_to(actor: Actor) -> ColumnElement[bool]:
    """Tasks shown as context (a caller's open callbacks): only those whose contact the actor may see."""
    return Task.contact_id.in_(select(Contact.id).where(contacts_visible_to(actor)))


def task_or_404(session: Session, actor: Actor, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(Msg("Terugbelverzoek %(id)s bestaat niet.", id=task_id))
    if not may_work_task(actor, task):
        raise NotAllowed(Msg("Deze taak is van een ander team."), f"task {task_id} belongs to another team")
    return task


# --- handover offers --------------------------------------------------------------------------------

def may_answer_offer(actor: Actor, handover: Handover) -> bool:
    """Only the colleague it is offered to, or a member of the team it is offered to."""
    if handover.to_staff_id is not None:
        return handover.to_staff_id == actor.id
    return handover.to_team_id in actor.team_ids


def offers_for(actor: Actor) -> ColumnElement[bool]:
    """`may_answer_offer` as a condition on Handover."""
    mine = Handover.to_staff_id == actor.id if actor.id is not None else false()
    team = and_(Handover.to_staff_id.is_(None), Handover.to_team_id.in_(actor.team_ids)) if actor.team_ids else false()
    return or_(mine, team)


def may_read_offer(actor: Actor, handover: Handover) -> bool:
    """The receiver, the sender, and floor leads (of a sensitive contact: only receiver and sender)."""
    return may_answer_offer(actor, handover) or handover.from_staff_id == actor.id or \
        (actor.has_role("lead") and not is_sensitive(handover.contact))


def handover_or_404(session: Session, actor: Actor, handover_id: int, *, answer: bool = False) -> Handover:
    """The offer if this actor may read it (with `answer`: may accept or decline it)."""
    handover = session.get(Handover, handover_id)
    if handover is None:
        raise NotFound(Msg("Overdracht %(id)s bestaat niet.", id=handover_id))
    allowed = may_answer_offer(actor, handover) if answer else may_read_offer(actor, handover)
    if not allowed:
        raise NotAllowed(Msg("Deze overdracht is voor iemand anders."), f"handover {handover_id} is for someone else")
    return handover
