"""API: callback tasks (terugbelverzoeken) — list, claim, attempt, complete."""
from __future__ import annotations

from flask import abort, jsonify, request
from sqlalchemy import select

from kcc.api import bp, json_body, reject_unknown
from kcc.api import text_field as _text
from kcc.callbacks import operations as tasks
from kcc.core.errors import Msg, ValidationError
from kcc.core.timeutil import isoformat, utcnow
from kcc.models import Task, TaskState, Team
from kcc.policy import task_or_404, team_scope
from kcc.web.access import deny, staff
from kcc.web.request import actor, db


def task_json(task: Task) -> dict:
    urgency = tasks.urgency(task, utcnow()) if task.state == TaskState.open else None
    return {"id": task.id, "contact_id": task.contact_id, "team": task.team.slug,
            "owner": {"id": task.owner.id, "name": task.owner.name} if task.owner else None,
            "deadline": isoformat(task.deadline), "state": task.state,
            "urgency": {"level": urgency.level, "label": urgency.label} if urgency else None,
            "attempts": [{"at": isoformat(a.at), "reached": a.reached, "note": a.note,
                          "by": a.actor.name if a.actor else None} for a in task.attempts]}


@bp.get("/tasks")
@staff
def task_list():
    """Tasks of a team (members and leads), or of the caller's own teams."""
    unknown = sorted(set(request.args) - {"state", "team"})
    if unknown:
        raise ValidationError({k: Msg("onbekende parameter; toegestaan zijn: state, team") for k in unknown})
    state = request.args.get("state", "open")
    if state not in tuple(TaskState):
        raise ValidationError({"state": Msg("kies open of done")})
    team_id = None
    slug = request.args.get("team")
    if slug:
        team = db().scalar(select(Team).where(Team.slug == slug))
        if team is None:
            abort(404)
        scope = team_scope(actor())
        if scope is not None and team.id not in scope:
            deny(actor(), f"tasks of team {slug}")
        team_id = team.id
    found = tasks.task_list(db(), actor(), state=state, team_id=team_id, limit=500)
    return jsonify({"tasks": [task_json(t) for t in found]})


def _task(task_id: int) -> Task:
    return task_or_404(db(), actor(), task_id)


@bp.post("/tasks/<int:task_id>/claim")
@staff
def claim_task(task_id: int):
    reject_unknown(json_body(optional=True), set())
    task = tasks.claim(db(), _task(task_id), actor(), utcnow())
    return jsonify(task_json(task))


@bp.post("/tasks/<int:task_id>/attempt")
@staff
def task_attempt(task_id: int):
    body = reject_unknown(json_body(), {"reached", "note"})
    if not isinstance(body.get("reached"), bool):
        raise ValidationError({"reached": Msg("geef true (bereikt) of false (niet bereikt)")})
    task = _task(task_id)
    tasks.attempt(db(), task, actor(), body["reached"], _text(body, "note"), utcnow())
    return jsonify(task_json(task))


@bp.post("/tasks/<int:task_id>/complete")
@staff
def complete_task(task_id: int):
    body = reject_unknown(json_body(), {"note"})
    task = tasks.complete(db(), _task(task_id), actor(), _text(body, "note"), utcnow())
    return jsonify(task_json(task))
