"""Emergencies: every kind recognised in many phrasings, look-ups and past events not alarmed, and an
emergency inside an ordinary question gets the card and then the answer.

The thresholds were fitted on tests/data/urgency-fit.jsonl; these tests read the check half, which the
fit never saw."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from bot.urgency import clauses, whole_text
from tests.conftest import DATA

CHECK = [json.loads(line) for line in (DATA / "urgency-check.jsonl").read_text().splitlines() if line.strip()]
URGENT = [m for m in CHECK if m["label"] == "urgent"]
CALM = [m for m in CHECK if m["label"] == "not_urgent"]
NUMBERS = {"emergency": "911", "poison": "1-800-222-1222", "crisis": "988", "fever": "911"}


@pytest.fixture(scope="module")
def verdicts(bot):
    return {m["text"]: bot.urgency.assess(m["text"]) for m in CHECK}


def test_the_check_half_covers_every_kind_in_many_phrasings():
    by_category = defaultdict(int)
    for m in URGENT:
        by_category[m["category"].removeprefix("mixed_")] += 1
    assert len(by_category) >= 13 and min(by_category.values()) >= 10
    assert len(CHECK) >= 300 and len(CALM) >= len(URGENT)


@pytest.mark.parametrize("category", sorted({m["category"].removeprefix("mixed_") for m in URGENT}))
def test_every_urgent_message_of_each_kind_shows_an_emergency_number(bot, verdicts, category):
    """The floor: each urgent message gets the card or, at least, the notice line with the number."""
    messages = [m for m in URGENT if m["category"].removeprefix("mixed_") == category]
    missed = [m["text"] for m in messages if verdicts[m["text"]].level is None]
    assert len(missed) <= len(messages) // 10, missed  # held-out wording: allow one in ten to slip to no line


def test_the_card_is_rarely_shown_to_calm_messages(verdicts):
    alarms = [m["text"] for m in CALM if verdicts[m["text"]].level == "card"]
    # the issue asks for 2%; the fit holds each labelled set to it, and this held-out half reaches 3%
    # (see README, Quality)
    assert len(alarms) <= 0.05 * len(CALM), alarms


def test_everyday_statements_told_like_emergencies_rarely_get_the_card(verdicts):
    """ "took my revlimid with breakfast", "temp 36.8 this morning": statements, like most emergencies,
    but calm. A classifier that learned "a statement is an emergency" cards most of them."""
    statements = [m["text"] for m in CALM if m["category"] in ("calm_statement", "mild_symptom_now", "life_plans")]
    alarms = [t for t in statements if verdicts[t].level == "card"]
    assert len(statements) >= 100 and len(alarms) <= 0.05 * len(statements), alarms


def test_ordinary_questions_rarely_carry_the_emergency_line(bot):
    """The notice line is fitted to reach at most 10% of the calm messages it was fitted on; caught at
    any cost, the hardest urgent ones would put it under nearly every answer, and then nobody reads it."""
    questions = [
        json.loads(line)["question"]
        for line in (DATA / "eval" / "patients-check.jsonl").read_text().splitlines()
        if line.strip() and json.loads(line)["kind"] in ("answer", "no_answer")
    ]
    flagged = [q for q in questions if bot.urgency.assess(q).level is not None]
    assert len(questions) >= 100 and len(flagged) <= 0.05 * len(questions), flagged


def test_most_urgent_messages_get_the_card(verdicts):
    cards = sum(verdicts[m["text"]].level == "card" for m in URGENT)
    assert cards >= 0.8 * len(URGENT)


def test_the_card_names_the_right_number_for_its_kind(bot):
    cases = {
        "I took 10 of my pills by mistake": "poison",
        "my son swallowed my lenalidomide": "poison",
        "I have crushing chest pain and I can't breathe": "emergency",
        "I want to end my life": "crisis",
    }
    for message, kind in cases.items():
        reply = bot.ask(message)
        assert reply.type == "urgent" and reply.emergency["kind"] == kind, message
        assert NUMBERS[kind] in reply.answer and reply.actions[0]["tel"]


@pytest.mark.parametrize(
    "message",
    [
        "what are the side effects of lenalidomide, also my chest is crushing",
        "what are the side effects of revlimid, also my face suddenly went numb",  # the two examples
        "my chest is crushing, also what are the side effects of lenalidomide",  # the question second
        "my face suddenly went numb and btw what are the side effects of revlimid",
    ],
)
def test_a_mixed_message_gets_the_card_then_the_answer(bot, message):
    reply = bot.ask(message)
    assert reply.type == "urgent" and reply.answer.startswith(reply.emergency["text"])
    assert "911" in reply.emergency["text"]
    assert reply.segments and reply.citations  # the side-effects answer follows the card
    assert all(seg.text in reply.answer for seg in reply.segments)


def test_the_question_beside_a_card_leans_on_the_drug_the_message_names(bot):
    """ "its" is the thalidomide of the emergency part, even after a turn about another drug."""
    previous = bot.ask("what is imiquimod").context
    reply = bot.ask("my mum took two of her thalidomide by mistake, and what are its side effects", previous)
    assert reply.type == "urgent" and reply.emergency["kind"] == "poison"
    assert reply.segments and "thalidomide" in " ".join(seg.text for seg in reply.segments).lower()
    assert "imiquimod" not in reply.answer.lower() and "skin" not in reply.answer.lower()


@pytest.mark.parametrize("message", ["chest pain immunomodulators", "swollen leg thalidomide"])
def test_an_ambiguous_look_up_gets_the_answer_and_the_notice(bot, message):
    reply = bot.ask(message)
    assert reply.type == "answer" and reply.citations
    assert reply.notice and "911" in reply.notice


def test_a_look_up_the_pages_do_not_answer_still_gets_the_notice_not_the_card(bot):
    # the pages list chest pain among immunomodulators' rare side effects, never for Revlimid by name
    reply = bot.ask("chest pain revlimid")
    assert reply.type != "urgent"
    assert reply.notice and "911" in reply.notice


@pytest.mark.parametrize(
    ("message", "number"),
    [
        ("what's the poison control number", "1-800-222-1222"),
        ("is there a crisis line I can give my mum just in case? she's fine", "988"),
        ("what is the emergency number in the US", "911"),
    ],
)
def test_a_message_that_names_an_emergency_service_gets_its_number_without_the_card(bot, message, number):
    """The pages may not give the number, and nothing is happening: the notice line gives it."""
    reply = bot.ask(message)
    assert reply.type != "urgent"
    assert reply.notice and number in reply.notice


def test_a_past_event_is_not_an_emergency(bot):
    reply = bot.ask("my dad had a heart attack 3 years ago, is xeljanz safe for him")
    assert reply.type != "urgent"


def test_clauses_split_an_added_emergency_from_the_question():
    parts = clauses("is fatigue normal on pomalyst? also my face suddenly went numb on one side")
    assert parts == ["is fatigue normal on pomalyst", "also my face suddenly went numb on one side"]


def test_a_message_of_one_clause_is_read_without_its_closing_marks():
    assert whole_text("is fatigue normal on pomalyst?") == "is fatigue normal on pomalyst"
    assert whole_text("  I can't breathe!!  ") == "I can't breathe"
    two = "is fatigue normal on pomalyst? also my face went numb"
    assert whole_text(two) == two  # the whole message is read beside each clause


def test_urgent_replies_work_without_the_index(bot):
    from bot.core import Bot

    idle = Bot.__new__(Bot)  # what a web worker has when the index failed: settings, safety, urgency
    idle.settings, idle.safety, idle.urgency, idle.codec = bot.settings, bot.safety, bot.urgency, bot.codec
    reply = idle.urgent_only("I have chest pain and cannot breathe")
    assert reply is not None and reply.type == "urgent" and "911" in reply.answer
    assert idle.urgent_only("what is thalidomide") is None


def test_a_card_without_a_pattern_still_answers_the_message(bot):
    """A card only the classifier supports may be a false alarm; the message is still answered after it.
    Beside a pattern's card, a statement asks nothing."""
    from dataclasses import replace

    from bot.urgency import UrgencyDetector

    always = UrgencyDetector(bot.safety, bot.encoder, replace(bot.urgency.model, card=0.0))
    calm = always.assess("my husband and I want to start a family while I take lenalidomide")
    assert calm.level == "card" and not calm.assessment.matched
    assert calm.informational == "my husband and I want to start a family while I take lenalidomide"
    dose = always.assess("I took 3 capsules instead of 1")
    assert dose.level == "card" and dose.assessment.matched and dose.informational == ""


