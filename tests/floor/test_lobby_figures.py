"""The lobby's figures: waiting and service time per domain and per Amsterdam hour, no-shows, visitors gone before
their turn and those sent home at the door — as counted by hand, each domain apart, never per person."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select

from kcc.core.timeutil import AMSTERDAM
from kcc.floor.lobby_figures import Spread, lobby_figures
from kcc.models import Contact, Domain, LobbyTurnaway

DAY = date(2026, 6, 9)  # a Tuesday in summer time (UTC+2): an Amsterdam hour is never the UTC hour


def _at(clock: str, day: date = DAY) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM)


def _domain_id(session, slug: str) -> int:
    return session.scalar(select(Domain.id).where(Domain.slug == slug))


def visitor(session, slug: str, ticket: datetime, called: datetime | None = None, started: datetime | None = None,
            closed: datetime | None = None, status: str = "waiting", outcome: str | None = None, calls: int | None = None,
            last_call: datetime | None = None) -> Contact:
    """A counter visitor as the lobby leaves it: ticketed, perhaps called (answered_at: the first call; called_at:
    the last), perhaps seated (started_at), perhaps closed."""
    contact = Contact(channel="counter", domain_id=_domain_id(session, slug), question="", status=status,
                      outcome=outcome, ticket="B001", created_at=ticket, queued_at=ticket, rank_at=ticket,
                      updated_at=closed or ticket, answered_at=called, called_at=last_call or called,
                      calls=calls if calls is not None else int(called is not None), started_at=started,
                      closed_at=closed)
    session.add(contact)
    return contact


def turned_away(session, slug: str, reason: str, at: datetime) -> None:
    session.add(LobbyTurnaway(at=at, domain_id=_domain_id(session, slug), reason=reason))


def lobby_day(session, day: date = DAY) -> None:
    """One day at the counter of burgerzaken and sociaal, with visitors just outside the day on either side."""
    def at(clock: str) -> datetime:
        return _at(clock, day)

    # burgerzaken: two helped in the 9 o'clock hour (waits 10 and 30 min, service 10 and 5 min)
    visitor(session, "burgerzaken", at("09:10"), at("09:20"), at("09:21"), at("09:31"), "resolved", "answered")
    visitor(session, "burgerzaken", at("09:40"), at("10:10"), at("10:11"), at("10:16"), "resolved", "referred_external")
    # a no-show: called at 10:15 after 10 min, called again at 10:20 (the first call counts), never came
    visitor(session, "burgerzaken", at("10:05"), at("10:15"), None, at("10:22"), "abandoned", calls=2,
            last_call=at("10:20"))
    # gone before their turn: never called
    visitor(session, "burgerzaken", at("10:30"), None, None, at("10:50"), "abandoned")
    # called after 2 min and seated, but finished days later by a callback: a wait, no service time at the desk
    visitor(session, "burgerzaken", at("11:00"), at("11:02"), at("11:03"), at("11:08") + timedelta(days=2),
            "resolved", "callback_done")
    # sociaal: one visitor, 1 min waiting and 40 min at the desk
    visitor(session, "sociaal", at("09:15"), at("09:16"), at("09:17"), at("09:57"), "resolved", "answered")
    # sent home at the door
    turned_away(session, "burgerzaken", "missing", at("09:05"))
    turned_away(session, "burgerzaken", "missing", at("14:45"))
    turned_away(session, "burgerzaken", "not_at_counter", at("11:30"))
    turned_away(session, "sociaal", "closed", at("17:05"))
    # just outside the Amsterdam day: the evening before and just after midnight (still the same UTC day)
    before, after = datetime.combine(day, time(0), tzinfo=AMSTERDAM) - timedelta(minutes=30), \
        datetime.combine(day + timedelta(days=1), time(0, 30), tzinfo=AMSTERDAM)
    visitor(session, "burgerzaken", before, before + timedelta(minutes=1), before + timedelta(minutes=2),
            before + timedelta(minutes=3), "resolved", "answered")
    visitor(session, "burgerzaken", after, after + timedelta(minutes=1), after + timedelta(minutes=2),
            after + timedelta(minutes=3), "resolved", "answered")
    turned_away(session, "burgerzaken", "missing", before)
    turned_away(session, "burgerzaken", "missing", after)
    # a phone call of the same domain and day is no lobby visitor
    session.add(Contact(channel="phone", domain_id=_domain_id(session, "burgerzaken"), question="", status="resolved",
                        outcome="answered", created_at=at("09:00"), queued_at=at("09:00"), rank_at=at("09:00"),
                        updated_at=at("09:10"), answered_at=at("09:01"), closed_at=at("09:10")))
    session.commit()


def _of(rows, slug):
    return next(row for row in rows if row.slug == slug)


def test_a_day_at_the_counter_counts_as_by_hand_per_domain(session):
    lobby_day(session)
    rows = lobby_figures(session, DAY, DAY)
    assert [row.slug for row in rows] == [row.slug for row in lobby_figures(session, DAY, DAY)]  # the domains' order
    burgerzaken = _of(rows, "burgerzaken")
    assert burgerzaken.visitors == 5
    # waits of the called: 10 min, 30 min, 10 min (the no-show, to the first call), 2 min
    assert burgerzaken.wait == Spread(measured=4, mean_s=780, p90_s=1800)
    # service of those helped at the desk: 10 and 5 min; the callback's two days are no desk time
    assert burgerzaken.service == Spread(measured=2, mean_s=450, p90_s=600)
    assert (burgerzaken.no_shows, burgerzaken.left_before_turn) == (1, 1)
    assert burgerzaken.turned_away == {"missing": 2, "not_at_counter": 1, "closed": 0}
    # another domain's visitors stay in their own row
    sociaal = _of(rows, "sociaal")
    assert (sociaal.visitors, sociaal.wait, sociaal.service) == (1, Spread(1, 60, 60), Spread(1, 2400, 2400))
    assert (sociaal.no_shows, sociaal.left_before_turn) == (0, 0)
    assert sociaal.turned_away == {"missing": 0, "not_at_counter": 0, "closed": 1}
    assert sociaal.seen and burgerzaken.seen
    quiet = [row for row in rows if row.slug not in ("burgerzaken", "sociaal")]
    assert quiet and all(not row.seen and row.hours == [] and row.wait == Spread(0, None, None) for row in quiet)


def test_hours_are_the_amsterdam_hour_of_the_ticket(session):
    lobby_day(session)
    burgerzaken = _of(lobby_figures(session, DAY, DAY), "burgerzaken")
    by_hour = {hour.hour: hour for hour in burgerzaken.hours}
    assert list(by_hour) == [9, 10, 11]  # 07, 08 and 09 UTC; only hours with visitors
    nine = by_hour[9]  # 09:10 and 09:40: 30 min is the wait of the one called at 10:10, still the 9 o'clock ticket
    assert (nine.visitors, nine.wait, nine.service) == (2, Spread(2, 1200, 1800), Spread(2, 450, 600))
    ten = by_hour[10]  # the no-show and the one who left
    assert (ten.visitors, ten.wait, ten.service) == (2, Spread(1, 600, 600), Spread(0, None, None))
    assert (by_hour[11].visitors, by_hour[11].wait.mean_s, by_hour[11].service.measured) == (1, 120, 0)
    assert [hour.hour for hour in _of(lobby_figures(session, DAY, DAY), "sociaal").hours] == [9]


def test_a_range_of_days_and_one_domain(session):
    lobby_day(session)
    lobby_day(session, DAY + timedelta(days=1))
    two_days = _of(lobby_figures(session, DAY, DAY + timedelta(days=1)), "burgerzaken")
    # twice the day, plus what came just after the first midnight and the evening before the second: now inside
    assert (two_days.visitors, two_days.no_shows, two_days.turned_away["missing"]) == (5 + 5 + 2, 2, 2 + 2 + 2)
    assert [row.slug for row in lobby_figures(session, DAY, DAY, domain="sociaal")] == ["sociaal"]
    assert lobby_figures(session, DAY, DAY, domain="sociaal")[0] == _of(lobby_figures(session, DAY, DAY), "sociaal")
    assert lobby_figures(session, DAY, DAY, domain="nergens") == []
    empty = _of(lobby_figures(session, DAY - timedelta(days=30), DAY - timedelta(days=2)), "burgerzaken")
    assert (empty.visitors, empty.hours, empty.seen) == (0, [], False)


def test_the_90th_percentile_is_a_time_someone_really_had():
    assert Spread.of([]) == Spread(0, None, None)
    assert Spread.of([42.4]) == Spread(1, 42, 42)
    assert Spread.of([float(n) for n in range(1, 11)]) == Spread(10, 6, 9)  # 9 of 10 no longer than 9 s
    assert Spread.of([float(n) for n in range(20, 0, -1)]).p90_s == 18
    assert Spread.of([-1.0, 3.0]) == Spread(2, 2, 3)  # a clock a second off is no negative wait


def test_a_settled_day_is_kept_and_read_back_the_same_without_its_contacts(session):
    from sqlalchemy import delete

    from kcc.floor import indicators
    from kcc.models import LobbyDay

    lobby_day(session)
    counted = lobby_figures(session, DAY - timedelta(days=1), DAY + timedelta(days=1))
    indicators.settle(session, datetime.combine(DAY + timedelta(days=5), time(12), tzinfo=AMSTERDAM), limit=100)
    session.commit()
    assert session.scalars(select(LobbyDay).where(LobbyDay.day == DAY)).first() is not None
    session.execute(delete(Contact))  # the kept days no longer need them
    session.execute(delete(LobbyTurnaway))
    session.commit()
    assert lobby_figures(session, DAY - timedelta(days=1), DAY + timedelta(days=1)) == counted


def test_a_percentile_over_kept_and_new_durations_is_the_one_of_them_all_together():
    """Kept days are sorted once; the days still moving are added at each call. The 90th percentile and the mean
    must be what they would be had every duration been in one list."""
    import random

    from kcc.floor.lobby_figures import Durations, Sorted

    chance = random.Random(20261130)
    for _attempt in range(400):
        kept = [float(chance.randrange(0, 50)) for _n in range(chance.randrange(0, 30))]
        new = [float(chance.randrange(0, 50)) for _n in range(chance.randrange(0, 30))]
        durations = Durations(Sorted(kept))
        durations.extend(new)
        assert durations.spread() == Spread.of(kept + new), (kept, new)


def test_a_day_kept_after_a_range_was_asked_is_in_the_next_answer(session):
    """The kept part of a range is remembered per process; a day kept since (or the same range on another day's
    settling) must not be answered from what was remembered before."""
    from kcc.floor import indicators

    lobby_day(session)
    lobby_day(session, DAY + timedelta(days=1))
    first = DAY - timedelta(days=1)
    indicators.settle(session, datetime.combine(DAY + timedelta(days=3), time(12), tzinfo=AMSTERDAM), limit=100)
    session.commit()
    before = _of(lobby_figures(session, first, DAY + timedelta(days=2)), "burgerzaken")
    visitor(session, "burgerzaken", _at("09:00", DAY + timedelta(days=2)), _at("10:00", DAY + timedelta(days=2)),
            _at("10:01", DAY + timedelta(days=2)), _at("10:02", DAY + timedelta(days=2)), "resolved", "answered")
    session.commit()
    moving = _of(lobby_figures(session, first, DAY + timedelta(days=2)), "burgerzaken")
    assert (moving.visitors, moving.wait.measured) == (before.visitors + 1, before.wait.measured + 1)
    assert moving.wait.mean_s > before.wait.mean_s  # an hour's wait, longer than any before
    indicators.settle(session, datetime.combine(DAY + timedelta(days=9), time(12), tzinfo=AMSTERDAM), limit=100)
    session.commit()
    session.execute(delete(Contact))  # every day of the range is kept now: only lobby_days can answer
    session.execute(delete(LobbyTurnaway))
    session.commit()
    assert _of(lobby_figures(session, first, DAY + timedelta(days=2)), "burgerzaken") == moving
