"""Indicators as SQL aggregates per day, settled days kept: the same figures as a count by hand, however they are read."""
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import AMSTERDAM, local, utcnow
from kcc.floor import indicators as figures
from kcc.models import Contact, Handover, IndicatorDay, SettledDay, Task, Team

SETTINGS = QueueSettings(headstart_s={})


def _at(days_ago: int, hour: int, now: datetime) -> datetime:
    """A moment on a local day some days before `now`'s."""
    return datetime.combine(local(now).date() - timedelta(days=days_ago), time(hour), tzinfo=AMSTERDAM)


def _arrive(session, at: datetime, domain="burgerzaken", channel="phone", phone=None) -> Contact:
    data = intake.parse_contact({"channel": channel, "question": "" if channel == "phone" else "Wanneer?", "domain": domain,
                                 **({"citizen": {"phone": phone}} if phone else {})})
    return intake.receive(session, data, Router.from_session(session), SETTINGS, at, actor=Actor.system("test")).contact


def _resolve(contact: Contact, after_s: int, outcome="answered") -> None:
    contact.status, contact.outcome = "resolved", outcome
    contact.answered_at = contact.created_at + timedelta(seconds=after_s)
    contact.closed_at = contact.answered_at + timedelta(minutes=3)


def _history(session, make_staff, now: datetime) -> dict:
    """Ten days of contacts, a handover, callbacks on time and late; returns the objects a test looks at."""
    anna = make_staff("anna", skills=[("burgerzaken", "primary"), ("sociaal", "secondary")])
    team = session.scalar(select(Team).where(Team.domain.has(slug="sociaal")))
    made = {}
    # ten days ago: two phone calls (one within the 20 s target, one not), an abandoned call, a repeat caller
    first = _arrive(session, _at(10, 9, now), phone="0612345678")
    _resolve(first, 10)
    second = _arrive(session, _at(10, 11, now), phone="0612345678")
    _resolve(second, 300)
    _arrive(session, _at(10, 12, now)).status = "abandoned"
    # five days ago: a social-domain call handed over, its callback done late
    moved = _arrive(session, _at(5, 10, now), domain="sociaal")
    _resolve(moved, 5, outcome="callback_done")
    offer = Handover(contact_id=moved.id, from_staff_id=anna.id, to_team_id=team.id, summary="s", status="expired",
                     created_at=moved.answered_at, expires_at=moved.answered_at + timedelta(minutes=1))
    session.add(offer)
    session.flush()
    session.add(Task(contact_id=moved.id, team_id=team.id, handover_id=offer.id, summary="s", state="done",
                     created_at=offer.expires_at, deadline=_at(4, 17, now), completed_at=_at(3, 9, now)))
    # five days ago too: an e-mail answered the same day
    _resolve(_arrive(session, _at(5, 14, now), channel="email"), 3600)
    # yesterday and today: calls in one go
    _resolve(_arrive(session, _at(1, 10, now)), 15)
    made["today"] = _arrive(session, now - timedelta(minutes=5))
    session.commit()
    made.update(anna=anna, team=team, moved=moved)
    return made


def _row(rows, domain, channel):
    return next(r for r in rows if r["domain"] == domain and r["channel"] == channel)


def test_indicators_count_as_by_hand_and_read_the_same_once_kept(session, make_staff):
    now = utcnow()
    _history(session, make_staff, now)
    start, end = local(now).date() - timedelta(days=30), local(now).date()
    fresh = figures.indicators(session, start, end, now)
    session.commit()
    phone = _row(fresh, "burgerzaken", "phone")
    assert phone["contacts"] == 5  # three ten days ago, one yesterday, one today (still waiting)
    assert phone["abandoned"] == 1 and phone["answered_in_one_go"] == 3
    assert phone["service_level"] == round(2 / 3, 3)  # 10 s and 15 s within 20 s, 300 s not
    assert phone["repeat_contacts"] == 1  # the same number twice within 7 days: the second is a repeat
    social = _row(fresh, "sociaal", "phone")
    assert social["contacts"] == 1 and social["answered_in_one_go"] == 0  # it was handed over
    assert (social["handovers_offered"], social["handovers_expired"], social["handovers_accepted"]) == (1, 1, 0)
    assert (social["callbacks_created"], social["callbacks_on_time"], social["callbacks_overdue"]) == (1, 0, 1)
    assert _row(fresh, "burgerzaken", "email")["answered_in_one_go"] == 1
    assert len(fresh) == 4 * 4 and all(r["signals_raised"] == 0 and r["feedback_asked"] == 0 for r in fresh)
    # the days that can no longer change are kept; yesterday and today are counted afresh every time
    kept = set(session.scalars(select(SettledDay.day)))
    assert local(now).date() - timedelta(days=10) in kept and local(now).date() - timedelta(days=5) in kept
    assert not kept & {local(now).date(), local(now).date() - timedelta(days=1)}
    assert session.scalar(select(func.count()).select_from(IndicatorDay)) == 3  # (day, domain, channel) with contacts
    assert figures.indicators(session, start, end, now) == fresh  # read back from the kept days: the same figures
    assert _row(figures.indicators(session, start, end, now, domain="sociaal"), "sociaal", "phone") == social


def test_a_day_with_a_callback_still_running_is_not_kept(session, make_staff):
    now = utcnow()
    made = _history(session, make_staff, now)
    running = _arrive(session, _at(6, 10, now), domain="sociaal")
    _resolve(running, 5, outcome="callback_done")
    running.status = "callback_scheduled"
    session.add(Task(contact_id=running.id, team_id=made["team"].id, summary="s", state="open",
                     created_at=_at(6, 11, now), deadline=now + timedelta(days=1)))
    session.commit()
    day = local(now).date() - timedelta(days=6)
    row = _row(figures.indicators(session, day, day, now), "sociaal", "phone")
    assert row["callbacks_created"] == 1 and row["callbacks_on_time"] == 0 and row["callbacks_overdue"] == 0
    assert session.get(SettledDay, day) is None  # its deadline lies ahead: it may still be done on time
    later = now + timedelta(days=2)  # the deadline has passed without the callback: overdue, for good
    row = _row(figures.indicators(session, day, day, later), "sociaal", "phone")
    assert row["callbacks_overdue"] == 1 and session.get(SettledDay, day) is not None


def test_the_worker_keeps_days_ahead_of_the_readers(session, make_staff):
    now = utcnow()
    _history(session, make_staff, now)
    looked_at = figures.settle(session, now, limit=3)
    assert looked_at == 3  # the newest unkept days first, a few per round
    while figures.settle(session, now):
        pass
    session.commit()
    days = set(session.scalars(select(SettledDay.day)))
    assert min(days) == local(now).date() - timedelta(days=10) and max(days) == local(now).date() - timedelta(days=2)


def test_repeat_is_taken_at_arrival(session, make_staff):
    now = utcnow()
    first = _arrive(session, now - timedelta(days=8), phone="0687654321")
    second = _arrive(session, now - timedelta(days=2), phone="0687654321")  # 6 days later: a repeat
    third = _arrive(session, now, phone="0611111111")
    assert (first.repeated, second.repeated, third.repeated) == (False, True, False)
