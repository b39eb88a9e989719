"""The floor lead's screen (/vloer): the queues live, who is on which domain, every overdue callback."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from kcc.callbacks import operations as tasks
from kcc.core.timeutil import utcnow
from kcc.floor import operations as floor
from kcc.web import polling
from kcc.web.access import roles
from kcc.web.request import actor, db, render, settings, wants_fragment

bp = Blueprint("floor", __name__, template_folder="templates")


@bp.get("/vloer")
@roles("lead")
def page():
    """Queues against their targets, colleagues by state — figures for the team, never ranked."""
    now = utcnow()
    context = {"view": floor.overview(db(), now, settings().queue.presence_fresh_s),
               "overdue": tasks.task_list(db(), actor(), overdue_at=now)}
    if not wants_fragment():
        return render("floor/page.html", **context)
    # the floor's own poll: 204 when it would look the same (kcc.web.polling), so nothing is sent or redrawn
    return polling.answer({"floor": polling.Part(lambda: render_template("floor/_floor.html", **context))}, request.args,
                          out_of_band=False)
