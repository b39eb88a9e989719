"""The queue tests' fixtures: a router over the test content, contacts arriving, employees on duty."""
from __future__ import annotations

from datetime import timedelta

import pytest

from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.queues import operations as queues

SETTINGS = QueueSettings(language_wait_s=120, presence_fresh_s=30, headstart_s={"phone": 300, "counter": 300})


@pytest.fixture
def router(session):
    return Router.from_session(session)


@pytest.fixture
def arrive(session, router):
    """arrive(question=..., channel=..., at=...) → a routed, waiting contact."""
    def make(question="ik wil mijn paspoort verlengen", channel="phone", at=None, **fields):
        data = intake.parse_contact({"channel": channel, "question": question, **fields})
        received = intake.receive(session, data, router, SETTINGS, at or utcnow(), actor=Actor.system("test"))
        session.commit()
        return received
    return make


@pytest.fixture
def on_duty(session, make_staff):
    """on_duty('anna', skills=[...], idle_for=60) → an available employee, idle for that many seconds."""
    def make(username, skills=(("burgerzaken", "primary"),), languages=("nl",), idle_for=0, desk=None):
        staff = make_staff(username, roles=["agent"], skills=list(skills), languages=list(languages))
        now = utcnow()
        queues.set_presence(session, staff, "available", now - timedelta(seconds=idle_for),
                            desk_number=desk, desk_given=desk is not None)
        staff.last_seen_at = now
        session.commit()
        return staff
    return make
