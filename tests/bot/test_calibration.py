"""The fitted stages: reproducible fits, and the decisions they drive."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from bot import calibration
from bot.__main__ import DEFAULT_FIT_FILES, DEFAULT_URGENCY_FILES
from bot.calibrate import (
    NOTICE_FALSE_ALARM_BUDGET,
    Case,
    budget_threshold,
    fit,
    fit_unknown_words,
    holds,
    read_cases,
    witness_rows,
)
from bot.candidates import Candidates
from bot.choose import Selection, decide, unknown_topic
from bot.conversation import Context
from bot.evaluate import BARS
from bot.parse import ParsedQuestion, Word
from tests.conftest import DATA, EVAL_DIR


def test_logistic_fit_is_deterministic_and_learns_a_separable_rule():
    rows = [{"x": float(i), "noise": float((i * 7) % 5)} for i in range(40)]
    labels = [int(i >= 20) for i in range(40)]
    a = calibration.fit_logistic(rows, labels, ("x", "noise"))
    b = calibration.fit_logistic(rows, labels, ("x", "noise"))
    assert a == b
    assert a.probability({"x": 35.0, "noise": 1.0}) > 0.9 > 0.1 > a.probability({"x": 3.0, "noise": 1.0})


def test_calibrating_twice_on_the_same_data_gives_the_same_file(bot, tmp_path):
    files = [EVAL_DIR / "questions.jsonl"]
    sample = tmp_path / "urgency-sample.jsonl"  # every 4th labelled message: enough for both classes, quick
    sample.write_text("".join((DATA / "urgency-fit.jsonl").read_text().splitlines(keepends=True)[::4]))
    urgency = [sample]
    first = fit(bot, files, urgency).as_dict()
    second = fit(bot, files, urgency).as_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    path = tmp_path / "calibration.json"
    calibration.save(calibration.Params.from_dict(first), path)
    assert calibration.Params.from_dict(json.loads(path.read_text())).as_dict() == first


def test_the_shipped_calibration_names_its_data_and_figures():
    params = calibration.load()
    assert set(params.modes) == {"dense", "lexical"}
    assert "patients-check.jsonl" not in params.figures["files"]  # reported on, never fitted on
    assert "urgency-check.jsonl" not in params.figures["files"]
    assert "dialogues-check.jsonl" not in params.figures["files"]
    assert "more-check.jsonl" not in params.figures["files"]
    assert "validation.jsonl" not in params.figures["files"]  # chooses between mechanisms, never fitted on
    # `python -m bot calibrate` with no arguments fits on exactly the default files
    assert set(params.figures["files"]) == {p.name for p in (*DEFAULT_FIT_FILES, *DEFAULT_URGENCY_FILES)}
    # fitted on the data as shipped: a changed fit file needs `python -m bot calibrate` again
    for name, digest in params.figures["files"].items():
        shipped = next(DATA.rglob(name))
        assert hashlib.sha256(shipped.read_bytes()).hexdigest()[:16] == digest, name
    assert params.urgent["notice"] <= params.urgent["card"]
    # the card keeps within the false-alarm bar on every labelled set it was fitted on, not only pooled
    by_file = params.figures["urgent"]["card_false_alarm_cross_fitted_by_file"]
    assert {p.name for p in DEFAULT_URGENCY_FILES} <= set(by_file)
    assert all(rate <= BARS["false_alarm"][1] for rate in by_file.values()), by_file
    # the notice line catches every urgent fit message only while that keeps it off most calm ones
    assert params.figures["urgent"]["notice_false_alarm_cross_fitted"] <= NOTICE_FALSE_ALARM_BUDGET


def test_the_budget_threshold_takes_any_budget():
    calm = np.linspace(0.0, 1.0, 200)  # 10% of 200 is 20 messages
    assert (calm >= budget_threshold(calm, 0.10)).sum() == 20


def test_the_budget_threshold_flags_no_more_than_the_budget():
    calm = np.linspace(0.0, 1.0, 200)  # 2% of 200 is 4 messages
    threshold = budget_threshold(calm)
    assert (calm >= threshold).sum() == 4
    assert budget_threshold(np.array([])) == 0.0


def test_an_empty_selection_is_no_answer(bot):
    candidates = bot.understand("what are the side effects of lenalidomide", Context()).candidates
    decision = decide(candidates, Selection((), ()), bot.params.mode(bot.dense), bot.facts)
    assert not decision.answer and decision.why


def test_a_personal_advice_question_with_nothing_to_quote_is_refused_not_padded(bot):
    # the fixed "never stop your medication" sentence is a notice beside an answer, never an answer alone
    reply = bot.ask("do I have to take my tacrolimus with grapefruit juice")
    assert reply.type == "no_answer" and reply.citations == []


def test_training_labels_read_phrases_as_the_eval_does():
    assert holds("Side effects include:\n• Drowsiness, fatigue", ["drowsiness, fatigue"])
    assert holds("It’s a  cream", ["it's a cream"])
    assert not holds("fatigue", ["drowsiness"])


def test_dialogue_turns_carry_their_context(bot):
    cases = read_cases(bot, [EVAL_DIR / "questions.jsonl"])
    follow_ups = [c for c in cases if c.context.subject]
    assert follow_ups, "dialogue turns after the first see the topic of the turn before"


def _unknown_word_cases(rng, words_by_label):
    """One single-word question per word; the word unknown to the index, its vector near its label's
    direction (out of scope: e1; the asker's context: e0)."""
    cases, found = [], []
    for label, words in words_by_label.items():
        for word in words:
            vector = np.zeros(384)
            vector[int(label)] = 1.0
            vector += rng.normal(0, 0.15, 384)
            vector /= np.linalg.norm(vector)
            unknown = Word(word, frozenset({word}), 0.3, False, False, False)
            known = Word("revlimid", frozenset({"revlimid"}), 1.0, True, False, False)
            question = ParsedQuestion(f"{word} revlimid", None, (unknown, known), False)  # type: ignore[arg-type]
            # the known word's vector points the other way: only unknown words are read
            opposite = np.zeros(384)
            opposite[1 - int(label)] = 1.0
            cases.append(Case(question.text, not label, (), Context()))
            vectors = np.stack([vector, opposite]).astype(np.float32)
            found.append(Candidates(question, [], [], 0.0, vectors, subject_readings=vectors))
    return cases, found


def test_unknown_words_are_read_by_a_probe_that_never_saw_them():
    rng = np.random.default_rng(0)
    cases, found = _unknown_word_cases(
        rng, {True: [f"asked{i}" for i in range(20)], False: [f"context{i}" for i in range(20)]}
    )
    fitted = fit_unknown_words(cases, found)
    assert fitted is not None
    probe, values = fitted
    out_of_scope = [v for c, v in zip(cases, values) if not c.answerable]
    in_scope = [v for c, v in zip(cases, values) if c.answerable]
    assert min(out_of_scope) > 0.5 > max(in_scope)  # cross-fitted, each by a probe without that word
    new_asked, new_context = _unknown_word_cases(rng, {True: ["fresh"], False: ["other"]})[1]
    assert unknown_topic(new_asked, probe) > 0.5 > unknown_topic(new_context, probe)
    # a question without unknown words, or a mode without the probe, reads 0
    known_only = Candidates(
        ParsedQuestion("revlimid", None, (found[0].question.words[1],), False),  # type: ignore[arg-type]
        [],
        [],
        0.0,
        found[0].subject_vectors[1:],
        subject_readings=found[0].subject_readings[1:],
    )
    assert unknown_topic(known_only, probe) == 0.0
    assert unknown_topic(new_asked, None) == 0.0


def test_an_out_of_scope_question_is_refitted_on_its_witness_word_alone():
    """Only one unknown word of an out-of-scope question need be what is asked: after the first fit,
    each such question keeps the word read most as asked; every word of an answerable one is kept."""
    questions = np.array([0, 0, 1, 1, 1, 2, 2])
    labels = np.array([1, 1, 1, 1, 1, 0, 0])
    logits = np.array([0.2, 0.9, -1.0, 3.0, -2.0, 5.0, -5.0])
    assert witness_rows(questions, labels, logits).tolist() == [False, True, False, True, False, True, True]


def test_a_context_word_of_out_of_scope_questions_is_read_as_context():
    """Each out-of-scope question has one asked word and one word of the asker's context, such as those
    of the answerable questions; the witness rounds leave the context words out of the positives, so a
    new context word reads as context, as in answerable questions."""
    rng = np.random.default_rng(3)

    def unit(direction: int) -> np.ndarray:
        vector = np.zeros(384)
        vector[direction] = 1.0
        vector += rng.normal(0, 0.15, 384)
        return vector / np.linalg.norm(vector)

    cases, found = [], []
    for i in range(30):
        asked = [Word(f"asked{i}", frozenset({f"asked{i}"}), 0.3, False, False, False)] if i < 15 else []
        context = Word(f"context{i}", frozenset({f"context{i}"}), 0.3, False, False, False)
        words = (*asked, context)
        question = ParsedQuestion(" ".join(w.text for w in words), None, words, False)  # type: ignore[arg-type]
        vectors = np.stack([unit(1) for _ in asked] + [unit(0)]).astype(np.float32)
        cases.append(Case(question.text, not asked, (), Context()))
        found.append(Candidates(question, [], [], 0.0, vectors, subject_readings=vectors))
    fitted = fit_unknown_words(cases, found)
    assert fitted is not None
    probe = fitted[0]
    assert probe.logits(unit(1)[None, :])[0] > 0 > probe.logits(unit(0)[None, :])[0]


def test_the_unknown_word_probe_needs_both_labels():
    cases, found = _unknown_word_cases(np.random.default_rng(1), {False: ["mom", "dad", "honestly"]})
    assert fit_unknown_words(cases, found) is None


def test_a_mode_keeps_its_unknown_word_probe_through_the_file():
    ranker = calibration.Model(("cos",), (1.0,), 0.0, (0.0,), (1.0,))
    probe = calibration.Probe(np.linspace(-1, 1, 384).astype(np.float32), -0.25)
    mode = calibration.Mode(ranker, ranker, 0.5, 0.5, unknown_words=probe)
    again = calibration.Mode.from_dict(json.loads(json.dumps(mode.as_dict())))
    assert again.unknown_words is not None
    assert np.allclose(again.unknown_words.weights, probe.weights, atol=1e-6)
    assert again.unknown_words.bias == probe.bias
    assert calibration.Mode.from_dict(calibration.Mode(ranker, ranker, 0.5, 0.5).as_dict()).unknown_words is None


def test_a_mode_keeps_its_missing_word_probe_through_the_file():
    ranker = calibration.Model(("cos",), (1.0,), 0.0, (0.0,), (1.0,))
    probe = calibration.Probe(np.linspace(1, -1, 768).astype(np.float32), 0.5)
    mode = calibration.Mode(ranker, ranker, 0.5, 0.5, missing_words=probe)
    again = calibration.Mode.from_dict(json.loads(json.dumps(mode.as_dict())))
    assert again.missing_words is not None and again.unknown_words is None
    assert np.allclose(again.missing_words.weights, probe.weights, atol=1e-6)
    assert calibration.Mode.from_dict(calibration.Mode(ranker, ranker, 0.5, 0.5).as_dict()).missing_words is None


def test_the_shipped_calibration_reads_missing_words_with_sentence_vectors_only():
    modes = calibration.load().modes
    assert modes["dense"].missing_words is not None and "missing_topic" in modes["dense"].answerable.names
    assert modes["lexical"].missing_words is None and "missing_topic" not in modes["lexical"].answerable.names


def _settings_with_and_without_a_gate(fixed: int, broken: int):
    """200 cases, 100 of them answerable. Ten out-of-scope questions are answered either way; a gate
    refuses ``fixed`` more of them, and ``broken`` answerable ones."""
    from bot.calibrate import DecisionSetting, _case_costs

    labels = [1] * 100 + [0] * 100
    probabilities = [0.9] * 100 + [0.9] * (10 + fixed) + [0.1] * (90 - fixed)
    open_gates = ((True, 0.0, 0.0),) * 200
    gated = tuple((i >= broken, 0.0, 0.0) for i in range(100))
    gated += tuple((not 110 <= i < 110 + fixed, 0.0, 0.0) for i in range(100, 200))
    options = []
    for type_gate, gates in ((False, open_gates), (True, gated)):
        setting = DecisionSetting(0.0, 0.5, 1.01, 1.01, False, type_gate, gates)
        cost = float(_case_costs(setting, np.asarray(probabilities), np.asarray(labels, dtype=bool)).sum())
        options.append(setting._replace(cost=cost))
    return options, probabilities, labels


# ten wrong answers in 100: the error of either cost alone, which hid a gate's gain
SPREAD_OF_EITHER_COST = float(np.sqrt(0.1 * 0.9 / 100))


def test_a_gate_that_is_right_on_a_few_cases_and_wrong_on_none_is_kept():
    from bot.calibrate import choose_setting

    options, probabilities, labels = _settings_with_and_without_a_gate(fixed=3, broken=0)
    assert options[0].cost - options[1].cost <= SPREAD_OF_EITHER_COST  # within one error of either cost alone
    assert choose_setting(options, probabilities, labels).type_gate is True


def test_a_gate_that_gains_about_what_it_loses_stays_off():
    from bot.calibrate import choose_setting

    options, probabilities, labels = _settings_with_and_without_a_gate(fixed=3, broken=1)
    assert options[1].cost < options[0].cost  # the gate is a little cheaper ...
    assert choose_setting(options, probabilities, labels).type_gate is False  # ... by less than its paired error


def test_a_mode_keeps_its_type_gate_through_the_file():
    ranker = calibration.Model(("cos",), (1.0,), 0.0, (0.0,), (1.0,))
    for gate in (True, False):
        mode = calibration.Mode(ranker, ranker, 0.5, 0.5, type_gate=gate)
        assert calibration.Mode.from_dict(json.loads(json.dumps(mode.as_dict()))).type_gate is gate


def test_the_sparse_word_fit_finds_what_the_dense_newton_fit_finds():
    """The word probe's fit reads a 0/1 matrix by its ones and solves each Newton step by conjugate
    gradients; the reference is the dense Newton fit on the same matrix, penalty and bias column."""
    rng = np.random.default_rng(7)
    n, d = 400, 250
    ones = rng.random((n, d)) < 0.04
    ones[:, 3] = False  # a column with no ones: only its penalty holds it at zero
    y = (rng.random(n) < 1 / (1 + np.exp(-(ones @ rng.normal(size=d) - 0.3)))).astype(float)
    dense = np.hstack([np.ones((n, 1)), ones.astype(float)])
    for penalty in (0.3, 3.0):
        reference = calibration.newton_logistic(dense, y, penalty, tolerance=1e-9)
        found = calibration.sparse_newton_logistic(np.nonzero(ones), (n, d), y, penalty, tolerance=1e-9)
        assert np.abs(found - reference).max() < 1e-7
        assert found[4] == 0.0


def test_the_keep_ratio_is_the_shortest_within_one_error_of_the_most_answers():
    """Answers holding the fact are nearly flat in the keep ratio: a question or two more at a lower ratio
    is noise and does not buy longer answers, but a loss of more than one standard error of the count,
    sqrt(n p (1 - p)), does."""
    from bot.calibrate import shortest_within_one_error

    best = [True] * 90 + [False] * 10  # error: sqrt(100 * 0.9 * 0.1) = 3 questions
    one_less = [True] * 89 + [False] * 11
    four_less = [True] * 86 + [False] * 14
    assert shortest_within_one_error({0.5: best, 0.6: one_less, 0.7: four_less}) == 0.6
    assert shortest_within_one_error({0.5: best, 0.6: four_less}) == 0.5
    # a net loss counts, whatever was traded: 3 lost, 2 won
    traded = [False] * 3 + [True] * 87 + [True] * 2 + [False] * 8
    assert shortest_within_one_error({0.5: best, 0.8: traded}) == 0.8
    # a higher ratio only ever loses: with many questions, ten lost of 1,600 are still within the error
    # (sqrt(1600 * 0.875 * 0.125) = 13.2), where the paired error would have allowed one
    many = [True] * 1400 + [False] * 200
    ten_less = [True] * 1390 + [False] * 210
    fifteen_less = [True] * 1385 + [False] * 215
    assert shortest_within_one_error({0.4: many, 0.65: ten_less, 0.7: fifteen_less}) == 0.65
    assert shortest_within_one_error({0.5: best, 0.8: best}) == 0.8  # a tie goes to the shorter answer


def test_a_calibration_fitted_by_another_version_is_refused_by_name(bot):
    """A probe that reads a question word with other numbers than this version gives would fail on the
    first question; the bot refuses to start instead, and says how to fix it."""
    import pytest

    from bot import Bot
    from bot.candidates import READING_DIMENSIONS
    from bot.errors import ConfigError

    ranker = calibration.Model(("cos",), (1.0,), 0.0, (0.0,), (1.0,))
    for size, refused, which in (
        (READING_DIMENSIONS // 2, True, "unknown_words"),
        (READING_DIMENSIONS // 2, True, "missing_words"),
        (READING_DIMENSIONS, False, "missing_words"),
    ):
        probe = calibration.Probe(np.zeros(size, dtype=np.float32), 0.0)
        mode = calibration.Mode(ranker, ranker, 0.5, 0.5, **{which: probe})
        params = calibration.Params({"dense": mode})
        if refused:
            with pytest.raises(ConfigError, match="python -m bot calibrate"):
                Bot(bot.settings, index=bot.index, params=params, encoder=bot.encoder)
        else:
            Bot(bot.settings, index=bot.index, params=params, encoder=bot.encoder)


def test_an_emergency_classifier_fitted_on_other_features_is_refused_by_name(bot):
    """A combiner that weighs features this version no longer computes would fail on the first message."""
    import copy

    import pytest

    from bot import Bot
    from bot.errors import ConfigError

    urgent = copy.deepcopy(bot.params.urgent)
    weights = urgent["combiner"]["weights"]
    del weights["whole_words_logit"]  # as the version before it wrote it
    params = calibration.Params(bot.params.modes, urgent)
    with pytest.raises(ConfigError, match="whole_words_logit.*python -m bot calibrate"):
        Bot(bot.settings, index=bot.index, params=params, encoder=bot.encoder)
    shipped = calibration.Params(bot.params.modes, bot.params.urgent)
    Bot(bot.settings, index=bot.index, params=shipped, encoder=bot.encoder)
