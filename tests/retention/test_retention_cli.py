"""`kcc retention` as the municipality's scripts and cron call it: a real process against the database."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import utcnow
from kcc.models import AuditLog, Citizen, Contact, ContactEvent, ContactStatus
from kcc.retention.operations import MARK
from tests.cli.test_cli import run


def _counts(output: str) -> dict[str, int]:
    return {label: int(count) for label, count in re.findall(r"^  (\w[\w ]+?)\s+(\d+)$", output, re.MULTILINE)}


def test_kcc_retention_dry_run_then_for_real(database_url, session):
    now = utcnow()
    contact = intake.receive(session, intake.parse_contact({
        "channel": "phone", "domain": "sociaal", "question": "Mijn buurvrouw mevrouw Smit krijgt geen hulp meer",
        "citizen": {"name": "Jan Bos", "phone": "0612345678"}}), Router.from_session(session), QueueSettings(headstart_s={}),
        now - timedelta(days=400), actor=Actor.system("test")).contact
    contact.status, contact.outcome, contact.closed_at = ContactStatus.resolved, "answered", now - timedelta(days=399)
    session.add(ContactEvent(contact_id=contact.id, type="note", at=now - timedelta(days=399), data={"text": "Belt namens Smit"}))
    session.commit()
    expected = {"contacts anonymised": 1, "citizens anonymised": 1, "timeline entries with text cleared": 1}

    dry = run("retention", "--dry-run", url=database_url)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("Dry run: nothing changed")
    assert {label: n for label, n in _counts(dry.stdout).items() if n} == expected
    session.expire_all()
    assert session.get(Contact, contact.id).question.startswith("Mijn buurvrouw")
    assert session.scalar(select(AuditLog).where(AuditLog.action == "retention.run")) is None

    real = run("retention", url=database_url)
    assert real.returncode == 0, real.stderr
    assert real.stdout.startswith("Retention applied.") and _counts(real.stdout) == _counts(dry.stdout)
    session.expire_all()
    done = session.get(Contact, contact.id)
    assert done.question == "" and done.anonymised_at is not None and done.status == "resolved"
    assert session.get(Citizen, done.citizen_id).name is None
    assert session.scalar(select(ContactEvent.data).where(ContactEvent.type == "note")) == {"text": MARK}
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "retention.run"))
    assert entry.actor_name == "kcc-cli" and entry.origin == "cli" and "Jan" not in entry.detail

    again = run("retention", url=database_url)
    assert again.returncode == 0 and set(_counts(again.stdout).values()) == {0}


def test_a_term_below_its_minimum_is_refused(tmp_path):
    result = run("retention", "--dry-run", KCC_RETENTION_CONTACT_DAYS="3", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "kcc: configuration error: KCC_RETENTION_CONTACT_DAYS must be at least 7, got 3."
