"""The floor lead's screen (/vloer): the queues live, who is on which domain, every overdue callback."""
from __future__ import annotations

from flask import Blueprint

from kcc.callbacks import operations as tasks
from kcc.core.timeutil import utcnow
from kcc.floor import operations as floor
from kcc.web.access import roles
from kcc.web.request import actor, db, render, settings

bp = Blueprint("floor", __name__, template_folder="templates")


@bp.get("/vloer")
@roles("lead")
def page():
    """Queues against their targets, colleagues by state — figures for the team, never ranked."""
    now = utcnow()
    return render("floor/page.html", "floor/_floor.html", view=floor.overview(db(), now, settings().queue.presence_fresh_s),
                  overdue=tasks.task_list(db(), actor(), overdue_at=now))
