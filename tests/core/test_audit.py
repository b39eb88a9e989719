"""Every state-changing operation writes exactly one audit entry itself — with actor, action, object, result,
origin and time — so the screens, the API and the CLI cannot drift apart."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kcc.callbacks import operations as tasks
from kcc.config import QueueSettings
from kcc.contacts import handling, intake
from kcc.content.router import Router
from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.handover import operations as handover
from kcc.models import AuditLog, Contact, Staff
from kcc.queues import operations as queues
from kcc.staff import accounts

SETTINGS = QueueSettings(headstart_s={})
STORY = handover.Context("Mevrouw wil een traplift; de aanvraag van vorig jaar is afgewezen.")


@pytest.fixture
def desk(session, make_staff):
    """Two employees at work, as Actors with a request origin, and a way to count what each step audits."""
    make_staff("sara", skills=[("sociaal", "primary")])
    make_staff("ingrid", roles=["specialist"], teams=["wmo-consulenten"])
    router = Router.from_session(session)

    class Desk:
        def actor(self, username):
            staff = session.scalar(select(Staff).where(Staff.username == username))
            return Actor.of(staff, origin="192.0.2.7", channel="web")

        def arrive(self, question="ik wil een traplift"):
            data = intake.parse_contact({"channel": "phone", "question": question, "domain": "sociaal",
                                         "citizen": {"phone": "0612345678"}})
            return intake.receive(session, data, router, SETTINGS, utcnow(), actor=self.actor("sara")).contact

        def take(self):
            self.arrive()
            return self.claim()

        def claim(self):
            staff = session.scalar(select(Staff).where(Staff.username == "sara"))
            queues.set_presence(session, staff, "available", utcnow())
            return queues.claim_next(session, self.actor("sara"), utcnow(), SETTINGS)

        @contextmanager
        def one(self, action, actor_name="sara"):
            session.flush()
            before = session.scalar(select(func.max(AuditLog.id))) or 0
            yield
            session.flush()
            new = session.scalars(select(AuditLog).where(AuditLog.id > before)).all()
            assert [entry.action for entry in new] == [action]
            entry = new[0]
            assert entry.actor_name == actor_name and entry.object_type and entry.object_id
            assert entry.result in audit.RESULTS and entry.at is not None
            assert entry.origin == ("expiry" if actor_name == "kcc" else "192.0.2.7")
    return Desk()


def test_handling_a_contact_audits_each_step_once(session, desk):
    with desk.one("contact.create"):
        desk.arrive()
    with desk.one("contact.claim"):
        contact = desk.claim()
    sara = desk.actor("sara")
    with desk.one("contact.reroute"):
        handling.change_routing(session, contact, sara, "algemeen", None, utcnow())
    with desk.one("note.add"):
        handling.add_note(session, contact, sara, "Belt namens haar moeder", utcnow())
    with desk.one("contact.open"):
        handling.open_contact(session, sara, contact)
    with desk.one("citizen.open"):
        handling.open_citizen(session, sara, contact)
    with desk.one("contact.resolve"):
        queues.resolve(session, contact.id, sara, "answered", utcnow())
    waiting = desk.arrive()
    with desk.one("contact.abandon"):
        queues.abandon(session, waiting, utcnow(), actor=sara)


def test_handover_and_callback_steps_audit_once(session, desk):
    sara, ingrid = desk.actor("sara"), desk.actor("ingrid")
    contact = desk.take()
    with desk.one("handover.offer"):
        offer = handover.offer(session, contact, sara, STORY, utcnow(), 60, to_team_slug="wmo-consulenten")
    with desk.one("handover.open", "ingrid"):
        handover.read(session, ingrid, [offer], utcnow())
    with desk.one("handover.accept", "ingrid"):
        handover.accept(session, offer, ingrid, utcnow())
    queues.resolve(session, contact.id, ingrid, "answered", utcnow())

    contact = desk.take()
    offer = handover.offer(session, contact, sara, STORY, utcnow(), 60, to_team_slug="wmo-consulenten")
    with desk.one("handover.decline", "ingrid"):
        task = handover.decline(session, offer, ingrid, "Zit in een huisbezoek", utcnow())
    with desk.one("task.claim", "ingrid"):
        tasks.claim(session, task, ingrid, utcnow())
    with desk.one("task.attempt", "ingrid"):
        tasks.attempt(session, task, ingrid, False, "Geen gehoor", utcnow())
    with desk.one("task.forward", "ingrid"):
        tasks.forward(session, task, ingrid, utcnow(), "Gaat over geld", to_team_slug="werk-en-inkomen")

    contact = desk.take()
    with desk.one("task.create"):
        task = handover.callback_now(session, contact, sara, STORY, utcnow(), to_team_slug="wmo-consulenten")
    tasks.claim(session, task, ingrid, utcnow())
    with desk.one("task.complete", "ingrid"):
        tasks.complete(session, task, ingrid, "Huisbezoek gepland", utcnow())

    contact = desk.take()
    start = utcnow() - timedelta(minutes=5)
    handover.offer(session, contact, sara, STORY, start, 60, to_team_slug="wmo-consulenten")
    with desk.one("handover.expire", "kcc"):
        handover.expire_due(session, utcnow())


def test_staff_and_token_changes_audit_once(session, desk):
    admin = desk.actor("sara")
    data = accounts.StaffInput(username="karin", name="Karin", roles=["agent"], skills=[("burgerzaken", "primary")],
                               languages=["nl"], teams=[])
    with desk.one("staff.create"):
        karin = accounts.create_staff(session, data, "een-lang-wachtwoord", actor=admin)
    with desk.one("staff.update"):
        accounts.update_staff(session, karin, data, actor=admin)
    with desk.one("staff.roles"):
        accounts.set_roles(session, karin, ["agent", "host"], actor=admin)
    with desk.one("staff.password"):
        accounts.set_password(session, karin, "nog-een-lang-wachtwoord", actor=admin)
    with desk.one("token.create"):
        token, _plain = accounts.create_token(session, karin, "softphone", actor=admin)
    with desk.one("token.revoke"):
        accounts.revoke_token(session, token.id, actor=admin)
    with desk.one("session.logout"):
        accounts.end_session(session, admin, "logout")
    with desk.one("session.timeout"):
        accounts.end_session(session, admin, "timeout")


def test_every_action_has_a_label_and_unknown_actions_are_refused(session):
    assert all(str(label) for label in audit.ACTIONS.values())
    with pytest.raises(ValueError):
        audit.record(session, None, "contact.change")
    assert session.scalar(select(func.count(Contact.id))) is not None
