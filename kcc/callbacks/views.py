"""The team's callback tasks (/taken): most urgent first, with time left or overdue in working hours.

Claim, call attempts, forward and complete each swap only their own task card (htmx), and work
without JavaScript too.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, redirect, request, url_for

from kcc.callbacks import operations as tasks
from kcc.content.catalogue import active_teams
from kcc.core.errors import Conflict, NotAllowed, ValidationError
from kcc.core.timeutil import utcnow
from kcc.handover import operations as handover
from kcc.models import Task
from kcc.policy import task_or_404
from kcc.web.access import roles
from kcc.web.request import actor, db, field_errors, mark_seen, render, wants_fragment

bp = Blueprint("callbacks", __name__, template_folder="templates")
WORKERS = ("specialist", "lead", "agent")


@bp.get("/taken")
@roles(*WORKERS)
def task_list():
    mark_seen()
    now = utcnow()
    overdue_only = request.args.get("overdue") == "1"
    found = tasks.task_list(db(), actor(), overdue_at=now if overdue_only else None)
    return render("callbacks/tasks.html", tasks=found, now=now, overdue_only=overdue_only, teams=active_teams(db()),
                  offers=handover.incoming(db(), actor(), now), errors={}, urgency=tasks.urgency, card_errors={})


def _card(task: Task, errors: dict | None = None, values: dict | None = None, status: int = 200):
    """The task's own card for htmx; a plain form post goes back to the list (post/redirect/get)."""
    if wants_fragment():
        response = render("callbacks/_task.html", "callbacks/_task.html", task=task, now=utcnow(),
                          teams=active_teams(db()), urgency=tasks.urgency, card_errors={task.id: errors or {}},
                          values=values or {})
        response.status_code = status
        return response
    return redirect(url_for("callbacks.task_list"))


def _act(task_id: int, action: Callable[[Task], object]):
    task = task_or_404(db(), actor(), task_id)
    values = request.form.to_dict()
    try:
        action(task)
    except (ValidationError, Conflict, NotAllowed) as error:
        db().rollback()
        task = task_or_404(db(), actor(), task_id)
        return _card(task, field_errors(error), values, 422 if isinstance(error, ValidationError) else 409)
    return _card(task)


@bp.post("/taken/<int:task_id>/oppakken")
@roles(*WORKERS)
def claim(task_id: int):
    return _act(task_id, lambda task: tasks.claim(db(), task, actor(), utcnow()))


@bp.post("/taken/<int:task_id>/poging")
@roles(*WORKERS)
def attempt(task_id: int):
    reached = {"ja": True, "nee": False}.get(request.form.get("reached", ""))  # None: neither chosen
    return _act(task_id, lambda task: tasks.attempt(db(), task, actor(), reached, request.form.get("note", ""),
                                                    utcnow()))


@bp.post("/taken/<int:task_id>/doorsturen")
@roles(*WORKERS)
def forward(task_id: int):
    return _act(task_id, lambda task: tasks.forward(db(), task, actor(), utcnow(), request.form.get("note", ""),
                                                    to_team_slug=request.form.get("team") or None))


@bp.post("/taken/<int:task_id>/afronden")
@roles(*WORKERS)
def complete(task_id: int):
    return _act(task_id, lambda task: tasks.complete(db(), task, actor(), request.form.get("note", ""), utcnow()))
