"""The floor lead's screen (/vloer): the queues live, who is on which domain, every overdue callback."""
from __future__ import annotations

from collections import defaultdict

from flask import Blueprint

from kcc.callbacks import operations as tasks
from kcc.core.timeutil import utcnow
from kcc.queues import operations as queues
from kcc.staff import directory
from kcc.web.access import roles
from kcc.web.request import actor, db, render

bp = Blueprint("floor", __name__, template_folder="templates")


@bp.get("/vloer")
@roles("lead")
def page():
    """Queues (waiting, longest wait, service level) and who is on which domain — figures for the team."""
    now = utcnow()
    by_domain = defaultdict(list)
    for person, presence in directory.colleagues(db()):
        for skill in person.skills:
            by_domain[skill.domain_id].append((person, skill.level, presence))
    overdue = tasks.task_list(db(), actor(), overdue_at=now)
    return render("floor/page.html", "floor/_floor.html", queue=queues.queue_status(db(), now), by_domain=by_domain,
                  overdue=overdue)
