"""Mail goes exactly once, as near as SMTP allows: a worker killed mid-batch sends again at most the mail it had
in hand, with the same Message-ID, and counts that attempt."""
import asyncio
import os
import subprocess
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from kcc.core.db import transaction
from kcc.core.timeutil import utcnow
from kcc.mail import operations as mail
from kcc.models import OutgoingMail
from tests.cli.test_cli import KCC, run
from tests.conftest import Inbox, free_port


def queue(session, count, now):
    mails = [OutgoingMail(kind="feedback", to_address=f"inwoner{n}@example.nl", subject=f"Bent u goed geholpen? ({n})",
                          body="Wij horen graag hoe het contact met de gemeente ging.", created_at=now, next_attempt_at=now)
             for n in range(count)]
    session.add_all(mails)
    session.commit()
    return [m.id for m in mails]


def fresh(session):
    """What the worker committed, not what this session remembers (it keeps objects over its commits)."""
    session.rollback()
    session.expire_all()


@pytest.fixture
def steps(app):
    """A commit per step, as `kcc worker` runs send_due (its session_scope)."""
    return lambda: transaction(app.extensions["kcc.sessionmaker"])


def killed_after_handing_over(app, settings, outbox, now):
    """Claim and deliver the next mail, then stop as kill -9 would: before the worker can record that it went."""
    with transaction(app.extensions["kcc.sessionmaker"]) as step:
        sending = mail.claim_next(step, settings, now)
    assert sending is not None and mail.deliver(sending, settings, outbox) is None
    return sending


def test_the_mail_in_flight_when_the_worker_died_goes_once_more_with_the_same_message_id(
        app, session, steps, smtp_server, tmp_path):
    controller, inbox = smtp_server
    settings = replace(app.config["KCC"], smtp_host="127.0.0.1", smtp_port=controller.port, smtp_tls=False)
    now = utcnow()
    [mail_id] = queue(session, 1, now)
    killed_after_handing_over(app, settings, tmp_path, now)
    fresh(session)
    row = session.get(OutgoingMail, mail_id)
    assert row.sending_at == now and row.attempts == 1 and row.sent_at is None and row.message_id
    # while it may still be going (another worker, a slow server), nobody takes it
    assert mail.send_due(steps, settings, tmp_path, now + timedelta(minutes=1)) == (0, 0)
    later = now + mail.SENDING_LEASE + timedelta(seconds=1)
    assert mail.send_due(steps, settings, tmp_path, later) == (1, 0)
    fresh(session)
    assert (row.attempts, row.sent_at, row.sending_at, row.last_error) == (2, later, None, None)
    assert [message["Message-ID"] for message in inbox.messages] == [row.message_id] * 2  # the receiver can drop one
    assert mail.send_due(steps, settings, tmp_path, later + timedelta(hours=2)) == (0, 0)  # and never again


def test_a_failed_attempt_and_the_next_carry_the_same_message_id(app, session, steps, smtp_server, tmp_path):
    controller, inbox = smtp_server
    refused = replace(app.config["KCC"], smtp_host="127.0.0.1", smtp_port=free_port(), smtp_tls=False)
    now = utcnow()
    [mail_id] = queue(session, 1, now)
    assert mail.send_due(steps, refused, tmp_path, now) == (0, 1)
    fresh(session)
    row = session.get(OutgoingMail, mail_id)
    first_id = row.message_id
    assert row.attempts == 1 and row.sending_at is None and row.last_error and first_id
    assert mail.send_due(steps, replace(refused, smtp_port=controller.port), tmp_path, now + timedelta(minutes=1)) == (1, 0)
    fresh(session)
    assert row.attempts == 2 and row.message_id == first_id
    assert [message["Message-ID"] for message in inbox.messages] == [first_id]


def test_an_outbox_file_written_before_a_crash_is_kept_and_counts_as_sent(app, session, steps, tmp_path):
    settings = replace(app.config["KCC"], smtp_host=None)
    outbox = tmp_path / "outbox"
    now = utcnow()
    [mail_id] = queue(session, 1, now)
    killed_after_handing_over(app, settings, outbox, now)
    written = (outbox / f"{mail_id:06d}.eml").read_bytes()
    later = now + mail.SENDING_LEASE + timedelta(minutes=1)  # another Date header: a rewrite would show
    assert mail.send_due(steps, settings, outbox, later) == (1, 0)
    assert [path.name for path in outbox.iterdir()] == [f"{mail_id:06d}.eml"]  # nothing left aside either
    assert (outbox / f"{mail_id:06d}.eml").read_bytes() == written
    fresh(session)
    row = session.get(OutgoingMail, mail_id)
    assert (row.attempts, row.sent_at) == (2, later)


class HoldingInbox(Inbox):
    """Takes every mail, but keeps the sender waiting for its answer to the `hold`th: the moment to kill it."""

    def __init__(self, hold):
        super().__init__()
        self.hold, self.held, self.release = hold, threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.hold and not self.held.is_set():
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 OK"


def test_a_worker_killed_mid_batch_sends_every_mail_and_at_most_one_twice(app, session, database_url, tmp_path):
    """The real `kcc worker` against a real SMTP server, killed with SIGKILL while the server has the 20th mail
    and the worker waits for its answer: the mail in flight goes again once its lease runs out, nothing else."""
    inbox = HoldingInbox(hold=20)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp = {"KCC_SMTP_HOST": "127.0.0.1", "KCC_SMTP_PORT": str(controller.port), "KCC_SMTP_TLS": "false"}
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KCC_")}
    environ.update({"KCC_ENV": "development", "KCC_DATABASE_URL": database_url, **smtp})
    queue(session, 60, utcnow())
    worker = subprocess.Popen([KCC, "worker", "--once", "--outbox", str(tmp_path)], env=environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not inbox.held.wait(timeout=0.05):
            assert worker.poll() is None, worker.communicate()[1]
            assert time.monotonic() < deadline, "the worker did not send 20 mails in 2 minutes"
        worker.kill()
        worker.communicate(timeout=30)
        inbox.release.set()

        fresh(session)
        rows = session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
        in_flight = [row for row in rows if row.sending_at is not None]
        assert len(in_flight) == 1 and in_flight[0].attempts == 1 and in_flight[0].sent_at is None
        assert in_flight[0].message_id == inbox.messages[19]["Message-ID"]  # the server has it; the worker never knew
        assert sum(row.sent_at is not None for row in rows) == 19
        assert sum(row.attempts == 0 for row in rows) == 40

        def restart():
            result = run("worker", "--once", "--outbox", str(tmp_path), url=database_url, **smtp)
            assert result.returncode == 0, result.stderr
            fresh(session)

        restart()  # straight away: the rest goes, the mail in flight is left alone (it may still be going)
        assert len(inbox.messages) == 60 and in_flight[0].sent_at is None
        in_flight[0].sending_at -= mail.SENDING_LEASE  # its lease runs out
        in_flight[0].next_attempt_at -= mail.SENDING_LEASE
        session.commit()
        restart()
    finally:
        inbox.release.set()
        if worker.poll() is None:
            worker.kill()
            worker.communicate(timeout=30)
        controller.stop()

    rows = session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert all(row.sent_at is not None and row.sending_at is None for row in rows)
    received = Counter(message["Message-ID"] for message in inbox.messages)
    assert set(received) == {row.message_id for row in rows} and len(received) == 60  # every mail arrived
    assert {message_id: n for message_id, n in received.items() if n > 1} == {in_flight[0].message_id: 2}
    assert sorted(row.attempts for row in rows) == [1] * 59 + [2]  # the attempt cut short is counted
