"""Care for the team: the weekly mood check ("het belachelijk korte werkoverleg" starts with how everyone feels),
coaching notes between an employee and their coach, and the conversation guide the seniors keep per domain.

Who sees what:
- a mood answer: its employee, and the floor lead of their team — nobody else (not admin, not a senior), and no
  figure of it leaves the team (no indicator, no API);
- a coaching note: the employee and their coach, those two only;
- a lead's team: the employees who share a skilled domain or a team with the lead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.errors import Msg, NotAllowed, NotFound, ValidationError
from kcc.models import CoachingNote, ConversationGuide, Domain, MoodCheck, Skill, Staff, StaffRole, team_members
from kcc.models.states import COACHING_KINDS, MOODS

NOTE_LIMIT = 500
COACHING_LIMIT = 2000
GUIDE_LIMIT = 8000


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- the mood check ---------------------------------------------------------------------------------------

def set_mood(session: Session, actor: Actor, mood: str, note: str, today: date, now: datetime) -> MoodCheck:
    """This week's answer; saying it again the same week changes it."""
    note = (note or "").replace("\x00", "").strip()
    problems: dict[str, str | Msg] = {}
    if mood not in MOODS:
        problems["mood"] = Msg("kies groen, geel of rood")
    if len(note) > NOTE_LIMIT:
        problems["note"] = Msg("schrijf het in ten hoogste %(limit)s tekens", limit=NOTE_LIMIT)
    if problems:
        raise ValidationError(problems)
    assert actor.id is not None
    check = session.scalar(select(MoodCheck).where(MoodCheck.staff_id == actor.id, MoodCheck.week == monday(today)))
    if check is None:
        check = MoodCheck(staff_id=actor.id, week=monday(today))
        session.add(check)
    check.mood, check.note, check.at = mood, note, now
    session.flush()
    audit.record(session, actor, "mood.set", object_type="staff", object_id=actor.id)
    return check


def my_mood(session: Session, actor: Actor, today: date) -> MoodCheck | None:
    return session.scalar(select(MoodCheck).where(MoodCheck.staff_id == actor.id, MoodCheck.week == monday(today)))


def team_ids(session: Session, lead: Actor) -> set[int]:
    """The lead's team: who shares a skilled domain or a team with them (the lead not included)."""
    domains = list(lead.skill_levels)
    conditions = []
    if domains:
        conditions.append(Staff.id.in_(select(Skill.staff_id).where(Skill.domain_id.in_(domains))))
    if lead.team_ids:
        conditions.append(Staff.id.in_(select(team_members.c.staff_id).where(
            team_members.c.team_id.in_(list(lead.team_ids)))))
    if not conditions:
        return set()
    return set(session.scalars(select(Staff.id).where(Staff.active.is_(True), Staff.id != lead.id, or_(*conditions))))


@dataclass(frozen=True)
class TeamWeek:
    week: date
    members: list[tuple[int, str, MoodCheck | None]]  # (staff id, name, answer) by name; None: not answered yet

    def count(self, mood: str) -> int:
        return sum(1 for _id, _name, check in self.members if check is not None and check.mood == mood)

    @property
    def unanswered(self) -> int:
        return sum(1 for _id, _name, check in self.members if check is None)


def team_week(session: Session, lead: Actor, today: date) -> TeamWeek:
    """The lead's own team this week: each member's colour and note. Only a lead, only their team."""
    if "lead" not in lead.roles:
        raise NotAllowed(Msg("Alleen de teamleider ziet het weekbeeld van het eigen team."), "mood of a team, not a lead")
    ids = team_ids(session, lead)
    checks = {check.staff_id: check for check in session.scalars(select(MoodCheck).where(
        MoodCheck.week == monday(today), MoodCheck.staff_id.in_(ids)))} if ids else {}
    people = session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)).order_by(Staff.name)).all() \
        if ids else []
    audit.record(session, lead, "mood.read", object_type="team", detail=monday(today).isoformat())
    return TeamWeek(monday(today), [(staff_id, name, checks.get(staff_id)) for staff_id, name in people])


