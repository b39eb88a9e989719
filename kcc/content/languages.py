"""The languages a citizen can choose for an answer or a conversation, each named in itself.

The web form and the host's screen offer these; an employee's languages (staff) are free two-letter codes.
"""
from __future__ import annotations

CITIZEN_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("nl", "Nederlands"), ("fy", "Frysk"), ("en", "English"), ("de", "Deutsch"), ("pl", "Polski"),
    ("tr", "Türkçe"), ("ar", "العربية"), ("uk", "Українська"),
)
