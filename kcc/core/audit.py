"""The audit log (BIO): who opened or changed what, from where, with what result. Never secrets."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from kcc.models import AuditLog, Staff
from kcc.core.timeutil import utcnow

if TYPE_CHECKING:
    from kcc.staff.accounts import Principal  # accounts writes the audit log too


_INSERT = insert(AuditLog)  # built once: nearly every call writes one


def record(session: Session, action: str, result: str, *, actor: Staff | Principal | None = None,
           actor_name: str = "", object_type: str = "", object_id: object = "", origin: str = "",
           detail: str = "") -> None:
    """Write one audit entry in the session's transaction; the caller commits it with the work it describes."""
    session.connection().execute(_INSERT, {
        "at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "actor_name": (actor.username if actor is not None else actor_name)[:150],
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id)[:60],
        "result": result,
        "origin": origin[:100],
        "detail": detail[:500],
    })


def count_since(session: Session, action: str, result: str, since, *, actor_name: str | None = None,
                origin: str | None = None) -> int:
    query = select(func.count(AuditLog.id)).where(AuditLog.action == action, AuditLog.result == result,
                                                  AuditLog.at >= since)
    if actor_name is not None:
        query = query.where(AuditLog.actor_name == actor_name)
    if origin is not None:
        query = query.where(AuditLog.origin == origin)
    return session.scalar(query) or 0
