"""Emergency detection: the curated patterns of ``safety.py`` plus a classifier on sentence vectors.

Two signals are combined by a small fitted model:
- the **probe**, a logistic regression on the MiniLM vector of the message and of each clause of it,
  taking the highest (an emergency added to an ordinary question, "..., also my face went numb",
  would be diluted in a whole-message vector), and the whole message's own score beside it (a clause
  read alone loses its frame: "chest pain, sweating, the lot" in a story of months ago);
- the **patterns**: whether one named a symptom, and whether the rules took it as happening now.

Two thresholds, both written by ``python -m bot calibrate`` from cross-fitted scores:
- at or above ``card`` the reply leads with the emergency card, then answers any question in the
  message. It is the lowest threshold that shows the card to no more than the false-alarm bar (2%)
  of the fit data's non-urgent messages: a card that cries wolf teaches people to skip it;
- from ``notice`` up to ``card``, the answer comes with a short line giving the emergency number.
  ``notice`` is low enough that every urgent message of the fit data gets at least that line.
The kind (911, Poison Control,
988, or the care team's 24-hour line for a fever) is the pattern's when one fired, else, for a card,
the closest of the fitted kind centroids; a notice without a pattern gives the general 911 line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .analysis import fold
from .calibration import Model
from .encoder import DIMENSIONS, Encoder
from .safety import Assessment, SafetyChecker

KINDS = ("crisis", "poison", "fever", "emergency")
COMBINER_FEATURES = (
    "probe_logit",
    "whole_logit",
    "pattern_urgent",
    "pattern_symptom",
    "past",
    "present",
    "person",
    "question",
    "hypothetical",
)
MAX_CLAUSES = 6
_CLAUSE_BREAK = re.compile(
    r"[.!?;\n]+|,\s*|\s+-+\s+|\s+(?=(?:also|btw|but|plus|and now|and also|oh and|p\.?s\.?)\b)", re.IGNORECASE
)


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


@dataclass(frozen=True)
class Probe:
    """Logistic regression on a 384-dimension sentence vector."""

    weights: np.ndarray
    bias: float

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        return vectors @ self.weights + self.bias


@dataclass(frozen=True)
class UrgencyModel:
    probe: Probe
    combiner: Model
    centroids: dict[str, np.ndarray]
    card: float
    notice: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "probe": {"weights": [round(float(w), 6) for w in self.probe.weights], "bias": round(self.probe.bias, 6)},
            "combiner": self.combiner.as_dict(),
            "centroids": {k: [round(float(x), 5) for x in v] for k, v in sorted(self.centroids.items())},
            "card": round(self.card, 6),
            "notice": round(self.notice, 6),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UrgencyModel:
        return cls(
            Probe(np.asarray(data["probe"]["weights"], dtype=np.float32), float(data["probe"]["bias"])),
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

    def features(
        self, message: str, assessment: Assessment
    ) -> tuple[dict[str, float], list[str], np.ndarray, np.ndarray]:
        assert self.encoder is not None and self.model is not None
        texts = scored_texts(message, self.checker.negated_clause)
        vectors = self.encoder.encode_cached(texts) if texts else np.zeros((0, DIMENSIONS), dtype=np.float32)
        logits = self.model.probe.logits(vectors)
        # nothing left to read (every clause denies): no evidence, the probe's prior
        probe_logit = float(logits.max()) if len(logits) else self.model.probe.bias
        if texts and texts[0] == message:
            whole_logit = float(logits[0])
        else:
            whole_logit = float(self.model.probe.logits(self.encoder.encode_cached([message]))[0])
        features = {"probe_logit": probe_logit, "whole_logit": whole_logit, **pattern_features(assessment)}
        return features, texts, vectors, logits

    def assess(self, message: str) -> Urgency:
        assessment = self.checker.assess(message)
        if self.model is None or self.encoder is None:  # patterns alone (no model installed or calibrated)
            level = "card" if assessment.urgent_kind else ("notice" if assessment.mentions_emergency else None)
            return Urgency(level, assessment.urgent_kind, float(level == "card"), message, assessment)
        model = self.model
        features, texts, vectors, logits = self.features(message, assessment)
        probability = model.combiner.probability(features)
        level = "card" if probability >= model.card else ("notice" if probability >= model.notice else None)
        if assessment.urgent_kind is not None and level is None:
            level = "notice"
        kind = None
        if level == "card":
            kind = assessment.urgent_kind or self._kind_from_patterns(assessment) or self._nearest(vectors, logits)
        elif level == "notice":  # a notice names a specific number only when a pattern says which
            kind = assessment.urgent_kind or self._kind_from_patterns(assessment) or "emergency"
        informational = message
        if level == "card":
            parts = clauses(message)
            scores = dict(zip(texts, logits))
            cut = float(np.median(logits)) if len(logits) > 2 else float(logits.max(initial=0.0))
            # A card no pattern supports rests on the classifier alone. Should it be wrong ("revlimid and my
            # wife wants a baby"), the person must still get the answer, so its statements are read as
            # asking too; beside a pattern's card, statements ask nothing ("I took 3 instead of 1").
            probe_only = not assessment.matched
            asked = [p for p in parts if probe_only or self.checker.question.search(fold(p).strip())]
            if len(parts) > 1:
                informational = " ".join(p for p in asked if scores.get(p, -np.inf) < cut)
            else:
                informational = message if probe_only else ""
        return Urgency(level, kind, probability, informational, assessment)

    def _kind_from_patterns(self, assessment: Assessment) -> str | None:
        kinds = {p.id: p.kind for p in self.checker.patterns}
        matched = [kinds[m] for m in assessment.matched if m in kinds]
        return next((k for k in KINDS if k in matched), None)

    def _nearest(self, vectors: np.ndarray, logits: np.ndarray) -> str:
        assert self.model is not None
        if not len(logits):
            return "emergency"
        most_urgent = vectors[int(np.argmax(logits))]
        centroids = self.model.centroids
        return max(centroids, key=lambda k: float(centroids[k] @ most_urgent)) if centroids else "emergency"


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


def fit_probe(vectors: np.ndarray, labels: Sequence[int] | np.ndarray, penalty: float = 1.0) -> Probe:
    """L2-penalised logistic regression on raw (already normalised) sentence vectors, by Newton's method."""
    x = np.hstack([np.ones((len(vectors), 1)), vectors.astype(np.float64)])
    y = np.asarray(labels, dtype=np.float64)
    beta = np.zeros(x.shape[1])
    reg = np.full(x.shape[1], penalty)
    reg[0] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -60, 60)))
        gradient = x.T @ (p - y) + reg * beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(reg) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return Probe(beta[1:].astype(np.float32), float(beta[0]))


def scored_texts(message: str, negated: re.Pattern[str]) -> list[str]:
    """What the probe reads: the whole message and each clause, leaving out clauses that deny
    ("no fever", "didn't take an extra dose"); sentence vectors barely register a "no"."""
    parts = clauses(message) or [message]
    kept = [p for p in parts if not negated.match(fold(p))]
    if len(parts) == 1:
        return kept
    return [message, *kept] if len(kept) == len(parts) else kept
