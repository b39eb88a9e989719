"""The `kcc` command as the municipality's scripts call it: real process, real exit codes, real messages."""
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from kcc.models import Contact, Staff, Task, Team
from tests.conftest import DOMAINS

KCC = str(Path(sys.executable).parent / "kcc")


def run(*args, url=None, stdin="", cwd=None, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KCC_")}
    environ.update({"KCC_ENV": "development", **env})
    if url:
        environ["KCC_DATABASE_URL"] = url
    return subprocess.run([KCC, *args], input=stdin, capture_output=True, text=True, env=environ, cwd=cwd,
                          timeout=120)


def test_fresh_sqlite_is_set_up_from_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'kcc.sqlite3'}"
    assert run("domains", "sync", str(DOMAINS), url=url).returncode == 1  # not migrated yet
    result = run("db", "upgrade", url=url, cwd=tmp_path)
    assert result.returncode == 0 and "is at revision " in result.stdout
    assert run("db", "check", url=url).returncode == 0
    first = run("domains", "sync", str(DOMAINS), url=url)
    assert first.returncode == 0 and "created" in first.stdout
    assert run("domains", "sync", str(DOMAINS), url=url).stdout.strip().endswith("nothing changed.")


def test_unmigrated_database_says_what_to_run(tmp_path):
    result = run("demo", url=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert result.returncode == 1 and "run `kcc db upgrade` first" in result.stderr


def test_domains_check_reports_file_line_field(tmp_path):
    folder = tmp_path / "domains"
    folder.mkdir()
    (folder / "algemeen.toml").write_text('[domain]\nslug = "algemeen"\nname = "Algemeen"\nticket_prefix = "a"\n')
    result = run("domains", "check", str(folder))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"{folder / 'algemeen.toml'}:4: domain.ticket_prefix: use one or two capital letters" in lines[0] or any(
        line.startswith(f"{folder / 'algemeen.toml'}:4: domain.ticket_prefix:") for line in lines)
    assert any(line.startswith(f"{folder / 'algemeen.toml'}:1: topics:") for line in lines)
    assert "nothing was loaded" in result.stderr


def test_broken_domains_file_writes_nothing(database_url, tmp_path, session):
    folder = tmp_path / "domains"
    folder.mkdir()
    for path in DOMAINS.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        (folder / path.name).write_text(text.replace('name = "Grofvuil laten ophalen"', 'name = "Grofvuil"')
                                        .replace('slug = "laadpaal"', 'slug = "Laadpaal!"'), encoding="utf-8")
    result = run("domains", "sync", str(folder), url=database_url)
    assert result.returncode == 1 and "slug: use lower-case letters" in result.stderr
    from kcc.models import Topic
    assert session.scalar(select(Topic).where(Topic.slug == "grofvuil")).name == "Grofvuil laten ophalen"


def test_bad_environment_variable_is_named(tmp_path):
    result = run("db", "upgrade", KCC_IDLE_TIMEOUT_MIN="half an hour", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "kcc: configuration error: KCC_IDLE_TIMEOUT_MIN must be a whole number, got 'half an hour'."


def test_unreachable_database_is_explained(tmp_path):
    result = run("db", "upgrade", url="postgresql+psycopg://kcc@127.0.0.1:9/kcc", cwd=tmp_path)
    assert result.returncode == 1
    assert "kcc: the database cannot be used" in result.stderr and "KCC_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_is_refused():
    result = run("user", "create", "x", "--rolez", "agent")
    assert result.returncode == 2 and "No such option '--rolez'. Did you mean '--roles'?" in result.stderr


def test_user_create_roles_password_and_token(database_url, session, app):
    created = run("user", "create", "karin", "--name", "Karin Bos", "--roles", "agent,host",
                  "--skills", "burgerzaken:primary,sociaal:secondary", "--languages", "nl,en",
                  "--team", "wmo-consulenten", url=database_url, stdin="een-lang-wachtwoord\n")
    assert created.returncode == 0, created.stderr
    karin = session.scalar(select(Staff).where(Staff.username == "karin"))
    assert sorted(karin.roles) == ["agent", "host"] and [t.slug for t in karin.teams] == ["wmo-consulenten"]

    assert run("user", "roles", "karin", url=database_url).stdout.strip() == "karin: agent, host"
    assert run("user", "roles", "karin", "agent,lead", url=database_url).stdout.strip() == "karin: agent, lead"
    assert run("user", "password", "karin", url=database_url, stdin="kort\n").returncode == 1
    assert run("user", "password", "karin", url=database_url, stdin="nog-een-lang-wachtwoord\n").returncode == 0

    token = run("token", "create", "--user", "karin", url=database_url).stdout.strip().splitlines()[-1]
    assert app.test_client().get("/api/v1/teams", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = run("token", "list", url=database_url).stdout
    assert "karin" in listing and token not in listing
    token_id = listing.split()[0]
    assert run("token", "revoke", token_id, url=database_url).returncode == 0
    made = run("token", "create", "--user", "karin", "--expires-days", "30", url=database_url).stdout
    assert "valid until" in made and "active until" in run("token", "list", url=database_url).stdout
    assert app.test_client().get("/api/v1/teams", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_user_create_with_bad_input_creates_nothing(database_url, session):
    result = run("user", "create", "karin", "--roles", "agent,boss", "--skills", "paspoorten:primary",
                 url=database_url, stdin="een-lang-wachtwoord\n")
    assert result.returncode == 1
    assert "--roles: onbekende rol boss" in result.stderr and "--skills: onbekend domein paspoorten" in result.stderr
    assert session.scalar(select(Staff).where(Staff.username == "karin")) is None


def test_demo_loads_every_role_once(database_url, session):
    first = run("demo", url=database_url)
    assert first.returncode == 0 and "password for all" in first.stdout
    assert run("demo", url=database_url).stdout.startswith("Demo data: 0 staff, 0 desks, 0 contacts added.")
    roles = {role for staff in session.scalars(select(Staff)) for role in staff.roles}
    assert roles == {"host", "agent", "lead", "senior", "specialist", "admin", "integration"}
    contacts = session.scalars(select(Contact).where(~Contact.external_ref.like("hist-%"))).all()
    teams = session.scalars(select(Team).where(Team.active.is_(True))).all()
    assert len(contacts) == 36 + len(teams) and {c.channel for c in contacts} == {"phone", "counter", "web", "email"}
    assert {c.status for c in contacts} == {"waiting", "resolved", "callback_scheduled"}
    # four weeks of working days behind it, every contact of them closed: history for the staffing help and figures
    past = session.scalars(select(Contact).where(Contact.external_ref.like("hist-%"))).all()
    assert len(past) > 1000 and all(c.closed_at is not None and c.citizen_id is None for c in past)


def test_the_demo_is_believable(database_url, session):
    """Repeat callers are the exception, a counter visitor only comes for a counter topic, every team has a
    callback waiting, and contacts have a topic when their words name one."""
    assert run("demo", url=database_url).returncode == 0
    contacts = session.scalars(select(Contact).where(Contact.external_ref.like("demo-%"))).all()
    phones = Counter(c.citizen.phone for c in contacts if c.citizen and c.citizen.phone)
    assert sum(n - 1 for n in phones.values()) <= 3
    assert all(c.topic is not None and c.topic.counter for c in contacts if c.channel == "counter")
    open_tasks = {t.team_id for t in session.scalars(select(Task).where(Task.state == "open"))}
    assert open_tasks == {t.id for t in session.scalars(select(Team).where(Team.active.is_(True)))}
    phone = [c for c in contacts if c.channel == "phone" and c.question]
    assert sum(c.topic is not None for c in phone) >= 0.8 * len(phone)
    agents = [s for s in session.scalars(select(Staff)) if "agent" in s.roles]
    assert all(1 <= len(a.skills) <= 2 for a in agents)


def test_desks_are_administered_from_the_command_line(database_url, session):
    made = run("desk", "create", "7", "--label", "Balie 7 — burgerzaken", url=database_url)
    assert made.returncode == 0 and "Created desk 7" in made.stdout
    twice = run("desk", "create", "7", url=database_url)
    assert twice.returncode == 1 and "balie 7 bestaat al" in twice.stderr
    bad = run("desk", "create", "7 8", url=database_url)
    assert bad.returncode == 1 and "--number" in bad.stderr
    assert run("desk", "set", "7", "--inactive", url=database_url).returncode == 0
    listed = run("desk", "list", url=database_url)
    assert "7\tinactive\tBalie 7 — burgerzaken" in listed.stdout
    missing = run("desk", "set", "99", "--active", url=database_url)
    assert missing.returncode == 1 and "balie 99 bestaat niet" in missing.stderr


def test_an_appointments_file_is_booked_whole_or_reported_by_file_and_line(database_url, session, tmp_path):
    from datetime import timedelta

    from kcc.core.timeutil import local, utcnow
    from kcc.models import Appointment, Domain

    for domain in session.scalars(select(Domain)):  # open every hour of every day, whenever the suite runs
        domain.hours = {**domain.hours, "counter": {day: [["00:00", "24:00"]] for day in
                                                    ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    session.commit()
    from kcc.core.workinghours import is_holiday

    day = next(d for d in (local(utcnow()).date() + timedelta(days=n) for n in range(2, 9)) if not is_holiday(d))
    day = day.isoformat()
    bad = tmp_path / "dag.csv"
    bad.write_text("tijd;onderwerp;naam\n09:00;burgerzaken/paspoort;Anna\n09:00;burgerzaken/paspoort;Anna\n")
    refused = run("appointments", "import", str(bad), "--date", day, url=database_url)
    assert refused.returncode == 1 and f"{bad}:3: dezelfde afspraak staat al op regel 2" in refused.stderr
    good = tmp_path / "goed.csv"
    good.write_text("tijd;onderwerp;naam\n09:00;burgerzaken/paspoort;Anna\n09:10;burgerzaken/paspoort;Bram\n")
    booked = run("appointments", "import", str(good), "--date", day, url=database_url)
    assert booked.returncode == 0 and "2 appointments booked" in booked.stdout
    session.expire_all()
    assert len(session.scalars(select(Appointment)).all()) == 2