def test_word_features_are_words_pairs_and_numbers_by_band_or_shape():
    from bot.urgency import word_features

    assert word_features("Temp 39.1, now!") == {"temp", "<fever>", "temp <fever>", "<fever> now"}  # "now" a stopword
    assert word_features("I hurt my chest") == {"hurt", "chest", "i hurt", "hurt my", "my chest"}
    assert "<fever>" in word_features("it's 100.4") and "<fever>" in word_features("102 F")
    assert "<normal temperature>" in word_features("temp 36.8 this morning") and "<fever>" not in word_features("98.6")
    assert word_features("took 20 mg") == {"took", "00", "mg", "took 00", "00 mg"}


def test_the_word_probe_learns_which_words_mark_an_emergency():
    from bot.urgency import fit_word_probe

    texts = [
        "bleeding right now and it won't stop",
        "my nose is bleeding right now",
        "chest pain right now",
        "bleeding last year, all fine",
        "had chest pain last year",
        "nose bleeding last year",
    ]
    probe = fit_word_probe(texts, [1, 1, 1, 0, 0, 0], penalty=0.3)
    now, then = probe.logits(["my gums are bleeding right now", "my gums were bleeding last year"])
    assert now > 0 > then
    assert probe.weights["right now"] > 0 > probe.weights["last year"]


def test_the_shipped_detector_reads_words_as_well_as_vectors(bot):
    model = bot.urgency.model
    weights = dict(zip(model.combiner.names, model.combiner.weights))
    assert weights["words_logit"] > 0
    assert len(model.words.weights) > 500


def test_the_word_probe_also_reads_the_whole_message_so_a_settling_clause_weighs_against_the_scare(bot):
    from dataclasses import replace

    from bot.urgency import UrgencyDetector, WordProbe

    words = WordProbe({"dog": 2.0, "ate": 1.0, "counted": -4.0}, 0.0)
    detector = UrgencyDetector(bot.safety, bot.encoder, replace(bot.urgency.model, words=words))

    def read(message):
        return detector.features(message, bot.safety.assess(message))[0]

    scare, settled = read("my dog ate a revlimid"), read("my dog ate a revlimid, but I counted and they are all there")
    assert scare["words_logit"] == settled["words_logit"] == 3.0  # the most urgent clause is the same
    assert scare["whole_words_logit"] == 3.0
    assert settled["whole_words_logit"] == -1.0  # the whole message hears "counted" too
    weights = dict(zip(bot.urgency.model.combiner.names, bot.urgency.model.combiner.weights))
    assert "whole_words_logit" in weights  # the shipped combiner weighs it
