"""Load the municipality's own content from domains/*.toml: validate with file:line errors, sync idempotently.

The files are the source of truth. `check` never touches the database; `sync` runs only on a clean check,
in one transaction, and deactivates (never deletes) what disappeared, so old contacts stay readable.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kcc.models import Domain, Team, Topic

CHANNEL_HOURS = ("phone", "counter")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,59}$")
PREFIX_RE = re.compile(r"^[A-Z]{1,2}$")
RANGE_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
URL_RE = re.compile(r"^https?://[^\s]+$")
# Citizens read prerequisites and answers: tell what helps, do not order ("moet" reads as a command).
MOET_RE = re.compile(r"\bmoet(en)?\b", re.IGNORECASE)

DOMAIN_FIELDS = {"slug", "name", "ticket_prefix", "phone_answer_target_s", "callback_norm_hours", "position",
                 "hours", "lobby_attention_min", "lobby_notify_ahead", "counter_mix"}
# how an employee who does both (at a desk, with phone skills) gets their next contact: by waiting time alike,
# lobby visitors first, or callers first
COUNTER_MIXES = ("together", "counter_first", "phone_first")
TEAM_FIELDS = {"slug", "name", "callback_norm_hours"}
TOPIC_FIELDS = {"slug", "name", "upl", "words", "prerequisites", "answer", "links", "handover_team",
                "callback_norm_hours", "counter"}


@dataclass
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass
class TeamSpec:
    slug: str
    name: str
    callback_norm_hours: int | None


@dataclass
class TopicSpec:
    slug: str
    name: str
    upl: list[str]
    words: list[str]
    prerequisites: list[str]
    answer: str
    links: list[dict[str, str]]
    handover_team: str | None
    callback_norm_hours: int
    counter: bool


@dataclass
class DomainSpec:
    slug: str
    name: str
    ticket_prefix: str
    phone_answer_target_s: int
    callback_norm_hours: int
    position: int
    hours: dict[str, dict[str, list[list[str]]]]
    lobby_attention_min: int = 15  # the host is prompted to go over when a visitor waits longer
    lobby_notify_ahead: int = 3  # a visitor with an e-mail address hears when this many are ahead (0: never)
    counter_mix: str = "together"
    teams: list[TeamSpec] = field(default_factory=list)
    topics: list[TopicSpec] = field(default_factory=list)
    file: str = ""


class _Locator:
    """Finds the line of a key in a TOML file by its table path, e.g. ('topics', 3, 'words')."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
    KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")

    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        counters: dict[str, int] = {}
        current: tuple = ()
        for number, line in enumerate(text.splitlines(), start=1):
            if (header := self.HEADER.match(line)) is not None:
                name = header.group(2)
                if header.group(1) == "[[":
                    counters[name] = counters.get(name, -1) + 1
                    current = (name, counters[name])
                else:
                    current = tuple(name.split("."))
                self.lines.setdefault(current, number)
            elif (key := self.KEY.match(line)) is not None:
                self.lines.setdefault(current + (key.group(1),), number)

    def line(self, path: tuple) -> int:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1


