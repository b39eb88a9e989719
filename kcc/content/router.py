"""The question router: a citizen's words → domain and topic, built only on the words in domains/.

Dutch questions are messy: capitals and accents vary, words are glued into compounds
("paspoortaanvraag"), inflected ("verhuisd", "vergunningen") and misspelt ("rijbewys"). The router
normalises, stems with Snowball's Dutch stemmer, splits compounds into words it knows, and matches
unknown words to the nearest known one (rapidfuzz). Scores are weighted by how specific a word is
(a word used by one topic says more than one used by ten). Below the confidence threshold the
question goes to algemeen for triage: never nowhere.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from kcc.models import Domain, Topic

FALLBACK_DOMAIN = "algemeen"
DEFAULT_THRESHOLD = 0.30
# A topic needs about this much evidence (two specific words) before the router is fully sure.
SATURATION = 6.0

# Words that carry no topic: Dutch, English and Frisian function words and the politeness around a question.
STOPWORDS = frozenset("""
de het een en of in op aan van voor met bij naar om te tot uit over onder door als dan dat die dit deze
ik je jij u uw mijn me mij we wij ons onze zij ze hij haar hem zijn is was ben bent wordt worden werd
heb hebt heeft had hadden kan kun kunt kon moet moeten mag mogen wil wilt willen zou zouden ga gaat gaan
niet geen wel ook nog al er hier daar wat wie waar wanneer hoe waarom welke welk hoeveel
graag even eens maar want omdat dus toch nu al alleen heel erg veel meer goed dag hallo goedemorgen
goedemiddag beste bedankt dank alvast vraag vraagje vragen vraagjes weten weet informatie info gemeente iemand iets
doen nodig krijgen kunnen zitten staan komen hebben even precies ongeveer zo werkt kost tegenwoordig
the a an to of for my i we you your is are can how do does what when where which with on in at it be
have has need want would like please hello hi about get
myn hoe wol kin ik ús jo it in de fan foar mei en
""".split())

_WORD = re.compile(r"[a-z0-9]+")
_stemmer = Stemmer.Stemmer("dutch")


def normalise(text: str) -> list[str]:
    """Lower case, accents off (ë → e), words only: 'Één ID-kaart!' → ['een', 'id', 'kaart']."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORD.findall(plain)


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def content_stems(text: str) -> list[str]:
    """The stems of the words that say something, in order."""
    return [stem(w) for w in normalise(text) if w not in STOPWORDS and len(w) > 1]


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

    @property
    def triage(self) -> bool:
        return self.method == "fallback"


