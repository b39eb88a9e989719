"""Errors the domain raises; views and the CLI turn them into a 4xx, a form message or a CLI error."""
from __future__ import annotations

from collections.abc import Mapping


class Msg:
    """A message from the domain, in Dutch, with its values apart so a screen can translate it.

    Views pass it through gettext (the template is the catalogue's msgid); the CLI prints it as it is.
    """

    def __init__(self, template: str, **params: object):
        self.template = template
        self.params = params

    def __str__(self) -> str:
        return self.template % self.params if self.params else self.template

    def __repr__(self) -> str:
        return f"Msg({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class ValidationError(Exception):
    """Input that cannot be used; `fields` maps each field to what is wrong with it."""

    def __init__(self, fields: Mapping[str, str | Msg], message: str | None = None):
        self.fields = fields
        super().__init__(message or "; ".join(f"{k}: {v}" for k, v in fields.items()))


class NotFound(Exception):
    """The object does not exist (or the caller may not know it exists)."""


class Conflict(Exception):
    """The object's state does not allow this (409). `contact_id` names the contact that stands in the way, for
    a client that lost track of it (the contact already in progress when asking for the next)."""

    def __init__(self, message: Msg | str, contact_id: int | None = None):
        super().__init__(message)
        self.contact_id = contact_id


class NotAllowed(Exception):
    """This person may not do this to this object (403), for example accepting an offer meant for someone else.

    `reason` says for the audit log what was refused; the message is what the person reads.
    """

    def __init__(self, message: Msg | str, reason: str = ""):
        super().__init__(message)
        self.reason = reason or str(message)


MAX_TEXT = 4000  # the longest free text kcc keeps: a note, a handover story, a reason


def too_long(text: str, limit: int = MAX_TEXT) -> Msg | None:
    """The one message for a text over its limit, with both numbers, so a person knows how much to cut."""
    if len(text) <= limit:
        return None
    return Msg("is te lang: %(length)s tekens, het maximum is %(limit)s", length=len(text), limit=limit)
