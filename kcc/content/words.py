"""Words as the router sees them: normalised, stemmed, and told apart from the words that carry no topic.

The stoplist holds function words of Dutch, English and Frisian and the politeness around a question; the filler
list holds what callers say on the way to their question ("ik bel over het volgende", "gewoon even laten
zetten"), which matched topic words before. Ordinary Dutch words come from wordfreq's Dutch list (the 200,000
most frequent words of subtitles, Wikipedia, the web and books): a word on it is never "corrected" into a topic
word, however close its spelling.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

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

# What callers say on their way to the question: never evidence for a topic.
FILLER = frozenset("""
eh ehm uh uhm nou ja jawel nee hoor zeg zegmaar gewoon eigenlijk even effe volgende laten zetten bellen bel belde
gebeld bellen verteld vertellen zeggen gezegd vroeg vroegen vragen gevraagd denk dacht denken snap begrijp
goedenavond middag morgen ochtend namens meneer mevrouw mw dhr heer spreek spreekt spreken
""".split())

_WORD = re.compile(r"[a-z0-9]+")
_stemmer = Stemmer.Stemmer("dutch")


def normalise(text: str) -> list[str]:
    """Lower case, accents off (ë → e), words only: 'Één ID-kaart!' → ['een', 'id', 'kaart']."""
    return list(_normalised(text))


@lru_cache(maxsize=4096)
def _normalised(text: str) -> tuple[str, ...]:
    """The router reads one question several times (rules, model, the sentences that ask): normalised once."""
    lower = text.lower()
    if not lower.isascii():
        lower = "".join(ch for ch in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(ch))
    return tuple(_WORD.findall(lower))


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def content_stems(text: str) -> list[str]:
    """The stems of the words that say something, in order."""
    return [stem(w) for w in normalise(text) if w not in STOPWORDS and len(w) > 1]




def content_words(text: str) -> list[str]:
    """The normalised words that can say something about a topic: no function words, no filler, no single letters
    (the rules and the model read the same words)."""
    return [w for w in normalise(text) if w not in STOPWORDS and w not in FILLER and len(w) > 1]


@lru_cache(maxsize=1)
def dutch_words() -> frozenset[str]:
    """The ordinary Dutch words (normalised): loaded once per process, half a second."""
    from wordfreq import top_n_list

    return frozenset(word for entry in top_n_list("nl", 200_000) for word in normalise(entry))
