"""The host's screen in the lobby (/lobby), for a tablet: why are you here, what to bring, then a ticket.

The route follows the host's conversation at the door: a topic (a big button, a search, or a few words
the router reads), the prerequisites on screen *before* any ticket, and a ticket only for a visitor who
has everything, for a topic the counter handles while it is open. Everyone else is advised and counted.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, request, url_for

from kcc.appointments import operations as appointments
from kcc.contacts import handling
from kcc.content.catalogue import active_domains
from kcc.content.languages import CITIZEN_LANGUAGES
from kcc.core import audit
from kcc.core.errors import Conflict, Msg, NotFound, ValidationError
from kcc.core.timeutil import local, start_of_day, utcnow
from kcc.lobby import calls, display, hosting
from kcc.lobby import operations as lobby
from kcc.models import VISITOR_NEEDS, Appointment, AppointmentStatus, Contact, Turnaway
from kcc.policy import may_see_in_lobby
from kcc.queues import operations as queues
from kcc.web import polling
from kcc.web.access import public, roles
from kcc.web.request import (
    actor,
    client_origin,
    current_actor,
    db,
    field_errors,
    render,
    router,
    settings,
    translate,
    wants_fragment,
)

bp = Blueprint("lobby", __name__, template_folder="templates")


@bp.get("/lobby")
@roles("host")
def page():
    """Why are you here: the common counter topics as big buttons, a search, and "iets anders"."""
    words = request.args.get("zoek", "").strip()
    found = lobby.find_topics(db(), router(), words) if words else []
    appointment_words = request.args.get("afspraak", "").strip()
    errors: dict[str, str] = {}
    appointments_found = []
    if appointment_words:
        try:
            appointments_found = appointments.by_name(db(), actor(), appointment_words, utcnow())
        except ValidationError as error:
            errors["appointment_name"] = translate(error.fields["name"])
    return render("lobby/page.html", "lobby/_found.html", **_page_context(words=words, found=found, errors=errors,
                  appointment_words=appointment_words, appointments_found=appointments_found))


def _page_context(**given: Any) -> dict[str, Any]:
    return {"popular": lobby.popular_topics(db(), utcnow()), "words": "", "found": [], "errors": {}, "values": {},
            "appointment_words": "", "appointments_found": [], **given}


@bp.post("/lobby/iets-anders")
@roles("host")
def something_else():
    """The host types a few words; the router suggests domain and topic, and the visitor's words become the note."""
    words = request.form.get("words", "").strip()
    try:
        domain, topic = lobby.suggest(db(), router(), words)
        advice = lobby.advise(db(), domain, topic, utcnow())
    except (ValidationError, NotFound) as error:
        problem = field_errors(error) if isinstance(error, ValidationError) else {
            "words": translate(Msg("hier is nu geen onderwerp voor te vinden; zoek een onderwerp hierboven"))}
        return render("lobby/page.html", **_page_context(errors=problem, values={"words": words})), 422
    return _advice_page(advice, note=words, suggested=True)


@bp.get("/lobby/onderwerp/<domain>")
@bp.get("/lobby/onderwerp/<domain>/<topic>")
@roles("host")
def advice(domain: str, topic: str | None = None):
    """What the visitor needs for this topic, before anyone waits; or why the counter cannot help now."""
    return _advice_page(_advise(domain, topic))


def _advise(domain: str, topic: str | None) -> lobby.Advice:
    try:
        return lobby.advise(db(), domain, topic or None, utcnow())
    except NotFound:
        abort(404)


def _advice_page(advice: lobby.Advice, note: str = "", suggested: bool = False, status: int = 200):
    return render("lobby/advice.html", advice=advice, note=note, suggested=suggested,
                  other_topics=[] if advice.topic else lobby.counter_topics_of(db(), advice.domain)), status


@bp.post("/lobby/onderwerp/<domain>/<topic>")
@bp.post("/lobby/onderwerp/<domain>")
@roles("host")
def answer(domain: str, topic: str | None = None):
    """The visitor's answer to "heeft u alles bij zich?": on to the details, or advice and counted."""
    advice = _advise(domain, topic)
    note = request.form.get("note", "")
    step = request.form.get("step", "")
    if step == "has_all" and advice.may_queue:
        return _details_page(advice, values={"note": note, "language": "nl", "form_key": lobby.Visit().form_key})
    reason = {"missing": Turnaway.missing, "not_at_counter": Turnaway.not_at_counter,
              "closed": Turnaway.closed}.get(step)
    if reason is None or (reason == Turnaway.missing and not advice.may_queue):
        return _advice_page(advice, note=note, status=409)  # the counter closed meanwhile: the page says so now
    lobby.turn_away(db(), advice, reason, utcnow())
    return render("lobby/advised.html", advice=advice, reason=reason)


def _details_page(advice: lobby.Advice, values: dict, errors: dict | None = None, status: int = 200):
    return render("lobby/details.html", advice=advice, values=values, errors=errors or {},
                  languages=CITIZEN_LANGUAGES, needs=VISITOR_NEEDS), status


