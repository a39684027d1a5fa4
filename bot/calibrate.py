"""``python -m bot calibrate FILE...``: fit the answer path's parameters on labelled questions.

The files are in the eval form (``answer``, ``no_answer``, ``dialogue``, ``urgent``, ``not_urgent``).
1. The ranker: for every answerable question, each candidate unit is labelled by whether it holds an
   expected phrase; a logistic regression on the unit features learns which units answer. Each
   question weighs the same, its positives and negatives half each.
2. ``keep_ratio``: the share of the best unit's score a further unit needs to be quoted, chosen on a
   grid: the shortest answers within one standard error of the most answers holding the fact.
3. The unknown-word probe (dense only): a logistic regression on each question word the index never
   saw, read alone and in its question, labelled by whether its question is out of scope (in such a
   question only the word read most as asked counts); cross-fitted by word, its reading is the
   answerability model's ``unknown_topic`` feature (see ``fit_unknown_words``).
4. The answerability model: answerable questions against out-of-scope ones, on question features.
   Its threshold minimises wrong refusals and wrong answers, weighed by the quality bars: a wrong
   refusal is allowed half as often (5%) as a wrong answer to an out-of-scope question (10%).
5. Three gates the fit may turn on (a specific word, or an unknown one, missing around every chosen
   unit; an asked aspect no chosen unit names), each with its own cut. Of the settings within one
   standard error of the least cost, the one with the fewest gates is kept.
Both models are fitted twice: with the dense features, and without them for BM25-only indexes.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from . import calibration
from .calibration import Probe, fit_probe
from .candidates import UNIT_FEATURES, Candidates, PassageFacts
from .choose import (
    QUESTION_FEATURES,
    Selection,
    answer_missing,
    aspect_answered,
    missing_readings,
    question_features,
    select,
    type_answered,
)
from .conversation import Context
from .core import Bot
from .evaluate import BARS, read_jsonl
from .urgency import (
    COMBINER_FEATURES,
    KINDS,
    UrgencyModel,
    WordProbe,
    combiner_row,
    fit_word_probe,
    scored_texts,
    whole_text,
)

KEEP_RATIO_GRID = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))
# How specific a question word must be to block an answer when the chosen passages never name it;
# 1.01 turns that gate off, and the fit may choose it when the answerability model does better alone.
MISSING_CUT_GRID = (*(round(0.3 + 0.05 * i, 2) for i in range(11)), 1.01)
DENSE_ONLY = ("cos", "cos_gap", "late", "late_gap", "soft_cover", "soft_missing")
LEXICAL_FEATURES = tuple(f for f in UNIT_FEATURES if f not in DENSE_ONLY)
LEXICAL_QUESTION_FEATURES = tuple(
    f for f in QUESTION_FEATURES
    if f not in ("top_cos", "top_late", "top_late_rest", "top_soft_missing", "unknown_topic", "missing_topic")
)
REFUSAL_COST = (1 - BARS["no_answer"][1]) / BARS["wrongly_refused"][1]
CARD_FALSE_ALARM_BUDGET = BARS["false_alarm"][1]
# The notice line may reach this share of calm messages (the issue: 9% "is fine for the notice"). Caught
# at any cost, the hardest urgent messages of the fit set ("tonight I'm going to make the sleep
# permanent", 0.0001) would put the line under 85% of ordinary questions, and a line under every
# answer is read as boilerplate.
NOTICE_FALSE_ALARM_BUDGET = 0.10
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
        for raw in read_jsonl(path):
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
    return [bot.understand(c.question, c.context, dense=dense).candidates for c in cases]


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


def shortest_within_one_error(holds: dict[float, list[bool]]) -> float:
    """The highest keep ratio (the shortest answers) whose count of answers holding the fact falls short of
    the best by at most one standard error of that count, sqrt(n p (1 - p)): Breiman's one-standard-error
    rule. The count is nearly flat in the ratio, and its last few questions are noise, not a reason for
    longer answers. (A higher ratio quotes a subset of what a lower one quotes, so it only ever loses
    questions: the error of the paired difference, the root of the questions lost, would allow one lost
    question however many were asked.)"""
    best = max(holds, key=lambda ratio: (sum(holds[ratio]), ratio))
    most = sum(holds[best])
    share = most / max(1, len(holds[best]))
    error = math.sqrt(len(holds[best]) * share * (1 - share))
    return max(ratio for ratio in holds if most - sum(holds[ratio]) <= error)


def fit_mode(
    cases: Sequence[Case],
    found: Sequence[Candidates],
    names: tuple[str, ...],
    question_names: tuple[str, ...],
    facts: PassageFacts,
    unknown_words: tuple[Probe, list[float]] | None = None,
) -> tuple[calibration.Mode, dict]:
    """``unknown_words``: the probe for unknown words, and each case's ``unknown_topic`` as read by the
    probe that did not see that word (the answerability model learns how far to trust it on new words)."""
    ranker = _fit_ranker(cases, found, names)
    answerable = [(c, f) for c, f in zip(cases, found) if c.answerable]
    holds = {  # the answerable model does not affect which units are chosen
        ratio: [_answer_holds(c, f, calibration.Mode(ranker, ranker, ratio, 0.5)) for c, f in answerable]
        for ratio in KEEP_RATIO_GRID
    }
    keep_ratio = shortest_within_one_error(holds)
    provisional = calibration.Mode(ranker, ranker, keep_ratio, 0.5)
    selections = [select(f, provisional) for f in found]
    rows = [question_features(f, s, provisional, facts) for f, s in zip(found, selections)]
    if unknown_words is not None:
        for row, value in zip(rows, unknown_words[1]):
            row["unknown_topic"] = value
    missing_words = fit_missing_words(cases, found, selections, facts) if "missing_topic" in question_names else None
    if missing_words is not None:
        for row, value in zip(rows, missing_words[1]):
            row["missing_topic"] = value
    labels = [int(c.answerable) for c in cases]
    model = calibration.fit_logistic(rows, labels, question_names)
    probabilities = [model.probability(r) for r in rows]
    options = []
    for aspect_gate, type_gate in itertools.product((True, False), repeat=2):
        gates = [
            (
                bool(s.units)
                and (not aspect_gate or aspect_answered(f, s, facts))
                and (not type_gate or type_answered(f, s)),
                *(answer_missing(f, s, facts)[:2] if s.units else (1.0, 1.0)),
            )
            for f, s in zip(found, selections)
        ]
        for cost, threshold, missing_cut, unknown_cut in _decision_cuts(probabilities, gates, labels):
            options.append(
                DecisionSetting(cost, threshold, missing_cut, unknown_cut, aspect_gate, type_gate, tuple(gates))
            )
    chosen = choose_setting(options, probabilities, labels)
    mode = calibration.Mode(
        ranker,
        model,
        keep_ratio,
        chosen.threshold,
        chosen.missing_cut,
        chosen.unknown_cut,
        chosen.aspect_gate,
        chosen.type_gate,
        unknown_words[0] if unknown_words is not None else None,
        missing_words[0] if missing_words is not None else None,
    )
    answered = chosen.answered(np.asarray(probabilities)).tolist()
    assert mode is not None
    in_scope = [(c, f, a) for c, f, a in zip(cases, found, answered) if c.answerable]
    figures = {
        "answer_has_fact": _rate(a and _answer_holds(c, f, mode) for c, f, a in in_scope),
        "wrongly_refused": _rate(not a for _, _, a in in_scope),
        "out_of_scope_refused": _rate(not a for c, a in zip(cases, answered) if not c.answerable),
    }
    return mode, figures


class DecisionSetting(NamedTuple):
    """One setting of the decision stage the fit may choose, with its cost on the fit cases."""

    cost: float
    threshold: float
    missing_cut: float
    unknown_cut: float
    aspect_gate: bool
    type_gate: bool
    gates: tuple[tuple[bool, float, float], ...]  # per case: the gates passed, the known and unknown missing

    @property
    def active(self) -> int:
        """How many gates it turns on."""
        cuts = int(self.missing_cut <= 1.0) + int(self.unknown_cut <= 1.0)
        return int(self.aspect_gate) + int(self.type_gate) + cuts

    def answered(self, probabilities: np.ndarray) -> np.ndarray:
        passed = np.array(
            [ok and known < self.missing_cut and unknown < self.unknown_cut for ok, known, unknown in self.gates]
        )
        return passed & (probabilities >= self.threshold)


def choose_setting(
    options: Sequence[DecisionSetting], probabilities: Sequence[float], labels: Sequence[int]
) -> DecisionSetting:
    """The one-standard-error rule: of the settings whose cost is within one standard error of the
    least, the one with the fewest gates. Gates chosen on a hair's difference flip between fits
    (refusing far more, or far less) when the data moves a little.

    The error is that of the paired difference, case by case. Two settings that decide all but a few
    cases alike differ by little, and surely: a gate that refuses ten out-of-scope questions and no
    answerable one is a gain that holds, though it is well within the error of either cost alone."""
    y = np.asarray(labels, dtype=bool)
    p = np.asarray(probabilities)
    least = min(options, key=lambda o: o.cost)
    least_costs = _case_costs(least, p, y)

    def close_to_least(option: DecisionSetting) -> bool:
        differences = _case_costs(option, p, y) - least_costs
        return float(differences.sum()) <= math.sqrt(float((differences**2).sum())) + 1e-12

    return min((o for o in options if close_to_least(o)), key=lambda o: (o.active, o.cost))


def _case_costs(option: DecisionSetting, probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each case's share of a setting's cost: refusing an answerable question costs REFUSAL_COST over
    the answerable cases, answering an out-of-scope one 1 over the others."""
    answered = option.answered(probabilities)
    n_in, n_out = max(1, int(labels.sum())), max(1, int((~labels).sum()))
    return np.where(labels, (~answered) * REFUSAL_COST / n_in, answered / n_out)


