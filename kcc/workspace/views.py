"""The KCC employee's workspace (/werkplek): presence, the next contact, the story so far, knowledge, outcome.

htmx keeps it live without reloads: the queue and the offer poll every few seconds, every form swaps
only its own part. Without JavaScript every form still works (post, then redirect back).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from kcc.callbacks import operations as tasks
from kcc.contacts import handling, intake
from kcc.content import request as request_text
from kcc.content.catalogue import active_desks, active_domains, active_teams
from kcc.core.errors import Conflict, Msg, ValidationError
from kcc.core.timeutil import parse_local, utcnow
from kcc.feedback import operations as feedback
from kcc.floor import wallboard
from kcc.handover import operations as handover
from kcc.lobby import calls
from kcc.models import Contact, Handover, Presence
from kcc.policy import contact_or_404
from kcc.queues import live
from kcc.queues import operations as queues
from kcc.staff import directory
from kcc.web import polling
from kcc.web.access import roles
from kcc.web.request import actor, db, field_errors, mark_seen, render, router, settings, translate, wants_fragment
from kcc.workspace import operations as glance_ops

bp = Blueprint("workspace", __name__, url_prefix="/werkplek", template_folder="templates")
HANDLERS = ("agent", "specialist")  # who works a contact in hand: from the queue, or taken over in a handover
POLL_S, POLL_AWAY_S = 4, 15  # a screen of someone paused or offline has nothing to act on within seconds
NOTHING_WAITING = Msg("Er wacht nu niemand voor jou. Een nieuw contact verschijnt hier vanzelf.")


def poll_every(presence: str, in_hand: bool) -> int:
    """Seconds between the workspace's polls (workspace/_poll.html)."""
    return POLL_S if in_hand or presence == Presence.available else POLL_AWAY_S


def _my_domain_ids() -> list[int]:
    return actor().domain_ids


def current_context(errors: dict | None = None, values: dict | None = None) -> dict:
    """Everything the current-contact panel shows; the page and every fragment build on this one function."""
    now = utcnow()
    contact = queues.busy(db(), current_user.id)
    context: dict[str, Any] = {"contact": contact, "errors": errors or {}, "values": values or {}, "now": now,
                               "presence": queues.presence_of(db(), current_user), "offer": None,
                               "max_calls": settings().queue.max_calls}
    if contact is None:
        offer = queues.peek_next(db(), current_user, actor(), now, settings().queue)
        context.update(offer=offer, offer_version=glance_ops.offer_version(offer, now))
        return context
    suggested = handover.suggested_target(contact, actor())
    context.update(
        repeat=intake.is_repeat(db(), contact),
        earlier=intake.count_earlier(db(), actor(), contact), earlier_counted=intake.EARLIER_COUNTED,
        domains=active_domains(db(), with_topics=True),
        notes=[e for e in contact.events if e.type == "note"],
        open_tasks=tasks.open_tasks_for_citizen(db(), actor(), contact),
        colleagues=[person for person in _handover_targets(now) if person.id != actor().id],
        seen_since=now - timedelta(seconds=settings().queue.presence_fresh_s),
        teams=active_teams(db()),
        suggested_target=suggested,
        # the hint under the form speaks of the target shown: the one typed before a mistake, else the suggestion
        norm_deadline=handover.deadline_preview(db(), contact, (values or {}).get("target") or suggested, now),
        story=handover.accepted_story(db(), contact),
        frequent=[] if contact.topic_id or contact.domain_id is None else handling.frequent_topics(
            db(), contact.domain_id, now),
    )
    return context


def _handover_targets(now: datetime) -> list[directory.Colleague]:
    """Everyone one can hand over to, as the whole floor sees them: read at most every 3 s per process."""
    seen_since = now - timedelta(seconds=settings().queue.presence_fresh_s)
    return polling.shared(("handover targets", str(db().get_bind().engine.url)), 3.0,
                          lambda: directory.handover_targets(db(), seen_since))


def my_handovers() -> list[Handover]:
    """What became of my offers of the last two hours: waiting, taken over, or a callback task by when."""
    return handover.sent_by(db(), actor(), utcnow())


