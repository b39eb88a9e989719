"""API: warm handover — offer, read, accept, decline. Thin: parse, load through the policy, operate, answer."""
from __future__ import annotations

from flask import jsonify

from kcc.api import bp, json_body, reject_unknown
from kcc.api import text_field as _text
from kcc.api.contacts import contact_detail, contact_for
from kcc.api.tasks import task_json
from kcc.core.errors import Msg, ValidationError
from kcc.core.timeutil import isoformat, utcnow
from kcc.handover import operations as handover
from kcc.models import Handover
from kcc.policy import handover_or_404
from kcc.web import unit_of_work
from kcc.web.access import staff
from kcc.web.input import MAX_ID
from kcc.web.request import actor, db, settings


def _to_json(item: Handover) -> dict[str, int | str]:
    if item.to_staff:
        return {"staff": item.to_staff.id}
    assert item.to_team is not None  # an offer goes to a colleague or a team (CHECK one_target)
    return {"team": item.to_team.slug}


def handover_json(item: Handover) -> dict:
    return {"id": item.id, "status": item.status, "expires_at": isoformat(item.expires_at),
            "contact_id": item.contact_id, "from": {"id": item.from_staff.id, "name": item.from_staff.name},
            "to": _to_json(item),
            "context": {"summary": item.summary, "done": item.done, "promised": item.promised}}


@bp.post("/contacts/<int:contact_id>/handover")
@staff
def offer_handover(contact_id: int):
    body = reject_unknown(json_body(), {"to", "context"})
    target, context = body.get("to"), body.get("context")
    if not isinstance(target, dict) or set(target) - {"staff", "team"} or len(target) != 1:
        raise ValidationError({"to": Msg("geef {\"staff\": id} of {\"team\": \"slug\"}")})
    if not isinstance(context, dict):
        raise ValidationError({"context.summary": Msg("beschrijf wat de inwoner nodig heeft en wat de situatie is")})
    unknown = set(context) - {"summary", "done", "promised"}
    if unknown:
        raise ValidationError({f"context.{k}": Msg("onbekend veld; toegestaan zijn: summary, done, promised")
                               for k in sorted(unknown)})
    staff_id = target.get("staff")
    if "staff" in target and (not isinstance(staff_id, int) or isinstance(staff_id, bool)):
        raise ValidationError({"to.staff": Msg("geef het id van de collega (een getal)")})
    if isinstance(staff_id, int) and not 0 < staff_id <= MAX_ID:  # no such id; and none a database could look up
        raise ValidationError({"to.staff": Msg("deze collega bestaat niet (meer); kies iemand uit de lijst")})
    if "team" in target and not isinstance(target["team"], str):
        raise ValidationError({"to.team": Msg("geef de slug van het team")})
    contact = contact_for(contact_id)
    offer = handover.offer(db(), contact, actor(), handover.Context(_text(context, "summary"), _text(context, "done"),
                                                                  _text(context, "promised")),
                           utcnow(), settings().handover_timeout_s, to_staff_id=staff_id,
                           to_team_slug=target.get("team"))
    return jsonify({"handover": {"id": offer.id, "status": offer.status, "expires_at": isoformat(offer.expires_at)}}), 201


@bp.get("/handovers/<int:handover_id>")
@staff
def get_handover(handover_id: int):
    """The offer with its context, for the receiver to read before accepting (expiry applied on read)."""
    item = handover_or_404(db(), actor(), handover_id)
    handover.read(db(), actor(), [item], utcnow())
    return jsonify(handover_json(item))


@bp.post("/handovers/<int:handover_id>/accept")
@staff
def accept_handover(handover_id: int):
    reject_unknown(json_body(optional=True), set())
    item = handover_or_404(db(), actor(), handover_id, answer=True)
    unit_of_work.keep_on_error("expiry")
    contact = handover.accept(db(), item, actor(), utcnow())
    return jsonify(contact_detail(contact))


@bp.post("/handovers/<int:handover_id>/decline")
@staff
def decline_handover(handover_id: int):
    body = reject_unknown(json_body(), {"reason"})
    item = handover_or_404(db(), actor(), handover_id, answer=True)
    task = handover.decline(db(), item, actor(), _text(body, "reason"), utcnow())
    return jsonify({"handover": {"id": item.id, "status": item.status}, "task": task_json(task)})
