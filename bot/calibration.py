"""The fitted parameters of the answer path, in one file: ``data/calibration.json``.

``python -m bot calibrate`` writes it (see ``bot/calibrate.py``) with the figures the fit reached and
the digests of the data it was fitted on. No other module holds a tuning constant: the ranker's and
the answerability model's weights, the answer threshold and the share of the best score a second
sentence needs are all here.

The models are logistic regressions on standardised features, fitted by Newton's method (IRLS) with
an L2 penalty: deterministic, so the same data gives the same file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError

CALIBRATION_FILE = Path(__file__).resolve().parent / "data" / "calibration.json"
L2_PENALTY = 1.0  # on standardised features: a weak prior that keeps weights finite on separable data
NEWTON_STEPS = 50


@dataclass(frozen=True)
class Model:
    names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def logit(self, features: Mapping[str, float]) -> float:
        z = self.bias
        for name, w, m, s in zip(self.names, self.weights, self.mean, self.scale):
            z += w * (features[name] - m) / s
        return z

    def probability(self, features: Mapping[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, self.logit(features)))))

    def as_dict(self) -> dict[str, Any]:
        return {
            "weights": dict(zip(self.names, (round(w, 6) for w in self.weights))),
            "bias": round(self.bias, 6),
            "mean": [round(m, 6) for m in self.mean],
            "scale": [round(s, 6) for s in self.scale],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        names = tuple(data["weights"])
        return cls(
            names,
            tuple(float(data["weights"][n]) for n in names),
            float(data["bias"]),
            tuple(float(x) for x in data["mean"]),
            tuple(float(x) for x in data["scale"]),
        )


def fit_logistic(
    rows: Sequence[Mapping[str, float]], labels: Sequence[int], names: Sequence[str], weights: Sequence[float] = ()
) -> Model:
    """L2-penalised logistic regression by Newton's method; ``weights`` weigh the rows (default 1)."""
    x = np.array([[row[n] for n in names] for row in rows], dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    sample = np.asarray(weights, dtype=np.float64) if len(weights) else np.ones(len(y))
    mean = x.mean(0)
    scale = x.std(0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    beta = newton_logistic(z, y, L2_PENALTY, sample)
    return Model(tuple(names), tuple(float(b) for b in beta[1:]), float(beta[0]), tuple(mean), tuple(scale))


def newton_logistic(
    x: np.ndarray,
    y: np.ndarray,
    penalty: float,
    sample: np.ndarray | None = None,
    steps: int = NEWTON_STEPS,
    tolerance: float = 1e-10,
) -> np.ndarray:
    """Logistic regression with an L2 penalty by Newton's method (IRLS). The first column of ``x`` is
    the bias, which is not penalised; ``sample`` weighs the rows."""
    sample = np.ones(len(y)) if sample is None else sample
    beta = np.zeros(x.shape[1])
    reg = np.full(x.shape[1], penalty)
    reg[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -60, 60)))
        gradient = x.T @ (sample * (p - y)) + reg * beta
        hessian = (x * (sample * p * (1 - p))[:, None]).T @ x + np.diag(reg) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < tolerance:
            break
    return beta


@dataclass(frozen=True)
class Probe:
    """Logistic regression on a 384-dimension sentence vector."""

    weights: np.ndarray
    bias: float

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        return vectors @ self.weights + self.bias

    def as_dict(self) -> dict[str, Any]:
        return {"weights": [round(float(w), 6) for w in self.weights], "bias": round(self.bias, 6)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Probe:
        return cls(np.asarray(data["weights"], dtype=np.float32), float(data["bias"]))


def sparse_newton_logistic(
    ones: tuple[np.ndarray, np.ndarray],
    shape: tuple[int, int],
    y: np.ndarray,
    penalty: float,
    steps: int = NEWTON_STEPS,
    tolerance: float = 1e-10,
) -> np.ndarray:
    """``newton_logistic`` for a 0/1 matrix given by the (row, column) of its ones, with a bias column put
    in front: each Newton step is solved by conjugate gradients on Hessian-vector products (Jacobi
    preconditioned), so thousands of word features cost sparse products, not a dense solve of their
    square. Returns (bias, weights...) as ``newton_logistic`` does on the dense matrix."""
    rows, cols = ones
    n, d = shape
    beta = np.zeros(d + 1)

    def times(w: np.ndarray) -> np.ndarray:  # X @ [b, w]
        return w[0] + np.bincount(rows, weights=w[1:][cols], minlength=n)

    def transposed(u: np.ndarray) -> np.ndarray:  # X.T @ u
        return np.concatenate([[u.sum()], np.bincount(cols, weights=u[rows], minlength=d)])

    reg = np.full(d + 1, penalty)
    reg[0] = 0.0
    reg += 1e-9
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(times(beta), -60, 60)))
        gradient = transposed(p - y) + (reg - 1e-9) * beta
        weight = p * (1 - p)
        diagonal = transposed(weight) + reg  # a 0/1 column squared is itself
        hessian_times = lambda v, weight=weight: transposed(weight * times(v)) + reg * v  # noqa: E731
        step = _conjugate_gradients(hessian_times, gradient, diagonal)
        beta -= step
        if np.abs(step).max() < tolerance:
            break
    return beta


