"""Error responses: a Dutch page for screens, the contract's JSON for the API. Never a stack trace."""
from __future__ import annotations

from flask import Flask, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from kcc.core.errors import NotAllowed, NotFound
from kcc.web.input import BadCharacter, BadJson
from kcc.web.request import current_actor, render, translate, wants_fragment
from kcc.web.unit_of_work import record_attack, record_refusal


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Dat ging niet goed"), _("Het verzoek was niet compleet of niet juist. Ga terug en probeer het opnieuw.")),
        403: (_("Geen toegang"), _("Je hebt geen rechten voor deze pagina. Denk je dat dit niet klopt? Vraag het "
                                  "functioneel beheer om je rollen aan te passen.")),
        404: (_("Pagina niet gevonden"), _("Deze pagina bestaat niet (meer). Controleer het adres of ga naar de startpagina.")),
        405: (_("Dat kan zo niet"), _("Deze pagina werkt niet op deze manier. Ga terug en probeer het opnieuw.")),
        422: (_("Dat kan zo niet worden opgeslagen"), _("Wat je stuurde bevat iets dat niet kan worden opgeslagen. Ga "
                                                       "terug, pas het aan en probeer het opnieuw.")),
        413: (_("Te groot"), _("Wat je stuurde is te groot. Maak het kleiner en probeer het opnieuw.")),
        429: (_("Even wachten"), _("Er kwamen te veel verzoeken tegelijk. Wacht even en probeer het opnieuw.")),
        500: (_("Er ging iets mis"), _("Er ging bij ons iets mis. Er is niets opgeslagen van deze handeling. "
                                      "Probeer het opnieuw; blijft het misgaan, meld het dan bij functioneel beheer.")),
        503: (_("Even niet beschikbaar"), _("De database is nu niet bereikbaar. Probeer het over een paar minuten opnieuw.")),
    }


def _page(status: int, detail: str | None = None):
    title, message = _messages().get(status, _messages()[400])
    return render("errors/error.html", status=status, title=title, message=detail or message), status


def _is_api() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    from kcc.api import api_error_response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        record_attack("request.csrf_refused", error.description or "CSRF token missing or invalid")
        if _is_api():
            return api_error_response(400, "bad_request", "This request was not accepted.")
        return _page(400, _("Het formulier was verlopen of niet compleet. Laad de pagina opnieuw en probeer het nog eens; "
                            "wat je had ingevuld staat er dan niet meer in."))

    @app.errorhandler(BadCharacter)
    def bad_character(error: BadCharacter):
        if _is_api():
            return api_error_response(422, "validation_failed", f"The field '{error.field}' holds a control character "
                                      "(such as a NUL byte); remove it and send again.",
                                      {error.field: "contains a control character that cannot be stored"})
        return _page(422, _("Het veld ‘%(field)s’ bevat een onzichtbaar stuurteken dat niet kan worden opgeslagen. "
                            "Ga terug, haal het weg en probeer het opnieuw.", field=error.field))

    @app.errorhandler(BadJson)
    def bad_json(error: BadJson):
        if _is_api():
            return api_error_response(400, "bad_request", str(error))
        return _page(400)

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        message = translate(error.args[0]) if error.args else None
        if _is_api():
            return api_error_response(404, "not_found", message)
        return _page(404)

    @app.errorhandler(NotAllowed)
    def not_allowed(error: NotAllowed):
        """A policy refusal (kcc.policy): 403, and the refusal in the audit log."""
        record_refusal(current_actor(), error.reason)
        if _is_api():
            return api_error_response(403, "forbidden", translate(error.args[0]))
        return _page(403)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = _http_error(error)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response = make_response(response)
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))  # what would have worked
        return response

    def _http_error(error: HTTPException):
        status = error.code or 500
        if _is_api():
            return api_error_response(status, None, None)
        if status == 401:
            target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
            if wants_fragment():
                response = redirect(target)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target)
        return _page(status)

    @app.errorhandler(OperationalError)
    def database_down(error: OperationalError):
        app.logger.error("database unreachable: %s", error.orig)
        if _is_api():
            return api_error_response(503, "database_unavailable", "The database cannot be reached; try again shortly.")
        return _page(503)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if _is_api():
            return api_error_response(500, "internal_error", "Something went wrong on our side; nothing was saved.")
        return _page(InternalServerError.code)