class _Checker:
    """Collects every problem in one file instead of stopping at the first."""

    def __init__(self, filename: str, text: str):
        self.file = filename
        self.locator = _Locator(text)
        self.problems: list[Problem] = []

    def add(self, path: tuple, message: str) -> None:
        name = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
        self.problems.append(Problem(self.file, self.locator.line(path), name, message))

    def unknown_keys(self, table: dict, allowed: set[str], path: tuple) -> None:
        for key in table:
            if key not in allowed:
                self.add(path + (key,), f"unknown field; known fields are {', '.join(sorted(allowed))}")

    def text(self, table: dict, key: str, path: tuple, required: bool = True, limit: int | None = None) -> str:
        """A text field; `limit` is the column's length, so a text that passes the check also fits the database."""
        value = table.get(key)
        if value is None:
            if required:
                self.add(path + (key,), "missing; fill in a text")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(path + (key,), "must be a non-empty text")
            return ""
        if limit is not None and len(value.strip()) > limit:
            self.add(path + (key,), f"is {len(value.strip())} characters long; at most {limit} fit")
        return value.strip()

    def integer(self, table: dict, key: str, path: tuple, low: int, high: int, default: int | None = None) -> int:
        value = table.get(key, default)
        if value is None:
            self.add(path + (key,), f"missing; fill in a whole number from {low} to {high}")
            return low
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(path + (key,), f"must be a whole number from {low} to {high}, got {value!r}")
            return low
        return value

    def strings(self, table: dict, key: str, path: tuple, minimum: int = 0) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.add(path + (key,), "must be a list of non-empty texts, like [\"a\", \"b\"]")
            return []
        if len(value) < minimum:
            self.add(path + (key,), f"needs at least {minimum} entries, has {len(value)}")
        return [v.strip() for v in value]

    def citizen_text(self, texts: list[str], path: tuple) -> None:
        for text in texts:
            if MOET_RE.search(text):
                self.add(path, f"avoid 'moet' in what citizens read; say what helps instead ({text[:60]!r})")
                return

    def hours(self, table: Any, path: tuple) -> dict[str, dict[str, list[list[str]]]]:
        if not isinstance(table, dict):
            self.add(path, "must be a table with phone and counter opening hours")
            return {}
        self.unknown_keys(table, set(CHANNEL_HOURS), path)
        result: dict[str, dict[str, list[list[str]]]] = {}
        for channel in CHANNEL_HOURS:
            days = table.get(channel)
            if not isinstance(days, dict):
                self.add(path + (channel,), "missing; give opening hours per day, e.g. mon = \"08:30-17:00\"")
                continue
            self.unknown_keys(days, set(DAYS), path + (channel,))
            result[channel] = {}
            for day in DAYS:
                spans = self._spans(days.get(day, ""), path + (channel,), day)
                if spans is not None:
                    result[channel][day] = spans
        return result

    def _spans(self, value: Any, path: tuple, day: str) -> list[list[str]] | None:
        if not isinstance(value, str):
            self.add(path, f"{day}: write hours as text, e.g. \"08:30-12:00, 13:00-17:00\" or \"\" when closed")
            return None
        spans, previous_end = [], "00:00"
        for part in (p.strip() for p in value.split(",") if p.strip()):
            match = RANGE_RE.match(part)
            start, end = part.split("-") if match else ("", "")
            if not match or not previous_end <= start < end or end > "24:00":
                self.add(path, f"{day}: {part!r} is not a time range like 08:30-17:00 (in order, not overlapping)")
                return None
            spans.append([start, end])
            previous_end = end
        return spans


