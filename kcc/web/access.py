"""Who may use which endpoint. Deny by default: a view without a declared rule is refused for everyone.

Views declare their rule with @public, @staff or @roles(...); one before_request hook enforces it for web
screens (session login) and the API (bearer token) alike, and writes every refusal to the audit log.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from flask import abort, current_app, request

from kcc.core.actor import Actor
from kcc.web.request import current_actor
from kcc.web.unit_of_work import record_refusal


@dataclass(frozen=True)
class Rule:
    public: bool = False
    roles: tuple[str, ...] = ()  # empty: any logged-in staff member


ACCESS_ATTRIBUTE = "kcc_access"  # where a view function carries its Rule
View = TypeVar("View", bound=Callable[..., Any])


def _mark(rule: Rule) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        setattr(view, ACCESS_ATTRIBUTE, rule)
        return view
    return decorate


public = _mark(Rule(public=True))
staff = _mark(Rule())


def roles(*names: str) -> Callable[[View], View]:
    """Allow these roles (and admin, who may do everything)."""
    return _mark(Rule(roles=names))


def rule_for(endpoint: str | None) -> Rule | None:
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTRIBUTE, None)


def allowed(user: Actor, rule: Rule) -> bool:
    return rule.public or not rule.roles or user.has_role(*rule.roles)


def deny(actor: Actor | None, reason: str) -> NoReturn:
    """Refuse with 403; the request's work is rolled back, the refusal is written to the audit log."""
    record_refusal(actor, reason)
    abort(403)


def enforce() -> None:
    """before_request: apply the endpoint's rule (static files and unknown URLs pass to their own handling)."""
    if request.endpoint in (None, "static"):
        return
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s has no access rule; refused", request.endpoint)
        deny(current_actor(), "endpoint has no access rule")
    if rule.public:
        return
    user = current_actor()
    if user is None:
        abort(401)
    if not allowed(user, rule):
        deny(user, f"needs role {' or '.join(rule.roles)}")
