"""Answer types: "how long" needs a duration, "how often" a frequency, "how many" a number."""

from __future__ import annotations

import json

import pytest

from bot.answer_types import asked_type, load, says


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how long will the tiredness go on for", "duration"),
        ("for how many weeks is the cream used", "duration"),
        ("how soon does it start to help", "duration"),
        ("how often is the infusion given", "frequency"),
        ("how many times a day do I swallow them", "frequency"),
        ("what percentage of patients respond", "percent"),
        ("whats the success rate of this treatment", "percent"),
        ("how much does a month of tablets cost", "money"),
        ("how many capsules come in a pack", "count"),
        ("how much water should I drink with it", "count"),
        ("what dose do people usually start on", "count"),
        ("is there a phone number for the cancer society", "code"),
        ("whats the number to call at night", "code"),
        ("cancer helpline number?", "code"),
        ("does the clinic have a phone line for questions", "code"),
        ("what year did it come out", "date"),
        ("when was the page last reviewed", "date"),
        ("acs side effects page last revised?", "date"),
    ],
)
def test_a_question_asks_the_type_its_wording_names(question, kind):
    found = asked_type(question)
    assert found is not None and found.name == kind


@pytest.mark.parametrize(
    "question",
    [
        "what is thalidomide",
        "how does BCG work",
        "can I stay on it long term",
        "is it a long treatment",
        "how are you",
        "how much does it lower my immunity",
        "can I use my phone during the infusion",
        "a number of my friends take it, is it safe",
        "when should I call the doctor",
        "when is the cream put on",
    ],
)
def test_a_question_that_asks_no_number_has_no_type(question):
    assert asked_type(question) is None


def _kind(name):
    return next(k for k in load() if k.name == name)


@pytest.mark.parametrize(
    ("kind", "said", "silent"),
    [
        ("duration", "It is used for three to six months.", "It has a long list of side effects."),
        ("duration", "The protection usually lasts a lifetime.", "The protection is strong."),
        ("duration", "Stop within 30 days of the last dose.", "Stop when your doctor says so."),
        ("frequency", "Put it on twice a week.", "Put it on for several months."),
        ("frequency", "It is given every other week.", "It is given by a nurse."),
        ("frequency", "Take it three times daily.", "Take it with water."),
        ("percent", "About 20% of people get a rash.", "Many people get a rash."),
        ("percent", "Roughly 1 in 10 people stop early.", "Some people stop early."),
        ("count", "Take 2 capsules with food.", "It was one of the earliest treatments."),
        ("money", "A month costs about $900.", "It can be expensive."),
        ("code", "Call us at 1-800-227-2345", "Call us any time of day or night."),
        ("code", "Cancer Answer Line 866.223.8100", "Reviewed on 7/27/2021."),
        ("date", "Last Revised: July 7, 2025", "Revised by the editorial team."),
        ("date", "Reviewed on 7/27/2021.", "Take 2 capsules a day."),
        ("date", "It was first approved in 1998.", "Take 1000 mg with food."),
    ],
)
def test_a_sentence_says_a_type_only_with_its_expression(kind, said, silent):
    assert says(said, _kind(kind))
    assert not says(silent, _kind(kind))


def test_a_repeat_count_in_an_expression_is_not_read_as_a_shared_part(tmp_path):
    """"{number}" names a shared part; "\\d{3}" is a regular expression's repeat count."""
    spec = {"shared": {"n": "\\d+"}, "types": {"t": {"missing": "m", "asked": ["x"], "said": ["{n} and \\d{3}"]}}}
    path = tmp_path / "types.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    (kind,) = load(path)
    assert says("7 and 123", kind)
    assert not says("7 and 12", kind)


def test_with_no_type_any_sentence_answers():
    assert says("Anything at all.", None)


def test_the_parsed_question_carries_its_type(bot):
    parsed = bot.parse("how long does the flu-like feeling after a BCG treatment last")
    assert parsed.answer_type is not None and parsed.answer_type.name == "duration"
    assert bot.parse("what are the side effects of BCG").answer_type is None
