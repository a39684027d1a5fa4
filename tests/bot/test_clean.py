"""Cleaning, against the real seed pages in corpus/."""

from __future__ import annotations

import pytest

from bot.ingest import load_corpus
from bot.ingest.clean import PAGE_FACTS_FILE, Line, boilerplate_rules, clean_lines, plain_text_lines, repair_encoding
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def docs():
    result = load_corpus(CORPUS)
    assert not result.problems
    return {d.id: d for d in result.documents}


@pytest.mark.parametrize(
    "debris, doc_id",
    [
        ("Skip to main content", "acs-immunomodulators-2025"),
        ("Sign up to stay up-to-date", "acs-immunomodulators-2025"),
        ("donate to help fund", "acs-immunomodulators-2019"),
        ("Please enter your comment", "immunomodulators-side-effects-copy"),
        ("Advertising on our site", "cleveland-clinic-immunomodulators"),
        ("Advertisement", "cleveland-clinic-immunomodulators"),
        ("side by side logos", "acs-immunomodulators-2025"),
        ("See Slideshow", "how-do-immunomodulators-work"),
        ("See Answer", "how-do-immunomodulators-work"),
        ("Accessed at", "acs-immunomodulators-2025"),
        ("Curr Opin Pharmacol", "acs-immunomodulators-2019"),
        ("Gordon RA, Jackson N", "acs-immunomodulators-2025"),
        ("Health Solutions From Our Sponsors", "how-do-immunomodulators-work"),
        ("Chat live online", "acs-immunomodulators-2019"),
    ],
)
def test_site_chrome_and_references_are_dropped(docs, debris, doc_id):
    doc = docs[doc_id]
    assert debris not in doc.text
    assert any(debris in text for _, text in doc.report.dropped), "the build report names what it dropped"


def test_garbled_span_is_cut_and_its_sentence_kept(docs):
    text = docs["acs-immunomodulators-2019"].text
    assert not any("\u3400" <= ch <= "\u9fff" for ch in text)
    assert "&nbsp;" not in text and "苍产蝉辫" not in text
    assert "(BCG) is a germ that doesn't cause serious disease in humans" in text
    assert ("garbled characters", "叠补肠颈濒濒耻蝉&苍产蝉辫;颁补濒尘别迟迟别-骋耻é谤颈苍") in docs[
        "acs-immunomodulators-2019"
    ].report.dropped


def test_mojibake_is_repaired_by_ftfy():
    fixed, removed = repair_encoding("The drug doesnâ€™t cause serious disease.")
    assert fixed == "The drug doesn't cause serious disease." and not removed


@pytest.mark.parametrize(
    "lead_in, doc_id",
    [
        ("Common side effects of thalidomide, lenalidomide, and pomalidomide include:", "acs-immunomodulators-2025"),
        ("Common side effects of imiquimod include:", "acs-immunomodulators-2025"),
        ("Some of the more common side effects include:", "cleveland-clinic-immunomodulators"),
        ("Examples include:\n\nBiologics", "cleveland-clinic-immunomodulators"),
        ("Generic and brand names of immunomodulators include:", "how-do-immunomodulators-work"),
    ],
)
def test_lead_in_whose_list_was_lost_is_never_kept(docs, lead_in, doc_id):
    assert lead_in.split("\n")[0] not in docs[doc_id].text or lead_in.split("\n")[0] == "Examples include:"
    assert ("lead-in whose list was lost", lead_in.split("\n")[0]) in docs[doc_id].report.dropped


def test_every_kept_lead_in_is_followed_by_its_list(docs):
    for doc in docs.values():
        lines = doc.text.split("\n")
        for i, line in enumerate(lines):
            if line.endswith(":") and not line.startswith("•"):
                following = next((x for x in lines[i + 1 :] if x.strip()), "")
                assert following.lstrip().startswith("•"), f"{doc.id}: {line!r} has no list after it"


