"""`kcc mail import MAILDIR`: e-mails to the municipality become contacts in the queues.

Each message in the Maildir's new/ folder becomes one contact (channel email), routed like any other
question; its Message-ID is the contact's external reference, so importing twice adds nothing. A
message that cannot be used (no sender address, no text, unreadable) stays in new/ and is reported
with its file name and the reason: it is never lost, and never half-imported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.db import transaction
from kcc.core.errors import ValidationError

MAIL = Actor.system("mail import")

QUOTED_REPLY = re.compile(r"^\s*(>|Op .+ schreef .+:$|On .+ wrote:$)", re.MULTILINE)


class _Text(HTMLParser):
    """Just the text of an HTML mail body."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@dataclass
class ImportReport:
    imported: list[tuple[str, int]] = field(default_factory=list)  # (file, contact id)
    duplicates: list[tuple[str, int]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


class MailProblem(Exception):
    """Why a message cannot become a contact (said in the report, the message stays where it is)."""


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise MailProblem("no text part (plain or html) in the message")
    try:
        text = part.get_content()
    except (LookupError, UnicodeDecodeError) as exc:
        raise MailProblem(f"the text cannot be decoded ({exc})") from None
    if part.get_content_subtype() == "html":
        parser = _Text()
        parser.feed(text)
        text = " ".join(parser.parts)
    quoted = QUOTED_REPLY.search(text)
    if quoted:  # an earlier exchange quoted below the new text adds nothing to the question
        text = text[:quoted.start()]
    return re.sub(r"[ \t]+", " ", re.sub(r"\n{3,}", "\n\n", text)).strip()


def parse_message(raw: bytes) -> intake.ContactInput:
    """RFC 822 bytes → a ContactInput for the email channel; MailProblem says what is wrong."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything it still refuses is reported, not raised
        raise MailProblem(f"the message cannot be read ({exc})") from None
    if message.defects and not message.get("From"):
        raise MailProblem(f"the message is malformed: {message.defects[0].__class__.__name__}")
    try:
        senders = message["From"].addresses if message["From"] else ()
    except (AttributeError, IndexError, ValueError):
        senders = ()
    sender: Address | None = senders[0] if senders else None
    if sender is None or not sender.addr_spec or "@" not in sender.addr_spec:
        raise MailProblem("no sender address (From) to answer to")
    subject = str(message.get("Subject") or "").strip()
    body = _body(message)
    question = f"{subject}\n\n{body}".strip() if subject and subject.lower() not in body.lower()[:200] else body
    if not question:
        raise MailProblem("the message has no subject and no text")
    if len(question) > intake.MAX_QUESTION:
        question = question[:intake.MAX_QUESTION - 60].rstrip() + " […] (ingekort; het hele bericht staat in de mailbox)"
    message_id = str(message.get("Message-ID") or "").strip() or None
    try:
        data = intake.parse_contact({
            "channel": "email", "question": question, "language": "nl",
            "citizen": {"name": sender.display_name or None, "email": sender.addr_spec},
            "external_ref": f"mail:{message_id}"[:100] if message_id else None})
    except ValidationError as error:
        raise MailProblem("; ".join(f"{k}: {v}" for k, v in error.fields.items())) from None
    return data


def import_maildir(maker: sessionmaker, folder: Path, router: Router, settings: QueueSettings,
                   now: datetime) -> ImportReport:
    """Import every message in new/, each in its own transaction, and move it to cur/ once it is a contact.

    A transaction per message (not one for the lot) is deliberate: one bad message must not hold back
    the others, and a message is moved only after its contact is safely stored.
    """
    if not all((folder / sub).is_dir() for sub in ("new", "cur", "tmp")):
        raise FileNotFoundError(f"{folder} is not a Maildir (it needs the folders new/, cur/ and tmp/)")
    report = ImportReport()
    for path in sorted(p for p in (folder / "new").iterdir() if p.is_file() and not p.name.startswith(".")):
        name = f"new/{path.name}"
        try:
            with transaction(maker) as session:
                received = intake.receive(session, parse_message(path.read_bytes()), router, settings, now,
                                          actor=MAIL)
        except MailProblem as problem:
            report.failed.append((name, str(problem)))
            continue
        (report.imported if received.created else report.duplicates).append((name, received.id))
        base = path.name.split(":", 1)[0]
        path.rename(folder / "cur" / f"{base}:2,S")  # seen: the Maildir way to say it was read
    return report
