"""API: the queues per domain and the lobby display (numbers only, never a name)."""
from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from kcc.api import bp
from kcc.core.timeutil import isoformat, utcnow
from kcc.lobby import operations as lobby
from kcc.queues import operations as queues
from kcc.web.access import roles
from kcc.web.request import db


@bp.get("/queues")
@roles("integration", "host", "agent", "lead", "senior")
def queue_list():
    return _conditional(jsonify({"queues": [{
        "domain": q.domain.slug, "waiting": q.waiting, "longest_wait_s": q.longest_wait_s,
        "staff_available": q.staff_available, "service_level_today": q.service_level_today,
    } for q in queues.queue_status(db(), utcnow())]}))


@bp.get("/lobby/display")
@roles("integration", "host")
def lobby_display():
    """The waiting-room screen: tickets called to a desk and visitors waiting per domain; no personal data."""
    screen = lobby.board(db(), utcnow())
    return _conditional(jsonify({"called": [{"ticket": c.ticket, "desk": c.desk, "at": isoformat(c.at)}
                                             for c in screen.called], "waiting": screen.waiting}))


def _conditional(response: Response) -> Response:
    """Screens poll these all day: an ETag lets a client that sends If-None-Match get a bodiless 304 when nothing
    changed; no-cache keeps shared caches from answering for us."""
    response.add_etag()
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)
