"""The dense stage's sentences: what each is encoded with; nested lists."""

from __future__ import annotations

import numpy as np

from bot.candidates import PassageFacts
from bot.dense import BULLET, DenseIndex, passage_sentences
from bot.passages import Passage

NESTED = (
    "Other rare side effects include:\n"
    "• Unusual weight gain\n"
    "• Signs of kidney problems:\n"
    "  • Change in the amount of urine\n"
    "  • Pink/bloody/frothy urine\n"
    "• Trouble sleeping"
)


def _encoded(text: str) -> dict[str, str]:
    passage = Passage("d", "Side effects", 0, len(text), text)
    return {
        text[s.start : s.end].strip().lstrip(BULLET + " "): s.encoded
        for s in passage_sentences(0, passage, "Side effects")
    }


def test_a_nested_item_is_encoded_with_the_item_that_leads_it():
    encoded = _encoded(NESTED)
    assert "Signs of kidney problems:" in encoded["Change in the amount of urine"]
    assert "Other rare side effects include:" in encoded["Change in the amount of urine"]
    assert "kidney" not in encoded["Trouble sleeping"]  # the nested list ended
    assert "kidney" not in encoded["Unusual weight gain"]


def test_a_sentence_is_encoded_with_its_heading():
    assert _encoded("Imiquimod is a cream.")["Imiquimod is a cream."] == "Side effects. Imiquimod is a cream."


def test_nested_items_are_answered_under_the_item_that_leads_them(bot):
    reply = bot.ask("what are the signs of kidney problems")
    assert reply.type == "answer"
    assert "Signs of kidney problems:" in reply.answer
    assert "Change in the amount of urine" in reply.answer or "Pink/bloody/frothy urine" in reply.answer


def test_an_item_that_leads_a_nested_list_is_not_a_unit_of_its_own(loaded_index):
    facts = PassageFacts(loaded_index)
    units = [unit for pid in range(loaded_index.n_passages) for unit in facts.units(pid)]
    nested = [
        u for u in units if u.lead and loaded_index.passage(u.pid).text[u.lead[0] : u.lead[1]].lstrip()[:1] == BULLET
    ]
    assert nested  # the default corpus has nested lists
    assert not [u.text for u in units if u.text.rstrip().endswith(":")]


def test_a_sentence_that_leans_on_the_one_before_is_encoded_with_it():
    """'These drugs can cause drowsiness' is about the drugs the sentence before it names."""
    text = (
        "Thalidomide and lenalidomide are known as IMiDs. These drugs can cause drowsiness.\n"
        "Side effects include:\n"
        "• Rash\n"
        "They are rare. BCG is a germ."
    )
    encoded = _encoded(text)
    assert "lenalidomide" in encoded["These drugs can cause drowsiness."]
    assert "lenalidomide" not in encoded["BCG is a germ."]  # it names its own subject
    assert "Rash" not in encoded["They are rare."]  # a list item is no sentence to lean on


def test_a_word_with_an_index_term_takes_the_saved_vector_and_only_the_others_are_encoded():
    saved = np.eye(3, 384, dtype=np.float16)
    arrays = {"sent_pid": np.zeros(0, np.int32), "sent_start": np.zeros(0, np.int32), "sent_end": np.zeros(0, np.int32)}
    dense = DenseIndex({**arrays, "sent_vec": np.zeros((0, 384), np.float16), "term_vec": saved})
    encoded: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        encoded.append(list(texts))
        return np.full((len(texts), 384), 0.5, np.float32)

    vectors = dense.word_vectors(["fatigue", "sushi", "rash", "wine"], [2, None, 0, 7], encode)
    assert encoded == [["sushi", "wine"]]  # no term, and a row past the saved ones
    assert vectors[0].tolist() == saved[2].astype(np.float32).tolist()
    assert vectors[2].tolist() == saved[0].astype(np.float32).tolist()
    assert (vectors[[1, 3]] == 0.5).all()


def test_a_question_costs_one_encoder_pass_when_its_words_are_in_the_index(bot, monkeypatch):
    from collections import OrderedDict

    encoded: list[str] = []
    encode = bot.encoder.encode
    monkeypatch.setattr(bot.encoder, "_cache", OrderedDict())
    monkeypatch.setattr(bot.encoder, "encode", lambda texts, *a: encoded.extend(texts) or encode(texts, *a))
    reply = bot.ask("What are the side effects of lenalidomide?")
    assert reply.type == "answer"
    # the emergency check and retrieval share the question's vector; "lenalidomide" has its term's
    assert encoded == ["What are the side effects of lenalidomide"]
