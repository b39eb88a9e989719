"""The wallboard and the period report: the team's figures per domain and channel, today and over a period —
waiting now, service level, half hours, weeks, CSV — and one's own count beside the team median, never anyone
else's."""
import csv
import io
from datetime import timedelta

from sqlalchemy import select

from kcc.core.actor import Actor
from kcc.core.timeutil import local, utcnow
from kcc.floor import wallboard
from kcc.models import Contact, Domain


def _domain(session, slug="burgerzaken") -> Domain:
    return session.scalar(select(Domain).where(Domain.slug == slug))


def _contact(session, minutes_ago, channel="phone", status="waiting", answered_after_s=None, owner=None,
             slug="burgerzaken"):
    now = utcnow()
    arrived = now - timedelta(minutes=minutes_ago)
    answered = arrived + timedelta(seconds=answered_after_s) if answered_after_s is not None else None
    contact = Contact(channel=channel, domain=_domain(session, slug), question="", status=status,
                      created_at=arrived, queued_at=arrived, rank_at=arrived, answered_at=answered,
                      closed_at=answered + timedelta(minutes=3) if status == "resolved" else None,
                      outcome="answered" if status == "resolved" else None, owner_id=owner)
    session.add(contact)
    return contact


def test_today_per_domain_and_channel_with_the_half_hours(session):
    now = utcnow()
    _contact(session, 4)
    _contact(session, 9, channel="counter")
    _contact(session, 20, status="resolved", answered_after_s=10)
    _contact(session, 25, status="resolved", answered_after_s=600)  # answered long after the target
    session.commit()
    today = local(now).date()
    burgerzaken = next(d for d in wallboard.board(session, today, today, now) if d.slug == "burgerzaken")
    phone = next(c for c in burgerzaken.channels if c.channel == "phone")
    counter = next(c for c in burgerzaken.channels if c.channel == "counter")
    assert (phone.waiting, counter.waiting) == (1, 1) and 8 * 60 <= counter.longest_wait_s <= 10 * 60
    assert phone.counts["contacts"] == 3 and burgerzaken.service_level == 0.5
    slots = wallboard.half_hours(session, today, now, burgerzaken.id)
    if 8 <= local(now).hour < 21:  # the half hours drawn run from 07:00 to 21:00; the contacts came in the last 25 min
        assert sum(slot.arrived or 0 for slot in slots) == 4
        now_slot = [slot for slot in slots if slot.waiting is not None][-1]
        assert now_slot.waiting == 2  # the two still waiting are waiting now
    assert len(slots) == 28 and all(slot.waiting is None for slot in slots if slot.start > now)  # 07:00-21:00


def test_weeks_sum_contacts_and_answered_in_one_go(session):
    for days_ago in (0, 8):
        contact = _contact(session, 60 * 24 * days_ago + 5, status="resolved", answered_after_s=5)
        contact.closed_at = contact.answered_at + timedelta(minutes=2)
    session.commit()
    now = utcnow()
    weeks = wallboard.weeks(session, local(now).date(), now, count=3)
    assert len(weeks) == 3 and sum(w.contacts for w in weeks) == 2 and sum(w.answered_in_one_go for w in weeks) == 2
    assert weeks[-1].monday.weekday() == 0


def test_my_own_count_beside_my_colleagues_median_and_nobody_elses(session, make_staff):
    me = make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary")])
    colleagues = [make_staff(name, roles=["agent"], skills=[("burgerzaken", "primary")]) for name in ("anna", "bram", "cor")]
    stranger = make_staff("tom", roles=["agent"], skills=[("vergunningen", "primary")])
    for person, helped in ((me, 2), (colleagues[0], 1), (colleagues[1], 4), (colleagues[2], 6)):
        for n in range(helped):
            _contact(session, 30 + n, status="resolved", answered_after_s=5, owner=person.id)
    for n in range(9):
        _contact(session, 40 + n, status="resolved", answered_after_s=5, owner=stranger.id, slug="vergunningen")
    session.commit()
    mine = wallboard.own_count(session, Actor.of(me), utcnow())
    assert (mine.helped, mine.team_median, mine.colleagues) == (2, 4, 3)
    assert set(vars(mine)) == {"helped", "team_median", "colleagues"}  # nobody else's count leaves the function


def test_the_wallboard_opens_for_the_team_or_with_the_display_code(app, session, make_staff, auth):
    make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary")], name="Fatima el Amrani")
    make_staff("ahmed", roles=["lead"], skills=[("burgerzaken", "primary")])
    _contact(session, 3)
    session.commit()
    assert auth.client.get("/vloer/wand").status_code == 403
    auth.login("fatima")
    assert auth.client.get("/vloer/wand").status_code == 403
    auth.logout()
    auth.login("ahmed")
    page = auth.client.get("/vloer/wand")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Wacht nu" in html and "<svg" in html and "Fatima" not in html
    assert 'hx-trigger="every 30s"' in html


def test_the_report_keeps_a_wrong_date_and_exports_csv(session, make_staff, auth):
    make_staff("ahmed", roles=["lead"], skills=[("burgerzaken", "primary")])
    make_staff("fatima", roles=["agent"], skills=[("burgerzaken", "primary")])
    _contact(session, 30, status="resolved", answered_after_s=5)
    session.commit()
    auth.login("fatima")
    assert auth.client.get("/vloer/rapport").status_code == 403
    auth.logout()
    auth.login("ahmed")
    wrong = auth.client.get("/vloer/rapport?van=gisteren&tot=2026-01-01")
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "kies een datum" in html and 'value="gisteren"' in html
    backwards = auth.client.get("/vloer/rapport?van=2026-02-01&tot=2026-01-01")
    assert backwards.status_code == 422 and "de einddatum ligt voor de begindatum" in backwards.get_data(as_text=True)
    today = local(utcnow()).date().isoformat()
    page = auth.client.get(f"/vloer/rapport?van={today}&tot={today}")
    assert page.status_code == 200 and "Burgerzaken" in page.get_data(as_text=True)
    exported = auth.client.get(f"/vloer/rapport.csv?van={today}&tot={today}&domein=burgerzaken")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True)), delimiter=";"))
    phone = next(r for r in rows if r["channel"] == "phone")
    assert phone["domain"] == "burgerzaken" and phone["contacts"] == "1" and phone["answered_in_one_go"] == "1"
    assert {r["domain"] for r in rows} == {"burgerzaken"}
    assert auth.client.get("/vloer/rapport.csv?van=x").status_code == 422
    empty = auth.client.get("/vloer/rapport?van=2020-01-06&tot=2020-01-12").get_data(as_text=True)
    assert "Geen contacten van 06-01-2020 tot en met 12-01-2020" in empty