@bp.app_template_global()
def shows_danger(contact: Contact) -> bool:
    """Acute danger at home in the question, or a question about domestic violence: 112 and Veilig Thuis first."""
    return request_text.shows_danger(contact.question or "") or (contact.topic is not None
                                                                 and contact.topic.slug == "huiselijk-geweld")


@bp.app_template_global()
def handovers_version(sent: list[Handover], now: datetime) -> str:
    """The version "Jouw overdrachten" writes (kcc.workspace.operations.handovers_version)."""
    return glance_ops.handovers_version(((h.id, h.status, h.task.id if h.task else None) for h in sent), now)


def _queue_context() -> dict:
    mine = _my_domain_ids()
    return {"queue": queues.queue_status(db(), utcnow(), mine) if mine else []}


def _side_context() -> dict:
    return {"offers": handover.incoming(db(), actor(), utcnow()), "handovers": my_handovers(), "now": utcnow(),
            "errors": {}}


def _answer(fragment: str, context: dict, status: int = 200):
    """htmx gets the fragment; a plain form post goes back to the page (post/redirect/get)."""
    if wants_fragment():
        if fragment == "workspace/_current.html" and actor().has_role("agent"):
            context = {**context, "oob_presence": True}  # taking or closing a contact changes "Jouw status" too
        response = render(fragment, fragment, **context)
        response.status_code = status
        return response
    return redirect(url_for("workspace.page" if actor().has_role("agent") else "callbacks.task_list"))


@bp.get("")
@roles("agent")
def page():
    mark_seen()
    context = {**current_context(), **_queue_context(), **_desks(), "topics": [], "q": "",
               "offers": [], "handovers": []}
    side = _side_context()
    context.update(offers=side["offers"], handovers=side["handovers"],
                   poll_every=poll_every(current_user.presence, context["contact"] is not None),
                   own=wallboard.own_count(db(), actor(), utcnow()))
    return render("workspace/page.html", **context)


@bp.get("/bijwerken")
@roles("agent")
def refresh():
    """The workspace's one poll: 204 when nothing it shows changed, else only the changed parts (kcc.web.polling).

    A glance (one statement) decides first; only a part that may have changed is loaded and drawn."""
    mark_seen()
    now = utcnow()
    seen = glance_ops.glance(db(), actor(), now)
    every = poll_every(current_user.presence, seen.in_hand is not None)
    if seen.in_hand is not None:
        current = f"in-hand-{seen.in_hand}"  # not redrawn under the employee's typing while the contact is in hand
    elif current_user.presence != Presence.available:
        current = f"away-{current_user.presence}"  # the panel says how to become available; nothing moves
    else:  # who waits for this employee, read without loading or drawing the card
        waiting = queues.next_waiting(db(), current_user, actor(), now, settings().queue)
        current = glance_ops.offer_version(waiting, now)

    def offers_html() -> str:  # loaded only when the glance saw them change
        offers = handover.incoming(db(), actor(), now)
        handover.read(db(), actor(), offers, now)
        return render_template("handover/_offers.html", offers=offers, now=now, errors={}, in_workspace=True)

    parts = {
        "current": polling.Part(lambda: render_template("workspace/_current.html", **current_context()), known=current),
        "queue": _queue_panel(),
        "handovers": polling.Part(lambda: render_template("workspace/_handovers.html", handovers=my_handovers(), now=now),
                                  known=seen.handovers),
        "offers": polling.Part(offers_html, known=seen.offers),
        "poll": polling.Part(lambda: render_template("workspace/_poll.html", poll_every=every), known=str(every)),
    }
    return polling.answer(parts, request.args)  # a part is loaded and drawn only when its version moved


def _queue_panel() -> polling.Part:
    """The queue panel as everyone with the same domains sees it: every domain's figures counted at most every
    2 s per process, and each panel drawn (its version worked out) once per count."""
    figures, panels = live.figures()
    mine = set(_my_domain_ids())
    key = (tuple(sorted(mine)), str(get_locale()))
    if key not in panels:  # two threads may both draw it: the same panel, no harm
        panels[key] = polling.versioned(render_template(
            "workspace/_queue.html", queue=[q for q in figures if q.domain.id in mine]), "queue")
    html, version = panels[key]
    return polling.Part(lambda: html, known=version)


