"""What a request may carry, refused at the door with a 4xx that says what to fix — never a 500 further on.

A database id is a 32-bit integer on PostgreSQL (and at most 2^63 on SQLite): a longer number in a path is no
contact of ours (404), not an overflow in the driver. Text may not hold control characters: PostgreSQL refuses a
NUL byte outright, and a tab-less, newline-less control character is never something a person typed (422, with
the field named). JSON nested deeper than any real request, or holding half of a UTF-16 pair (a lone surrogate,
which no database can store), is no valid body (400).
"""
from __future__ import annotations

import json
import re
from typing import Any

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite's is larger, and both databases answer the same
MAX_DEPTH = 32  # no request of the contract nests more than three levels
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, newline and carriage return are text
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class DatabaseId(IntegerConverter):
    """`<int:…>` in every route: 0 … 2^31 − 1; anything longer does not match, so the answer is 404."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:  # noqa: A002  (werkzeug's signature)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BadCharacter(Exception):
    """A field holds a control character (422); `field` names it."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class BadJson(Exception):
    """The body cannot be read as JSON we could store (400); the message says why."""


def check_fields(fields: dict[str, list[str]]) -> None:
    """Query or form fields: BadCharacter for the first that holds a control character."""
    for name, values in fields.items():
        if _CONTROL.search(name) or any(_CONTROL.search(value) for value in values):
            raise BadCharacter(name if not _CONTROL.search(name) else "?")


def parse_json(raw: bytes) -> Any:
    """The body as JSON, checked all the way down (without recursion: a deep body must not reach our stack)."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadJson(f"The JSON is nested too deeply (more than {MAX_DEPTH} levels).") from None
    except (ValueError, TypeError):
        raise BadJson("The body is not valid JSON.") from None
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadJson(f"The JSON is nested too deeply (more than {MAX_DEPTH} levels).")
        if isinstance(value, str):
            _check_text(value, path or "body")
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, f"{path}.{key}" if path else key)
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    return data


def _check_text(text: str, field: str) -> None:
    if _SURROGATE.search(text):
        raise BadJson(f"'{_printable(field)}' holds an invalid character (half of a UTF-16 pair, a lone surrogate).")
    if _CONTROL.search(text):
        raise BadCharacter(_printable(field))


def _printable(field: str) -> str:
    return _SURROGATE.sub("?", _CONTROL.sub("?", field))[:80]
