"""Evaluate the router against a labelled set of citizen questions (`kcc route eval FILE.csv`)."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from kcc.content.router import Router, confusion
from kcc.core.errors import ValidationError

COLUMNS = ("question", "domain", "topic")


@dataclass(frozen=True)
class Labelled:
    line: int
    question: str
    domain: str
    topic: str | None


@dataclass
class Report:
    total: int = 0
    domain_correct: int = 0
    topic_correct: int = 0
    topic_total: int = 0
    fallbacks: int = 0
    per_domain: dict[str, list[int]] = field(default_factory=dict)  # domain → [correct, total]
    matrix: dict[str, dict[str, int]] = field(default_factory=dict)
    misses: list[tuple[Labelled, str, str | None, float]] = field(default_factory=list)

    @property
    def domain_accuracy(self) -> float:
        return self.domain_correct / self.total if self.total else 0.0

    @property
    def topic_accuracy(self) -> float:
        return self.topic_correct / self.topic_total if self.topic_total else 0.0


def load_labelled(path: Path, domains: set[str], topics: set[tuple[str, str]]) -> list[Labelled]:
    """Read question,domain,topic rows; every problem is reported as file:line: field: message."""
    problems: list[str] = []
    rows: list[Labelled] = []
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise ValidationError({"file": f"{path}: kan niet gelezen worden ({exc.strerror or exc})"}) from exc
    with handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValidationError({"file": f"{path}:1: header: verwacht {','.join(COLUMNS)}"})
        for row in reader:
            line = reader.line_num
            question, domain, topic = (row.get(c) or "" for c in COLUMNS)
            if not question.strip():
                problems.append(f"{path}:{line}: question: leeg")
            elif domain not in domains:
                problems.append(f"{path}:{line}: domain: onbekend domein {domain!r}")
            elif topic and (domain, topic) not in topics:
                problems.append(f"{path}:{line}: topic: onbekend onderwerp {topic!r} in {domain}")
            else:
                rows.append(Labelled(line, question, domain, topic or None))
    if problems:
        raise ValidationError({"file": "\n".join(problems)})
    return rows


def evaluate(router: Router, rows: list[Labelled]) -> Report:
    """Domain accuracy counts where the contact really ends up: a fallback lands in algemeen."""
    report = Report()
    pairs = []
    for row in rows:
        routing = router.route(row.question)
        report.total += 1
        ok = routing.domain == row.domain
        report.domain_correct += ok
        report.fallbacks += routing.triage
        tally = report.per_domain.setdefault(row.domain, [0, 0])
        tally[0] += ok
        tally[1] += 1
        if row.topic:
            report.topic_total += 1
            report.topic_correct += routing.topic == row.topic
        if not ok or (row.topic and routing.topic != row.topic):
            report.misses.append((row, routing.domain, routing.topic, routing.confidence))
        pairs.append((row.domain, routing.domain))
    report.matrix = confusion(pairs)
    return report


def format_report(report: Report, show_misses: bool = False) -> str:
    names = sorted(set(report.per_domain) | {p for row in report.matrix.values() for p in row})
    width = max(len(n) for n in names) + 2
    lines = [f"Questions: {report.total}   domain accuracy: {report.domain_accuracy:.1%}   "
             f"topic accuracy: {report.topic_accuracy:.1%}   to triage (fallback): {report.fallbacks}", "",
             "Per domain:"]
    for name in sorted(report.per_domain):
        correct, total = report.per_domain[name]
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