@bp.post("/status")
@roles("agent")
def set_status():
    desk = request.form.get("desk")
    try:
        queues.set_presence(db(), current_user, request.form.get("state", ""), utcnow(),
                            desk_number=desk or None, desk_given="desk" in request.form,
                            fresh_s=settings().queue.presence_fresh_s)
    except ValidationError as error:
        db().rollback()
        return _answer("workspace/_workbench.html", {**current_context(errors=field_errors(error)), **_desks()}, 422)
    context = current_context()
    return _answer("workspace/_workbench.html", {**context, **_desks(), "oob_poll": True,
                                                 "poll_every": poll_every(current_user.presence, context["contact"] is not None)})


def _desks() -> dict:
    return {"desks": active_desks(db())}


@bp.get("/huidig")
@roles(*HANDLERS)
def current():
    mark_seen()
    return _answer("workspace/_current.html", current_context())


@bp.get("/wachtrij")
@roles("agent")
def queue():
    mark_seen()
    return _answer("workspace/_queue.html", _queue_context())


@bp.post("/volgende")
@roles("agent")
def take_next():
    try:
        contact = queues.claim_next(db(), actor(), utcnow(), settings().queue)
    except Conflict as error:
        db().rollback()
        return _answer("workspace/_current.html", current_context(errors={"next": translate(error.args[0])}), 409)
    if contact is None:
        return _answer("workspace/_current.html", current_context(errors={"next": translate(NOTHING_WAITING)}))
    return _answer("workspace/_current.html", current_context())


@bp.post("/oproepen")
@roles("agent")
def call_ticket():
    """A desk calls one ticket out of turn, with the reason (someone unwell, an interpreter who is here now)."""
    values = {key: request.form.get(key, "") for key in ("ticket", "reason")}
    try:
        calls.call_ticket(db(), actor(), values["ticket"], values["reason"], utcnow())
    except (ValidationError, Conflict) as error:
        db().rollback()
        problems = field_errors(error)
        if "form" in problems:
            problems = {"ticket": problems["form"]}
        return _answer("workspace/_current.html", current_context(errors=problems, values=values), _status(error))
    return _answer("workspace/_current.html", current_context())


@bp.post("/contact/<int:contact_id>/<any('opnieuw-oproepen', 'niet-verschenen', 'aan-de-balie'):step>")
@roles("agent")
def desk_call(contact_id: int, step: str):
    """The called visitor: call again, did not come (the next can be called), or sits down at the desk."""
    _own_contact(contact_id)
    now = utcnow()
    try:
        if step == "opnieuw-oproepen":
            calls.recall(db(), actor(), contact_id, now, settings().queue)
        elif step == "niet-verschenen":
            calls.no_show(db(), actor(), contact_id, now)
        else:
            calls.start(db(), actor(), contact_id, now)
    except Conflict as error:
        db().rollback()
        return _answer("workspace/_current.html", current_context(errors={"call": translate(error.args[0])}), 409)
    return _answer("workspace/_current.html", current_context())


def _own_contact(contact_id: int) -> Contact:
    return contact_or_404(db(), actor(), contact_id)


@bp.get("/contact/<int:contact_id>/inwoner")
@roles(*HANDLERS)
def citizen(contact_id: int):
    """The citizen's details and earlier contacts; opening them is written to the audit log."""
    contact = _own_contact(contact_id)
    earlier = handling.open_citizen(db(), actor(), contact)
    return render("workspace/citizen.html", "workspace/_citizen.html", contact=contact, earlier=earlier)


@bp.post("/contact/<int:contact_id>/onderwerp")
@roles(*HANDLERS)
def change_topic(contact_id: int):
    contact = _own_contact(contact_id)
    domain_slug, _, topic_slug = request.form.get("topic", "").partition("/")
    try:
        handling.change_routing(db(), contact, actor(), domain_slug, topic_slug or None, utcnow())
    except (ValidationError, Conflict) as error:
        db().rollback()
        return _answer("workspace/_current.html", current_context(errors=field_errors(error)), _status(error))
    return _answer("workspace/_current.html", current_context())


