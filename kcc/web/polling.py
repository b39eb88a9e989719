"""One poll per screen that sends back only what changed: the screens stay live without costing the server a
rendered page per part every few seconds.

Each part of a screen carries its version in a hidden input (class kcc-version, named after the part), so the
version travels with the part whether a poll or a form's answer put it there. The screen's poller sends them
all; the server works out each part's version now and answers 204 when none changed (htmx leaves the page
alone), or the changed parts alone as out-of-band swaps. A part's version is a short hash of its HTML (CSRF
tokens left out, as they change with every rendering), or something cheaper that its template writes itself
(the offers shown, the contact in hand).
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from flask import make_response
from markupsafe import escape
from werkzeug.wrappers import Response

T = TypeVar("T")
_TOKEN = re.compile(r'(name="csrf_token"[^>]*?value=")[^"]*(")')
_FIRST_TAG = re.compile(r"^\s*<([a-zA-Z][a-zA-Z0-9]*)")


def version(html: str) -> str:
    """What a part looks like, in 16 characters."""
    return hashlib.blake2b(_TOKEN.sub(r"\1\2", html).encode(), digest_size=8).hexdigest()


def _out_of_band(html: str) -> str:
    """The part marked to replace the element with its id wherever it is on the page."""
    return _FIRST_TAG.sub(r'<\1 hx-swap-oob="true"', html, count=1)


def with_version(html: str, name: str, value: str) -> str:
    """The part with its version inside its outer element, where the poller finds it."""
    end = html.rindex("</")
    return f'{html[:end]}<input type="hidden" class="kcc-version" name="{escape(name)}" value="{escape(value)}">{html[end:]}'


def versioned(html: str, name: str) -> tuple[str, str]:
    """A part drawn once for many screens: its HTML with its version inside, and the version."""
    now = version(html)
    return with_version(html, name, now), now


class Part:
    """One part of a screen: how to render it, and its version when it is known without rendering (None: the
    hash of its HTML). A part whose template writes its own version input must give `known`."""

    def __init__(self, render: Callable[[], str], known: str | None = None):
        self.render, self.known = render, known


def answer(parts: Mapping[str, Part], shown: Mapping[str, str], out_of_band: bool = True) -> Response:
    """204 when every part is as `shown`, else the changed parts: out of band, or (a part that polls itself)
    as the answer to swap in."""
    mark = _out_of_band if out_of_band else (lambda html: html)
    changed = []
    for name, part in parts.items():
        if part.known is not None:
            if part.known != shown.get(name):
                changed.append(mark(part.render()))
            continue
        html = part.render()
        now = version(html)
        if now != shown.get(name):
            changed.append(mark(with_version(html, name, now)))
    return make_response("".join(changed)) if changed else make_response("", 204)


_SHARED: dict[Hashable, tuple[float, Any]] = {}
_SHARED_LOCK = threading.Lock()


def forget_shared() -> None:
    """Drop what `shared` keeps (tests that count what making it costs)."""
    with _SHARED_LOCK:
        _SHARED.clear()


def shared(key: Hashable, seconds: float, make: Callable[[], T]) -> T:
    """What every screen of this process shows alike (a domain's queue), made at most once per `seconds`: three
    hundred screens polling the same figures cost one count, not three hundred. Only for what is the same for
    everyone who may see it: nothing of the viewer (no CSRF token, no name) and nothing need-to-know decides."""
    now = time.monotonic()
    found = _SHARED.get(key)
    if found is not None and now - found[0] < seconds:
        return found[1]
    value = make()
    with _SHARED_LOCK:
        if len(_SHARED) > 1000:  # keys are databases × domain sets × languages: only tests make many
            _SHARED.clear()
        _SHARED[key] = (now, value)
    return value