@bp.post("/lobby/aanmelden/<domain>/<topic>")
@bp.post("/lobby/aanmelden/<domain>")
@roles("host")
def check_in(domain: str, topic: str | None = None):
    """The ticket, once: a double tap sends the same form key and gets the same ticket."""
    advice = _advise(domain, topic)
    values: dict[str, Any] = {key: request.form.get(key, "") for key in ("name", "language", "note", "email", "form_key")}
    values["needs"] = request.form.getlist("needs")
    try:
        visit = lobby.parse_visit(values)
        received = lobby.check_in(db(), router(), settings().queue, actor(), advice, visit, utcnow())
    except Conflict as error:
        db().rollback()
        return render("lobby/advice.html", advice=lobby.advise(db(), domain, topic or None, utcnow()),
                      note=values["note"], suggested=False, other_topics=[],
                      errors={"form": translate(error.args[0])}), 409
    except ValidationError as error:
        db().rollback()
        shown = {"citizen.name": "name", "citizen.email": "email", "language": "language", "needs": "needs",
                 "note": "note", "form": "form"}
        problems = {shown.get(field, "form"): translate(message) for field, message in error.fields.items()}
        if not values["form_key"] or "form" in problems:
            values["form_key"] = lobby.Visit().form_key
        return _details_page(advice, values, problems, 422)
    return redirect(url_for("lobby.ticket", contact_id=received.id))


@bp.get("/lobby/ticket/<int:contact_id>")
@roles("host")
def ticket(contact_id: int):
    """The ticket, large, to read out; with the expected wait and what the visitor keeps at hand."""
    now = utcnow()
    contact = db().get(Contact, contact_id)
    if contact is None or not contact.ticket or not may_see_in_lobby(actor(), contact, start_of_day(now)):
        abort(404)
    handling.open_contact(db(), actor(), contact, detail="lobby ticket")
    _position, wait = queues.position_and_wait(db(), contact, now) if contact.status == "waiting" else (None, None)
    return render("lobby/ticket.html", contact=contact, wait=wait)


# --- appointments ----------------------------------------------------------------------------------------------

@bp.post("/lobby/afspraak")
@roles("host")
def appointment_code():
    """The code typed or scanned: today's appointment, or a message at the field the host can read out."""
    code = request.form.get("code", "")
    try:
        found = appointments.by_code(db(), actor(), code, utcnow())
    except (ValidationError, NotFound, Conflict) as error:
        db().rollback()
        status = 422 if isinstance(error, ValidationError) else 404 if isinstance(error, NotFound) else 409
        message = error.fields["code"] if isinstance(error, ValidationError) else error.args[0]
        return render("lobby/page.html", **_page_context(errors={"code": translate(message)},
                                                         values={"code": code})), status
    return redirect(url_for("lobby.appointment", appointment_id=found.id))


def _todays_appointment(appointment_id: int) -> Appointment:
    """An appointment of today the host may see; another day's, or one not theirs to see, is not found."""
    now = utcnow()
    try:
        found = appointments.appointment_or_404(db(), actor(), appointment_id)
    except NotFound:
        abort(404)
    if local(found.starts_at).date() != local(now).date():
        abort(404)
    return found


def _appointment_page(found: Appointment, values: dict, errors: dict | None = None, status: int = 200):
    now = utcnow()
    queue = settings().queue
    return render("lobby/appointment.html", appointment=found, code=appointments.format_code(found.code),
                  advice=lobby.advise(db(), found.domain.slug, found.topic.slug, now),
                  arrival=appointments.arrival(found, now, queue.appointment_early_min, queue.appointment_late_min),
                  values=values, errors=errors or {}, languages=CITIZEN_LANGUAGES, needs=VISITOR_NEEDS), status


@bp.get("/lobby/afspraak/<int:appointment_id>")
@roles("host")
def appointment(appointment_id: int):
    """Who is expected, at what time, for what; on time or not; then what to bring, before the ticket."""
    found = _todays_appointment(appointment_id)
    if found.status == AppointmentStatus.checked_in and found.contact_id:
        return redirect(url_for("lobby.ticket", contact_id=found.contact_id))
    if found.status == AppointmentStatus.cancelled:
        return render("lobby/page.html", **_page_context(errors={"code": translate(appointments.CANCELLED)})), 409
    audit.record(db(), actor(), "appointment.open", object_type="appointment", object_id=found.id, detail="lobby")
    return _appointment_page(found, {"language": "nl"})


