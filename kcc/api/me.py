"""API: the caller's own profile, presence and next contact; colleagues to hand over to."""
from __future__ import annotations

from flask import jsonify, request

from kcc.api import bp, caller_staff, json_body, reject_unknown
from kcc.api.contacts import for_handling
from kcc.core.errors import Msg, ValidationError
from kcc.core.timeutil import isoformat, utcnow
from kcc.models import Staff
from kcc.queues import operations as queues
from kcc.staff import directory
from kcc.web.access import roles, staff
from kcc.web.request import actor, db, settings


def _me_json(me: Staff) -> dict:
    held = queues.busy(db(), me.id)  # and with it whether the caller is busy: one look at their contacts
    return {"id": me.id, "name": me.name, "roles": me.roles,
            "skills": [{"domain": s.domain.slug, "level": s.level} for s in me.skills],
            "languages": me.languages, "teams": [t.slug for t in me.teams],
            "presence": directory.presence(me, {me.id} if held is not None else set()),
            "desk": me.desk.number if me.desk else None,
            "contact_in_progress": {"id": held.id, "channel": held.channel, "since": isoformat(held.answered_at)}
            if held is not None else None}


@bp.get("/me")
@staff
def me():
    """The caller's profile, and the contact they hold: a client that lost an answer finds it here. A client
    holding a contact calls this now and then: it says the employee is still there (no silent release)."""
    me = caller_staff()
    queues.seen(me, utcnow(), settings().queue.presence_fresh_s)
    return jsonify(_me_json(me))


@bp.put("/me/presence")
@staff
def put_presence():
    body = reject_unknown(json_body(), {"state", "desk"})
    desk = body.get("desk")
    if desk is not None and not isinstance(desk, (str, int)):
        raise ValidationError({"desk": Msg("geef het nummer van de balie, bijvoorbeeld \"3\"")})
    me = caller_staff()
    queues.set_presence(db(), me, body.get("state"), utcnow(), desk_number=None if desk is None else str(desk),
                        desk_given="desk" in body, fresh_s=settings().queue.presence_fresh_s)
    return jsonify({"state": me.presence, "desk": me.desk.number if me.desk else None})


@bp.post("/me/next")
@roles("agent", "lead", "senior")
def next_contact():
    reject_unknown(json_body(optional=True), set())
    claimed = queues.claim(db(), actor(), utcnow(), settings().queue)
    if claimed is None:
        return "", 204  # the employee was marked seen when that was due
    return jsonify(for_handling(claimed))


YES, NO = ("true", "1", "yes"), ("false", "0", "no")  # ?available=, in any case; empty is not given


@bp.get("/staff")
@staff
def staff_list():
    """Colleagues for choosing a handover target; ?available=true for those who can take it now."""
    flag = request.args.get("available", "").lower()
    if flag not in ("", *YES, *NO):
        raise ValidationError({"available": Msg("kies true of false (of 1/0, yes/no)")})
    only_available = flag in YES
    return jsonify({"staff": [
        {"id": person.id, "name": person.name, "presence": presence,
         "skills": [{"domain": s.domain.slug, "level": s.level} for s in person.skills]}
        for person, presence in directory.colleagues(db(), available_only=only_available)]})
