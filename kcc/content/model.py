"""The learned half of the router: a linear model over word and letter n-grams, trained from domains/.

The hand-weighted rules know the words the content names; citizens use many more. A TF-IDF model of word
stems (one and two words) and letter n-grams (3–5 letters inside a word: typos, compounds, Frisian) with a
multinomial logistic regression, trained on every topic's name, product names, words and answer and on the
labelled example questions, learns which words go with which topic from all of it at once.

The features are chosen so that a question costs little to route. Word stems and pairs count once each
(binary TF-IDF, scaled to length one). The letter n-grams are summed per distinct word: each word contributes
the idf weights of its n-grams, and the sum is scaled by the root of the words' own squared weights. So a
word's whole contribution to every topic's score is worked out once, the first time the word is seen, and a
question of a hundred words costs a hundred additions of those rows instead of thousands of n-gram lookups.

Trained by `kcc route train` (scikit-learn, deterministic: same data, same model) and kept as an artefact of
plain arrays (numpy `.npz`, no pickle) beside a JSON file with its checksum and the content version it was
trained on. Routing does not use scikit-learn: it adds up the kept weights itself, which gives the regression's
probabilities on the same features (a test holds the two equal).
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

from kcc.content.words import content_words, stem

log = logging.getLogger(__name__)

CHAR_WEIGHT = 1.0  # the letter block beside the word block, chosen on the development set
C = 16.0  # inverse regularisation, chosen on the development set (docs/routing.md)
NGRAMS = (3, 5)
FEATURES = 2  # the features' definition: a model trained on another one cannot be read with this code


def word_features(text: str) -> list[str]:
    """Stems and pairs of neighbouring stems: 'paspoort verlengen' → paspoort, verleng, 'paspoort verleng'."""
    return _stem_features(content_words(text))


def _stem_features(words: Sequence[str]) -> list[str]:
    stems = [stem(w) for w in words]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)]


def char_features(text: str) -> list[str]:
    """Letter n-grams inside each word, with its edges marked (scikit-learn's char_wb)."""
    return [gram for word in content_words(text) for gram in word_grams(word)]


def word_grams(word: str) -> list[str]:
    padded = f" {word} "
    low, high = NGRAMS
    return [padded[i:i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]


def char_matrix(texts: Sequence[str], vocabulary: dict[str, int], idf: np.ndarray):
    """The letter block of many texts as a sparse matrix (for training): per text, the sum over its distinct words
    of their n-grams' idf, divided by the root of the sum of each word's squared idf."""
    from scipy.sparse import csr_matrix

    rows, columns, values = [], [], []
    for row, text in enumerate(texts):
        summed: dict[int, float] = {}
        squares = 0.0
        for word in dict.fromkeys(content_words(text)):  # in order: the same sums, the same model bytes
            for index in {vocabulary[g] for g in word_grams(word) if g in vocabulary}:
                summed[index] = summed.get(index, 0.0) + float(idf[index])
                squares += float(idf[index]) ** 2
        scale = 1.0 / math.sqrt(squares) if squares else 0.0
        for index, value in sorted(summed.items()):
            rows.append(row)
            columns.append(index)
            values.append(value * scale)
    return csr_matrix((values, (rows, columns)), shape=(len(texts), len(vocabulary)))


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
    """The trained weights, and the arithmetic of the features above with the regression's weights."""

    def __init__(self, classes: list[str], blocks: list[tuple[dict[str, int], np.ndarray, float]],
                 weights: np.ndarray, bias: np.ndarray, meta: dict):
        self.classes = classes
        self.blocks = blocks  # per feature block: vocabulary, idf, block weight
        self.weights = weights  # (features of all blocks, classes)
        self.bias = bias.astype(np.float64)
        self.meta = meta
        (self._stems, word_idf, _), (self._letters, char_idf, self._letter_weight) = blocks
        split = len(self._stems)
        # each feature's weight row times its idf, and the idf squared: what one present feature adds
        self._stem_rows = word_idf[:, None] * weights[:split].astype(np.float64)
        self._stem_squares = word_idf ** 2
        self._letter_rows = char_idf[:, None] * weights[split:].astype(np.float64)
        self._letter_squares = char_idf ** 2
        # a word's letter n-grams as one row of the topics' scores, worked out the first time the word is seen
        self._letters_of = lru_cache(maxsize=100_000)(self._letters_of_uncached)

    def _letters_of_uncached(self, word: str) -> tuple[np.ndarray, float] | None:
        indices = {i for i in map(self._letters.get, word_grams(word)) if i is not None}
        if not indices:
            return None
        array = np.fromiter(indices, dtype=np.intp, count=len(indices))
        return self._letter_rows[array].sum(axis=0), float(self._letter_squares[array].sum())

    def probabilities(self, text: str) -> np.ndarray:
        """P(topic | text) over `classes`: the rows of the stems present, and the rows of the distinct words."""
        words = content_words(text)
        logits = self.bias.copy()
        present = {i for i in map(self._stems.get, _stem_features(words)) if i is not None}
        if present:
            array = np.fromiter(present, dtype=np.intp, count=len(present))
            logits += self._stem_rows[array].sum(axis=0) / math.sqrt(float(self._stem_squares[array].sum()))
        rows = [row for row in map(self._letters_of, dict.fromkeys(words)) if row is not None]
        if rows:
            squares = sum(square for _, square in rows)
            logits += sum(row for row, _ in rows) * (self._letter_weight / math.sqrt(squares))
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
        if meta.get("features") != FEATURES:
            raise ValueError(f"{path}: trained by another version of kcc (features {meta.get('features')}, this "
                             f"version reads {FEATURES}); train it again")
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
    word = TfidfVectorizer(analyzer=word_features, binary=True)
    char = TfidfVectorizer(analyzer=char_features, binary=True, min_df=2).fit(texts)  # its n-grams and idf
    letters = {str(f): int(i) for f, i in char.vocabulary_.items()}
    matrix = hstack([word.fit_transform(texts), CHAR_WEIGHT * char_matrix(texts, letters, char.idf_)]).tocsr()
    regression = LogisticRegression(C=C, max_iter=3000)
    regression.fit(matrix, labels)
    classes = [str(c) for c in regression.classes_]
    blocks = [({str(f): int(i) for f, i in word.vocabulary_.items()}, word.idf_, 1.0),
              (letters, char.idf_, CHAR_WEIGHT)]
    meta = {"content_version": version, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "examples": len(examples), "classes": len(classes), "features": FEATURES, **(note or {})}
    return Model(classes, blocks, regression.coef_.T.copy(), regression.intercept_.copy(), meta)
