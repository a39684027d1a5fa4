"""``python -m bot calibrate FILE...``: fit the answer path's parameters on labelled questions.

The files are in the eval form (``answer``, ``no_answer``, ``dialogue``, ``urgent``, ``not_urgent``).
1. The ranker: for every answerable question, each candidate unit is labelled by whether it holds an
   expected phrase; a logistic regression on the unit features learns which units answer. Each
   question weighs the same, its positives and negatives half each.
2. ``keep_ratio``: the share of the best unit's score a further unit needs to be quoted, chosen on a
   grid for the most answers holding the fact (ties go to the shorter answer).
3. The answerability model: answerable questions against out-of-scope ones, on question features.
   Its threshold minimises wrong refusals and wrong answers, weighed by the quality bars: a wrong
   refusal is allowed half as often (5%) as a wrong answer to an out-of-scope question (10%).
Both models are fitted twice: with the dense features, and without them for BM25-only indexes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import calibration
from .candidates import UNIT_FEATURES, Candidates
from .choose import QUESTION_FEATURES, question_features, select
from .conversation import Context
from .core import Bot
from .evaluate import BARS

KEEP_RATIO_GRID = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))
LEXICAL_FEATURES = tuple(f for f in UNIT_FEATURES if f not in ("cos", "cos_gap"))
REFUSAL_COST = (1 - BARS["no_answer"][1]) / BARS["wrongly_refused"][1]
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """As the eval matches: case, curly apostrophes, runs of whitespace (and list bullets) ignored."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("•", " ")
    return _SPACE.sub(" ", text).strip()


def holds(text: str, phrases: Sequence[str]) -> bool:
    body = normalise(text)
    return any(normalise(p) in body for p in phrases)


@dataclass
class Case:
    question: str
    answerable: bool
    expect: tuple[str, ...]
    context: Context


def read_cases(bot: Bot, paths: Sequence[Path]) -> list[Case]:
    """Every answer, no_answer and dialogue turn; a dialogue's turns carry the context forward."""
    cases: list[Case] = []
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            raw = json.loads(line)
            if raw["kind"] in ("answer", "no_answer"):
                answerable = raw["kind"] == "answer"
                cases.append(Case(raw["question"], answerable, tuple(raw.get("expect_any", ())), Context()))
            elif raw["kind"] == "dialogue":
                context = Context()
                for turn in raw["turns"]:
                    cases.append(Case(turn["question"], True, tuple(turn["expect_any"]), context))
                    context = bot.understand(turn["question"], context).context
    return cases


def _candidates(bot: Bot, cases: Sequence[Case], dense: bool) -> list[Candidates]:
    encoder = bot.encoder
    if not dense:
        bot.encoder = None
    try:
        return [bot.understand(c.question, c.context).candidates for c in cases]
    finally:
        bot.encoder = encoder


def _fit_ranker(cases: Sequence[Case], found: Sequence[Candidates], names: tuple[str, ...]) -> calibration.Model:
    rows, labels, weights = [], [], []
    for case, candidates in zip(cases, found):
        if not case.answerable or not candidates.items:
            continue
        marks = [holds(c.unit.text, case.expect) for c in candidates.items]
        positives = sum(marks)
        if not positives or positives == len(marks):
            continue
        for candidate, mark in zip(candidates.items, marks):
            rows.append(candidate.features)
            labels.append(int(mark))
            weights.append(0.5 / positives if mark else 0.5 / (len(marks) - positives))
    return calibration.fit_logistic(rows, labels, names, weights)


def _answer_holds(case: Case, candidates: Candidates, mode: calibration.Mode) -> bool:
    return holds(" ".join(u.text for u in select(candidates, mode).units), case.expect)


def fit_mode(
    cases: Sequence[Case], found: Sequence[Candidates], names: tuple[str, ...]
) -> tuple[calibration.Mode, dict]:
    ranker = _fit_ranker(cases, found, names)
    answerable = [(c, f) for c, f in zip(cases, found) if c.answerable]
    best = (-1, 0.0)
    for ratio in KEEP_RATIO_GRID:  # the answerable model does not affect which units are chosen
        trial = calibration.Mode(ranker, ranker, ratio, 0.5)
        best = max(best, (sum(_answer_holds(c, f, trial) for c, f in answerable), ratio))
    keep_ratio = best[1]
    provisional = calibration.Mode(ranker, ranker, keep_ratio, 0.5)
    rows = [question_features(f, select(f, provisional), provisional) for f in found]
    labels = [int(c.answerable) for c in cases]
    model = calibration.fit_logistic(rows, labels, QUESTION_FEATURES)
    probabilities = [model.probability(r) for r in rows]
    threshold = _threshold(probabilities, labels)
    mode = calibration.Mode(ranker, model, keep_ratio, threshold)
    in_scope = [(c, f, p) for c, f, p in zip(cases, found, probabilities) if c.answerable]
    out_scope = [p for c, p in zip(cases, probabilities) if not c.answerable]
    figures = {
        "answer_has_fact": _rate(p >= threshold and _answer_holds(c, f, mode) for c, f, p in in_scope),
        "wrongly_refused": _rate(p < threshold for _, _, p in in_scope),
        "out_of_scope_refused": _rate(p < threshold for p in out_scope),
    }
    return mode, figures


def _rate(flags: Iterable[bool]) -> float:
    values = list(flags)
    return round(sum(values) / len(values), 4) if values else 0.0


def fit(bot: Bot, paths: Sequence[Path]) -> calibration.Params:
    cases = read_cases(bot, paths)
    figures: dict[str, Any] = {
        "cases": len(cases),
        "files": {Path(p).name: hashlib.sha256(Path(p).read_bytes()).hexdigest()[:16] for p in paths},
    }
    modes: dict[str, calibration.Mode] = {}
    for name, dense, features in (("dense", True, UNIT_FEATURES), ("lexical", False, LEXICAL_FEATURES)):
        if dense and bot.encoder is None:
            continue
        modes[name], figures[name] = fit_mode(cases, _candidates(bot, cases, dense), features)
    return calibration.Params(modes, {}, figures)


def _threshold(probabilities: Sequence[float], labels: Sequence[int]) -> float:
    """The cut with the least cost; refusing an answerable question costs REFUSAL_COST."""
    n_in = max(1, sum(labels))
    n_out = max(1, len(labels) - sum(labels))
    best = (float("inf"), 0.5)
    for cut in sorted(set(round(p, 6) for p in probabilities)):
        refused = sum(1 for p, y in zip(probabilities, labels) if y and p < cut) / n_in
        answered = sum(1 for p, y in zip(probabilities, labels) if not y and p >= cut) / n_out
        cost = REFUSAL_COST * refused + answered
        if cost < best[0]:
            best = (cost, cut)
    return best[1]