def _decision_cuts(
    probabilities: Sequence[float], gates: Sequence[tuple[bool, float, float]], labels: Sequence[int]
) -> list[tuple[float, float, float, float]]:
    """For each pair of missing-word cuts: the least cost, the answer threshold that reaches it and the
    two cuts. Refusing an answerable question costs REFUSAL_COST, answering an
    out-of-scope one costs 1."""

    p = np.asarray(probabilities)
    y = np.asarray(labels, dtype=bool)
    ok = np.array([g[0] for g in gates])
    known = np.array([g[1] for g in gates])
    unknown = np.array([g[2] for g in gates])
    n_in, n_out = max(1, int(y.sum())), max(1, int((~y).sum()))
    thresholds = np.unique(np.round(p, 6))
    found = []
    for known_cut in MISSING_CUT_GRID:
        for unknown_cut in MISSING_CUT_GRID:
            passed = ok & (known < known_cut) & (unknown < unknown_cut)
            answered = passed[None, :] & (p[None, :] >= thresholds[:, None])
            refused = (~answered & y[None, :]).sum(1) / n_in
            wrong = (answered & ~y[None, :]).sum(1) / n_out
            cost = REFUSAL_COST * refused + wrong
            i = int(np.argmin(cost))
            found.append((float(cost[i]), float(thresholds[i]), known_cut, unknown_cut))
    return found


