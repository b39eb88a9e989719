"""The question router: a citizen's words → domain and topic, from the content of domains/ and a model
trained on it (kcc.content.model).

Dutch questions are messy: capitals and accents vary, words are glued into compounds
("paspoortaanvraag"), inflected ("verhuisd", "vergunningen") and misspelt ("rijbewys"). The rules
normalise, stem with Snowball's Dutch stemmer, split compounds into words they know, and match a word
that is no ordinary Dutch word to the nearest known one (rapidfuzz). Scores are weighted by how specific
a word is (a word used by one topic says more than one used by ten). The model's probabilities and the
rules' shares are mixed per topic and summed per domain; what a message asks weighs as much as the whole
message. Below the confidence threshold the question goes to algemeen for triage: never nowhere.
"""
from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from kcc.content.model import Model, content_version
from kcc.content.request import objects, parts, shows_danger, without_objection
from kcc.content.words import content_words, dutch_words, stem
from kcc.models import Domain, Topic

log = logging.getLogger(__name__)

FALLBACK_DOMAIN = "algemeen"
# A topic needs about this much evidence (two specific words) before the rules are fully sure.
SATURATION = 6.0
# Chosen on the development set (tests/data/routing/dev.csv, `python -m bench.router --tune`; docs/routing.md):
DEFAULT_THRESHOLD = 0.20  # below this domain share a contact goes to algemeen for triage
MODEL_WEIGHT = 0.6  # the learned model beside the rules
ASK_WEIGHT = 0.5  # what a message asks beside the whole message (kcc.content.request.parts)
OBJECTION_SUBJECT_MIN = 0.15  # the contested decision's topic needs this share to decide an objection's domain

DANGER_TOPIC = ("sociaal", "huiselijk-geweld")
OBJECTION_TOPICS = {("algemeen", "bezwaar"), ("vergunningen", "bezwaar-vergunning")}
NOT_A_DECISION = {"klacht", "hulp-bij-formulieren", "afspraak", "algemeen"}  # about the process, not a subject


def content_stems(text: str) -> list[str]:
    """The stems of the words that say something, in order."""
    return [stem(w) for w in content_words(text)]


@dataclass(frozen=True)
class TopicWords:
    """What the router needs of a topic: where it belongs and the words citizens use for it."""

    domain: str
    topic: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Guess:
    domain: str
    topic: str
    confidence: float


@dataclass(frozen=True)
class Routing:
    """The router's answer. `method` is 'router', or 'fallback' when it was not sure (triage in algemeen)."""

    domain: str
    topic: str | None
    confidence: float
    alternatives: list[Guess] = field(default_factory=list)
    method: str = "router"
    danger: bool = False  # acute danger at home: the employee points to 112 or Veilig Thuis at once

    @property
    def triage(self) -> bool:
        return self.method == "fallback"


