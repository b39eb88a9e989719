"""Who may use which endpoint. Deny by default: a view without a declared rule is refused for everyone.

Views declare their rule with @public, @staff or @roles(...); one before_request hook enforces it for web
screens (session login) and the API (bearer token) alike, and writes every refusal to the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import abort, current_app, g, request
from flask_login import current_user

from kcc.core import audit
from kcc.models import Staff
from kcc.web.request import client_origin, db


@dataclass(frozen=True)
class Rule:
    public: bool = False
    roles: tuple[str, ...] = ()  # empty: any logged-in staff member


def _mark(rule: Rule) -> Callable:
    def decorate(view: Callable) -> Callable:
        view.kcc_access = rule
        return view
    return decorate


public = _mark(Rule(public=True))
staff = _mark(Rule())


def roles(*names: str) -> Callable:
    """Allow these roles (and admin, who may do everything)."""
    return _mark(Rule(roles=names))


def rule_for(endpoint: str | None) -> Rule | None:
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "kcc_access", None)


def allowed(user: Staff, rule: Rule) -> bool:
    return rule.public or not rule.roles or user.has_role(*rule.roles)


def deny(user: Staff | None, reason: str) -> None:
    """Refuse with 403 and write who tried what to the audit log, in its own commit."""
    session = db()
    session.rollback()
    audit.record(session, "authorisation", "denied", actor=user, object_type="endpoint",
                 object_id=request.endpoint or request.path, origin=client_origin(),
                 detail=f"{request.method} {request.path}: {reason}")
    session.commit()
    abort(403)


def current_staff() -> Staff | None:
    """The staff member behind this request: the API token's user, or the logged-in web user."""
    if request.blueprint == "api":
        return g.get("api_user")
    return current_user if current_user.is_authenticated else None


def enforce() -> None:
    """before_request: apply the endpoint's rule (static files and unknown URLs pass to their own handling)."""
    if request.endpoint in (None, "static"):
        return
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s has no access rule; refused", request.endpoint)
        deny(current_staff(), "endpoint has no access rule")
    if rule.public:
        return
    user = current_staff()
    if user is None:
        abort(401)
    if not allowed(user, rule):
        deny(user, f"needs role {' or '.join(rule.roles)}")
