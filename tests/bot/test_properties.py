"""Property tests: no text makes the tokenizer, the cleaner, the safety check or the answer builder
raise, and every answer stays verbatim from its citations."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.analysis import Analyzer
from bot.errors import InputError
from bot.ingest.clean import clean_lines, markdown_lines, plain_text_lines, repair_encoding
from bot.safety import default_checker
from tests.bot.test_answer import assert_verbatim

WORDS = [
    "lenalidomide",
    "Revlimid",
    "side",
    "effects",
    "BCG",
    "bladder",
    "imiquimod",
    "cream",
    "blood",
    "clots",
    "what",
    "is",
    "are",
    "the",
    "how",
    "it",
    "its",
    "chest",
    "pain",
    "I",
    "my",
    "?",
    "tired",
    "nerve",
    "damage",
]
questions = st.one_of(st.text(max_size=300), st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join))
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(st.text())
def test_tokenizer_never_raises(text):
    terms = Analyzer.default().terms(text)
    assert all(t and t == t.lower() for t in terms)


@PROPERTY
@given(st.text(max_size=2000))
def test_cleaner_never_raises_and_offsets_hold(text):
    repaired, _ = repair_encoding(text)
    for lines in (plain_text_lines(repaired), markdown_lines(repaired)):
        cleaned = clean_lines(lines, "Title")
        for block in cleaned.blocks:
            assert 0 <= block.start <= block.end <= len(cleaned.text)


@PROPERTY
@given(questions)
def test_safety_check_never_raises(text):
    default_checker().assess(text)


@PROPERTY
@given(questions, st.one_of(st.none(), st.text(max_size=100)))
def test_answers_never_raise_and_stay_verbatim(bot, text, context):
    try:
        reply = bot.ask(text, context)
    except InputError:
        return
    if reply.type == "answer":
        assert_verbatim(reply)
