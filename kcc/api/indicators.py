"""API: indicators per domain and channel, for the team — never per person."""
from __future__ import annotations

from datetime import date

from flask import abort, jsonify, request

from kcc.api import bp
from kcc.core.errors import Msg, ValidationError
from kcc.core.timeutil import local, utcnow
from kcc.floor.indicators import indicators
from kcc.web.access import roles
from kcc.web.request import db


@bp.get("/indicators")
@roles("lead", "senior", "integration")
def indicator_list():
    """Per domain and channel, for the team — never per person."""
    unknown = sorted(set(request.args) - {"domain", "from", "to"})
    if unknown:
        raise ValidationError({k: Msg("onbekende parameter; toegestaan zijn: domain, from, to") for k in unknown})
    today = local(utcnow()).date()  # the municipality's day: just after midnight it is already today
    try:
        start = date.fromisoformat(request.args.get("from", today.isoformat()))
        end = date.fromisoformat(request.args.get("to", start.isoformat()))
    except ValueError:
        raise ValidationError({"from": Msg("schrijf datums als JJJJ-MM-DD")}) from None
    if end < start or (end - start).days > 366:
        raise ValidationError({"to": Msg("'to' ligt na 'from' en hooguit een jaar verder")})
    domain = request.args.get("domain")
    rows = indicators(db(), start, end, utcnow(), domain)
    if domain and not rows:
        abort(404)
    return jsonify({"from": start.isoformat(), "to": end.isoformat(), "indicators": rows})