def _rate(flags: Iterable[bool]) -> float:
    values = list(flags)
    return round(sum(values) / len(values), 4) if values else 0.0


def fit(bot: Bot, paths: Sequence[Path], urgency_paths: Sequence[Path] = ()) -> calibration.Params:
    cases = read_cases(bot, paths)
    figures: dict[str, Any] = {
        "cases": len(cases),
        "files": {
            Path(p).name: hashlib.sha256(Path(p).read_bytes()).hexdigest()[:16] for p in [*paths, *urgency_paths]
        },
    }
    modes: dict[str, calibration.Mode] = {}
    for name, dense, features, question_names in (
        ("dense", True, UNIT_FEATURES, QUESTION_FEATURES),
        ("lexical", False, LEXICAL_FEATURES, LEXICAL_QUESTION_FEATURES),
    ):
        if dense and not bot.dense:
            continue
        found = _candidates(bot, cases, dense)
        words = fit_unknown_words(cases, found) if dense else None
        modes[name], figures[name] = fit_mode(cases, found, features, question_names, bot.facts, words)
    urgent: dict[str, Any] = {}
    if bot.encoder is not None:
        model, figures["urgent"] = fit_urgency(bot, [*paths, *urgency_paths])
        urgent = model.as_dict()
    return calibration.Params(modes, urgent, figures)


