"""The dense stage's sentences: what each is encoded with; nested lists."""

from __future__ import annotations

import re

import numpy as np

from bot.candidates import PassageFacts, askers_context, question_tokens
from bot.conversation import Context
from bot.dense import BULLET, DenseIndex, build_arrays, passage_sentences
from bot.encoder import TokenStates
from bot.parse import ParsedQuestion
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
    tokens = {"tok_vec": np.zeros((0, 384), np.float16), "tok_ptr": np.zeros(1, np.int64)}
    dense = DenseIndex({**arrays, **tokens, "sent_vec": np.zeros((0, 384), np.float16), "term_vec": saved})
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
    encode = bot.encoder.encode_with_tokens
    monkeypatch.setattr(bot.encoder, "_cache", OrderedDict())
    monkeypatch.setattr(bot.encoder, "_token_cache", OrderedDict())
    monkeypatch.setattr(
        bot.encoder, "encode_with_tokens", lambda texts, *a: encoded.extend(texts) or encode(texts, *a)
    )
    reply = bot.ask("What are the side effects of lenalidomide?")
    assert reply.type == "answer"
    # the emergency check and retrieval share the question's vector; "lenalidomide" has its term's
    assert encoded == ["What are the side effects of lenalidomide"]


def _word_states(texts: list[str]) -> tuple[np.ndarray, list[TokenStates]]:
    """A stand-in encoder: one token per word, whose vector is the word's own axis (by hash)."""
    import re

    states = []
    for text in texts:
        spans = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
        vectors = np.zeros((len(spans), 384), np.float32)
        for i, (a, b) in enumerate(spans):
            vectors[i, sum(map(ord, text[a:b].lower())) % 384] = 1.0
        states.append(TokenStates(vectors, tuple(text[a:b] for a, b in spans), tuple(spans)))
    return np.zeros((len(texts), 384), np.float32), states


def test_each_sentence_keeps_the_tokens_of_its_own_words_not_its_heading_or_the_sentence_it_leans_on():
    text = "Thalidomide is a pill. These drugs cause drowsiness.\nSide effects include:\n• Rash"
    passage = Passage("d", "Warnings", 0, len(text), text)
    arrays = build_arrays([passage], ["Warnings"], [], _word_states)
    sentences = passage_sentences(0, passage, "Warnings")
    ptr = arrays["tok_ptr"]
    assert len(ptr) == len(sentences) + 1 and ptr[-1] == len(arrays["tok_vec"])
    own = {}
    for i, sentence in enumerate(sentences):
        words = _word_states([sentence.encoded])[1][0]
        kept = arrays["tok_vec"][ptr[i] : ptr[i + 1]].astype(np.float32)
        own[text[sentence.start : sentence.end].strip()] = [
            t for t, v in zip(words.tokens, words.vectors) if any(np.array_equal(v, k) for k in kept)
        ]
    assert own["Thalidomide is a pill."] == ["Thalidomide", "is", "a", "pill"]
    assert own["These drugs cause drowsiness."] == ["These", "drugs", "cause", "drowsiness"]
    assert own["• Rash"] == ["Side", "effects", "include", "Rash"]  # an item is read with its lead-in


def test_late_scores_match_maxsim_computed_directly():
    rng = np.random.default_rng(3)
    lengths = [3, 0, 5, 2, 0]
    tokens = rng.normal(size=(sum(lengths), 384)).astype(np.float16)
    arrays = {
        "sent_pid": np.zeros(5, np.int32),
        "sent_start": np.zeros(5, np.int32),
        "sent_end": np.zeros(5, np.int32),
        "sent_vec": np.zeros((5, 384), np.float16),
        "term_vec": np.zeros((0, 384), np.float16),
        "tok_vec": tokens,
        "tok_ptr": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
    }
    dense = DenseIndex(arrays)
    question = rng.normal(size=(4, 384)).astype(np.float32)
    units = [(0,), (2, 3), (1,), (-1,), (0, 1, 3), (3, 4), (4,)]
    rows_of = {0: range(0, 3), 1: range(3, 3), 2: range(3, 8), 3: range(8, 10), 4: range(10, 10)}

    def direct(unit):
        columns = [t for r in unit if r >= 0 for t in rows_of[r]]
        if not columns:
            return 0.0
        return float(np.mean([max(float(q @ tokens[t].astype(np.float32)) for t in columns) for q in question]))

    assert np.allclose(dense.late_scores(question, units), [direct(u) for u in units], atol=1e-4)
    # rows that are not consecutive are read one by one
    assert np.allclose(dense.late_scores(question, [(0,), (3,)]), [direct((0,)), direct((3,))], atol=1e-4)
    assert dense.late_scores(question[:0], units).tolist() == [0.0] * len(units)


