"""Mail to citizens goes through a real SMTP server (aiosmtpd), or to instance/outbox; nothing is lost."""
import time
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.handover import operations as handover
from kcc.mail import operations as mail
from kcc.models import OutgoingMail, Team
from kcc.queues import operations as queues
from tests.conftest import free_port

STORY = handover.Context("Meneer wil weten of zijn aanvraag voor een scootmobiel al is behandeld.", "", "")


@pytest.fixture
def task(session, make_staff):
    agent = make_staff("pieter", roles=["agent"], skills=[("sociaal", "primary")])
    queues.set_presence(session, agent, "available", utcnow())
    contact = intake.receive(session, intake.parse_contact({
        "channel": "phone", "question": "", "domain": "sociaal", "topic": "hulpmiddelen",
        "citizen": {"name": "Jan Smit", "email": "jan.smit@example.nl"}}),
        Router.from_session(session), QueueSettings(headstart_s={}), utcnow(), actor=Actor.system("test")).contact
    team = session.scalar(select(Team).where(Team.slug == "wmo-consulenten"))
    created = handover.create_task(session, contact, team, STORY, utcnow(), created_by_id=agent.id)
    session.commit()
    return created


def test_the_confirmation_arrives_over_smtp_in_plain_dutch(app, session, task, smtp_server):
    controller, inbox = smtp_server
    settings = replace(app.config["KCC"], smtp_host="127.0.0.1", smtp_port=controller.port, smtp_tls=False)
    assert mail.send_due(session, settings, app.instance_path, utcnow()) == (1, 0)
    session.commit()
    for _ in range(50):
        if inbox.messages:
            break
        time.sleep(0.05)
    message = inbox.messages[0]
    text = message.get_content()
    assert message["To"] == "jan.smit@example.nl" and f"KCC-{task.contact_id:06d}" in message["Subject"]
    assert "Wmo-consulenten" in text and mail.when(task.deadline) in text and "moet" not in text.lower()
    assert session.scalars(select(OutgoingMail)).one().sent_at is not None


def test_a_failing_mail_server_keeps_the_mail_and_retries(app, session, task):
    settings = replace(app.config["KCC"], smtp_host="127.0.0.1", smtp_port=free_port(), smtp_tls=False)
    now = utcnow()
    assert mail.send_due(session, settings, app.instance_path, now) == (0, 1)
    queued = session.scalars(select(OutgoingMail)).one()
    assert queued.sent_at is None and queued.attempts == 1 and queued.last_error
    assert queued.next_attempt_at > now
    assert mail.send_due(session, settings, app.instance_path, now) == (0, 0)  # not due yet
    assert mail.send_due(session, settings, app.instance_path, now + timedelta(minutes=2)) == (0, 1)
    assert queued.attempts == 2


def test_without_smtp_the_mail_is_written_to_the_outbox(app, session, task, tmp_path):
    settings = replace(app.config["KCC"], smtp_host=None)
    outbox = tmp_path / "outbox"
    assert mail.send_due(session, settings, outbox, utcnow()) == (1, 0)
    files = list(outbox.glob("*.eml"))
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert "Wij bellen u terug" in message["Subject"]
