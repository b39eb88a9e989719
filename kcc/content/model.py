"""The learned half of the router: a linear model over word and character n-grams, trained from domains/.

The hand-weighted rules know the words the content names; citizens use many more. A TF-IDF model of word
stems (one and two words) and character n-grams (3–5 letters inside a word: typos, compounds, Frisian) with a
multinomial logistic regression, trained on every topic's name, product names, words and answer and on the
labelled example questions, learns which words go with which topic from all of it at once.

Trained by `kcc route train` (scikit-learn, deterministic: same data, same model) and kept as an artefact of
plain arrays (numpy `.npz`, no pickle) beside a JSON file with its checksum and the content version it was
trained on. Routing does not use scikit-learn: it looks up the question's n-grams in the kept vocabularies and
multiplies by the kept weights, which gives exactly scikit-learn's probabilities at a fraction of its cost per
question (a router answers one question at a time, thousands of times a second).
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np

from kcc.content.words import content_words, stem

log = logging.getLogger(__name__)

CHAR_WEIGHT = 0.8  # the character block beside the word block (each L2-normalised)
C = 8.0  # inverse regularisation, chosen by cross-validation on the training questions (docs/routing.md)
NGRAMS = (3, 5)
_TF = [0.0] + [1.0 + math.log(count) for count in range(1, 64)]  # sublinear tf of the usual counts


def word_features(text: str) -> list[str]:
    """Stems and pairs of neighbouring stems: 'paspoort verlengen' → paspoort, verleng, 'paspoort verleng'."""
    stems = [stem(w) for w in content_words(text)]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)]


def char_features(text: str) -> list[str]:
    """Letter n-grams inside each word, with its edges marked (scikit-learn's char_wb)."""
    return [gram for word in content_words(text) for gram in word_grams(word)]


def word_grams(word: str) -> list[str]:
    padded = f" {word} "
    low, high = NGRAMS
    return [padded[i:i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # "domain/topic"


def content_version(topics: Iterable[tuple[str, str, Sequence[str]]]) -> str:
    """The content a model was trained on, in 16 characters: every topic's domain, slug, name and words."""
    digest = hashlib.sha256()
    for row in sorted((domain, topic, list(phrases)) for domain, topic, phrases in topics):
        digest.update(json.dumps(row, ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


_LOADED: dict[Path, tuple[float, Model | None]] = {}


def load_artefact(path: Path) -> Model | None:
    """The model at `path`, read once per process (again when the file changes); None, with a warning, when it is
    missing or unusable: the router then works on its rules alone."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        if path not in _LOADED:
            log.warning("router: no trained model at %s; routing on the rules alone (run `kcc route train`)", path)
        _LOADED[path] = (0.0, None)
        return None
    kept = _LOADED.get(path)
    if kept is None or kept[0] != mtime:
        try:
            kept = (mtime, Model.load(path))
        except (ValueError, KeyError, OSError) as error:
            log.warning("router: %s; routing on the rules alone", error)
            kept = (mtime, None)
        _LOADED[path] = kept
    return kept[1]


class Model:
    """The trained weights, and the arithmetic of scikit-learn's TfidfVectorizer + LogisticRegression."""

    def __init__(self, classes: list[str], blocks: list[tuple[dict[str, int], np.ndarray, float]],
                 weights: np.ndarray, bias: np.ndarray, meta: dict):
        self.classes = classes
        self.blocks = blocks  # per feature block: vocabulary, idf, block weight
        self.weights = weights  # (features of all blocks, classes)
        self.bias = bias
        self.meta = meta
        self._idf = [block[1].tolist() for block in blocks]  # Python floats: summed a few dozen at a time
        # a word's letter n-grams as vocabulary indices, worked out once per word (words recur across questions)
        self._grams = lru_cache(maxsize=100_000)(self._grams_uncached)

    def _grams_uncached(self, word: str) -> tuple[int, ...]:
        vocabulary = self.blocks[1][0]
        return tuple(index for index in map(vocabulary.get, word_grams(word)) if index is not None)

    def probabilities(self, text: str) -> np.ndarray:
        """P(topic | text) over `classes`: per block the n-grams' counts, sublinear tf × idf, L2-normalised.
        Plain Python for the few dozen values of one question (numpy's per-call cost is larger than the sums)."""
        stems: Counter[int] = Counter(i for i in map(self.blocks[0][0].get, word_features(text)) if i is not None)
        grams: Counter[int] = Counter(chain.from_iterable(map(self._grams, content_words(text))))
        indices: list[int] = []
        values: list[float] = []
        offset = 0
        for (vocabulary, _, weight), idf, counts in zip(self.blocks, self._idf, (stems, grams), strict=True):
            if counts:
                block = [(_TF[count] if count < 64 else 1.0 + math.log(count)) * idf[index]
                         for index, count in counts.items()]
                scale = weight / (math.sqrt(sum(v * v for v in block)) or 1.0)
                indices += [offset + index for index in counts]
                values += [v * scale for v in block]
            offset += len(vocabulary)
        if indices:
            logits = self.bias + np.asarray(values, dtype=self.weights.dtype) @ self.weights[np.asarray(indices)]
        else:
            logits = self.bias.copy()
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()

    # --- the artefact ---------------------------------------------------------------------------------------

    def save(self, path: Path) -> str:
        """Write the arrays (no pickle) and, beside them, the checksum and what they were trained on."""
        vocabularies = [sorted(vocabulary, key=vocabulary.__getitem__) for vocabulary, _, _ in self.blocks]
        described = json.dumps({"classes": self.classes, "vocabularies": vocabularies,
                                "block_weights": [b[2] for b in self.blocks]}, ensure_ascii=False)
        arrays = {"weights": self.weights.astype(np.float32), "bias": self.bias, "idf_word": self.blocks[0][1],
                  "idf_char": self.blocks[1][1], "vocabulary": np.array(described)}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:  # numpy's .npz, with fixed dates:
            for name, array in arrays.items():  # the same training gives the same bytes and checksum
                member_info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                member_info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(member_info, "w") as member:
                    np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)
        data = buffer.getvalue()
        checksum = hashlib.sha256(data).hexdigest()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        _sidecar(path).write_text(json.dumps({**self.meta, "sha256": checksum}, indent=2, ensure_ascii=False) + "\n")
        return checksum

    @classmethod
    def load(cls, path: Path) -> Model:
        """Read an artefact whose checksum matches; ValueError (saying why) when it cannot be used."""
        try:
            meta = json.loads(_sidecar(path).read_text())
            data = path.read_bytes()
        except (OSError, ValueError) as error:
            raise ValueError(f"{path}: no usable model ({error})") from error
        if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            raise ValueError(f"{path}: checksum does not match {_sidecar(path).name}; train it again")
        arrays = np.load(io.BytesIO(data), allow_pickle=False)
        described = json.loads(str(arrays["vocabulary"]))
        blocks = [({f: i for i, f in enumerate(vocabulary)}, arrays[name], float(weight))
                  for vocabulary, name, weight in zip(described["vocabularies"], ("idf_word", "idf_char"),
                                                      described["block_weights"], strict=True)]
        return cls(described["classes"], blocks, arrays["weights"], arrays["bias"], meta)  # float32, as kept


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def train(examples: list[Example], version: str, note: dict | None = None) -> Model:
    """Fit the vectorisers and the regression (scikit-learn, imported here: routing does not need it)."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    word = TfidfVectorizer(analyzer=word_features, sublinear_tf=True)
    char = TfidfVectorizer(analyzer=char_features, sublinear_tf=True, min_df=2)
    matrix = hstack([word.fit_transform(texts), CHAR_WEIGHT * char.fit_transform(texts)]).tocsr()
    regression = LogisticRegression(C=C, max_iter=3000)
    regression.fit(matrix, labels)
    classes = [str(c) for c in regression.classes_]
    blocks = [({str(f): int(i) for f, i in word.vocabulary_.items()}, word.idf_, 1.0),
              ({str(f): int(i) for f, i in char.vocabulary_.items()}, char.idf_, CHAR_WEIGHT)]
    meta = {"content_version": version, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "examples": len(examples), "classes": len(classes), **(note or {})}
    return Model(classes, blocks, regression.coef_.T.copy(), regression.intercept_.copy(), meta)
