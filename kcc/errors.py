"""Errors the domain raises; views and the CLI turn them into a 4xx, a form message or a CLI error."""
from __future__ import annotations


class ValidationError(Exception):
    """Input that cannot be used; `fields` maps each field to what is wrong with it."""

    def __init__(self, fields: dict[str, str], message: str | None = None):
        self.fields = fields
        super().__init__(message or "; ".join(f"{k}: {v}" for k, v in fields.items()))


class NotFound(Exception):
    """The object does not exist (or the caller may not know it exists)."""


class Conflict(Exception):
    """The object's state does not allow this (409)."""
