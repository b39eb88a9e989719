"""A team works its callback tasks: claim once, forward with a note, log attempts, complete when claimed."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from kcc.callbacks import operations as tasks
from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.errors import Conflict, NotAllowed, ValidationError
from kcc.core.timeutil import utcnow
from kcc.handover import operations as handover
from kcc.models import Contact, Team
from kcc.queues import operations as queues

STORY = handover.Context("Mevrouw vraagt of de traplift nog dit jaar geplaatst kan worden; ze valt vaak.", "", "")


@pytest.fixture
def task(session, make_staff):
    agent = make_staff("pieter", roles=["agent"], skills=[("sociaal", "primary")])
    contact = intake.receive(session, intake.parse_contact({
        "channel": "phone", "question": "", "domain": "sociaal", "topic": "woningaanpassing",
        "citizen": {"phone": "0612345678"}}), Router.from_session(session), QueueSettings(headstart_s={}),
        utcnow(), actor=Actor.system("test")).contact
    team = session.scalar(select(Team).where(Team.slug == "wmo-consulenten"))
    created = handover.create_task(session, contact, team, STORY, utcnow(), created_by_id=agent.id)
    session.commit()
    return created


@pytest.fixture
def team(make_staff):
    return make_staff("ingrid", roles=["specialist"], teams=["wmo-consulenten"]), \
        make_staff("mees", roles=["specialist"], teams=["wmo-consulenten"])


def test_claim_attempts_and_complete(session, task, team):
    ingrid, mees = team
    tasks.claim(session, task, Actor.of(ingrid), utcnow())
    with pytest.raises(Conflict):
        tasks.claim(session, task, Actor.of(mees), utcnow())  # already Ingrid's
    tasks.attempt(session, task, Actor.of(ingrid), False, "Geen gehoor", utcnow())
    tasks.attempt(session, task, Actor.of(ingrid), True, "Afspraak voor huisbezoek dinsdag", utcnow())
    tasks.complete(session, task, Actor.of(ingrid), "Huisbezoek gepland", utcnow())
    contact = session.get(Contact, task.contact_id)
    assert task.state == "done" and len(task.attempts) == 2
    assert (contact.status, contact.outcome) == ("resolved", "callback_done")
    types = [e.type for e in contact.events]
    assert types[-4:] == ["task_claimed", "task_attempt", "task_attempt", "task_completed"]


def test_completing_a_task_one_has_not_claimed_is_refused(session, task, team):
    ingrid, mees = team
    with pytest.raises(Conflict):
        tasks.complete(session, task, Actor.of(ingrid), "klaar", utcnow())
    tasks.claim(session, task, Actor.of(ingrid), utcnow())
    with pytest.raises(Conflict):
        tasks.complete(session, task, Actor.of(mees), "klaar", utcnow())
    with pytest.raises(ValidationError):
        tasks.complete(session, task, Actor.of(ingrid), "   ", utcnow())


def test_another_team_cannot_touch_the_task(session, task, make_staff):
    bas = make_staff("bas", roles=["specialist"], teams=["bouwen-en-verbouwen"])
    with pytest.raises(NotAllowed):
        tasks.claim(session, task, Actor.of(bas), utcnow())


def test_forward_keeps_history_and_deadline(session, task, team):
    ingrid, _ = team
    deadline = task.deadline
    with pytest.raises(ValidationError):
        tasks.forward(session, task, Actor.of(ingrid), utcnow(), "", to_team_slug="geldzaken")
    tasks.forward(session, task, Actor.of(ingrid), utcnow(), "Gaat over de eigen bijdrage", to_team_slug="geldzaken")
    assert task.team.slug == "geldzaken" and task.owner is None and task.deadline == deadline
    forwarded = [e for e in session.get(Contact, task.contact_id).events if e.type == "task_forwarded"][0]
    assert forwarded.data["from"] == "Wmo-consulenten" and forwarded.data["note"] == "Gaat over de eigen bijdrage"


def test_urgency_reads_as_time_left_or_over(session, task):
    assert tasks.urgency(task, task.created_at).label.startswith("nog ")
    late = tasks.urgency(task, task.deadline + timedelta(days=3))
    assert late.level == "overdue" and late.label.endswith("over tijd")
    assert tasks.urgency(task, task.deadline - timedelta(minutes=30)).level == "soon"


def test_a_caller_with_an_open_task_is_shown_it_and_counts_as_repeat(session, task):
    again = intake.receive(session, intake.parse_contact({"channel": "phone", "question": "traplift",
                                                          "citizen": {"phone": "06-12345678"}}),
                           Router.from_session(session), QueueSettings(headstart_s={}),
                           utcnow() + timedelta(days=10), actor=Actor.system("test"))
    assert again.repeat  # more than 7 days later, but a task is still open
    colleague = Actor(0, "sara", roles=frozenset({"agent"}), skill_levels={task.contact.domain_id: "primary"})
    assert tasks.open_tasks_for_citizen(session, colleague, again.contact) == [task]
    if task.contact.domain.slug == "sociaal":  # need-to-know: a floor lead without the skill does not see it
        assert tasks.open_tasks_for_citizen(session, Actor(0, "lead", roles=frozenset({"lead"})), again.contact) == []


def test_overdue_tasks_remind_the_team_once_a_working_day(session, task, team):
    from datetime import datetime

    from kcc.core.timeutil import AMSTERDAM
    from kcc.mail import operations as mail
    from kcc.models import OutgoingMail
    ingrid, mees = team
    ingrid.email, mees.email = "ingrid@gemeente.example", "mees@gemeente.example"
    monday = datetime(2030, 1, 7, 9, 0, tzinfo=AMSTERDAM)  # long after the deadline, on a working day
    assert mail.queue_overdue_reminders(session, monday) == 2
    assert mail.queue_overdue_reminders(session, monday + timedelta(hours=3)) == 0  # once a day
    saturday = datetime(2030, 1, 12, 9, 0, tzinfo=AMSTERDAM)
    assert mail.queue_overdue_reminders(session, saturday) == 0
    reminder = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "overdue_reminder")).first()
    assert f"KCC-{task.contact_id:06d}" in reminder.body and "over tijd" in reminder.subject


def test_the_worker_expires_offers_and_sends_mail(database_url, session, make_staff, tmp_path):
    from tests.cli.test_cli import run
    agent = make_staff("pieter", roles=["agent"], skills=[("sociaal", "primary")])
    queues.set_presence(session, agent, "available", utcnow())
    intake.receive(session, intake.parse_contact({
        "channel": "phone", "question": "", "domain": "sociaal", "topic": "hulpmiddelen",
        "citizen": {"email": "jan@example.nl"}}), Router.from_session(session), QueueSettings(headstart_s={}), utcnow(), actor=Actor.system("test"))
    contact = queues.claim_next(session, Actor.of(agent), utcnow(), QueueSettings(headstart_s={}))
    handover.offer(session, contact, Actor.of(agent), STORY, utcnow() - timedelta(minutes=5), 60, to_team_slug="wmo-consulenten")
    session.commit()
    result = run("worker", "--once", "--outbox", str(tmp_path / "outbox"), url=database_url)
    assert result.returncode == 0, result.stderr
    assert "1 offer(s) expired into tasks" in result.stdout and "1 mail(s) sent" in result.stdout
    session.expire_all()
    assert session.get(Contact, contact.id).status == "callback_scheduled"
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
