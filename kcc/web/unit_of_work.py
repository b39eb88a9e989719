"""The one commit point of a request: commit when the response succeeded, roll back otherwise.

Views and operations never commit. The request's session is committed once, after the view has
answered with a status below 400; on any error status or exception everything is rolled back, so a
failed request leaves no half-written record. The few things that must persist although the answer is
an error are named here, in KEEP_ON_ERROR, and a view asks for one by name.
"""
from __future__ import annotations

from flask import Response, current_app, g, request
from sqlalchemy.orm import Session

from kcc.core import audit
from kcc.core.actor import Actor
from kcc.core.db import transaction

KEEP_ON_ERROR = {
    "expiry": "an offer found expired on the way to a 409 stays expired: its callback task and the citizen's "
              "confirmation exist either way, and the next read would apply it again",
    "failed login": "a failed or throttled login is counted in the audit log, or throttling could not work",
}


def session() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = current_app.extensions["kcc.sessionmaker"]()
    return g.db


def keep_on_error(reason: str) -> None:
    """Commit this request's work even if the response is an error; only for the reasons in KEEP_ON_ERROR."""
    if reason not in KEEP_ON_ERROR:
        raise ValueError(f"{reason!r} is not a named exception in KEEP_ON_ERROR")
    g.kcc_keep_on_error = reason


def finish(response: Response) -> Response:
    """after_request: the commit point."""
    db = g.get("db")
    if db is not None:
        if response.status_code < 400 or g.get("kcc_keep_on_error"):
            db.commit()
        else:
            db.rollback()
    return response


def close(_exc: BaseException | None = None) -> None:
    """teardown: an exception that escaped the view never reached `finish`; closing rolls it back."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


ATTACK_LOG_EVERY_S = 60  # a refused token or form is audited once a minute per address: an attack cannot flood the log


def record_attack(action: str, detail: str) -> None:
    """A request refused before anyone is known (a bad token, a form without its CSRF token): audited in a
    transaction of its own, at most once a minute per address and kind."""
    _record_apart(None, action, f"{detail} (further refusals from this address within {ATTACK_LOG_EVERY_S} s are "
                                "not written)", once_a_minute=True)


def record_refusal(actor: Actor | None, reason: str) -> None:
    """A refused request is rolled back, but the refusal itself is audited: in a transaction of its own."""
    _record_apart(actor, "access.denied", reason)


def _record_apart(actor: Actor | None, action: str, detail: str, *, once_a_minute: bool = False) -> None:
    """Audit a refusal in a transaction of its own. The request's work is rolled back first (on SQLite it holds
    the write lock the entry needs)."""
    from datetime import timedelta

    from kcc.core.timeutil import utcnow

    if "db" in g:
        g.db.rollback()
    origin = request.remote_addr or ""
    with transaction(current_app.extensions["kcc.sessionmaker"]) as own:
        since = utcnow() - timedelta(seconds=ATTACK_LOG_EVERY_S)
        if once_a_minute and audit.count_since(own, action, "denied", since, origin=origin):
            return
        audit.record(own, actor, action, result="denied", object_type="endpoint",
                     object_id=request.endpoint or request.path, origin=origin,
                     detail=f"{request.method} {request.path}: {detail}")
