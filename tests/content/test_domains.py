"""The domains/ content: the shipped files, the checker's file:line messages, and idempotent sync."""
import shutil
from pathlib import Path

from sqlalchemy import func, select

from kcc.content.domains import load_dir, sync
from kcc.models import Domain, Team, Topic
from tests.conftest import DOMAINS


def test_shipped_domains_are_complete():
    specs, problems = load_dir(DOMAINS)
    assert problems == []
    assert sorted(s.slug for s in specs) == ["algemeen", "burgerzaken", "sociaal", "vergunningen"]
    for spec in specs:
        assert len(spec.topics) >= 15, spec.slug
        assert spec.hours["phone"] and spec.hours["counter"], spec.slug
        for topic in spec.topics:
            assert topic.upl, f"{spec.slug}/{topic.slug} names no UPL product"
            assert len(topic.words) >= 8, f"{spec.slug}/{topic.slug} has too few citizen words"
            assert topic.prerequisites and topic.answer and topic.handover_team, f"{spec.slug}/{topic.slug}"


def test_upl_names_are_real_municipal_product_names():
    """Every `upl` name is a product of the Uniforme Productnamenlijst that municipalities deliver."""
    source = Path(__file__).resolve().parents[1] / "data" / "upl_gemeente_names.txt"
    lines = source.read_text(encoding="utf-8").splitlines()
    upl = {line for line in lines if line and not line.startswith("#")}
    specs, _ = load_dir(DOMAINS)
    unknown = [(s.slug, t.slug, name) for s in specs for t in s.topics for name in t.upl if name not in upl]
    assert unknown == []


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "domains"
    shutil.copytree(DOMAINS, target)
    return target


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _line_of(path: Path, needle: str, nth: int = 1) -> int:
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def test_syntax_error_reports_file_and_line(tmp_path):
    folder = _copy(tmp_path)
    target = folder / "sociaal.toml"
    _edit(target, 'slug = "pgb"', 'slug = "pgb')
    _, problems = load_dir(folder)
    line = _line_of(target, 'slug = "pgb')
    assert [str(p).split(": ")[0] for p in problems] == [f"{target}:{line}"]
    assert problems[0].field == "syntax"


def test_field_problems_report_file_line_and_field(tmp_path):
    folder = _copy(tmp_path)
    target = folder / "vergunningen.toml"
    _edit(target, 'counter = true', 'counter = "nee"')  # the first topic, bouwen-verbouwen, is a counter topic
    _edit(target, 'handover_team = "evenementen-apv"', 'handover_team = "feestteam"')
    _edit(target, 'name = "Vooroverleg over een bouwplan"', 'nmae = "Vooroverleg over een bouwplan"')
    _edit(target, 'tue = "09:00-12:00"', 'tue = "12:00-09:00"')
    _edit(target, '"Houd het adres en een tekening of foto van de plek bij de hand."',
          '"U moet het adres bij de hand houden."')
    _, problems = load_dir(folder)
    found = {(p.field, p.line) for p in problems}
    assert ("topics[0].counter", _line_of(target, 'counter = "nee"')) in found
    assert ("topics[6].handover_team", _line_of(target, '"feestteam"')) in found
    assert ("topics[1].nmae", _line_of(target, "nmae =")) in found
    assert ("topics[1].name", _line_of(target, "nmae =") - 1) in found or any(
        p.field == "topics[1].name" and "missing" in p.message for p in problems)
    assert any(p.field == "domain.hours.counter" and "tue" in p.message for p in problems)
    assert any(p.field == "topics[4].prerequisites" and "moet" in p.message for p in problems)
    assert all(str(p).startswith(f"{target}:") for p in problems)


def test_duplicate_prefix_and_team_across_files(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder / "algemeen.toml", 'ticket_prefix = "A"', 'ticket_prefix = "B"')
    _edit(folder / "algemeen.toml", 'slug = "afval"', 'slug = "wmo-consulenten"')
    _, problems = load_dir(folder)
    messages = [str(p) for p in problems]
    # files are read in name order, so the later file (burgerzaken, sociaal) is the one told
    assert any(m.startswith(str(folder / "burgerzaken.toml")) and "ticket_prefix" in m
               and "already used by algemeen" in m for m in messages)
    assert any(m.startswith(str(folder / "sociaal.toml")) and "teams[0].slug" in m and "already defined" in m
               for m in messages)


def test_missing_directory_is_a_clear_problem(tmp_path):
    _, problems = load_dir(tmp_path / "nope")
    assert "not found" in str(problems[0])


def test_sync_twice_changes_nothing(session):
    specs, _ = load_dir(DOMAINS)
    # the fixture database was synced from the same files already
    assert not sync(session, specs).changed
    session.commit()
    assert session.scalar(select(func.count(Topic.id))) == sum(len(s.topics) for s in specs)
    assert session.scalar(select(func.count(Domain.id))) == 4


def test_removed_topic_is_deactivated_not_deleted(session, tmp_path):
    folder = _copy(tmp_path)
    text = (folder / "burgerzaken.toml").read_text(encoding="utf-8")
    start = text.index('[[topics]]\nslug = "legalisatie"')
    (folder / "burgerzaken.toml").write_text(text[:start], encoding="utf-8")
    specs, problems = load_dir(folder)
    assert problems == []
    report = sync(session, specs)
    session.commit()
    assert report.deactivated == 1 and report.created == 0
    topic = session.scalar(select(Topic).where(Topic.slug == "legalisatie"))
    assert topic is not None and topic.active is False
    # putting it back reactivates the same row
    specs, _ = load_dir(DOMAINS)
    assert sync(session, specs).updated == 1
    session.commit()
    assert session.scalar(select(Topic).where(Topic.slug == "legalisatie")).active is True


def test_changed_answer_is_updated_in_place(session, tmp_path):
    folder = _copy(tmp_path)
    _edit(folder / "algemeen.toml", "Grofvuil laat u ophalen op afspraak.", "Grofvuil halen wij op afspraak op.")
    specs, _ = load_dir(folder)
    report = sync(session, specs)
    session.commit()
    assert (report.created, report.updated, report.deactivated) == (0, 1, 0)
    assert session.scalar(select(Topic).where(Topic.slug == "grofvuil")).answer.startswith("Grofvuil halen wij")
    assert session.scalar(select(Team).where(Team.slug == "afval")).active


def test_a_text_longer_than_its_column_is_refused_by_the_check_not_by_the_database(tmp_path):
    """A domain name that passes `kcc domains check` must also fit the database at `kcc domains sync`."""
    folder = _copy(tmp_path)
    target = folder / "burgerzaken.toml"
    long_name = "Burgerzaken " + "en nog veel meer " * 8
    _edit(target, 'name = "Burgerzaken"', f'name = "{long_name}"')
    _, problems = load_dir(folder)
    assert [(p.field, p.line) for p in problems] == [("domain.name", _line_of(target, long_name))]
    assert "at most 100 fit" in problems[0].message
