"""Every hot path runs a fixed number of SQL statements, whatever lies behind it: the same count with a little
history as with three times as much (and three times the colleagues for the lists of people).

What each screen polls and what the softphone and the telephony platform call all day is measured here on both
databases; a statement that loads per row (a citizen per contact, the teams per colleague) makes these fail.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from kcc.core.timeutil import local, utcnow
from kcc.models import AuditLog, Citizen, Contact, ContactEvent, Handover, Task, TaskAttempt, Team
from kcc.web import polling
from tests.conftest import Auth

REPEAT_PHONE = "+31612345678"


@contextmanager
def counted(app):
    """The statements sent to the database inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.extensions["kcc.engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def add_history(session, make_staff, rounds: int, start: int) -> None:
    """`rounds` past days of history: resolved calls of a repeat caller and others, counter visits called to a
    desk earlier today, handovers accepted, callbacks done, timeline events and audit entries; and more colleagues."""
    now = utcnow()
    team = session.query(Team).filter(Team.domain.has(slug="sociaal")).first()
    for n in range(start, start + rounds):
        make_staff(f"collega{n}", skills=[("burgerzaken", "primary"), ("sociaal", "secondary")], teams=["wmo-consulenten"])
        for k, (domain_id, channel) in enumerate([(1, "phone"), (3, "phone"), (1, "counter"), (2, "email")]):
            at = now - timedelta(days=n % 40 + 1, minutes=k)
            citizen = Citizen(phone=REPEAT_PHONE if k == 0 else f"+3161000{n:04d}")
            contact = Contact(channel=channel, citizen=citizen, question="vraag", domain_id=domain_id, status="resolved",
                              outcome="answered", created_at=at, queued_at=at, rank_at=at, updated_at=at,
                              answered_at=at + timedelta(seconds=30), closed_at=at + timedelta(minutes=4))
            if channel == "counter":  # called to a desk earlier today, long before the display's quarter of an hour
                contact.ticket, contact.answered_at = f"B{n:03d}", local(now).replace(hour=0, minute=1) + timedelta(seconds=n)
            session.add(contact)
            session.flush()
            for kind in ("arrived", "routed", "claimed", "resolved"):
                session.add(ContactEvent(contact_id=contact.id, type=kind, at=at, data={}))
            session.add_all([AuditLog(action=a, object_type="contact", object_id=str(contact.id), result="ok", at=at)
                             for a in ("contact.create", "contact.claim", "contact.resolve")])
            if k == 1:
                offer = Handover(contact_id=contact.id, from_staff_id=1, to_team_id=team.id, summary="s",
                                 status="accepted", created_at=at, expires_at=at + timedelta(minutes=1))
                session.add(offer)
                session.flush()
                session.add(Task(contact_id=contact.id, team_id=team.id, handover_id=offer.id, summary="s",
                                 state="done", created_at=at, deadline=at + timedelta(days=2),
                                 completed_at=at + timedelta(days=1)))
            if k == 3:  # callbacks still open for the team: some due later, some over time, one with an attempt
                due_later = n % 2 == 1  # made today, due tomorrow; the others are over time since long ago
                task = Task(contact_id=contact.id, team_id=team.id, summary="s", state="open",
                            created_at=now - timedelta(hours=1) if due_later else at,
                            deadline=now + timedelta(days=1) if due_later else at + timedelta(days=1),
                            owner_id=1 if n % 3 == 0 else None)
                session.add(task)
                if n % 3 == 0:
                    session.add(TaskAttempt(task=task, actor_id=1, at=at, reached=False, note="geen gehoor"))
    session.commit()


@pytest.fixture
def world(app, client, auth, api, session, make_staff):
    """Anna works burgerzaken and sociaal on her screen and her softphone; the people whose screens poll."""
    anna = api("anna", skills=[("burgerzaken", "primary"), ("sociaal", "secondary")])
    anna.put("/me/presence", json={"state": "available"})
    callers = {"anna": anna, "telefonie": api("telefonie", roles=["integration"], skills=[]),
               "lead": api("ahmed", roles=["lead"], skills=[]), "host": api("lotte", roles=["host"], skills=[])}
    make_staff("ingrid", roles=["specialist"], teams=["wmo-consulenten"])
    return callers


def _waiting(callers, **citizen):
    body = {"channel": "phone", "question": "", "domain": "burgerzaken", **({"citizen": citizen} if citizen else {})}
    return callers["telefonie"].post("/contacts", json=body).get_json()["id"]


def _calls(app, client, auth, callers) -> dict[str, Callable[[], object]]:
    """Each hot path as a call that leaves the world as it found it (apart from the history it adds to)."""
    today = local(utcnow()).date()
    browsers: dict[str, object] = {}

    def browser(user: str):
        """Each person's own browser, logged in once."""
        if user not in browsers:
            browsers[user] = app.test_client()
            Auth(browsers[user]).login(user)
        return browsers[user]

    def web(user: str, path: str) -> Callable[[], object]:
        def call():
            screen = browser(user)
            polling.forget_shared()  # what screens share is made once per 2 s: count the making
            with counted(app) as statements:
                response = screen.get(path, headers={"HX-Request": "true"})
            assert response.status_code in (200, 204), (path, response.status_code)
            return statements
        return call

    def api_call(user: str, method: str, path: str, **kwargs) -> Callable[[], object]:
        def call():
            with counted(app) as statements:
                response = callers[user].open(method, path, **kwargs)
            assert response.status_code < 300, (path, response.get_data(as_text=True))
            return statements
        return call

    def claim():
        contact_id = _waiting(callers)
        with counted(app) as statements:
            assert callers["anna"].post("/me/next").get_json()["id"] == contact_id
        callers["anna"].post(f"/contacts/{contact_id}/resolve", json={"outcome": "answered"})
        return statements

    def intake_of_a_repeat_caller():
        with counted(app) as statements:
            answer = callers["telefonie"].post("/contacts", json={"channel": "phone", "question": "", "domain": "burgerzaken",
                                                                  "citizen": {"phone": REPEAT_PHONE}}).get_json()
        assert answer["repeat"] is True and answer["position"] is not None
        callers["telefonie"].post(f"/contacts/{answer['id']}/abandon")
        return statements

    def offered(path: str):
        """A screen while a contact waits for Anna (her offer), the contact hung up afterwards."""
        def call():
            contact_id = _waiting(callers)
            statements = web("anna", path)()
            callers["telefonie"].post(f"/contacts/{contact_id}/abandon")
            return statements
        return call

    def busy_workspace():
        """Anna's workspace with a repeat caller in hand: earlier contacts, open tasks, colleagues to hand over to."""
        contact_id = _waiting(callers, phone=REPEAT_PHONE)
        callers["anna"].post("/me/next")
        statements = web("anna", "/werkplek/huidig")()
        callers["anna"].post(f"/contacts/{contact_id}/resolve", json={"outcome": "answered"})
        return statements

    return {
        "claim (me/next)": claim,
        "intake of a repeat caller": intake_of_a_repeat_caller,
        "queues": api_call("lead", "GET", "/queues"),
        "lobby display": api_call("host", "GET", "/lobby/display"),
        **{f"indicators over {days} days": api_call("lead", "GET", f"/indicators?from={today - timedelta(days=days - 1)}&to={today}")
           for days in (1, 30, 365)},
        "workspace: the offer": offered("/werkplek/huidig"),
        "workspace: the queue panel": web("anna", "/werkplek/wachtrij"),
        "workspace: my handovers": web("anna", "/werkplek/overdrachten"),
        "workspace: offers to me": web("anna", "/overdracht/aanbod"),
        "workspace: a contact in hand": busy_workspace,
        "floor": web("ahmed", "/vloer"),
        "tasks": web("ingrid", "/taken"),
    }


def _measure(calls) -> dict[str, int]:
    counts = {}
    for name, call in calls.items():
        call()  # the first call may fill what is kept (settled days, a profile): the second is every other call
        counts[name] = len(call())
    return counts


def test_hot_paths_run_the_same_statements_however_much_history(app, client, auth, session, make_staff, world):
    calls = _calls(app, client, auth, world)
    add_history(session, make_staff, rounds=5, start=0)
    small = _measure(calls)
    add_history(session, make_staff, rounds=15, start=5)
    large = _measure(calls)
    grew = {name: (small[name], large[name]) for name in calls if large[name] != small[name]}
    assert not grew, f"statements grew with history (small, large): {grew}"
    assert max(small.values()) <= 25, small  # and a handful each, not dozens