@bp.post("/lobby/afspraak/<int:appointment_id>")
@roles("host")
def appointment_answer(appointment_id: int):
    """Missing something: advice, counted. Everything there: the ticket, once (a double tap shows the same)."""
    found = _todays_appointment(appointment_id)
    if found.status == AppointmentStatus.checked_in and found.contact_id:
        return redirect(url_for("lobby.ticket", contact_id=found.contact_id))
    if found.status == AppointmentStatus.cancelled:
        return _appointment_page(found, {"language": "nl"}, {"form": translate(appointments.CANCELLED)}, 409)
    step = request.form.get("step", "")
    advice = lobby.advise(db(), found.domain.slug, found.topic.slug, utcnow())
    if step == "missing":
        lobby.turn_away(db(), advice, Turnaway.missing, utcnow())
        return render("lobby/advised.html", advice=advice, reason=Turnaway.missing, appointment=found)
    values: dict[str, Any] = {"language": request.form.get("language", "nl"), "note": request.form.get("note", ""),
                              "needs": request.form.getlist("needs"), "form_key": lobby.Visit().form_key}
    try:
        if step not in ("ahead", "walk_in"):
            raise ValidationError({"form": Msg("kies aanmelden, of 'mist iets'")})
        visit = lobby.parse_visit(values)
        received = lobby.check_in_appointment(db(), router(), settings().queue, actor(), found, visit, utcnow(),
                                              ahead=step == "ahead")
    except (ValidationError, Conflict) as error:
        db().rollback()
        if isinstance(error, Conflict):
            return _appointment_page(db().get_one(Appointment, appointment_id), values,
                                     {"form": translate(error.args[0])}, 409)
        shown = {"language": "language", "needs": "needs", "note": "note"}
        problems = {shown.get(name, "form"): translate(message) for name, message in error.fields.items()}
        return _appointment_page(db().get_one(Appointment, appointment_id), values, problems, 422)
    return redirect(url_for("lobby.ticket", contact_id=received.id))


# --- the waiting list ----------------------------------------------------------------------------------------

def _hall_page(errors: dict | None = None, status: int = 200, message: str | None = None):
    hall = hosting.hall(db(), actor(), utcnow())
    return render("lobby/hall.html", "lobby/_hall.html", hall=hall, domains=active_domains(db()),
                  errors=errors or {}, message=message, poll=request.headers.get("X-KCC-Poll") == "1"), status


GONE = Msg("Deze bezoeker staat niet (meer) op de lijst van vandaag; de lijst is bijgewerkt.")


@bp.get("/lobby/wachtenden")
@roles("host")
def waiting_list():
    """Everyone waiting, how long, for what; who needs a visit; which desks are staffed. Polls every 5 s."""
    return _hall_page()


@bp.post("/lobby/wachtenden/<int:contact_id>/<any('langs-geweest', 'naar-voren', 'ander-domein', 'vertrokken'):step>")
@roles("host")
def hall_action(contact_id: int, step: str):
    """A field problem shows at the visitor; a visitor called or gone meanwhile, above the list (409)."""
    now = utcnow()
    try:
        if step == "langs-geweest":
            hosting.visited(db(), actor(), contact_id, now)
        elif step == "naar-voren":
            hosting.move_forward(db(), actor(), contact_id, request.form.get("reason", ""), now)
        elif step == "ander-domein":
            hosting.move_domain(db(), actor(), contact_id, request.form.get("domain", ""), now)
        else:
            hosting.left(db(), actor(), contact_id, now)
    except ValidationError as error:
        db().rollback()
        return _hall_page({contact_id: field_errors(error)}, 422)
    except (Conflict, NotFound) as error:
        db().rollback()
        return _hall_page(status=409, message=translate(error.args[0] if isinstance(error, Conflict) else GONE))
    return _hall_page() if wants_fragment() else redirect(url_for("lobby.waiting_list"))


@bp.post("/lobby/niet-verschenen/<int:contact_id>/terug")
@roles("host")
def undo_no_show(contact_id: int):
    """A visitor marked as not there was there after all: back in the queue at their old place."""
    try:
        calls.undo_no_show(db(), actor(), contact_id, utcnow())
    except (Conflict, NotFound) as error:
        db().rollback()
        return _hall_page(status=409, message=translate(error.args[0] if isinstance(error, Conflict) else GONE))
    return _hall_page() if wants_fragment() else redirect(url_for("lobby.waiting_list"))


# --- the wall display ----------------------------------------------------------------------------------------

def _wall_or_closed():
    """The display opens with the code, from the display network, or for a logged-in host or lead; else a page
    saying how to open it (403). Returns None when it may open."""
    if display.may_open(settings(), request.args.get("code"), client_origin(), current_actor()):
        return None
    return render("lobby/wall_closed.html"), 403


def _wall() -> display.Wall:
    """Every display in the hall shows the same: made once a second per process, however many screens poll."""
    return polling.shared(("lobby wall", str(db().get_bind().engine.url)), 1.0,
                          lambda: display.Wall.of(lobby.board(db(), utcnow()), settings().municipality))


@bp.get("/lobby/scherm")
@public
def wall():
    """The wall display for a browser in kiosk mode; ?geluid=1 adds a chime to a call."""
    closed = _wall_or_closed()
    if closed is not None:
        return closed
    return render("lobby/wall.html", wall=_wall(), code=request.args.get("code", ""),
                  chime=request.args.get("geluid") == "1")


@bp.get("/lobby/scherm/stand")
@public
def wall_state():
    """What the display's script redraws every 2 seconds: tickets, desks and counts; never a name."""
    closed = _wall_or_closed()
    if closed is not None:
        return jsonify({"error": {"code": "forbidden", "message": "Open het scherm met de schermcode."}}), 403
    state = _wall()
    return jsonify({"municipality": state.municipality, "called": state.called, "domains": state.domains})