def test_headings_become_sections_and_lists_stay_with_their_lead_in(docs):
    doc = docs["cleveland-clinic-immunomodulators"]
    sections = {b.section for b in doc.blocks}
    assert {"Corticosteroids", "Biologics", "Janus kinase inhibitors"} <= sections
    lists = [b for b in doc.blocks if b.kind == "list" and b.has_lead_in]
    corticosteroid_list = next(b for b in lists if b.section == "Corticosteroids")
    lead_start, lead_end = corticosteroid_list.items[0]
    assert doc.text[lead_start:lead_end] == "Examples include:"
    assert [doc.text[s:e] for s, e in corticosteroid_list.items[1:]] == [
        "• Prednisone.",
        "• Prednisolone.",
        "• Dexamethasone.",
    ]


def test_title_case_line_ending_in_colon_is_a_heading_not_a_lost_lead_in():
    cleaned = clean_lines(plain_text_lines("Thalidomide, Lenalidomide and Pomalidomide:\n\nThey treat myeloma."))
    assert cleaned.blocks[0].kind == "heading"
    assert cleaned.blocks[1].section == "Thalidomide, Lenalidomide and Pomalidomide"


def test_review_date_is_read_from_page_metadata_when_the_header_has_none():
    cleaned = clean_lines([Line("para", "Some text."), Line("para", "Last Revised: July 7, 2025")])
    assert cleaned.dates_seen == ["July 7, 2025"]


def test_a_paragraph_that_ends_in_a_lost_lead_in_keeps_its_other_sentences():
    lines = [Line("para", "Nurses answer calls at any hour. They can help with many topics. Some topics include:")]
    cleaned = clean_lines(lines, apply_rules=False)
    assert cleaned.text == "Nurses answer calls at any hour. They can help with many topics."
    assert ("lead-in whose list was lost", "Some topics include:") in cleaned.report.dropped


@pytest.mark.parametrize(
    "fact, doc_id",
    [
        ("Call us at 1-800-227-2345", "acs-immunomodulators-2019"),
        ("Available any time of day or night", "acs-immunomodulators-2019"),
        ("Cancer Answer Line 866.223.8100", "cleveland-clinic-immunomodulators"),
        (
            "Last reviewed by a Cleveland Clinic medical professional on 05/10/2023.",
            "cleveland-clinic-immunomodulators",
        ),
        ("Last Revised: July 7, 2025", "acs-immunomodulators-2025"),
    ],
)
def test_what_a_page_says_of_itself_is_kept_last_as_plain_text(docs, fact, doc_id):
    """A helpline, the authors and the review date answer patients' questions. Shaped like headings, they
    would head the page's content, so they are paragraphs of a last section with no heading."""
    doc = docs[doc_id]
    block = next(b for b in doc.blocks if doc.text[b.start : b.end] == fact)
    assert block.kind == "paragraph" and block.section is None
    earlier = [b for b in doc.blocks if b.start < block.start]
    later = [b for b in doc.blocks if b.start > block.start]
    opening = doc.text[earlier[0].start : earlier[0].end] if earlier else ""
    assert opening and not any(rx.fullmatch(opening) for _, rx in boilerplate_rules(PAGE_FACTS_FILE)), (
        "it follows the page's content"
    )
    assert all(b.kind == "paragraph" and b.section is None for b in later)
    assert all(b.section != fact for b in doc.blocks), "it heads nothing"


def test_a_gap_before_any_text_does_not_end_the_titles_introduction():
    """A saved page whose title and date lines were dropped starts with a wide gap: the text after it is
    still the introduction the title heads, up to the next gap."""
    lines = [Line("break", ""), Line("para", "Immunomodulators change the immune system."), Line("break", "")]
    lines += [Line("para", "Common side effects include chills.")]
    cleaned = clean_lines(lines, apply_rules=False)
    assert cleaned.intro_end == cleaned.text.index("Common")
