"""Who may see which contact: the object check behind every contact view and API call.

The sociaal domein holds sensitive contacts (debts, care, domestic violence). Only people who work in
that domain, or to whom the contact is handed, may open one — never someone who guesses an id.
"""
from __future__ import annotations

from sqlalchemy import exists, false, or_, select, true
from sqlalchemy.orm import object_session

from kcc.staff.accounts import Principal
from kcc.models import Contact, Domain, Handover, Staff, Task, Topic

SENSITIVE_DOMAINS = frozenset({"sociaal"})
SEE_EVERYTHING = ("admin", "lead", "integration")


def may_see(staff: Staff | Principal, contact: Contact) -> bool:
    """Owner, floor lead, admin and the integration user always; others by skill, team or lobby duty."""
    roles = set(staff.roles)
    if roles & set(SEE_EVERYTHING) or contact.owner_id == staff.id:
        return True
    if contact.domain_id in staff.skill_levels:
        return True
    if contact.topic is not None and contact.topic.handover_team_id in staff.team_ids:
        return True
    if _handed_to(staff, contact):
        return True
    sensitive = contact.domain is not None and contact.domain.slug in SENSITIVE_DOMAINS
    if sensitive:
        return False
    # the host checked the visitor in; agents and seniors see other domains' ordinary contacts (rerouting)
    return bool(roles & {"agent", "senior"}) or ("host" in roles and contact.channel == "counter")


def _handed_to(staff: Staff | Principal, contact: Contact) -> bool:
    """A handover offer or callback task for this person or one of their teams opens the contact to them."""
    session = object_session(contact)
    if session is None:
        return False
    team_ids = list(staff.team_ids)
    task = exists().where(Task.contact_id == contact.id,
                          or_(Task.owner_id == staff.id, Task.team_id.in_(team_ids) if team_ids else false()))
    offer = exists().where(Handover.contact_id == contact.id,
                           or_(Handover.to_staff_id == staff.id,
                               Handover.to_team_id.in_(team_ids) if team_ids else false()))
    return bool(session.scalar(select(task | offer)))


def visible_filter(staff: Staff | Principal):
    """The same rule as a query condition, for lists and searches."""
    roles = set(staff.roles)
    if roles & set(SEE_EVERYTHING):
        return true()
    skills = list(staff.skill_levels)
    team_ids = list(staff.team_ids)
    ordinary = ~Contact.domain_id.in_(select(Domain.id).where(Domain.slug.in_(SENSITIVE_DOMAINS)))
    conditions = [Contact.owner_id == staff.id, Contact.domain_id.in_(skills)]
    if team_ids:
        conditions.append(Contact.topic_id.in_(select(Topic.id).where(Topic.handover_team_id.in_(team_ids))))
    if roles & {"agent", "senior"}:
        conditions.append(ordinary)
    elif "host" in roles:
        conditions.append(ordinary & (Contact.channel == "counter"))
    return or_(*conditions) if conditions else false()