def log_loss(logits: np.ndarray, labels: np.ndarray) -> float:
    p = 1 / (1 + np.exp(-np.clip(logits, -30, 30)))
    return float(-np.mean(labels * np.log(p + 1e-12) + (1 - labels) * np.log(1 - p + 1e-12)))


def mean_probe(probes: Sequence[Probe]) -> Probe:
    """The mean of the fold probes: what runs, its logits as spread as the cross-fitted ones."""
    return Probe(np.mean([p.weights for p in probes], axis=0), float(np.mean([p.bias for p in probes])))


UNKNOWN_WORD_FOLDS = 5
UNKNOWN_WORD_PENALTIES = (0.1, 0.3, 1.0, 3.0)
WITNESS_ROUNDS = 2  # the words chosen as what an out-of-scope question asks settle within two rounds


def fit_unknown_words(cases: Sequence[Case], found: Sequence[Candidates]) -> tuple[Probe, list[float]] | None:
    """The unknown-word probe: is a question word the index never saw what is asked (out of scope), or
    the asker's context? See ``fit_word_roles``."""
    rows = [
        (i, word.text, vector)
        for i, candidates in enumerate(found)
        if candidates.subject_readings is not None
        for word, vector in zip(candidates.question.subjects, candidates.subject_readings)
        if not word.known
    ]
    return fit_word_roles(cases, rows)


def fit_missing_words(
    cases: Sequence[Case], found: Sequence[Candidates], selections: Sequence[Selection], facts: PassageFacts
) -> tuple[Probe, list[float]] | None:
    """The missing-word probe: is a question word that no chosen unit's passage names what is asked
    ("dose" of "xeljanz dose for rheumatoid arthritis", answered by "DMARDs are a common treatment for
    rheumatoid arthritis"), or the asker's context ("mum")? Known words too: the pages use "dose"
    elsewhere. See ``fit_word_roles``."""
    rows = [
        (i, word, vector)
        for i, (candidates, selection) in enumerate(zip(found, selections))
        for word, vector in missing_readings(candidates, selection, facts)
    ]
    return fit_word_roles(cases, rows)


def fit_word_roles(
    cases: Sequence[Case], rows: Sequence[tuple[int, str, np.ndarray]]
) -> tuple[Probe, list[float]] | None:
    """A probe that reads a question word (its ``subject_readings`` row: its MiniLM vector and its state
    in the question) for its role: what is asked, or context? ``rows`` are (case, word, reading).

    Labels come by question, so they are multiple-instance: every such word of an answerable question is
    context, but an out-of-scope question needs only one of its words to be what is asked ("tonight" and
    "wine" in "can I have wine tonight on pomalyst"). First every word of an out-of-scope question is a
    positive; then, for ``WITNESS_ROUNDS`` rounds, only the one the last probes read most as asked (its
    witness), the others left out. Folds go by word, so a word is always read by a probe that never saw it
    (as at run time, where most such words are new); the penalty is the one with the least cross-fitted log
    loss over all the words. Returns the mean of the fold probes (its outputs are as spread as the
    cross-fitted ones the answerability model is fitted on) and each case's cross-fitted value, the
    highest over its words (0 with none)."""
    labels = np.array([int(not cases[i].answerable) for i, _, _ in rows])
    if len(set(labels.tolist())) < 2:
        return None
    vectors = np.stack([v for _, _, v in rows]).astype(np.float64)
    folds = np.array([zlib.crc32(word.encode("utf-8")) % UNKNOWN_WORD_FOLDS for _, word, _ in rows])

    def cross_fitted(penalty: float, used: np.ndarray) -> tuple[np.ndarray, Probe]:
        out = np.zeros(len(rows))
        probes = []
        for fold in range(UNKNOWN_WORD_FOLDS):
            train, held = (folds != fold) & used, folds == fold
            probes.append(fit_probe(vectors[train], labels[train], penalty))
            out[held] = probes[-1].logits(vectors[held])
        return out, mean_probe(probes)

    every = np.ones(len(rows), dtype=bool)
    penalty = min(UNKNOWN_WORD_PENALTIES, key=lambda c: (log_loss(cross_fitted(c, every)[0], labels), c))
    logits, probe = cross_fitted(penalty, every)
    questions = np.array([i for i, _, _ in rows])
    for _ in range(WITNESS_ROUNDS):
        used = witness_rows(questions, labels, logits)
        if used.all():
            break
        logits, probe = cross_fitted(penalty, used)
    values = [0.0] * len(cases)
    for (i, _, _), z in zip(rows, logits):
        values[i] = max(values[i], float(1 / (1 + np.exp(-z))))
    return probe, values


