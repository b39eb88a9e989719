"""Where a screen may send someone after login or a language switch: a path of this site, nothing else.

Browsers forgive a lot in an address — they drop tabs and newlines, read a backslash as a slash and `//host` as
another site — so a return address is accepted only when, read the way a browser reads it, it is a plain path
here. Anything else gives None and the caller's own default.
"""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f]")  # as typed: no spaces, tabs, newlines or other control characters
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # once decoded: a space (%20 in a query) is fine, a tab is not


def same_site_path(target: str | None) -> str | None:
    """`target` when it is a path of this site ("/werkplek?x=1"), else None."""
    if not target or len(target) > 2000 or _UNSAFE.search(target) or "\\" in target:
        return None
    decoded = unquote(target)  # "/%2F%2Fhost", "/%5Chost", "/%09/host": judged as the browser may read them
    if _CONTROL.search(decoded) or "\\" in decoded or decoded.startswith("//") or "/.." in decoded.split("?")[0]:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
