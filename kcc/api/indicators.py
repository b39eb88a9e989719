"""API: indicators per domain and channel, and the lobby's per domain and hour, for the team — never per person."""
from __future__ import annotations

from flask import abort, jsonify, request

from kcc.api import bp
from kcc.api.appointments import query_day
from kcc.core.errors import Msg, ValidationError
from kcc.core.timeutil import local, utcnow
from kcc.floor.indicators import indicators
from kcc.floor.lobby_figures import DomainFigures, Spread, lobby_figures
from kcc.web.access import roles
from kcc.web.request import db


@bp.get("/indicators")
@roles("lead", "senior", "integration")
def indicator_list():
    """Per domain and channel, and the lobby per domain and hour, for the team — never per person."""
    unknown = sorted(set(request.args) - {"domain", "from", "to"})
    if unknown:
        raise ValidationError({k: Msg("onbekende parameter; toegestaan zijn: domain, from, to") for k in unknown})
    # the municipality's day: just after midnight it is already today; an empty parameter is one not given
    start = query_day("from") or local(utcnow()).date()
    end = query_day("to") or start
    if end < start or (end - start).days > 366:
        raise ValidationError({"to": Msg("'to' ligt na 'from' en hooguit een jaar verder")})
    domain = request.args.get("domain") or None
    rows = indicators(db(), start, end, utcnow(), domain)
    if domain and not rows:
        abort(404)
    return jsonify({"from": start.isoformat(), "to": end.isoformat(), "indicators": rows,
                    "lobby": [_lobby_row(figures) for figures in lobby_figures(db(), start, end, domain)]})


def _times(name: str, spread: Spread) -> dict[str, int | None]:
    return {f"{name}_mean_s": spread.mean_s, f"{name}_p90_s": spread.p90_s}


def _lobby_row(figures: DomainFigures) -> dict:
    """One domain's lobby figures as flat counts and seconds, like the rows of `indicators`."""
    return {"domain": figures.slug, "visitors": figures.visitors,
            "called": figures.wait.measured, **_times("wait", figures.wait),
            "served": figures.service.measured, **_times("service", figures.service),
            "no_shows": figures.no_shows, "left_before_turn": figures.left_before_turn,
            **{f"turned_away_{reason}": count for reason, count in figures.turned_away.items()},
            "hours": [{"hour": hour.hour, "visitors": hour.visitors,
                       "called": hour.wait.measured, **_times("wait", hour.wait),
                       "served": hour.service.measured, **_times("service", hour.service)}
                      for hour in figures.hours]}
