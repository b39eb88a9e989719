"""What the router's model learns from: the content of domains/, the labelled example questions beside it, and —
when asked for — the corrections employees made that the outcome confirmed.

`kcc route train` (and `kcc domains sync` when the content changed) call `train_artefact`; `kcc route corrections`
lists the corrections per pair of topics for the functional administrator and the seniors.
"""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from kcc.content.domains import DomainSpec
from kcc.content.evaluation import Labelled, load_labelled
from kcc.content.model import Example, Model, content_version, train
from kcc.content.router import topic_words
from kcc.models import Contact, ContactStatus, Domain, RoutingCorrection, Topic

EXAMPLES_DIR = "examples"  # labelled questions beside the domain files: <domains>/examples/*.csv
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def label(domain: str, topic: str | None) -> str:
    return f"{domain}/{topic or domain}"  # a question of a domain without a topic learns the domain's own topic


def content_of(specs: list[DomainSpec]) -> str:
    """The content version of these domain files, as the router computes it from the synced topics."""
    return content_version((t.domain, t.topic, t.phrases) for t in topic_words(specs))


def examples_version(directory: Path) -> str:
    """The labelled example questions a model was trained on, in 16 characters."""
    digest = hashlib.sha256()
    for path in sorted((directory / EXAMPLES_DIR).glob("*.csv")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def is_current(model: Model | None, specs: list[DomainSpec], directory: Path) -> bool:
    """Trained on this content and these example questions (else `kcc domains sync` trains again)."""
    return model is not None and model.meta.get("content_version") == content_of(specs) \
        and model.meta.get("examples_version") == examples_version(directory)


def topic_examples(specs: list[DomainSpec]) -> list[Example]:
    """Every topic's name, product names and words, each as a short question, and its answer sentence by sentence
    (the answer says in full sentences what the topic is about)."""
    examples = []
    for domain in specs:
        for topic in domain.topics:
            target = label(domain.slug, topic.slug)
            examples += [Example(text, target) for text in (topic.name, *topic.upl, *topic.words) if text.strip()]
            examples += [Example(sentence, target) for sentence in _SENTENCE.split(topic.answer) if len(sentence) > 20]
    return examples


def example_questions(directory: Path, specs: list[DomainSpec]) -> list[Labelled]:
    """The labelled questions in <domains>/examples/*.csv (question,domain,topic[,language])."""
    domains = {d.slug for d in specs}
    topics = {(d.slug, t.slug) for d in specs for t in d.topics}
    rows: list[Labelled] = []
    for path in sorted((directory / EXAMPLES_DIR).glob("*.csv")):
        rows += load_labelled(path, domains, topics)
    return rows


@dataclass
class CorrectionPair:
    """Contacts the router sent to one topic that employees moved to another."""

    routed: str
    corrected: str
    count: int = 0
    confirmed: int = 0  # closed in the corrected domain: the outcome agrees with the employee
    questions: list[str] = field(default_factory=list)


def corrections(session: Session) -> list[CorrectionPair]:
    """Each contact's last correction, per (routed → corrected) pair, the most frequent first."""
    routed_domain, routed_topic = aliased(Domain), aliased(Topic)
    corrected_domain, corrected_topic = aliased(Domain), aliased(Topic)
    rows = session.execute(
        select(RoutingCorrection.contact_id, RoutingCorrection.id, routed_domain.slug, routed_topic.slug,
               corrected_domain.slug, corrected_topic.slug, Contact.question, Contact.status, Contact.domain_id,
               RoutingCorrection.to_domain_id)
        .join(Contact, Contact.id == RoutingCorrection.contact_id)
        .outerjoin(routed_domain, routed_domain.id == RoutingCorrection.from_domain_id)
        .outerjoin(routed_topic, routed_topic.id == RoutingCorrection.from_topic_id)
        .join(corrected_domain, corrected_domain.id == RoutingCorrection.to_domain_id)
        .outerjoin(corrected_topic, corrected_topic.id == RoutingCorrection.to_topic_id)
        .order_by(RoutingCorrection.contact_id, RoutingCorrection.id)).all()
    last = {row.contact_id: row for row in rows}  # a correction corrected again counts as the last one only
    pairs: dict[tuple[str, str], CorrectionPair] = {}
    for row in last.values():
        key = (f"{row[2] or '-'}/{row[3] or '-'}", f"{row[4]}/{row[5] or '-'}")
        pair = pairs.setdefault(key, CorrectionPair(*key))
        pair.count += 1
        if row.status == ContactStatus.resolved and row.domain_id == row.to_domain_id and row.question.strip():
            pair.confirmed += 1
            pair.questions.append(row.question)
    return sorted(pairs.values(), key=lambda p: (-p.count, p.routed, p.corrected))


def correction_examples(session: Session) -> list[Example]:
    """The confirmed corrections as training questions: the question, labelled where the employee put it."""
    examples = []
    for pair in corrections(session):
        domain, _, topic = pair.corrected.partition("/")
        examples += [Example(question, label(domain, None if topic == "-" else topic)) for question in pair.questions]
    return examples


@dataclass(frozen=True)
class Trained:
    model: Model
    checksum: str
    seconds: float
    from_topics: int
    from_questions: int
    from_corrections: int


def train_artefact(specs: list[DomainSpec], directory: Path, path: Path,
                   extra: list[Example] | None = None) -> Trained:
    """Train on the content, its example questions and `extra` (confirmed corrections); keep it at `path`."""
    started = time.perf_counter()
    from_topics = topic_examples(specs)
    known = {label(d.slug, t.slug) for d in specs for t in d.topics}
    questions = [Example(row.question, label(row.domain, row.topic)) for row in example_questions(directory, specs)]
    # a domain-only question learns the domain's catch-all topic when there is one, else it is left out
    questions = [e for e in questions if e.label in known]
    extra = [e for e in extra or [] if e.label in known]
    model = train(from_topics + questions + extra, content_of(specs),
                  {"examples_version": examples_version(directory), "topics_examples": len(from_topics),
                   "questions": len(questions), "corrections": len(extra)})
    checksum = model.save(path)
    return Trained(model, checksum, time.perf_counter() - started, len(from_topics), len(questions), len(extra))