class Router:
    """An index over the topics' words; build it once, route many questions."""

    def __init__(self, topics: Iterable[TopicWords], threshold: float = DEFAULT_THRESHOLD, model: Model | None = None):
        self.threshold = threshold
        self.topics: list[TopicWords] = list(topics)
        dutch_words()  # read once per process, here rather than in the first question with an unknown word
        self.version = content_version((t.domain, t.topic, t.phrases) for t in self.topics)
        self.model: Model | None = None
        self.model_weight = MODEL_WEIGHT
        if model is not None and model.meta.get("content_version") != self.version:
            log.warning("router: the trained model is of other content (%s, the content is %s); routing on the "
                        "rules alone until `kcc route train`", model.meta.get("content_version"), self.version)
        elif model is not None:
            self.model = model
            positions = {f"{t.domain}/{t.topic}": i for i, t in enumerate(self.topics)}
            self._model_topics = np.array([positions.get(label, -1) for label in model.classes])
        counts: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        phrases: dict[str, list[tuple[int, frozenset[str]]]] = defaultdict(list)
        for index, topic in enumerate(self.topics):
            for position, phrase in enumerate(topic.phrases):
                stems = content_stems(phrase)
                for s in set(stems):
                    # the topic's name (first phrase) says most about what the topic is
                    counts[s][index] += 2.0 if position == 0 else 1.0
                if len(set(stems)) > 1:
                    entry = (index, frozenset(stems))
                    for s in set(stems):
                        phrases[s].append(entry)
        count = max(len(self.topics), 1)
        # A word used often by one topic weighs a little more there (never enough to dominate).
        self._postings = {s: tuple((ix, 1 + 0.3 * math.log(c)) for ix, c in sorted(per.items()))
                          for s, per in counts.items()}
        self._idf = {s: math.log(1 + count / len(per)) for s, per in counts.items()}
        # what each stem adds to each topic, and per stem the phrases it is part of with what a whole one adds
        self._gains = {s: tuple((ix, self._idf[s] * tf) for ix, tf in postings) for s, postings in self._postings.items()}
        self._phrases = {s: tuple((ix, stems, 0.5 * sum(self._idf[p] for p in stems)) for ix, stems in entries)
                         for s, entries in phrases.items()}
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for s in sorted(self._postings):
            self._by_initial[s[0]].append(s)
        # per router instance, so a changed domains/ never meets a stale cache
        self._resolve = lru_cache(maxsize=50_000)(self._resolve_uncached)

    @classmethod
    def from_session(cls, session: Session, threshold: float = DEFAULT_THRESHOLD, model: Model | None = None) -> Router:
        """A router over the active topics in the database (after `kcc domains sync`)."""
        rows = session.scalars(select(Topic).join(Topic.domain)
                               .where(Topic.active.is_(True), Domain.active.is_(True))
                               .options(joinedload(Topic.domain))).all()
        return cls([TopicWords(t.domain.slug, t.slug, tuple([t.name, *t.upl, *t.words])) for t in rows],
                   threshold, model)

    @classmethod
    def from_specs(cls, specs, threshold: float = DEFAULT_THRESHOLD, model: Model | None = None) -> Router:
        """A router over domain files as loaded by kcc.domains.load_dir, before they are synced."""
        return cls(topic_words(specs), threshold, model)

    def route(self, question: str) -> Routing:
        """Domain and topic by what the question asks: the rules' shares and the model's probabilities together
        (MODEL_WEIGHT), summed per domain; below the threshold to algemeen for triage. Acute danger → sociaal."""
        shares = self.weighed(question)
        ranked = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
        danger = shows_danger(question)
        if danger and (safe := self._danger_topic()) is not None:
            return Routing("sociaal", self.topics[safe].topic, 1.0,
                           [self._guess(i, c) for i, c in ranked[:3] if i != safe], "router", True)
        if not ranked:
            return Routing(FALLBACK_DOMAIN, None, 0.0, [], "fallback")
        per_domain: dict[str, float] = defaultdict(float)
        for index, share in ranked:
            per_domain[self.topics[index].domain] += share
        # The queue is per domain, so the decision to route or triage rests on the domain's share: "paspoort"
        # alone is certainly burgerzaken even when it could be three of its topics.
        domain = max(per_domain, key=lambda d: (per_domain[d], d == self.topics[ranked[0][0]].domain))
        confidence = round(min(1.0, per_domain[domain]), 2)
        guesses = [self._guess(i, c) for i, c in ranked[:4]]
        if confidence < self.threshold:
            return Routing(FALLBACK_DOMAIN, None, confidence, guesses[:3], "fallback")
        best = next(i for i, _ in ranked if self.topics[i].domain == domain)
        if objects(question) and (decision := self._decision(question)) is not None:
            domain, best = decision
        return Routing(domain, self.topics[best].topic, confidence,
                       [g for g in guesses if g.topic != self.topics[best].topic][:3], "router")

    def weighed(self, question: str) -> dict[int, float]:
        """The shares of the whole message, with those of what it asks (subject line, asking sentences) above."""
        asking, whole = parts(question)
        shares = self.shares(whole)
        if asking == whole:
            return shares
        asked = self.shares(asking)
        return {i: ASK_WEIGHT * asked.get(i, 0.0) + (1 - ASK_WEIGHT) * shares.get(i, 0.0) for i in asked.keys() | shares.keys()}

    def _decision(self, question: str) -> tuple[str, int] | None:
        """An objection goes to the domain of the decision it contests: the best topic of the question without its
        objecting words, not counting objections in general. Its topic is that domain's objection topic when it has
        one (vergunningen), else the subject's. None: a generic objection (algemeen)."""
        shares = self.weighed(without_objection(question))
        ranked = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
        subjects = [(i, share) for i, share in ranked if (self.topics[i].domain, self.topics[i].topic) not in
                    OBJECTION_TOPICS and self.topics[i].topic not in NOT_A_DECISION]
        if not subjects or subjects[0][1] < OBJECTION_SUBJECT_MIN:
            return None
        subject = subjects[0][0]
        domain = self.topics[subject].domain
        own = next((i for i, t in enumerate(self.topics) if t.domain == domain and (t.domain, t.topic) in OBJECTION_TOPICS),
                   None)
        return domain, own if own is not None and domain != "algemeen" else subject

    def shares(self, text: str) -> dict[int, float]:
        """Per topic index, how much of the question points there (together at most 1): the rules' squared scores
        shared out among the best four and weighed by how sure the best is, mixed with the model's probabilities."""
        scores = self._score(text)
        rules: dict[int, float] = {}
        if scores:
            top = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:4]
            total = sum(score * score for _, score in top)
            strength = min(1.0, top[0][1] / SATURATION) ** 0.5
            rules = {index: score * score / total * strength for index, score in top if score > 0}
        if self.model is None:
            return rules
        probabilities = self.model.probabilities(text)
        mixed = {index: (1 - self.model_weight) * share for index, share in rules.items()}
        for position in np.argsort(probabilities)[::-1][:8]:
            index = int(self._model_topics[position])
            if index >= 0:
                mixed[index] = mixed.get(index, 0.0) + self.model_weight * float(probabilities[position])
        return mixed

    def _guess(self, index: int, share: float) -> Guess:
        return Guess(self.topics[index].domain, self.topics[index].topic, round(share, 2))

    def _danger_topic(self) -> int | None:
        return next((i for i, t in enumerate(self.topics) if (t.domain, t.topic) == DANGER_TOPIC), None)

    def topic_within(self, question: str, domain: str) -> Guess | None:
        """The best topic of one domain for this question — for a phone-menu choice that named the domain only.

        None when the words point nowhere clear within that domain, or mostly to another domain (then the
        employee picks, with help)."""
        shares = self.weighed(question)
        within = {i: share for i, share in shares.items() if self.topics[i].domain == domain}
        if not within or max(within.values()) < 0.5 * max(shares.values()):
            return None  # the words are about another domain's topic: do not dress them up as this one's
        best = max(within, key=lambda i: (within[i], -i))
        total = sum(within.values())
        confidence = round(within[best] / total * (min(1.0, total / self.threshold) if self.threshold > 0 else 1.0), 2)
        if confidence < self.threshold:
            return None
        return Guess(domain, self.topics[best].topic, confidence)

    def _score(self, question: str) -> dict[int, float]:
        found: dict[str, float] = {}
        for word in content_words(question):
            for s, weight in self._resolve(word):
                found[s] = max(found.get(s, 0.0), weight)
        scores: dict[int, float] = defaultdict(float)
        for s, weight in found.items():
            for index, gain in self._gains[s]:
                scores[index] += gain * weight
        if len(found) < 2:
            return scores
        # A whole phrase from the topic ("rijbewijs verlengen") counts extra; its best phrase only,
        # so a topic with many similar phrases does not win on their number.
        bonus: dict[int, float] = {}
        known = found.keys()
        for s in found:
            for index, stems, value in self._phrases.get(s, ()):
                if value > bonus.get(index, 0.0) and stems <= known:
                    bonus[index] = value
        for index, value in bonus.items():
            scores[index] += value
        return scores

    def _resolve_uncached(self, word: str) -> tuple[tuple[str, float], ...]:
        """Known stems for one word: itself, the parts of a compound, or the nearest spelling."""
        s = stem(word)
        if s in self._postings:
            return ((s, 1.0),)
        if word in self._postings:
            return ((word, 1.0),)
        if not word.isalpha():
            return ()  # a house number, postcode or date is no compound and no misspelt topic word
        parts = self._split_compound(word)
        if parts:
            return tuple((p, 0.9) for p in parts)
        if len(word) >= 4 and word not in dutch_words():
            # an ordinary Dutch word is what it is, not a misspelt topic word; typos rarely hit the first letter
            match = process.extractOne(s, self._by_initial.get(s[0], ()), scorer=fuzz.ratio,
                                       score_cutoff=80 if len(word) >= 8 else 86)
            if match:
                return ((match[0], 0.8 * match[1] / 100),)
        return ()

    def _split_compound(self, word: str) -> tuple[str, ...]:
        """'paspoortaanvraag' → ('paspoort', 'aanvraag'); tries the linking -s- and -en- too. Both parts have four
        letters or more, so a short known word is not found inside an unrelated long one. Of a compound with one
        known part, the right-hand part (the head: a 'gemeenteraadsverkiezing' is a 'verkiezing') counts from five
        letters, the left-hand part only when it is most of the word."""
        head: tuple[str, ...] = ()
        modifier: tuple[str, ...] = ()
        for cut in range(4, len(word) - 3):
            left, right = word[:cut], word[cut:]
            left_stem = self._known(left) or (left.endswith("s") and self._known(left[:-1])) or \
                (left.endswith("en") and self._known(left[:-2]))
            right_stem = self._known(right)
            if left_stem and right_stem:
                return (left_stem, right_stem)
            if not head and len(right) >= 5 and right_stem:
                head = (right_stem,)
            if len(left) >= 6 and left_stem and len(left) >= 2 * len(right):
                modifier = (left_stem,)
        return head or modifier

    def _known(self, part: str) -> str | None:
        if len(part) < 3:
            return None
        if part in self._postings:
            return part
        s = stem(part)
        return s if s in self._postings else None


def topic_words(specs) -> list[TopicWords]:
    """What the router reads of domain files (kcc.domains.load_dir): as from the synced topics."""
    return [TopicWords(d.slug, t.slug, tuple([t.name, *t.upl, *t.words])) for d in specs for t in d.topics]


def confusion(pairs: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """expected → predicted → count, for the evaluation report."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for expected, predicted in pairs:
        table[expected][predicted] += 1
    return table
