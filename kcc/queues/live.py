"""The queue figures every screen of this process shows alike, counted at most every 2 s whoever asks (the
workspace's queue panel, the floor): three hundred screens polling cost one count, not three hundred."""
from __future__ import annotations

from kcc.core.timeutil import utcnow
from kcc.queues import operations as queues
from kcc.web import polling
from kcc.web.request import db

FRESH_S = 2.0


def figures() -> tuple[list[queues.QueueStatus], dict]:
    """Every active domain's figures as plain values, and a place to keep what is drawn from this count (each
    domain set's queue panel), so a panel is drawn once per count too."""
    return polling.shared(("queue figures", str(db().get_bind().engine.url)), FRESH_S,
                          lambda: (queues.queue_status(db(), utcnow()), {}))
