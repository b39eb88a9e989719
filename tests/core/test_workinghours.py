"""Deadlines in working hours: opening hours only, weekends and Dutch public holidays skipped."""
from datetime import datetime

import pytest

from kcc.core.timeutil import AMSTERDAM
from kcc.core.workinghours import NoOpeningHours, add_working_hours, is_holiday, open_now, working_hours_between

OFFICE = {day: [["08:30", "12:30"], ["13:30", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}  # 7.5 h


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


def test_within_the_same_day():
    assert add_working_hours(at("2026-11-23 09:00"), 2, OFFICE) == at("2026-11-23 11:00")


def test_the_lunch_break_does_not_count():
    assert add_working_hours(at("2026-11-23 12:00"), 1, OFFICE) == at("2026-11-23 14:00")


def test_before_opening_starts_at_opening():
    assert add_working_hours(at("2026-11-23 06:00"), 1, OFFICE) == at("2026-11-23 09:30")


def test_a_friday_afternoon_request_runs_over_the_weekend():
    # Friday 16:00 + 9 working hours: 1 h on Friday, 7.5 h on Monday, half an hour on Tuesday
    assert add_working_hours(at("2026-11-20 16:00"), 9, OFFICE) == at("2026-11-24 09:00")
    assert add_working_hours(at("2026-11-20 16:00"), 8, OFFICE) == at("2026-11-23 16:30")


def test_koningsdag_is_skipped():
    # Sunday 26 April 2026 is not a working day, Monday 27 April is Koningsdag
    assert is_holiday(at("2026-04-27 10:00").date())
    assert add_working_hours(at("2026-04-24 16:30"), 2, OFFICE) == at("2026-04-28 10:00")


def test_christmas_and_boxing_day_are_skipped():
    # Thursday 24 Dec 2026 16:00 + 4 h: 1 h on Thursday; Fri 25 and Sat 26 closed; Monday 28 → 11:30
    assert add_working_hours(at("2026-12-24 16:00"), 4, OFFICE) == at("2026-12-28 11:30")


def test_a_long_norm_counts_whole_days():
    # 16 h from Monday 08:30: Mon 7.5 + Tue 7.5 = 15, one more hour on Wednesday
    assert add_working_hours(at("2026-11-23 08:30"), 16, OFFICE) == at("2026-11-25 09:30")


def test_hours_left_and_overdue_in_working_hours():
    start, deadline = at("2026-11-20 16:00"), at("2026-11-24 09:00")
    assert working_hours_between(start, deadline, OFFICE) == pytest.approx(9)
    assert working_hours_between(deadline, start, OFFICE) == pytest.approx(-9)
    assert working_hours_between(at("2026-11-21 10:00"), at("2026-11-22 18:00"), OFFICE) == 0  # weekend


def test_the_answer_is_in_utc():
    result = add_working_hours(at("2026-07-01 09:00"), 1, OFFICE)
    assert result.utcoffset().total_seconds() == 0 and result == at("2026-07-01 10:00")


def test_a_week_without_opening_hours_is_refused():
    with pytest.raises(NoOpeningHours):
        add_working_hours(at("2026-11-23 09:00"), 1, {"mon": []})


def test_open_now_and_the_next_opening():
    assert open_now(OFFICE, at("2026-11-24 10:00")) == (True, None)
    assert open_now(OFFICE, at("2026-11-24 12:45")) == (False, at("2026-11-24 13:30"))  # lunch
    assert open_now(OFFICE, at("2026-11-27 17:00")) == (False, at("2026-11-30 08:30"))  # Friday evening: Monday
    assert open_now(OFFICE, at("2026-12-24 18:00")) == (False, at("2026-12-28 08:30"))  # Christmas skipped
    assert open_now({}, at("2026-11-24 10:00")) == (False, None)


def test_hours_may_run_until_midnight():
    late = {"tue": [["18:00", "24:00"]]}
    assert open_now(late, at("2026-11-24 23:59")) == (True, None)
    assert add_working_hours(at("2026-11-24 23:00"), 1, late) == at("2026-11-25 00:00")