def _parse_file(path: Path) -> tuple[DomainSpec | None, list[Problem]]:
    text = path.read_text(encoding="utf-8")
    checker = _Checker(str(path), text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+), column \d+\)", str(error))
        line = int(match.group(1)) if match else 1
        return None, [Problem(str(path), line, "syntax", f"not valid TOML: {error}")]
    checker.unknown_keys(data, {"domain", "teams", "topics"}, ())
    head = data.get("domain")
    if not isinstance(head, dict):
        checker.add(("domain",), "missing [domain] table with slug, name, ticket_prefix, hours")
        return None, checker.problems
    checker.unknown_keys(head, DOMAIN_FIELDS, ("domain",))
    d = ("domain",)
    slug = checker.text(head, "slug", d, limit=40)
    if slug and not SLUG_RE.match(slug):
        checker.add(d + ("slug",), "use lower-case letters, digits and dashes")
    elif slug and slug != path.stem:
        checker.add(d + ("slug",), f"must match the file name ({path.stem!r}), so each domain has one file")
    prefix = checker.text(head, "ticket_prefix", d)
    if prefix and not PREFIX_RE.match(prefix):
        checker.add(d + ("ticket_prefix",), "use one or two capital letters, e.g. \"B\"")
    domain = DomainSpec(
        slug=slug, name=checker.text(head, "name", d, limit=100), ticket_prefix=prefix,
        phone_answer_target_s=checker.integer(head, "phone_answer_target_s", d, 5, 600),
        callback_norm_hours=checker.integer(head, "callback_norm_hours", d, 1, 400),
        position=checker.integer(head, "position", d, 0, 99, default=0),
        hours=checker.hours(head.get("hours"), d + ("hours",)), file=str(path),
        lobby_attention_min=checker.integer(head, "lobby_attention_min", d, 1, 240, default=15),
        lobby_notify_ahead=checker.integer(head, "lobby_notify_ahead", d, 0, 50, default=3),
        counter_mix=head.get("counter_mix", "together"),
    )
    if domain.counter_mix not in COUNTER_MIXES:
        checker.add(d + ("counter_mix",), f"choose one of {', '.join(COUNTER_MIXES)}, got {domain.counter_mix!r}")
    teams = data.get("teams", [])
    if not isinstance(teams, list):
        checker.add(("teams",), "write teams as [[teams]] tables")
        teams = []
    for i, team in enumerate(teams):
        t = ("teams", i)
        checker.unknown_keys(team, TEAM_FIELDS, t)
        team_slug = checker.text(team, "slug", t)
        if team_slug and not SLUG_RE.match(team_slug):
            checker.add(t + ("slug",), "use lower-case letters, digits and dashes")
        norm = team.get("callback_norm_hours")
        domain.teams.append(TeamSpec(team_slug, checker.text(team, "name", t, limit=150),
                                     None if norm is None else checker.integer(team, "callback_norm_hours", t, 1, 400)))
    topics = data.get("topics", [])
    if not isinstance(topics, list) or not topics:
        checker.add(("topics",), "add at least one [[topics]] table")
        topics = []
    seen: set[str] = set()
    for i, topic in enumerate(topics):
        t = ("topics", i)
        checker.unknown_keys(topic, TOPIC_FIELDS, t)
        topic_slug = checker.text(topic, "slug", t)
        if topic_slug and not SLUG_RE.match(topic_slug):
            checker.add(t + ("slug",), "use lower-case letters, digits and dashes")
        if topic_slug in seen:
            checker.add(t + ("slug",), f"{topic_slug!r} is used twice in this file")
        seen.add(topic_slug)
        prerequisites = checker.strings(topic, "prerequisites", t)
        checker.citizen_text(prerequisites, t + ("prerequisites",))
        answer = checker.text(topic, "answer", t)
        checker.citizen_text([answer], t + ("answer",))
        links = topic.get("links", [])
        if not isinstance(links, list) or not all(
                isinstance(link, dict) and set(link) == {"title", "url"} and isinstance(link["title"], str)
                and isinstance(link["url"], str) and URL_RE.match(link["url"]) for link in links):
            checker.add(t + ("links",), "write links as [{ title = \"…\", url = \"https://…\" }]")
            links = []
        counter = topic.get("counter", False)
        if not isinstance(counter, bool):
            checker.add(t + ("counter",), "must be true or false")
            counter = False
        handover = topic.get("handover_team")
        if handover is not None and not isinstance(handover, str):
            checker.add(t + ("handover_team",), "must be a team slug")
            handover = None
        domain.topics.append(TopicSpec(
            slug=topic_slug, name=checker.text(topic, "name", t, limit=150), upl=checker.strings(topic, "upl", t),
            words=checker.strings(topic, "words", t, minimum=3), prerequisites=prerequisites, answer=answer,
            links=links, handover_team=handover,
            callback_norm_hours=checker.integer(topic, "callback_norm_hours", t, 1, 400,
                                                default=domain.callback_norm_hours),
            counter=counter,
        ))
    return domain, checker.problems


