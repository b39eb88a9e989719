"""Helpers every blueprint uses: the request's database session, client address, page-or-fragment rendering."""
from __future__ import annotations

from flask import current_app, g, make_response, render_template, request
from flask_babel import gettext
from sqlalchemy.orm import Session

from .errors import Msg


def db() -> Session:
    """One session per request, closed at teardown; views commit once at the end of their work."""
    if "db" not in g:
        g.db = current_app.extensions["kcc.sessionmaker"]()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


def client_origin() -> str:
    """The caller's address for the audit log (behind a proxy, configure ProxyFix; never trust headers blindly)."""
    return request.remote_addr or ""


def wants_fragment() -> bool:
    """An htmx request for a part of the page; boosted links and history restores want the full page."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Boosted") != "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(page: str, fragment: str | None = None, **context):
    """Render the full page, or only its fragment for htmx; the page includes the fragment so both agree."""
    template = fragment if fragment and wants_fragment() else page
    response = make_response(render_template(template, **context))
    if fragment:
        response.headers.add("Vary", "HX-Request")
    return response


def translate(message: Msg | str) -> str:
    """A domain message in the user's language (its Dutch template is the catalogue's msgid)."""
    if isinstance(message, Msg):
        return gettext(message.template, **message.params)
    return str(message)
