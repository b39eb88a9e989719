"""Helpers every blueprint uses: the request's database session, client address, page-or-fragment rendering."""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, g, make_response, render_template, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import Session

from kcc.core.actor import Actor
from kcc.core.errors import Msg
from kcc.core.timeutil import utcnow
from kcc.web import unit_of_work


def db() -> Session:
    """The request's session; the unit of work (kcc.web.unit_of_work) commits it once, at the end."""
    return unit_of_work.session()


def current_actor() -> Actor | None:
    """Who this request acts as: the API token's user, or the person logged in to the screens."""
    if "kcc_actor" not in g:
        if request.blueprint == "api":
            principal = g.get("api_user")
            g.kcc_actor = principal.at(client_origin(), "api") if principal is not None else None
        elif current_user.is_authenticated:
            profile = current_app.extensions["kcc.principals"].profile(db(), current_user.id, current_user.revision or 0)
            g.kcc_actor = profile.at(client_origin(), "web")
        else:
            g.kcc_actor = None
    return g.kcc_actor


def actor() -> Actor:
    """The actor of a view that the access rules only let through when someone is logged in."""
    found = current_actor()
    if found is None:
        abort(401)
    return found


def client_origin() -> str:
    """The caller's address for the audit log; behind a reverse proxy set KCC_PROXIES, never trust headers blindly."""
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


def field_errors(error: Exception) -> dict[str, str]:
    """A domain error as messages per field for a form; a state conflict goes under 'form'."""
    from kcc.core.errors import ValidationError

    if isinstance(error, ValidationError):
        return {field: translate(message) for field, message in error.fields.items()}
    return {"form": translate(error.args[0])}


def translate(message: Msg | str) -> str:
    """A domain message in the user's language (its Dutch template is the catalogue's msgid)."""
    if isinstance(message, Msg):  # a message may hold another (a file's line and what is wrong there)
        return gettext(message.template, **{key: translate(value) if isinstance(value, Msg) else value
                                            for key, value in message.params.items()})
    return str(message)


ROUTER_MAX_AGE_S = 60


def router():
    """The question router over the live topics, rebuilt at most a minute after `kcc domains sync`."""
    import time

    from kcc.content.model import load_artefact
    from kcc.content.router import Router

    cached = current_app.extensions.get("kcc.router")
    if cached is None or time.monotonic() - cached[0] > ROUTER_MAX_AGE_S:
        model = load_artefact(Path(settings().router_model))  # read once; again only when the file changed
        cached = (time.monotonic(), Router.from_session(db(), model=model))
        current_app.extensions["kcc.router"] = cached
    return cached[1]


def settings():
    """The Settings read from the environment at start-up (kcc.config)."""
    return current_app.config["KCC"]


def mark_seen() -> None:
    """A screen's poll says its person is still there (kcc.queues.operations.seen)."""
    from kcc.queues.operations import seen

    seen(current_user, utcnow(), settings().queue.presence_fresh_s)