def witness_rows(questions: np.ndarray, labels: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """The rows to refit on: every negative row, and of each positive question's rows only the one read
    most as positive (the first, on a tie)."""
    used = labels == 0
    best: dict[int, int] = {}
    for row in np.flatnonzero(labels).tolist():
        question = int(questions[row])
        if question not in best or logits[row] > logits[best[question]]:
            best[question] = row
    used[list(best.values())] = True
    return used


PROBE_PENALTIES = (0.001, 0.01, 0.1, 1.0)
WORD_PENALTIES = (0.3, 1.0, 3.0)


def budget_threshold(calm: np.ndarray, budget: float = CARD_FALSE_ALARM_BUDGET) -> float:
    """The lowest threshold that flags no more than ``budget`` of these calm messages."""
    if not len(calm):
        return 0.0
    calm = np.sort(calm)
    allowed = int(np.floor(budget * len(calm)))
    return float(np.nextafter(calm[len(calm) - 1 - allowed], 1.0))


URGENCY_FOLDS = 5


@dataclass
class Message:
    text: str
    urgent: bool
    kind: str | None
    source: str = ""


def read_messages(paths: Sequence[Path]) -> list[Message]:
    """Labelled messages: the urgency sets (``text``/``label``/``kind``) and the eval-form files, where
    ``urgent`` cases are urgent and every other question is not."""
    messages: list[Message] = []
    for path in paths:
        for raw in read_jsonl(path):
            if "label" in raw:
                messages.append(Message(raw["text"], raw["label"] == "urgent", raw.get("kind"), Path(path).name))
            elif raw["kind"] == "dialogue":
                messages += [Message(t["question"], False, None, Path(path).name) for t in raw["turns"]]
            else:
                messages.append(Message(raw["question"], raw["kind"] == "urgent", None, Path(path).name))
    return messages


def fit_urgency(bot: Bot, paths: Sequence[Path]) -> tuple[UrgencyModel, dict[str, Any]]:

    assert bot.encoder is not None, "the emergency classifier needs the sentence model"
    messages = read_messages(paths)
    negated = bot.safety.negated_clause
    texts = [scored_texts(m.text, negated) for m in messages]
    wholes = [whole_text(m.text) for m in messages]
    unique = sorted({t for group in texts for t in group} | set(wholes))
    vectors = dict(zip(unique, bot.encoder.encode(unique)))
    whole = np.stack([vectors[t] for t in wholes])
    labels = np.array([int(m.urgent) for m in messages])
    folds = np.arange(len(messages)) % URGENCY_FOLDS

    def training_texts(rows: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Each message, and every clause of a calm message as a calm example (it teaches "no fever")."""
        extra = [t for i in rows if not labels[i] for t in texts[i] if t != wholes[i]]
        together = [wholes[i] for i in rows] + extra
        return together, np.concatenate([labels[rows], np.zeros(len(extra), dtype=labels.dtype)])

    def training(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        together, y = training_texts(rows)
        return np.stack([vectors[t] for t in together]), y

    def read(probe: Probe, i: int) -> np.ndarray:
        """A message's logits over what the probe reads (its prior when every clause denies)."""
        return probe.logits(np.stack([vectors[t] for t in texts[i]])) if texts[i] else np.array([probe.bias])

    def cross_fitted(penalty: float) -> tuple[list[np.ndarray], np.ndarray, Probe]:
        """Each message's logits from the probe that did not see it (over its texts, and of the whole
        message), and the mean of those probes. The mean probe is what runs: its logits are as spread as
        the ones the combiner and thresholds are fitted on, where a probe refitted on every message would
        be surer than they were, and flag more."""
        out: list[np.ndarray] = [np.zeros(0)] * len(messages)
        whole_out = np.zeros(len(messages))
        probes = []
        for fold in range(URGENCY_FOLDS):
            train, held = np.where(folds != fold)[0], np.where(folds == fold)[0]
            probes.append(fit_probe(*training(train), penalty))
            for i in held:
                out[i] = read(probes[-1], i)
                whole_out[i] = float(probes[-1].logits(whole[i : i + 1])[0])
        mean = mean_probe(probes)
        return out, whole_out, mean

    def cross_fitted_words(penalty: float) -> tuple[list[np.ndarray], np.ndarray, WordProbe]:
        """The same for the word probe."""
        out: list[np.ndarray] = [np.zeros(0)] * len(messages)
        whole_out = np.zeros(len(messages))
        probes = []
        for fold in range(URGENCY_FOLDS):
            train, held = np.where(folds != fold)[0], np.where(folds == fold)[0]
            probes.append(fit_word_probe(*training_texts(train), penalty))
            for i in held:
                out[i] = probes[-1].logits(texts[i]) if texts[i] else np.array([probes[-1].bias])
                whole_out[i] = float(probes[-1].logits([wholes[i]])[0])
        features = sorted({f for p in probes for f in p.weights})
        mean = WordProbe(
            {f: float(np.mean([p.weights.get(f, 0.0) for p in probes])) for f in features},
            float(np.mean([p.bias for p in probes])),
        )
        return out, whole_out, mean

    def highest(logits: list[np.ndarray]) -> np.ndarray:
        return np.array([float(z.max()) for z in logits])

    penalty = min(PROBE_PENALTIES, key=lambda c: (log_loss(highest(cross_fitted(c)[0]), labels), c))
    logits, whole_logits, probe = cross_fitted(penalty)
    word_penalty = min(WORD_PENALTIES, key=lambda c: (log_loss(highest(cross_fitted_words(c)[0]), labels), c))
    word_logits, whole_word_logits, word_probe = cross_fitted_words(word_penalty)
    rows = [
        combiner_row(
            bot.safety, m.text, texts[i], logits[i], word_logits[i], float(whole_logits[i]), float(whole_word_logits[i])
        )
        for i, m in enumerate(messages)
    ]
    combiner = calibration.fit_logistic(rows, labels.tolist(), COMBINER_FEATURES)
    probabilities = np.array([combiner.probability(r) for r in rows])
    # the bar holds on each labelled set, not only on all of them pooled: easy calm questions would
    # otherwise pay for false alarms on the hard ones ("I had chest pain last week, it was reflux")
    card = max(
        (
            budget_threshold(probabilities[np.array([m.source == source and not m.urgent for m in messages])])
            for source in sorted({m.source for m in messages})
        ),
        default=0.5,
    )
    notice = min(
        card,
        max(
            float(probabilities[labels == 1].min()),
            budget_threshold(probabilities[labels == 0], NOTICE_FALSE_ALARM_BUDGET),
        ),
    )
    centroids = {}
    for kind in KINDS:
        rows_of_kind = [i for i, m in enumerate(messages) if m.urgent and m.kind == kind]
        if rows_of_kind:
            mean = whole[rows_of_kind].mean(0)
            centroids[kind] = (mean / np.linalg.norm(mean)).astype(np.float32)
    model = UrgencyModel(probe, word_probe, combiner, centroids, card, notice)
    figures = {
        "messages": len(messages),
        "urgent": int(labels.sum()),
        "probe_penalty": penalty,
        "word_probe_penalty": word_penalty,
        "card_recall_cross_fitted": round(float((probabilities[labels == 1] >= card).mean()), 4),
        "card_or_notice_recall_cross_fitted": round(float((probabilities[labels == 1] >= notice).mean()), 4),
        "card_false_alarm_cross_fitted": round(float((probabilities[labels == 0] >= card).mean()), 4),
        "notice_false_alarm_cross_fitted": round(float((probabilities[labels == 0] >= notice).mean()), 4),
        "card_false_alarm_cross_fitted_by_file": {
            source: round(float((probabilities[mask] >= card).mean()), 4)
            for source in sorted({m.source for m in messages})
            if (mask := np.array([m.source == source and not m.urgent for m in messages])).any()
        },
    }
    return model, figures
