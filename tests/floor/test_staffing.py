"""Erlang C against textbook values: what the lead's staffing suggestion rests on."""
import math

import pytest

from kcc.floor.staffing import erlang_b, erlang_c, needed, with_employees


def test_100_calls_per_half_hour_of_3_minutes_at_80_in_20_s_need_14():
    result = needed(contacts=100, handling_s=180, interval_s=1800, target_s=20, goal=0.8)
    assert result.employees == 14
    assert result.traffic == pytest.approx(10.0)
    assert result.service_level == pytest.approx(0.89, abs=0.005)
    assert with_employees(13, 100, 180, 1800, 20).service_level < 0.8  # one fewer does not reach it


def test_100_calls_per_hour_need_8_and_7_give_about_three_quarters():
    assert needed(100, 180, 3600, 20, 0.8).employees == 8
    assert with_employees(8, 100, 180, 3600, 20).service_level == pytest.approx(0.88, abs=0.005)
    assert with_employees(7, 100, 180, 3600, 20).service_level == pytest.approx(0.74, abs=0.005)


def test_erlang_b_and_c_textbook_values():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(14, 10.0) == pytest.approx(0.1741, abs=0.0005)
    assert erlang_c(10, 10.0) == 1.0  # as many employees as Erlang: the queue never empties


def test_the_average_wait_and_occupancy_follow_the_load():
    result = with_employees(14, 100, 180, 1800, 20)
    assert result.average_wait_s == pytest.approx(erlang_c(14, 10.0) * 180 / 4)
    assert result.occupancy == pytest.approx(10 / 14)
    overloaded = with_employees(9, 100, 180, 1800, 20)
    assert overloaded.service_level == 0.0 and math.isinf(overloaded.average_wait_s)


def test_no_contacts_need_nobody_and_bad_input_is_refused():
    assert needed(0, 180, 1800, 20, 0.8).employees == 0
    with pytest.raises(ValueError):
        needed(100, 0, 1800, 20, 0.8)
    with pytest.raises(ValueError):
        needed(100, 180, 1800, 20, 1.2)


def test_the_lead_gets_a_suggestion_from_the_last_weeks_and_can_adjust_it(client, auth, make_staff, session):
    from datetime import datetime, time, timedelta

    from sqlalchemy import select

    from kcc.core.timeutil import AMSTERDAM, local, utcnow
    from kcc.models import Contact, Domain

    burgerzaken = session.scalar(select(Domain).where(Domain.slug == "burgerzaken"))
    today = local(utcnow()).date()
    last = today - timedelta(days=7)  # the same weekday a week ago
    for minute in range(0, 30, 3):  # 10 calls from 10:00, each 4 minutes at the phone
        at = datetime.combine(last, time(10, minute), tzinfo=AMSTERDAM)
        session.add(Contact(channel="phone", domain=burgerzaken, question="", status="resolved", created_at=at,
                            queued_at=at, rank_at=at, answered_at=at, closed_at=at + timedelta(minutes=4)))
    session.commit()
    make_staff("ahmed", roles=["lead"])
    auth.login("ahmed")
    html = client.get(f"/vloer/bezetting?domein=burgerzaken&kanaal=phone&dag={today.weekday()}").get_data(as_text=True)
    assert "Gemeten behandeltijd: 4.0 minuten" in html or "Gemeten behandeltijd: 4,0 minuten" in html
    row = html.split('scope="row">10:00</th>')[1].split("</tr>")[0]
    assert ">2.5<" in row.replace(" ", "")  # 10 calls over four weeks: 2.5 a day
    html = client.get(f"/vloer/bezetting?domein=burgerzaken&dag={today.weekday()}&doel=150").get_data(as_text=True)
    assert "een percentage van 1 tot 99" in html and 'value="150"' in html
    assert client.get("/vloer/bezetting").status_code == 200
