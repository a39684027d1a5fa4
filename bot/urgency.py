"""Emergency detection: the curated patterns of ``safety.py`` plus a classifier on sentence vectors.

Three signals are combined by a small fitted model:
- the **probe**, a logistic regression on the MiniLM vector of the message and of each clause of it,
  taking the highest (an emergency added to an ordinary question, "..., also my face went numb",
  would be diluted in a whole-message vector), and the whole message's own score beside it (a clause
  read alone loses its frame: "chest pain, sweating, the lot" in a story of months ago);
- the **word probe**, a logistic regression on the words and word pairs of the message and of each
  clause, highest taken: it hears what a sentence vector blurs ("won't stop", "right now", "last
  year", a temperature written "39.1"); and its reading of the whole message beside it, where a
  clause that settles a scare ("but I counted and all 28 are there") weighs against the scare;
- the **patterns**: whether one named a symptom, and whether the rules took it as happening now.

Two thresholds, both written by ``python -m bot calibrate`` from cross-fitted scores:
- at or above ``card`` the reply leads with the emergency card, then answers any question in the
  message. It is the lowest threshold that shows the card to no more than the false-alarm bar (2%)
  of the fit data's non-urgent messages: a card that cries wolf teaches people to skip it;
- from ``notice`` up to ``card``, the answer comes with a short line giving the emergency number.
  ``notice`` is low enough that every urgent message of the fit data gets at least that line, unless
  that would put it under more than 10% of the calm ones: then it is the 10% line.
The kind (911, Poison Control,
988, or the care team's 24-hour line for a fever) is the pattern's when one fired, else, for a card,
the closest of the fitted kind centroids; a notice without a pattern gives the general 911 line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .analysis import STOPWORDS_FILE, fold, read_list
from .calibration import Model, Probe, sparse_newton_logistic
from .encoder import DIMENSIONS, Encoder
from .safety import Assessment, SafetyChecker

KINDS = ("crisis", "poison", "fever", "emergency")
COMBINER_FEATURES = (
    "probe_logit",
    "whole_logit",
    "words_logit",
    "whole_words_logit",
    "pattern_urgent",
    "pattern_symptom",
    "past",
    "present",
    "person",
    "question",
    "hypothetical",
    "top_question",
    "top_hypothetical",
    "top_past",
    "top_present",
)
MAX_CLAUSES = 6
_CLAUSE_BREAK = re.compile(
    r"[.!?;\n]+|,\s*|\s+-+\s+|\s+(?=(?:also|btw|but|plus|and now|and also|oh and|p\.?s\.?)\b)", re.IGNORECASE
)
# what may open a clause before its question word: "..., also what are the side effects of revlimid"
_LEADING_CONNECTIVE = re.compile(r"^(?:(?:also|btw|but|plus|and|now|oh|ok|okay|so|p\.?s\.?)\b[\s,:]*)+")


def clauses(message: str) -> list[str]:
    """The message's clauses of at least two words ("what are the side effects of X", "also my chest hurts")."""
    parts = [p.strip() for p in _CLAUSE_BREAK.split(message) if p and p.strip()]
    merged: list[str] = []
    for part in parts:
        if merged and len(part.split()) < 2:
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged[:MAX_CLAUSES]


_WORD_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?")


FEVER_FROM = {"celsius": 38.0, "fahrenheit": 100.4}  # a temperature from here up is a fever


def _number(token: str) -> str:
    """A number as the probe reads it: a body temperature by its band ("39.1" and "102" are a fever, "36.8"
    is not), any other number by its shape ("20" -> "00")."""
    value = float(token)
    if 34.0 <= value < 43.0:
        return "<fever>" if value >= FEVER_FROM["celsius"] else "<normal temperature>"
    if 93.0 <= value < 110.0:
        return "<fever>" if value >= FEVER_FROM["fahrenheit"] else "<normal temperature>"
    return re.sub(r"\d", "0", token)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(read_list(STOPWORDS_FILE))


def word_features(text: str) -> set[str]:
    """The words (not stopwords) and word pairs of a text, a number read by ``_number``. A stopword
    alone says more about how the labelled messages were written than about an emergency: most
    urgent ones there say "I" and "my", most calm ones ask "what" or "can"; in a pair ("won't stop",
    "right now") it keeps its sense."""
    tokens = [_number(t) if t[0].isdigit() else t for t in _WORD_TOKEN.findall(fold(text))]
    stop = _stopwords()
    return {*(t for t in tokens if t not in stop), *(f"{a} {b}" for a, b in zip(tokens, tokens[1:]))}


@dataclass(frozen=True)
class WordProbe:
    """Logistic regression on word features (``word_features``): a weight per feature seen in training."""

    weights: dict[str, float]
    bias: float

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.bias + sum(self.weights.get(f, 0.0) for f in word_features(t)) for t in texts])