def load_dir(directory: Path) -> tuple[list[DomainSpec], list[Problem]]:
    """Read and check every *.toml in the directory, including links between files (teams, prefixes)."""
    directory = Path(directory)
    if not directory.is_dir():
        return [], [Problem(str(directory), 0, "directory", "not found; give the folder with the domain files")]
    files = sorted(directory.glob("*.toml"))
    if not files:
        return [], [Problem(str(directory), 0, "directory", "has no .toml domain files")]
    domains, problems = [], []
    for path in files:
        spec, found = _parse_file(path)
        problems.extend(found)
        if spec is not None:
            domains.append(spec)
    team_slugs: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for spec in domains:
        locator = _Locator(Path(spec.file).read_text(encoding="utf-8"))
        if spec.ticket_prefix in prefixes:
            problems.append(Problem(spec.file, locator.line(("domain", "ticket_prefix")), "domain.ticket_prefix",
                                    f"{spec.ticket_prefix!r} is already used by {prefixes[spec.ticket_prefix]}"))
        prefixes.setdefault(spec.ticket_prefix, spec.slug)
        for i, team in enumerate(spec.teams):
            if team.slug in team_slugs:
                problems.append(Problem(spec.file, locator.line(("teams", i, "slug")), f"teams[{i}].slug",
                                        f"{team.slug!r} is already defined in {team_slugs[team.slug]}"))
            team_slugs.setdefault(team.slug, spec.file)
    for spec in domains:
        locator = _Locator(Path(spec.file).read_text(encoding="utf-8"))
        for i, topic in enumerate(spec.topics):
            if topic.handover_team and topic.handover_team not in team_slugs:
                problems.append(Problem(spec.file, locator.line(("topics", i, "handover_team")),
                                        f"topics[{i}].handover_team",
                                        f"unknown team {topic.handover_team!r}; define it under [[teams]]"))
    return domains, problems


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    deactivated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.deactivated} deactivated"


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set only what differs, so a second sync writes nothing."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _upsert(session: Session, report: SyncReport, existing: Any, model: type, values: dict[str, Any]) -> Any:
    if existing is None:
        existing = model(**values)
        session.add(existing)
        report.created += 1
    elif _assign(existing, values):
        report.updated += 1
    return existing


def sync(session: Session, specs: list[DomainSpec]) -> SyncReport:
    """Upsert domains, teams and topics from checked specs; flushes, the caller commits."""
    report = SyncReport()
    domains: dict[str, Domain] = {d.slug: d for d in session.scalars(select(Domain))}
    teams: dict[str, Team] = {t.slug: t for t in session.scalars(select(Team))}
    for spec in specs:
        domains[spec.slug] = _upsert(session, report, domains.get(spec.slug), Domain, dict(
            slug=spec.slug, name=spec.name, ticket_prefix=spec.ticket_prefix,
            phone_answer_target_s=spec.phone_answer_target_s, callback_norm_hours=spec.callback_norm_hours,
            hours=spec.hours, position=spec.position, lobby_attention_min=spec.lobby_attention_min,
            lobby_notify_ahead=spec.lobby_notify_ahead, counter_mix=spec.counter_mix, active=True))
    session.flush()
    for spec in specs:
        for team in spec.teams:
            teams[team.slug] = _upsert(session, report, teams.get(team.slug), Team, dict(
                slug=team.slug, name=team.name, domain_id=domains[spec.slug].id,
                callback_norm_hours=team.callback_norm_hours, active=True))
    session.flush()
    wanted_teams = {team.slug for spec in specs for team in spec.teams}
    wanted_topics: set[tuple[int, str]] = set()
    topics = {(t.domain_id, t.slug): t for t in session.scalars(select(Topic))}
    for spec in specs:
        domain = domains[spec.slug]
        for topic in spec.topics:
            wanted_topics.add((domain.id, topic.slug))
            _upsert(session, report, topics.get((domain.id, topic.slug)), Topic, dict(
                domain_id=domain.id, slug=topic.slug, name=topic.name, upl=topic.upl, words=topic.words,
                prerequisites=topic.prerequisites, answer=topic.answer, links=topic.links,
                handover_team_id=teams[topic.handover_team].id if topic.handover_team else None,
                callback_norm_hours=topic.callback_norm_hours, counter=topic.counter, active=True))
    wanted_domains = {spec.slug for spec in specs}
    for obj, wanted in ([(d, d.slug in wanted_domains) for d in domains.values()]
                        + [(t, t.slug in wanted_teams) for t in teams.values()]
                        + [(t, key in wanted_topics) for key, t in topics.items()]):
        if not wanted and obj.active:
            obj.active = False
            report.deactivated += 1
    session.flush()
    return report
