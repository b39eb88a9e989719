"""The audit log (BIO): who opened or changed what, from where, with what result. Never secrets.

Operations write their own entry, in the same transaction as the work it describes, so the screens, the
API and the CLI cannot drift apart. Every action name is listed once, here, with the Dutch label an
administrator reads in /beheer/auditlog; an unlisted name is a programming error.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from kcc.core.actor import Actor
from kcc.core.errors import Msg
from kcc.core.timeutil import utcnow
from kcc.models import AuditLog, Staff

ACTIONS: dict[str, Msg] = {
    "session.login": Msg("Inloggen"),
    "session.logout": Msg("Uitloggen"),
    "session.timeout": Msg("Sessie verlopen na inactiviteit"),
    "session.ended": Msg("Sessies beëindigd"),
    "access.denied": Msg("Toegang geweigerd"),
    "api.token_refused": Msg("API-token geweigerd"),
    "request.csrf_refused": Msg("Formulier geweigerd: geen geldig CSRF-token"),
    "staff.create": Msg("Medewerker aangemaakt"),
    "staff.update": Msg("Medewerker gewijzigd"),
    "staff.roles": Msg("Rollen van medewerker gewijzigd"),
    "staff.password": Msg("Wachtwoord van medewerker gewijzigd"),
    "desk.create": Msg("Balie aangemaakt"),
    "desk.update": Msg("Balie gewijzigd"),
    "token.create": Msg("API-sleutel aangemaakt"),
    "token.revoke": Msg("API-sleutel ingetrokken"),
    "appointment.create": Msg("Afspraak gemaakt"),
    "appointment.import": Msg("Afspraken ingelezen uit een bestand"),
    "appointment.open": Msg("Afspraken bekeken"),
    "appointment.cancel": Msg("Afspraak geannuleerd"),
    "appointment.check_in": Msg("Afspraak aangemeld in de hal"),
    "signal.raise": Msg("Knelpunt gemeld"),
    "signal.merge": Msg("Knelpunten samengevoegd"),
    "signal.update": Msg("Knelpunt bijgewerkt"),
    "signal.thank": Msg("Inwoners bedankt voor hun tip"),
    "feedback.answer": Msg("Inwoner beantwoordde „Bent u goed geholpen?”"),
    "staff.deploy": Msg("Medewerker op andere domeinen ingezet"),
    "mood.set": Msg("Weekgevoel doorgegeven"),
    "mood.read": Msg("Weekbeeld van het team bekeken"),
    "coaching.add": Msg("Coachingsnotitie toegevoegd"),
    "guide.update": Msg("Gespreksleidraad bijgewerkt"),
    "contact.create": Msg("Contact ontvangen"),
    "contact.claim": Msg("Contact aangenomen"),
    "contact.recall": Msg("Bezoeker opnieuw opgeroepen"),
    "contact.no_show": Msg("Bezoeker niet verschenen"),
    "contact.no_show_undo": Msg("Niet verschenen teruggezet in de wachtrij"),
    "contact.released": Msg("Contact terug in de wachtrij: medewerker te lang stil"),
    "contact.break_glass": Msg("Gevoelig contact geopend met opgegeven reden"),
    "contact.start": Msg("Bezoeker aan de balie"),
    "contact.move": Msg("Bezoeker verplaatst in de wachtrij"),
    "contact.open": Msg("Contact geopend"),
    "contact.reroute": Msg("Domein of onderwerp gecorrigeerd"),
    "contact.update": Msg("Contact bijgewerkt"),
    "contact.resolve": Msg("Contact afgerond"),
    "contact.abandon": Msg("Contact afgebroken (inwoner hing op of vertrok)"),
    "citizen.open": Msg("Gegevens en eerdere contacten van inwoner geopend"),
    "note.add": Msg("Notitie toegevoegd"),
    "handover.offer": Msg("Warme overdracht aangeboden"),
    "handover.open": Msg("Overdracht gelezen"),
    "handover.accept": Msg("Overdracht aangenomen"),
    "handover.decline": Msg("Overdracht geweigerd"),
    "handover.expire": Msg("Overdracht verlopen: terugbelverzoek gemaakt"),
    "task.create": Msg("Terugbelverzoek gemaakt"),
    "task.claim": Msg("Terugbelverzoek toegewezen"),
    "task.attempt": Msg("Belpoging vastgelegd"),
    "task.forward": Msg("Terugbelverzoek doorgestuurd"),
    "task.complete": Msg("Terugbelverzoek afgerond"),
    "retention.run": Msg("Bewaartermijnen toegepast: oude gegevens geanonimiseerd en verwijderd"),
}

RESULTS: dict[str, Msg] = {
    "ok": Msg("gelukt"),
    "existing": Msg("bestond al"),
    "failure": Msg("mislukt"),
    "throttled": Msg("geblokkeerd: te veel pogingen"),
    "denied": Msg("geweigerd"),
}

_INSERT = insert(AuditLog)  # built once: nearly every call writes one


def record(session: Session, actor: Actor | None, action: str, *, object_type: str = "", object_id: object = "",
           result: str = "ok", detail: str = "", actor_name: str = "", origin: str | None = None) -> None:
    """Write one audit entry in the session's transaction; it is committed with the work it describes."""
    if action not in ACTIONS:
        raise ValueError(f"audit action {action!r} is not in kcc.core.audit.ACTIONS")
    if result not in RESULTS:
        raise ValueError(f"audit result {result!r} is not in kcc.core.audit.RESULTS")
    session.connection().execute(_INSERT, {
        "at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor_name": (actor.username if actor is not None else actor_name)[:150],
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id)[:60],
        "result": result,
        "origin": (origin if origin is not None else actor.origin if actor is not None else "")[:100],
        "detail": detail[:500],
    })


