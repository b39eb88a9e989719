"""Evaluate the router against a labelled set of citizen questions (`kcc route eval FILE.csv`)."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from kcc.content.router import Router, confusion
from kcc.core.errors import ValidationError

COLUMNS = ("question", "domain", "topic")
LANGUAGES = ("nl", "en", "fy")  # the optional fourth column, `language`


@dataclass(frozen=True)
class Labelled:
    line: int
    question: str
    domain: str
    topic: str | None
    language: str = "nl"


@dataclass
class Report:
    total: int = 0
    domain_correct: int = 0
    topic_correct: int = 0
    topic_total: int = 0
    menu_correct: int = 0  # the topic suggested within the right domain (a phone-menu choice named the domain)
    fallbacks: int = 0
    unknown_topics: int = 0  # rows naming a topic the content does not have (yet): counted for the domain only
    per_domain: dict[str, list[int]] = field(default_factory=dict)  # domain → [correct, total]
    per_language: dict[str, list[int]] = field(default_factory=dict)  # language → [correct, total]
    matrix: dict[str, dict[str, int]] = field(default_factory=dict)
    misses: list[tuple[Labelled, str, str | None, float]] = field(default_factory=list)

    @property
    def domain_accuracy(self) -> float:
        return self.domain_correct / self.total if self.total else 0.0

    @property
    def topic_accuracy(self) -> float:
        return self.topic_correct / self.topic_total if self.topic_total else 0.0

    @property
    def menu_accuracy(self) -> float:
        return self.menu_correct / self.topic_total if self.topic_total else 0.0


def load_labelled(path: Path, domains: set[str], topics: set[tuple[str, str]],
                  keep_unknown_topics: bool = False) -> list[Labelled]:
    """Read question,domain,topic[,language] rows; every problem is reported as file:line: field: message. With
    `keep_unknown_topics` a topic the content does not have (an evaluation set written ahead of domains/) is kept
    and left out of the topic accuracy; otherwise (training examples) it is a mistake in the file."""
    problems: list[str] = []
    rows: list[Labelled] = []
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise ValidationError({"file": f"{path}: kan niet gelezen worden ({exc.strerror or exc})"}) from exc
    with handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) not in (COLUMNS, (*COLUMNS, "language")):
            raise ValidationError({"file": f"{path}:1: header: verwacht {','.join(COLUMNS)}[,language]"})
        for row in reader:
            line = reader.line_num
            question, domain, topic = (row.get(c) or "" for c in COLUMNS)
            language = row.get("language") or "nl"
            if not question.strip():
                problems.append(f"{path}:{line}: question: leeg")
            elif domain not in domains:
                problems.append(f"{path}:{line}: domain: onbekend domein {domain!r}")
            elif topic and not keep_unknown_topics and (domain, topic) not in topics:
                problems.append(f"{path}:{line}: topic: onbekend onderwerp {topic!r} in {domain}")
            elif language not in LANGUAGES:
                problems.append(f"{path}:{line}: language: {language!r} is geen van {', '.join(LANGUAGES)}")
            else:
                rows.append(Labelled(line, question, domain, topic or None, language))
    if problems:
        raise ValidationError({"file": "\n".join(problems)})
    return rows


def evaluate(router: Router, rows: list[Labelled]) -> Report:
    """Domain accuracy counts where the contact really ends up: a fallback lands in algemeen."""
    report = Report()
    pairs = []
    known = {(topic.domain, topic.topic) for topic in router.topics}
    for row in rows:
        routing = router.route(row.question)
        report.total += 1
        ok = routing.domain == row.domain
        report.domain_correct += ok
        report.fallbacks += routing.triage
        for tallies, key in ((report.per_domain, row.domain), (report.per_language, row.language)):
            tally = tallies.setdefault(key, [0, 0])
            tally[0] += ok
            tally[1] += 1
        topic = row.topic if (row.domain, row.topic) in known else None
        report.unknown_topics += bool(row.topic) and topic is None
        if topic:
            report.topic_total += 1
            report.topic_correct += routing.topic == topic
            within = router.topic_within(row.question, row.domain)
            report.menu_correct += within is not None and within.topic == topic
        if not ok or (topic and routing.topic != topic):
            report.misses.append((row, routing.domain, routing.topic, routing.confidence))
        pairs.append((row.domain, routing.domain))
    report.matrix = confusion(pairs)
    return report


def format_report(report: Report, show_misses: bool = False) -> str:
    names = sorted(set(report.per_domain) | {p for row in report.matrix.values() for p in row})
    width = max(len(n) for n in names) + 2
    lines = [f"Questions: {report.total}   domain accuracy: {report.domain_accuracy:.1%}   "
             f"topic accuracy: {report.topic_accuracy:.1%}   to triage (fallback): {report.fallbacks}",
             f"Topic within the right domain (a phone-menu choice named it): {report.menu_accuracy:.1%}", "",
             "Per domain:"]
    if report.unknown_topics:
        lines.insert(1, f"({report.unknown_topics} rows name a topic the content does not have: counted for their "
                        "domain only)")
    for name in sorted(report.per_domain):
        correct, total = report.per_domain[name]
        lines.append(f"  {name:<{width}} {correct:>4}/{total:<4} {correct / total:6.1%}")
    if len(report.per_language) > 1:
        lines.append("Per language:")
        for name, (correct, total) in sorted(report.per_language.items()):
            lines.append(f"  {name:<{width}} {correct:>4}/{total:<4} {correct / total:6.1%}")
    lines += ["", "Confusion (rows: expected, columns: routed):",
              " " * (width + 2) + "".join(f"{n[:12]:>13}" for n in names)]
    for expected in names:
        row = report.matrix.get(expected, {})
        lines.append(f"  {expected:<{width}}" + "".join(f"{row.get(p, 0):>13}" for p in names))
    if show_misses and report.misses:
        lines += ["", "Misses (line: expected → routed, confidence):"]
        for labelled, domain, topic, confidence in report.misses:
            lines.append(f"  {labelled.line}: {labelled.domain}/{labelled.topic or '-'} → {domain}/{topic or '-'} "
                         f"({confidence:.2f})  {labelled.question[:70]}")
    return "\n".join(lines)
