"""A claimer loop for the concurrency tests, importable by a separate process (spawn)."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from kcc.config import QueueSettings
from kcc.core.actor import Actor
from kcc.core.db import make_engine, make_sessionmaker
from kcc.core.timeutil import utcnow
from kcc.models import Contact, Staff
from kcc.queues.operations import claim_next, resolve

SETTINGS = QueueSettings(language_wait_s=0, presence_fresh_s=3600, headstart_s={})


def claim_until_empty(url: str, staff_id: int, deadline_s: float = 120.0) -> list[int]:
    """Claim and resolve until nothing waits; return the ids this claimer was given."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    got: list[int] = []
    stop = time.monotonic() + deadline_s
    try:
        while time.monotonic() < stop:
            with sessions() as session:
                staff = session.get(Staff, staff_id)
                contact = claim_next(session, Actor.of(staff), utcnow(), SETTINGS)
                if contact is not None:
                    got.append(contact.id)
                    session.commit()
                    resolve(session, contact.id, Actor.of(staff), "answered", utcnow())
                    session.commit()
                    continue
                session.commit()
                left = session.scalar(select(func.count()).select_from(Contact).where(Contact.status == "waiting"))
            if not left:
                return got
            time.sleep(0.002)  # a colleague is waiting longer for the next one: give them their turn
        raise TimeoutError(f"staff {staff_id} still saw waiting contacts after {deadline_s}s")
    finally:
        engine.dispose()