@dataclass(frozen=True)
class UrgencyModel:
    probe: Probe
    words: WordProbe
    combiner: Model
    centroids: dict[str, np.ndarray]
    card: float
    notice: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "probe": self.probe.as_dict(),
            "words": {
                "weights": {f: round(w, 6) for f, w in sorted(self.words.weights.items()) if round(w, 6)},
                "bias": round(self.words.bias, 6),
            },
            "combiner": self.combiner.as_dict(),
            "centroids": {k: [round(float(x), 5) for x in v] for k, v in sorted(self.centroids.items())},
            "card": round(self.card, 6),
            "notice": round(self.notice, 6),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UrgencyModel:
        return cls(
            Probe.from_dict(data["probe"]),
            WordProbe({f: float(w) for f, w in data["words"]["weights"].items()}, float(data["words"]["bias"])),
            Model.from_dict(data["combiner"]),
            {k: np.asarray(v, dtype=np.float32) for k, v in data["centroids"].items()},
            float(data["card"]),
            float(data["notice"]),
        )


@dataclass(frozen=True)
class Urgency:
    """What the detector found in one message."""

    level: str | None  # "card" | "notice" | None
    kind: str | None  # one of KINDS when level is set
    probability: float
    informational: str  # the clauses that are not the emergency: what is still to be answered
    assessment: Assessment  # the patterns' reading (also carries the personal-advice flag)


class UrgencyDetector:
    """Needs no index: an emergency is recognised even when the corpus or the index is unavailable."""

    def __init__(self, checker: SafetyChecker, encoder: Encoder | None, model: UrgencyModel | None) -> None:
        self.checker = checker
        self.encoder = encoder if model is not None else None
        self.model = model

    def encoder_texts(self, message: str) -> list[str]:
        """What ``features`` will encode for this message: the texts the probe reads, and the whole."""
        if self.model is None:
            return []
        return [*scored_texts(message, self.checker.negated_clause), whole_text(message)]

    def features(
        self, message: str, assessment: Assessment
    ) -> tuple[dict[str, float], list[str], np.ndarray, np.ndarray]:
        assert self.encoder is not None and self.model is not None
        texts = scored_texts(message, self.checker.negated_clause)
        vectors = self.encoder.encode_cached(texts) if texts else np.zeros((0, DIMENSIONS), dtype=np.float32)
        logits = self.model.probe.logits(vectors)
        # nothing left to read (every clause denies): no evidence, each probe's prior
        read = logits if texts else np.array([self.model.probe.bias])
        words = self.model.words.logits(texts) if texts else np.array([self.model.words.bias])
        whole = whole_text(message)
        if texts and texts[0] == whole:  # both probes have read it already
            whole_logit, whole_words = float(logits[0]), float(words[0])
        else:
            whole_logit = float(self.model.probe.logits(self.encoder.encode_cached([whole]))[0])
            whole_words = float(self.model.words.logits([whole])[0])
        features = combiner_row(self.checker, message, texts, read, words, whole_logit, whole_words, assessment)
        # how urgent each text sounds, to both probes: the combiner's "most urgent clause", the clauses
        # left to answer beside a card and the kind of a card no pattern names all read this one score
        scores = read + words if texts else np.zeros(0)
        return features, texts, vectors, scores

    def assess(self, message: str) -> Urgency:
        assessment = self.checker.assess(message)
        if self.model is None or self.encoder is None:  # patterns alone (no model installed or calibrated)
            level = "card" if assessment.urgent_kind else ("notice" if assessment.mentions_emergency else None)
            return Urgency(level, assessment.urgent_kind, float(level == "card"), message, assessment)
        model = self.model
        features, texts, vectors, scores = self.features(message, assessment)
        probability = model.combiner.probability(features)
        level = "card" if probability >= model.card else ("notice" if probability >= model.notice else None)
        if assessment.urgent_kind is not None and level is None:
            level = "notice"
        kind = None
        if level == "card":
            kind = assessment.urgent_kind or self._kind_from_patterns(assessment) or self._nearest(vectors, scores)
        elif level == "notice":  # a notice names a specific number only when a pattern says which
            kind = assessment.urgent_kind or self._kind_from_patterns(assessment) or "emergency"
        informational = message
        if level == "card":
            parts = clauses(message)
            by_text = dict(zip(texts, scores))
            cut = float(np.median(scores)) if len(scores) > 2 else float(scores.max(initial=0.0))
            # A card no pattern supports rests on the classifier alone. Should it be wrong ("revlimid and my
            # wife wants a baby"), the person must still get the answer, so its statements are read as
            # asking too; beside a pattern's card, statements ask nothing ("I took 3 instead of 1").
            probe_only = not assessment.matched
            asked = [p for p in parts if probe_only or self._asks(p)]
            if len(parts) > 1:
                informational = " ".join(p for p in asked if by_text.get(p, -np.inf) < cut)
            else:
                informational = message if probe_only else ""
        return Urgency(level, kind, probability, informational, assessment)

    def _asks(self, clause: str) -> bool:
        """A clause that asks something, after any connective that opens it ("also what is X")."""
        text = _LEADING_CONNECTIVE.sub("", fold(clause).strip())
        return bool(self.checker.question.search(text)) or text.endswith("?")

    def _kind_from_patterns(self, assessment: Assessment) -> str | None:
        kinds = {p.id: p.kind for p in self.checker.patterns}
        matched = [kinds[m] for m in assessment.matched if m in kinds]
        return next((k for k in KINDS if k in matched), None)

    def _nearest(self, vectors: np.ndarray, scores: np.ndarray) -> str:
        assert self.model is not None
        if not len(scores):
            return "emergency"
        most_urgent = vectors[int(np.argmax(scores))]
        centroids = self.model.centroids
        return max(centroids, key=lambda k: float(centroids[k] @ most_urgent)) if centroids else "emergency"


