"""The languages a citizen can choose for an answer or a conversation, each named in itself.

The web form and the host's screen offer these; an employee's languages (staff) are free two-letter codes.
"""
from __future__ import annotations

from functools import lru_cache

from babel import Locale

CITIZEN_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("nl", "Nederlands"), ("fy", "Frysk"), ("en", "English"), ("de", "Deutsch"), ("pl", "Polski"),
    ("tr", "Türkçe"), ("ar", "العربية"), ("uk", "Українська"),
)


@lru_cache(maxsize=1)
def _iso_639_1() -> frozenset[str]:
    """The two-letter language codes (ISO 639-1), as CLDR knows them through Babel."""
    return frozenset(code for code in Locale("en").languages if isinstance(code, str) and len(code) == 2)


def is_language(code: str) -> bool:
    """A real two-letter language code: "fy" is Frisian, "xx" is nothing."""
    return code in _iso_639_1()