@bp.post("/contact/<int:contact_id>/notitie")
@roles(*HANDLERS)
def note(contact_id: int):
    contact = _own_contact(contact_id)
    try:
        handling.add_note(db(), contact, actor(), request.form.get("note", ""), utcnow())
    except (ValidationError, Conflict) as error:
        db().rollback()
        return _answer("workspace/_current.html",
                       current_context(errors=field_errors(error), values={"note": request.form.get("note", "")}),
                       _status(error))
    return _answer("workspace/_current.html", current_context())


@bp.post("/contact/<int:contact_id>/afronden")
@roles(*HANDLERS)
def finish(contact_id: int):
    contact = _own_contact(contact_id)
    form = {key: request.form.get(key, "") for key in ("outcome", "note", "referred_to", "feedback")}
    try:
        queues.resolve(db(), contact.id, actor(), form["outcome"], utcnow(), note=form["note"],
                       referred_to=form["referred_to"])
        if form["feedback"]:
            feedback.consent(db(), actor(), contact.id)
    except (ValidationError, Conflict) as error:
        db().rollback()
        return _answer("workspace/_current.html", current_context(errors=field_errors(error), values=form),
                       _status(error))
    return _answer("workspace/_current.html", {**current_context(), "finished": contact})


@bp.post("/contact/<int:contact_id>/overdragen")
@roles(*HANDLERS)
def hand_over(contact_id: int):
    """A warm handover: to a colleague or a team, only with the story (there is no cold transfer)."""
    contact = _own_contact(contact_id)
    form = {key: request.form.get(key, "") for key in ("target", "summary", "done", "promised", "how", "deadline",
                                                         "deadline_reason")}
    try:
        story = handover.Context(form["summary"], form["done"], form["promised"], _deadline(form["deadline"]),
                                 form["deadline_reason"])
        to_staff_id, to_team_slug = handover.parse_target(form["target"])
        if form["how"] == "callback":
            task = handover.callback_now(db(), contact, actor(), story, utcnow(), to_staff_id=to_staff_id,
                                         to_team_slug=to_team_slug)
            return _answer("workspace/_current.html", {**current_context(), "callback": task})
        offer = handover.offer(db(), contact, actor(), story, utcnow(), settings().handover_timeout_s,
                               to_staff_id=to_staff_id, to_team_slug=to_team_slug)
    except (ValidationError, Conflict) as error:
        db().rollback()
        errors = {key.replace("context.", "").replace("to.staff", "to").replace("to.team", "to"): value
                  for key, value in field_errors(error).items()}
        return _answer("workspace/_current.html", current_context(errors=errors, values=form), _status(error))
    if offer.to_staff:
        target_name = offer.to_staff.name
    else:
        assert offer.to_team is not None  # an offer goes to a colleague or a team (CHECK one_target)
        target_name = offer.to_team.name
    return _answer("workspace/_current.html", {**current_context(), "offered_to": target_name})


def _deadline(text: str) -> datetime | None:
    """The callback moment the employee typed, if any (empty: the norm decides)."""
    if not text.strip():
        return None
    try:
        return parse_local(text)
    except ValueError:
        raise ValidationError({"context.deadline": Msg("schrijf datum en tijd, bijvoorbeeld 01-12-2026 12:00")}) from None


@bp.get("/contact/<int:contact_id>/termijn")
@roles(*HANDLERS)
def deadline(contact_id: int):
    """The deadline the norm sets for the chosen target, shown before sending (the form asks on every change)."""
    contact = _own_contact(contact_id)
    preview = handover.deadline_preview(db(), contact, request.args.get("target", "")[:80], utcnow())
    return render("workspace/_deadline.html", "workspace/_deadline.html", contact=contact, norm_deadline=preview)



@bp.get("/overdrachten")
@roles("agent")
def handovers():
    """The sender's view of their offers: accepted, waiting, or turned into a callback task."""
    return _answer("workspace/_handovers.html", {"handovers": my_handovers(), "now": utcnow()})


@bp.get("/onderwerpen")
@roles(*HANDLERS)
def topics():
    """Search all topics of the employee's domains; the knowledge opens in place."""
    query = request.args.get("q", "")[:200]
    found = handling.search_topics(db(), _my_domain_ids(), query, router())
    contact = queues.busy(db(), current_user.id)
    return render("workspace/topics.html", "workspace/_topics.html", topics=found, q=query, contact=contact)


def _status(error: Exception) -> int:
    return 422 if isinstance(error, ValidationError) else 409