class Router:
    """An index over the topics' words; build it once, route many questions."""

    def __init__(self, topics: Iterable[TopicWords], threshold: float = DEFAULT_THRESHOLD):
        self.threshold = threshold
        self.topics: list[TopicWords] = list(topics)
        counts: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        self._phrases: dict[str, list[tuple[int, frozenset[str]]]] = defaultdict(list)
        for index, topic in enumerate(self.topics):
            for position, phrase in enumerate(topic.phrases):
                stems = content_stems(phrase)
                for s in set(stems):
                    # the topic's name (first phrase) says most about what the topic is
                    counts[s][index] += 2.0 if position == 0 else 1.0
                if len(set(stems)) > 1:
                    entry = (index, frozenset(stems))
                    for s in set(stems):
                        self._phrases[s].append(entry)
        count = max(len(self.topics), 1)
        # A word used often by one topic weighs a little more there (never enough to dominate).
        self._postings = {s: tuple((ix, 1 + 0.3 * math.log(c)) for ix, c in sorted(per.items()))
                          for s, per in counts.items()}
        self._idf = {s: math.log(1 + count / len(per)) for s, per in counts.items()}
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for s in sorted(self._postings):
            self._by_initial[s[0]].append(s)
        # per router instance, so a changed domains/ never meets a stale cache
        self._resolve = lru_cache(maxsize=50_000)(self._resolve_uncached)

    @classmethod
    def from_session(cls, session: Session, threshold: float = DEFAULT_THRESHOLD) -> Router:
        """A router over the active topics in the database (after `kcc domains sync`)."""
        rows = session.scalars(select(Topic).join(Topic.domain)
                               .where(Topic.active.is_(True), Domain.active.is_(True))
                               .options(joinedload(Topic.domain))).all()
        return cls([TopicWords(t.domain.slug, t.slug, tuple([t.name, *t.upl, *t.words])) for t in rows],
                   threshold)

    @classmethod
    def from_specs(cls, specs, threshold: float = DEFAULT_THRESHOLD) -> Router:
        """A router over domain files as loaded by kcc.domains.load_dir, before they are synced."""
        return cls([TopicWords(d.slug, t.slug, tuple([t.name, *t.upl, *t.words])) for d in specs for t in d.topics],
                   threshold)

    def route(self, question: str) -> Routing:
        scores = self._score(question)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        if not ranked:
            return Routing(FALLBACK_DOMAIN, None, 0.0, [], "fallback")
        top = ranked[:4]
        # Shares of squared scores: a clear leader stands out from words many topics share.
        total = sum(score * score for _, score in top)
        strength = min(1.0, ranked[0][1] / SATURATION) ** 0.5
        guesses = [Guess(self.topics[i].domain, self.topics[i].topic, round(score * score / total * strength, 2))
                   for i, score in top]
        best = guesses[0]
        # The queue is per domain, so the decision to route or triage rests on the domain's share:
        # "paspoort" alone is certainly burgerzaken even when it could be three of its topics.
        domain_share = sum(score * score for i, score in top if self.topics[i].domain == best.domain) / total
        confidence = round(domain_share * strength, 2)
        if confidence < self.threshold:
            return Routing(FALLBACK_DOMAIN, None, confidence, guesses[:3], "fallback")
        return Routing(best.domain, best.topic, confidence, guesses[1:], "router")

    def topic_within(self, question: str, domain: str) -> Guess | None:
        """The best topic of one domain for this question — for a phone-menu choice that named the domain only.

        None when the words point nowhere clear within that domain, or mostly to another domain (then the
        employee picks, with help)."""
        everything = self._score(question)
        scores = {i: score for i, score in everything.items() if self.topics[i].domain == domain}
        if not scores or max(scores.values()) < 0.5 * max(everything.values()):
            return None  # the words are about another domain's topic: do not dress them up as this one's
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:4]
        total = sum(score * score for _, score in ranked)
        best, score = ranked[0]
        confidence = round(score * score / total * min(1.0, score / SATURATION) ** 0.5, 2)
        if confidence < self.threshold:
            return None
        return Guess(domain, self.topics[best].topic, confidence)

    def _score(self, question: str) -> dict[int, float]:
        found: dict[str, float] = {}
        for word in normalise(question):
            if word in STOPWORDS or len(word) < 2:
                continue
            for s, weight in self._resolve(word):
                found[s] = max(found.get(s, 0.0), weight)
        scores: dict[int, float] = defaultdict(float)
        for s, weight in found.items():
            gain = self._idf[s] * weight
            for index, tf in self._postings[s]:
                scores[index] += gain * tf
        # A whole phrase from the topic ("rijbewijs verlengen") counts extra; its best phrase only,
        # so a topic with many similar phrases does not win on their number.
        bonus: dict[int, float] = {}
        for s in found:
            for index, stems in self._phrases.get(s, ()):
                if stems <= found.keys():
                    value = 0.5 * sum(self._idf[p] for p in stems)
                    if value > bonus.get(index, 0.0):
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
        parts = self._split_compound(word)
        if parts:
            return tuple((p, 0.9) for p in parts)
        if len(word) >= 4:
            # typos rarely hit the first letter; keeping it keeps "slaat" from becoming "laat"
            match = process.extractOne(s, self._by_initial.get(s[0], ()), scorer=fuzz.ratio,
                                       score_cutoff=80 if len(word) >= 8 else 86)
            if match:
                return ((match[0], 0.8 * match[1] / 100),)
        return ()

    def _split_compound(self, word: str) -> tuple[str, ...]:
        """'paspoortaanvraag' → ('paspoort', 'aanvraag'); tries the linking -s- and -en- too."""
        best: tuple[str, ...] = ()
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            left_stem = self._known(left) or (left.endswith("s") and self._known(left[:-1])) or \
                (left.endswith("en") and self._known(left[:-2]))
            right_stem = self._known(right)
            if left_stem and right_stem:
                return (left_stem, right_stem)
            if not best and len(right) >= 5 and right_stem and len(right) > len(left):
                best = (right_stem,)
            if not best and len(left) >= 5 and left_stem and len(left) >= len(right):
                best = (left_stem,)
        return best

    def _known(self, part: str) -> str | None:
        if len(part) < 3:
            return None
        if part in self._postings:
            return part
        s = stem(part)
        return s if s in self._postings else None


def confusion(pairs: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """expected → predicted → count, for the evaluation report."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for expected, predicted in pairs:
        table[expected][predicted] += 1
    return table