# --- coaching notes ----------------------------------------------------------------------------------------

def coaches_of(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The leads whose team this employee is in: who may coach them."""
    leads = session.scalars(select(Staff).join(StaffRole, StaffRole.staff_id == Staff.id).where(
        StaffRole.role == "lead", Staff.active.is_(True), Staff.id != actor.id).order_by(Staff.name)).all()
    return [(lead.id, lead.name) for lead in leads if actor.id in team_ids(session, Actor.of(lead))]


def _pair(session: Session, actor: Actor, staff_id: int, coach_id: int) -> None:
    """A note is between an employee and a lead whose team they are in, and only those two may open it."""
    if actor.id not in (staff_id, coach_id):
        raise NotAllowed(Msg("Coachingsnotities zijn alleen voor de medewerker en de coach."), "coaching of others")
    coach = session.get(Staff, coach_id)
    employee = session.get(Staff, staff_id)
    if coach is None or employee is None:
        raise NotFound(Msg("Deze medewerker of coach bestaat niet."))
    if "lead" not in coach.roles or staff_id not in team_ids(session, Actor.of(coach)):
        raise NotAllowed(Msg("%(name)s hoort niet bij jouw team.", name=employee.name), "coaching outside the team")


def notes(session: Session, actor: Actor, staff_id: int, coach_id: int) -> list[CoachingNote]:
    _pair(session, actor, staff_id, coach_id)
    return list(session.scalars(select(CoachingNote).where(
        CoachingNote.staff_id == staff_id, CoachingNote.coach_id == coach_id).order_by(CoachingNote.at.desc())))


def add_note(session: Session, actor: Actor, staff_id: int, coach_id: int, kind: str, text: str,
             now: datetime) -> CoachingNote:
    _pair(session, actor, staff_id, coach_id)
    text = (text or "").replace("\x00", "").strip()
    problems: dict[str, str | Msg] = {}
    if kind not in COACHING_KINDS:
        problems["kind"] = Msg("kies een top of een leerdoel")
    if not text:
        problems["text"] = Msg("schrijf de top of het leerdoel op")
    elif len(text) > COACHING_LIMIT:
        problems["text"] = Msg("schrijf het in ten hoogste %(limit)s tekens", limit=COACHING_LIMIT)
    if problems:
        raise ValidationError(problems)
    note = CoachingNote(staff_id=staff_id, coach_id=coach_id, author_id=actor.id, kind=kind, text=text, at=now)
    session.add(note)
    session.flush()
    audit.record(session, actor, "coaching.add", object_type="staff", object_id=staff_id)
    return note


# --- the conversation guide --------------------------------------------------------------------------------

def guide(session: Session, domain_id: int | None) -> str:
    if domain_id is None:
        return ""
    found = session.get(ConversationGuide, domain_id)
    return found.text if found else ""


def may_keep_guide(actor: Actor, domain_id: int) -> bool:
    return "lead" in actor.roles or ("senior" in actor.roles and domain_id in actor.skill_levels)


def save_guide(session: Session, actor: Actor, domain_id: int, text: str, now: datetime) -> ConversationGuide:
    """A senior of the domain (or the lead) keeps its guide: an aid, never a script."""
    domain = session.get(Domain, domain_id)
    if domain is None:
        raise NotFound(Msg("Dit domein bestaat niet."))
    if not may_keep_guide(actor, domain_id):
        raise NotAllowed(Msg("De leidraad van %(domain)s houdt een senior van dat domein bij.", domain=domain.name),
                         "guide of another domain")
    text = (text or "").replace("\x00", "").strip()
    if len(text) > GUIDE_LIMIT:
        raise ValidationError({"text": Msg("schrijf het in ten hoogste %(limit)s tekens", limit=GUIDE_LIMIT)})
    found = session.get(ConversationGuide, domain_id) or ConversationGuide(domain_id=domain_id)
    found.text, found.updated_by_id, found.updated_at = text, actor.id, now
    session.add(found)
    session.flush()
    audit.record(session, actor, "guide.update", object_type="domain", object_id=domain_id)
    return found
