"""The integration API (/api/v1): bearer tokens only, JSON errors as docs/api.md specifies.

One adapter package over the same operations the screens use; each module is one part of the contract.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

from kcc.core.errors import Conflict, Msg, ValidationError
from kcc.core.timeutil import utcnow
from kcc.extensions import csrf
from kcc.models import Staff
from kcc.staff import directory
from kcc.web.access import public, staff
from kcc.web.input import parse_json
from kcc.web.request import db
from kcc.web.unit_of_work import record_attack

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies are accepted here, so there is nothing to forge

ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
               422: "validation_failed", 429: "too_many_requests", 500: "internal_error",
               503: "service_unavailable"}
DEFAULT_MESSAGES = {
    400: "The body is not valid JSON or not a JSON object.",
    401: "Send a valid token as 'Authorization: Bearer <token>'; create one with `kcc token create`.",
    403: "Your token's roles do not allow this.",
    404: "No such resource.",
    405: "This method is not allowed on this path.",
    413: "The request body is too large.",
}


def api_error_response(status: int, code: str | None, message: str | None, fields: dict | None = None,
                       **extra: object):
    body = {"error": {"code": code or ERROR_CODES.get(status, "error"),
                      "message": message or DEFAULT_MESSAGES.get(status, HTTP_STATUS_CODES.get(status, "Error")),
                      "fields": fields or {}, **extra}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kcc"'
    return response


class BadBody(Exception):
    """The body is not JSON, or not a JSON object (400)."""


def json_body(optional: bool = False) -> dict:
    """The request's JSON object; an empty body is {} where the call takes no fields."""
    if optional and not request.get_data():
        return {}
    if not request.is_json:
        raise BadBody()
    data = parse_json(request.get_data())  # BadJson (400) or BadCharacter (422) for what no database could keep
    if not isinstance(data, dict):
        raise BadBody()
    return data


def reject_unknown(body: dict, allowed: set[str]) -> dict:
    """Unknown fields are refused (422), never silently dropped."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        hint = ", ".join(sorted(allowed)) or "geen"
        raise ValidationError({field: f"onbekend veld; toegestaan zijn: {hint}" for field in unknown})
    return body


def text_field(body: dict, field: str) -> str:
    """A text field of the body: absent is empty, anything but a string is a field error."""
    value = body.get(field)
    if value is not None and not isinstance(value, str):
        raise ValidationError({field: Msg("moet tekst zijn")})
    return value or ""


@bp.errorhandler(BadBody)
def bad_body(_error):
    return api_error_response(400, "bad_request", "De body is geen geldig JSON-object. Stuur Content-Type: "
                              "application/json met een object, bijvoorbeeld {\"question\": \"...\"}.")


@bp.errorhandler(ValidationError)
def validation_failed(error: ValidationError):
    fields = {field: str(message) for field, message in error.fields.items()}
    summary = "; ".join(f"{field}: {message}" for field, message in fields.items())
    return api_error_response(422, "validation_failed", f"Controleer de velden: {summary}", fields)


@bp.errorhandler(Conflict)
def conflict(error: Conflict):
    extra = {"contact": {"id": error.contact_id}} if error.contact_id is not None else {}
    return api_error_response(409, "conflict", str(error.args[0]) if error.args else None, **extra)


def load_token_user() -> None:
    """before_request for /api: resolve the bearer token to its staff member (cookies are ignored here)."""
    if request.blueprint != "api":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    g.api_user = None
    if scheme.lower() == "bearer" and token.strip():
        g.api_user = current_app.extensions["kcc.principals"].for_token(db(), token.strip(), utcnow())
    if g.api_user is None and header:
        record_attack("api.token_refused", "unknown, revoked or expired token" if token.strip() else "no bearer token")


def caller_staff() -> Staff:
    """The caller as a Staff object, for the calls that change or show more than the principal holds."""
    if "api_staff" not in g:
        g.api_staff = db().get(Staff, g.api_user.id)
    return g.api_staff


@bp.get("/teams")
@staff
def teams():
    """Teams with their members, for choosing a handover target."""
    rows = directory.teams_with_members(db())
    return jsonify({"teams": [{
        "slug": team.slug, "name": team.name, "domain": team.domain.slug,
        "members": [{"id": m.id, "name": m.name} for m in team.members if m.active],
    } for team in rows]})


@bp.get("/openapi.json")
@public
def openapi_document():
    """The contract as OpenAPI 3.1; public, since it describes the API and holds no data."""
    from kcc.api.openapi import document

    return jsonify(document())