def test_the_question_is_compared_by_the_word_pieces_that_open_its_content_words(bot):
    question = ParsedQuestion("what is pomalyst?", None, (), False)  # type: ignore[arg-type]
    state = bot.encoder.token_states("what is pomalyst")
    tokens = question_tokens(question, bot.index, bot.encoder)
    assert state.tokens[:3] == ("what", "is", "po")
    assert np.array_equal(tokens.vectors, state.vectors[[2]])  # "what", "is" and "##mal", "##yst" match anything
    assert tokens.drug.tolist() == [False]  # a question parsed with no words asks of no drug


def test_what_is_asked_of_a_drug_is_its_question_without_the_drug_name(bot):
    """"side effects of pomalidomide": the late-interaction score of what is asked (side, effects)
    leaves out the drug's name, which every sentence on the drug matches; it is the same MaxSim over
    those tokens."""
    question = bot.parse("side effects of pomalidomide")
    state = bot.encoder.token_states("side effects of pomalidomide")
    tokens = question_tokens(question, bot.index, bot.encoder)
    kept, named = tokens.vectors, tokens.drug
    assert [t for t in state.tokens if t.isalnum() and bot.index.analyzer.is_content(t)] == ["side", "effects", "po"]
    assert tokens.words == ("side", "effects", "pomalidomide") and named.tolist() == [False, False, True]
    assert tokens.asked_of_the_drug().tolist() == [True, True, False]
    candidates = bot.understand("side effects of pomalidomide", Context()).candidates
    rows = [c.unit.rows for c in candidates.items]
    rest = bot.index.dense.late_scores(kept[~named], rows)
    assert np.allclose([c.features["late_rest"] for c in candidates.items], rest, atol=1e-6)
    whole = bot.index.dense.late_scores(kept, rows)
    assert np.allclose([c.features["late"] for c in candidates.items], whole, atol=1e-6)
    naming = [i for i, c in enumerate(candidates.items) if re.search(r"pomal", c.unit.text, re.IGNORECASE)]
    assert naming and all(rest[i] < whole[i] for i in naming)  # a sentence naming the drug matches it best


def test_the_askers_own_people_are_not_what_is_asked_of_the_drug(bot):
    """"my son is on humira, what is it": "son" follows a possessive and the pages never use it; it is the
    asker's context, and what is asked of Humira is Humira itself, as in "what is humira"."""
    question = bot.parse("my son is on humira, what is it")
    assert [w.text for w in question.words if not w.known] == ["son"]
    assert askers_context(question) == {"son"}
    tokens = question_tokens(question, bot.index, bot.encoder)
    assert tokens.words == ("son", "humira") and tokens.drug.tolist() == [False, True]
    assert tokens.asked_of_the_drug(frozenset({"son"})).tolist() == [False, True]
    assert tokens.asked_of_the_drug().tolist() == [True, False]
    candidates = bot.understand("my son is on humira, what is it", Context()).candidates
    rows = [c.unit.rows for c in candidates.items]
    on_the_drug = bot.index.dense.late_scores(tokens.vectors[tokens.drug], rows)
    assert np.allclose([c.features["late_rest"] for c in candidates.items], on_the_drug, atol=1e-6)
    given = question_tokens(bot.parse("my son is on humira, how is it given"), bot.index, bot.encoder)
    assert given.asked_of_the_drug(frozenset({"son"})).tolist() == [False, False, True]  # "given" is asked


def test_a_word_the_pages_never_use_is_asked_when_it_is_not_the_askers_own(bot):
    """"is it safe to drive on thalidomide": no page speaks of driving, and no possessive makes "drive"
    context; it stays among what is asked, so no sentence on thalidomide matches all that is asked."""
    question = bot.parse("is it safe to drive on thalidomide")
    assert "drive" in [w.text for w in question.words if not w.known]
    assert askers_context(question) == frozenset()
    tokens = question_tokens(question, bot.index, bot.encoder)
    asked = tokens.asked_of_the_drug(askers_context(question))
    assert "drive" in [w for w, a in zip(tokens.words, asked) if a]
    candidates = bot.understand("is it safe to drive on thalidomide", Context()).candidates
    rows = [c.unit.rows for c in candidates.items]
    rest = bot.index.dense.late_scores(tokens.vectors[asked], rows)
    assert np.allclose([c.features["late_rest"] for c in candidates.items], rest, atol=1e-6)
    known_only = bot.index.dense.late_scores(tokens.vectors[asked & (np.array(tokens.words) != "drive")], rows)
    assert max(rest) < max(known_only)  # the unmatched word pulls every sentence's reading down
    assert askers_context(bot.parse("my husband is on revlimid, what are the side effects")) == {"husband"}
