"""The floor lead's overview: queues live, staff presence per domain, figures for the team only."""
import re
from datetime import timedelta

from sqlalchemy import update

from kcc.config import QueueSettings
from kcc.contacts import intake
from kcc.content.router import Router
from kcc.core.actor import Actor
from kcc.core.timeutil import local, utcnow
from kcc.models import DrawnScreen
from kcc.queues import operations as queues
from tests.floor.test_lobby_figures import lobby_day


def test_the_floor_shows_queues_and_who_is_available(client, auth, make_staff, session):
    make_staff("ahmed", roles=["lead"])
    anna = make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")], name="Anna Agent")
    queues.set_presence(session, anna, "available", utcnow())
    intake.receive(session, intake.parse_contact({"channel": "phone", "question": "paspoort verlengen"}),
                   Router.from_session(session), QueueSettings(headstart_s={}), utcnow() - timedelta(seconds=75), actor=Actor.system("test"))
    session.commit()
    auth.login("ahmed")
    page = client.get("/vloer").get_data(as_text=True)
    burgerzaken = page.split('id="floor-burgerzaken"', 1)[1].split("</section>", 1)[0]
    available = burgerzaken.split("<dt>Beschikbaar</dt>", 1)[1].split("</dd>", 1)[0]
    assert "Anna Agent" in available  # grouped under her state, by name, no ranking
    # the wait in words against the target (20 s): 75 s is more than three times over it
    assert "1 min" in burgerzaken and "ver boven het doel" in burgerzaken and "kcc-wait--far" in burgerzaken
    assert "opnemen binnen 20 s" in burgerzaken
    totals = page.split('class="kcc-totals"', 1)[1].split("</ul>", 1)[0]
    assert 'kcc-total--available"><span class="kcc-total__count">1<' in totals
    fragment = client.get("/vloer", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<div id="floor"') and "<html" not in fragment
    # the floor's poll sends the version it shows: while nothing changes the answer is 204, nothing redrawn
    shown = fragment.split('class="kcc-version" name="floor" value="', 1)[1].split('"', 1)[0]
    poll = {"HX-Request": "true", "X-KCC-Poll": "1"}
    assert client.get(f"/vloer?floor={shown}", headers=poll).status_code == 204
    queues.set_presence(session, anna, "paused", utcnow())
    session.commit()
    session.execute(update(DrawnScreen).values(drawn_at=utcnow() - timedelta(seconds=6)))  # as if 5 s had passed
    session.commit()
    assert client.get(f"/vloer?floor={shown}", headers=poll).status_code == 200


def test_the_floor_lead_sees_every_overdue_callback(client, auth, make_staff, session):
    from sqlalchemy import select

    from kcc.handover import operations as handover
    from kcc.models import Team
    make_staff("ahmed", roles=["lead"])
    contact = intake.receive(session, intake.parse_contact({"channel": "phone", "question": "", "domain": "sociaal"}),
                             Router.from_session(session), QueueSettings(headstart_s={}), utcnow(), actor=Actor.system("test")).contact
    team = session.scalar(select(Team).where(Team.slug == "geldzaken"))
    task = handover.create_task(session, contact, team, handover.Context("Meneer vraagt om een betalingsregeling."),
                                utcnow() - timedelta(days=30), created_by_id=None)
    session.commit()
    auth.login("ahmed")
    page = client.get("/vloer").get_data(as_text=True)
    assert f"KCC-{task.contact_id:06d}" in page and "Geldzaken" in page
    listing = client.get("/taken?overdue=1").get_data(as_text=True)
    assert "over tijd" in listing and f"KCC-{task.contact_id:06d}" in listing


def test_a_wait_is_judged_against_the_domains_target():
    from kcc.floor.operations import wait_level
    assert wait_level(0, 0, 20) == "none"
    assert wait_level(2, 20, 20) == "ok"
    assert wait_level(2, 45, 20) == "over"
    assert wait_level(2, 61, 20) == "far"


def test_a_colleague_whose_screen_is_closed_is_not_shown_as_available(client, auth, make_staff, session):
    """Available, but the screen has not asked for minutes: a closed browser, not someone ready for a call."""
    make_staff("ahmed", roles=["lead"])
    bert = make_staff("bert", roles=["agent"], skills=[("burgerzaken", "primary")], name="Bert Gone")
    queues.set_presence(session, bert, "available", utcnow() - timedelta(minutes=10))
    session.commit()
    auth.login("ahmed")
    page = client.get("/vloer").get_data(as_text=True)
    burgerzaken = page.split('id="floor-burgerzaken"', 1)[1].split("</section>", 1)[0]
    unseen = burgerzaken.split("<dt>Beschikbaar, scherm niet actief</dt>", 1)[1].split("</dd>", 1)[0]
    assert "Bert Gone" in unseen
    assert 'kcc-total--available"><span class="kcc-total__count">0<' in page


def test_colleague_names_are_escaped_and_a_secondary_skill_is_marked():
    from kcc.floor.views import colleague_names
    from kcc.staff.directory import OnFloor

    people = [(OnFloor(1, "Anna <b>", "available", ()), "primary"), (OnFloor(2, "Bram & Co", "available", ()), "secondary")]
    assert str(colleague_names(people, "secundair")) == \
        'Anna &lt;b&gt;, Bram &amp; Co <span class="kcc-muted">(secundair)</span>'


def _cells(html: str, row_id: str) -> list[str]:
    """The header and data cells of one table row, as text."""
    row = html.split(f'id="{row_id}"', 1)[1].split("</tr>", 1)[0]
    return [text.strip() for text in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]


def test_the_floor_shows_todays_lobby_per_domain_and_per_hour(client, auth, make_staff, session):
    make_staff("ahmed", roles=["lead"])
    auth.login("ahmed")
    assert "Vandaag nog geen bezoekers aan de balie." in client.get("/vloer").get_data(as_text=True)
    lobby_day(session, local(utcnow()).date())
    page = client.get("/vloer").get_data(as_text=True)
    lobby = page.split('id="floor-lobby"', 1)[1].split("</section>", 1)[0]
    # visitors, mean and 9-of-10 waits (13 and 30 min), mean and 9-of-10 service (7 and 10 min)
    assert _cells(lobby, "floor-lobby-times-burgerzaken") == ["Burgerzaken", "5", "13 min", "30 min", "7 min", "10 min"]
    assert _cells(lobby, "floor-lobby-times-sociaal") == ["Sociaal domein", "1", "1 min", "1 min", "40 min", "40 min"]
    # sent home: something missing, not at the counter, closed; then the no-shows and those gone before their turn
    assert _cells(lobby, "floor-lobby-away-burgerzaken") == ["Burgerzaken", "2", "1", "0", "1", "1"]
    assert _cells(lobby, "floor-lobby-away-sociaal") == ["Sociaal domein", "0", "0", "1", "0", "0"]
    assert "floor-lobby-times-vergunningen" not in lobby  # nobody came for it today: no row of zeros
    hours = lobby.split('id="floor-lobby-hours-burgerzaken"', 1)[1].split("</tbody>", 1)[0]
    assert hours.count("<tr") == 4 and 'scope="rowgroup"' in hours  # the domain, then its three hours
    assert _cells(hours, "floor-lobby-hours-burgerzaken-9") == ["09:00–10:00", "2", "20 min", "30 min", "7 min", "10 min"]
    assert _cells(hours, "floor-lobby-hours-burgerzaken-10") == ["10:00–11:00", "2", "10 min", "10 min", "—", "—"]
    assert _cells(hours, "floor-lobby-hours-burgerzaken-11")[:2] == ["11:00–12:00", "1"]
    assert lobby.count("<caption") == 3 and 'scope="col"' in lobby


def test_the_worker_draws_the_floor_that_leads_look_at(app, client, auth, make_staff, session, tmp_path, database_url):
    """One drawing for every lead of every server process, made by `kcc worker`: a lead's poll reads it, it does
    not draw it. The worker draws only what a screen asked for in the last minute."""
    from sqlalchemy import select

    from tests.cli.test_cli import run
    from tests.test_hot_paths import counted

    make_staff("ahmed", roles=["lead"])
    anna = make_staff("anna", roles=["agent"], skills=[("burgerzaken", "primary")], name="Anna Agent")
    queues.set_presence(session, anna, "available", utcnow())
    session.commit()
    auth.login("ahmed")
    poll = {"HX-Request": "true", "X-KCC-Poll": "1"}
    fragment = client.get("/vloer", headers={"HX-Request": "true"}).get_data(as_text=True)
    shown = fragment.split('class="kcc-version" name="floor" value="', 1)[1].split('"', 1)[0]
    queues.set_presence(session, anna, "paused", utcnow())
    session.commit()
    assert client.get(f"/vloer?floor={shown}", headers=poll).status_code == 204  # drawn less than 5 s ago

    def worker_round():
        result = run("worker", "--once", "--outbox", str(tmp_path), url=database_url)  # the real worker, as deployed
        assert result.returncode == 0, result.stderr

    session.execute(update(DrawnScreen).values(drawn_at=utcnow() - timedelta(seconds=6)))
    session.commit()
    worker_round()
    kept = session.execute(select(DrawnScreen.key, DrawnScreen.by_worker)).all()
    assert kept == [("floor:nl", True)]
    with counted(app) as statements:
        answer = client.get(f"/vloer?floor={shown}", headers=poll)
    html = answer.get_data(as_text=True)
    burgerzaken = html.split('id="floor-burgerzaken"', 1)[1].split("</section>", 1)[0]
    assert answer.status_code == 200 and "Anna Agent" not in burgerzaken.split("<dt>Beschikbaar</dt>", 1)[1].split("</dd>", 1)[0]
    read = [statement.split("FROM", 1)[1].split()[0] for statement in statements if "FROM" in statement]
    assert set(read) == {"staff", "drawn_screens"}  # who is asking, and the floor as drawn: nothing drawn here
    now_shown = html.split('class="kcc-version" name="floor" value="', 1)[1].split('"', 1)[0]
    assert client.get(f"/vloer?floor={now_shown}", headers=poll).status_code == 204
    session.rollback()
    # nobody has looked for a minute: the worker leaves it
    long_ago = utcnow() - timedelta(minutes=2)
    session.execute(update(DrawnScreen).values(drawn_at=long_ago, asked_at=long_ago))
    session.commit()
    worker_round()
    assert session.scalar(select(DrawnScreen.drawn_at)) == long_ago