def _conjugate_gradients(
    product: Callable[[np.ndarray], np.ndarray], b: np.ndarray, diagonal: np.ndarray, relative: float = 1e-12
) -> np.ndarray:
    """Solve A x = b for a symmetric positive definite A known by its products, Jacobi preconditioned."""
    x = np.zeros_like(b)
    r = b.copy()
    z = r / diagonal
    direction = z.copy()
    rz = float(r @ z)
    goal = relative * float(np.linalg.norm(b))
    for _ in range(10 * len(b)):
        if float(np.linalg.norm(r)) <= goal:
            break
        a_direction = product(direction)
        alpha = rz / float(direction @ a_direction)
        x += alpha * direction
        r -= alpha * a_direction
        z = r / diagonal
        rz, previous = float(r @ z), rz
        direction = z + (rz / previous) * direction
    return x


def fit_probe(vectors: np.ndarray, labels: Sequence[int] | np.ndarray, penalty: float = 1.0) -> Probe:
    """L2-penalised logistic regression on raw (already normalised) sentence vectors, by Newton's method."""
    x = np.hstack([np.ones((len(vectors), 1)), vectors.astype(np.float64)])
    beta = newton_logistic(x, np.asarray(labels, dtype=np.float64), penalty, steps=100)
    return Probe(beta[1:].astype(np.float32), float(beta[0]))


@dataclass(frozen=True)
class Mode:
    """The fitted stages for one kind of index: with sentence vectors ("dense") or BM25 only ("lexical")."""

    ranker: Model
    answerable: Model
    keep_ratio: float  # share of the best unit's probability a further unit needs
    threshold: float  # the answerability probability an answer needs
    missing_cut: float = 1.01  # a question word this specific, absent around every chosen unit, refuses
    unknown_cut: float = 1.01  # ... the same for a word the index never saw
    aspect_gate: bool = True  # refuse when no chosen unit or heading names the asked aspect
    type_gate: bool = False  # refuse when no chosen unit says the asked answer type (a duration for "how long")
    # Reads a question word the index never saw, by its vector: is it what is asked about ("wine",
    # "tylenol"), or the asker's context ("mom", "honestly")? Only with sentence vectors.
    unknown_words: Probe | None = None
    # Reads a question word no chosen unit's passage names, known or not, the same way (see missing_topic).
    missing_words: Probe | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ranker": self.ranker.as_dict(),
            "answerable": self.answerable.as_dict(),
            "keep_ratio": round(self.keep_ratio, 6),
            "threshold": round(self.threshold, 6),
            "missing_cut": round(self.missing_cut, 6),
            "unknown_cut": round(self.unknown_cut, 6),
            "aspect_gate": self.aspect_gate,
            "type_gate": self.type_gate,
            **({"unknown_words": self.unknown_words.as_dict()} if self.unknown_words else {}),
            **({"missing_words": self.missing_words.as_dict()} if self.missing_words else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mode:
        return cls(
            Model.from_dict(data["ranker"]),
            Model.from_dict(data["answerable"]),
            float(data["keep_ratio"]),
            float(data["threshold"]),
            float(data.get("missing_cut", 1.01)),
            float(data.get("unknown_cut", 1.01)),
            bool(data.get("aspect_gate", True)),
            bool(data.get("type_gate", False)),
            Probe.from_dict(data["unknown_words"]) if "unknown_words" in data else None,
            Probe.from_dict(data["missing_words"]) if "missing_words" in data else None,
        )


@dataclass(frozen=True)
class Params:
    modes: dict[str, Mode]
    urgent: dict[str, Any] = field(default_factory=dict)  # the emergency classifier and its two thresholds
    figures: dict[str, Any] = field(default_factory=dict)

    def mode(self, dense: bool) -> Mode:
        name = "dense" if dense else "lexical"
        if name not in self.modes:
            raise ConfigError(f"the calibration has no {name!r} parameters; run `python -m bot calibrate`")
        return self.modes[name]

    def as_dict(self) -> dict[str, Any]:
        return {
            "about": "Written by `python -m bot calibrate`; do not edit by hand.",
            "modes": {name: mode.as_dict() for name, mode in sorted(self.modes.items())},
            "urgent": self.urgent,
            "figures": self.figures,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Params:
        return cls(
            {name: Mode.from_dict(m) for name, m in data["modes"].items()},
            dict(data.get("urgent", {})),
            dict(data.get("figures", {})),
        )


def save(params: Params, path: Path = CALIBRATION_FILE) -> None:
    path.write_text(json.dumps(params.as_dict(), indent=2, sort_keys=False) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load(path: Path = CALIBRATION_FILE) -> Params:
    try:
        return Params.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"calibration file {path} is missing or damaged ({exc}); run `python -m bot calibrate`"
        ) from exc