def combiner_row(
    checker: SafetyChecker,
    message: str,
    texts: Sequence[str],
    vector_logits: np.ndarray,
    word_logits: np.ndarray,
    whole_logit: float,
    whole_words_logit: float,
    assessment: Assessment | None = None,
) -> dict[str, float]:
    """The combiner's features for one message. Beside the whole message's readings, the question,
    "what if", past and now are read in the clause that sounds most urgent: in "what are the side
    effects of X, also my chest is crushing" the question is in one clause and the emergency in the other.
    The word probe's reading of the whole message sums the words of every clause, so a clause that
    settles the scare ("but I counted and all 28 are there") weighs against the one that raised it,
    which the most urgent clause alone never hears."""
    top = texts[int(np.argmax(vector_logits + word_logits))] if texts else message
    reading = checker.reading(top)
    return {
        "probe_logit": float(vector_logits.max()),
        "whole_logit": whole_logit,
        "words_logit": float(word_logits.max()),
        "whole_words_logit": whole_words_logit,
        **pattern_features(assessment if assessment is not None else checker.assess(message)),
        **{f"top_{name}": value for name, value in reading.items()},
    }


def pattern_features(assessment: Assessment) -> dict[str, float]:
    return {
        "pattern_urgent": float(assessment.urgent_kind is not None),
        "pattern_symptom": float(bool(assessment.matched)),
        "past": float(assessment.past),
        "present": float(assessment.present),
        "person": float(assessment.person),
        "question": float(assessment.question),
        "hypothetical": float(assessment.hypothetical),
    }


def fit_word_probe(texts: Sequence[str], labels: Sequence[int] | np.ndarray, penalty: float = 1.0) -> WordProbe:
    """L2-penalised logistic regression on the word features seen in at least two texts, by Newton's method."""
    counts: dict[str, int] = {}
    featured = [word_features(t) for t in texts]
    for features in featured:
        for f in features:
            counts[f] = counts.get(f, 0) + 1
    vocabulary = sorted(f for f, c in counts.items() if c >= WORD_MIN_COUNT)
    column = {f: i for i, f in enumerate(vocabulary)}
    ones = [(row, column[f]) for row, features in enumerate(featured) for f in sorted(features) if f in column]
    rows = np.array([r for r, _ in ones], dtype=np.int64)
    cols = np.array([c for _, c in ones], dtype=np.int64)
    y = np.asarray(labels, dtype=np.float64)
    beta = sparse_newton_logistic((rows, cols), (len(texts), len(vocabulary)), y, penalty, tolerance=1e-8)
    return WordProbe(dict(zip(vocabulary, (float(b) for b in beta[1:]))), float(beta[0]))


WORD_MIN_COUNT = 2


def whole_text(message: str) -> str:
    """The message as one text: a message of one clause is read as that clause, without its closing
    marks ("is it safe?" as "is it safe"), so one encoder pass serves this and the answer's retrieval."""
    parts = clauses(message)
    return parts[0] if len(parts) == 1 else message


def scored_texts(message: str, negated: re.Pattern[str]) -> list[str]:
    """What the probe reads: the whole message and each clause, leaving out clauses that deny
    ("no fever", "didn't take an extra dose"); sentence vectors barely register a "no"."""
    parts = clauses(message) or [message]
    kept = [p for p in parts if not negated.match(fold(p))]
    if len(parts) == 1:
        return kept
    return [message, *kept] if len(kept) == len(parts) else kept