def search(session: Session, text: str = "", *, actions: Iterable[str] = (), results: Iterable[str] = (),
           who: str = "", action: str = "", contact_id: int | None = None, since: datetime | None = None,
           until: datetime | None = None, limit: int = 200) -> list[AuditLog]:
    """The latest entries, newest first; with `text`, those whose action, result, user name, the person's
    name or object matches it, or whose action or result is one of those given (matched on their label).
    `who` (user name or name), `action`, `contact_id` (the contact, or a task of it) and a time span narrow
    it further."""
    query = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if who:
        like = f"%{who}%"
        query = query.where(or_(AuditLog.actor_name.ilike(like),
                                AuditLog.actor_id.in_(select(Staff.id).where(Staff.name.ilike(like)))))
    if action:
        query = query.where(AuditLog.action == action)
    if contact_id is not None:
        query = query.where(or_((AuditLog.object_type == "contact") & (AuditLog.object_id == str(contact_id)),
                                AuditLog.detail == f"contact {contact_id}",
                                AuditLog.detail.like(f"contact {contact_id} %")))
    if since is not None:
        query = query.where(AuditLog.at >= since)
    if until is not None:
        query = query.where(AuditLog.at < until)
    if text:
        like = f"%{text}%"
        query = query.outerjoin(Staff, Staff.id == AuditLog.actor_id).where(or_(
            AuditLog.action.ilike(like), AuditLog.result.ilike(like), AuditLog.actor_name.ilike(like),
            Staff.name.ilike(like), AuditLog.object_id.ilike(like), AuditLog.detail.ilike(like),
            AuditLog.action.in_(list(actions)), AuditLog.result.in_(list(results))))
    return list(session.scalars(query))


def count_since(session: Session, action: str, result: str, since: datetime, *, actor_name: str | None = None,
                origin: str | None = None) -> int:
    """How often this happened lately: login throttling counts failures with it."""
    query = select(func.count(AuditLog.id)).where(AuditLog.action == action, AuditLog.result == result,
                                                  AuditLog.at >= since)
    if actor_name is not None:
        query = query.where(AuditLog.actor_name == actor_name)
    if origin is not None:
        query = query.where(AuditLog.origin == origin)
    return session.scalar(query) or 0
