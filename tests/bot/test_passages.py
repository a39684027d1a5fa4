from __future__ import annotations

import pytest

from bot.ingest import load_corpus
from bot.ingest.clean import clean_lines, plain_text_lines
from bot.passages import Passage, chunk_document, collapse_duplicates, opening_subject
from tests.conftest import CORPUS


def _docs():
    return load_corpus(CORPUS).documents


def test_offsets_round_trip_to_the_passage_text():
    for doc in _docs():
        for passage in chunk_document(doc):
            assert doc.text[passage.start : passage.end] == passage.text
            assert passage.text == passage.text.strip()


def test_passages_never_cross_a_heading_and_keep_their_section():
    for doc in _docs():
        headings = [(b.start, b.end) for b in doc.blocks if b.kind == "heading"]
        for passage in chunk_document(doc):
            assert not any(passage.start <= s < passage.end for s, _ in headings), passage.text[:60]
            if passage.section:
                heading = max((s for s, _ in headings if s < passage.start), default=None)
                assert heading is not None and doc.text[heading:].startswith(passage.section)


def test_a_list_stays_with_its_lead_in():
    for doc in _docs():
        passages = chunk_document(doc)
        for block in doc.blocks:
            if block.kind == "list" and block.has_lead_in and len(doc.text[block.start : block.end].split()) <= 180:
                assert any(p.start <= block.start and block.end <= p.end for p in passages), doc.text[
                    block.start : block.start + 60
                ]


def test_long_paragraphs_split_at_sentence_ends():
    sentence = "Lenalidomide is taken as a capsule by mouth every day for three weeks of each cycle. "
    doc_text = "Dosing\n\n" + sentence * 12
    from bot.ingest import Document

    cleaned = clean_lines(plain_text_lines(doc_text))
    doc = Document("d", "t", cleaned.text, cleaned.blocks)
    passages = chunk_document(doc, chunk_words=40)
    assert len(passages) > 2
    for p in passages:
        assert p.text.endswith("cycle.") and len(p.text.split()) <= 40


def test_a_pronoun_led_sentence_stays_with_the_sentence_it_refers_to():
    for doc in _docs():
        for passage in chunk_document(doc):
            assert not passage.text.startswith("These drugs can cause side effects"), "cut off from the drug names"


def test_near_duplicates_collapse_to_the_most_recently_reviewed_source():
    passages = [Passage("old", None, 0, 10, "a"), Passage("new", None, 0, 10, "b"), Passage("other", None, 0, 10, "c")]
    terms = [
        frozenset({"bcg", "bladder", "catheter", "liquid"}),
        frozenset({"bcg", "bladder", "catheter", "liquid", "put"}),
        frozenset({"imiquimod", "cream"}),
    ]
    keep, replaced = collapse_duplicates(passages, terms, {"old": "2019-12-27", "new": "2025-07-07", "other": ""}, 0.6)
    assert keep == [1, 2] and replaced == {0: 1}


def test_reworded_copy_with_its_own_facts_is_not_collapsed(loaded_index):
    texts = [loaded_index.passage(i).text for i in range(loaded_index.n_passages)]
    assert any("Bowen's disease" in t for t in texts), "the undated copy's unique facts survive"
    assert loaded_index.manifest["counts"]["duplicates_collapsed"] >= 1


@pytest.mark.parametrize(
    "text, subject",
    [
        ("Imiquimod is a drug that one can apply to the skin. Its side effects include blisters.", "Imiquimod"),
        ("Bacillus Calmette-Guerin (BCG) is a germ that does not cause disease.", "Bacillus Calmette-Guerin (BCG)"),
        ("They are given by injection.", ""),  # a pronoun is no topic
        ("BCG essentially treats bladder cancer in its early stages.", ""),  # no defining verb
        ("Common side effects include:\n• Diarrhea", ""),
        ("The drugs that doctors most often prescribe for this long list of conditions are these.", ""),  # too long
    ],
)
def test_the_subject_a_passage_opens_by_defining(text, subject):
    assert opening_subject(text) == subject


def test_a_passage_without_a_heading_is_headed_by_the_subject_it_defines(loaded_index):
    """On a page without headings, "Its side effects include..." still counts as being about imiquimod."""
    from bot.candidates import PassageFacts

    facts = PassageFacts(loaded_index)
    stem = loaded_index.analyzer.stem
    headless = [
        pid
        for pid in range(loaded_index.n_passages)
        if not loaded_index.passage(pid).section and loaded_index.passage(pid).text.startswith("Imiquimod is")
    ]
    assert headless and all(stem("imiquimod") in facts.heading(pid) for pid in headless)


def test_a_passage_past_the_introduction_is_headed_by_the_title_subject(loaded_index):
    """A page with no headings ("How Do Immunomodulators Work?") is about immunomodulators all the way
    down, so its list "Common side effects include: ..." is on topic for "side effects of
    immunomodulators"; the title's frame word ("work") heads only the introduction."""
    from bot.candidates import PassageFacts
    from bot.index import title_terms

    analyzer, stem = loaded_index.analyzer, loaded_index.analyzer.stem
    assert title_terms(analyzer, "How Do Immunomodulators Work?") == (
        [stem("immunomodulators"), stem("work")],
        [stem("immunomodulators")],
    )
    facts = PassageFacts(loaded_index)
    past_intro = [
        pid
        for pid in range(loaded_index.n_passages)
        if not loaded_index.passage(pid).section
        and loaded_index.document_of(pid)["title"] == "How Do Immunomodulators Work?"
        and loaded_index.passage(pid).start >= loaded_index.document_of(pid)["intro_end"]
    ]
    assert past_intro
    for pid in past_intro:
        assert stem("immunomodulators") in facts.heading(pid)
        assert stem("work") not in facts.heading(pid)
