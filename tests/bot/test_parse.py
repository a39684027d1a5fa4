"""The parse stage: which words a question is about, and how much each weighs."""

from __future__ import annotations

import pytest

from bot.parse import scene_words, specificity, the_sentence_that_asks


def _words(bot, question):
    return {w.text: w for w in bot.parse(question).words}


def test_everyday_words_weigh_less_than_drug_names():
    assert specificity("stuff") < specificity("husband") < specificity("lenalidomide") < 1.0
    assert specificity("the") == 0.0 and specificity("lenalidmide") == 1.0


def test_a_misspelt_name_weighs_fully_and_counts_as_known(bot):
    words = _words(bot, "is dexamethazone a steroid")  # read as the name it stands for
    assert words["dexamethasone"].weight == 1.0 and words["dexamethasone"].known


def test_a_word_the_pages_never_use_is_unknown_but_still_weighed(bot):
    """'keytruda' is not in the pages: it is kept, specific, so an answer without it can be refused."""
    words = _words(bot, "side effects of keytruda")
    assert not words["keytruda"].known and words["keytruda"].weight > 0.5


def test_words_that_frame_a_question_are_not_its_subject(bot):
    parsed = bot.parse("what are the side effects of BCG")
    assert [w.text for w in parsed.subjects] == ["bcg"]
    assert {"side", "effects"} <= {w.text for w in parsed.words if w.frame}


@pytest.mark.parametrize(
    "question, definition",
    [
        ("what is thalidomide", True),
        ("What are biologics?", True),
        ("what does subcutaneous mean", True),
        ("define neuropathy", True),
        ("malaise meaning", True),
        ("immunomodulators definition?", True),
        ("what is meant by biologics", True),
        ("is the meaning of the leaflet clear", False),
        ("what is the risk of blood clots", False),
        ("what are the side effects of BCG", False),
        ("how is BCG given", False),
        # an aspect asked for is not what the subject is; a kind of thing is
        ("what are examples of JAK inhibitors", False),
        ("what are common side effects of immunomodulators", False),
        ("what are the brand names of lenalidomide", False),
        ("what kind of drug is enbrel", True),
        # asking its kind asks what it is; asking for kinds of it asks for examples
        ("what class is rinvoq in", True),
        ("rinvoq drug class", True),
        ("are rinvoq and olumiant the same type?", True),
        ("what group does humira belong to", True),
        ("what types of biologics are there", False),
        ("which group of patients gets BCG", False),
        # whether it is of a kind asks what it is; whether something exists or is safe does not
        ("is dexamethasone a steroid?", True),
        ("is xeljanz an immunomodulator", True),
        ("is there a generic revlimid", False),
        ("is it a problem if I miss a dose", False),
        ("is thalidomide safe in pregnancy", False),
    ],
)
def test_a_definition_question_is_told_apart(bot, question, definition):
    assert bot.parse(question).definition is definition


@pytest.mark.parametrize(
    "question, drug",
    [
        ("side effects of humira", "humira"),  # a brand in the curated table
        ("is revlamid safe", "revlimid"),  # misspelt: read as the name it was corrected to
        ("how does tofacitinib work", "tofacitinib"),  # by its ending
        ("what is a biologic", None),
        ("can steroids make me tired", None),
    ],
)
def test_a_word_that_names_a_drug_is_marked(bot, question, drug):
    assert [w.text for w in bot.parse(question).subjects if w.drug] == ([drug] if drug else [])


def test_the_clauses_that_ask_are_told_from_those_that_set_the_scene():
    asking, scene = scene_words("She's also on warfarin for her heart valve. Where do the clots start?")
    assert {"where", "clots", "start"} <= asking and {"warfarin", "valve"} <= scene and not asking & scene
    assert scene_words("im on keytruda, what are the side effects")[1] >= {"keytruda"}
    assert scene_words("can i smoke on lenalidomide") == (frozenset(), frozenset()), "one clause: no scene"
    assert scene_words("my feet are numb, my hands too") == (frozenset(), frozenset()), "nothing asked"


def test_a_word_the_pages_lack_that_only_sets_the_scene_is_not_what_is_asked(bot):
    """'warfarin' and 'valve' are not in the pages; the question names its own subject (the clots)."""
    words = _words(bot, "She's also on warfarin for her heart valve. Where do the clots from these pills start?")
    assert "warfarin" not in words and "valve" not in words and "clots" in words and "heart" in words


@pytest.mark.parametrize(
    "question, unknown",
    [
        ("im on keytruda, what are the side effects", "keytruda"),  # the question names no subject of its own
        ("does keytruda cause clots", "keytruda"),  # it is asked about
        ("can i take tamoxifen with revlimid", "tamoxifen"),  # one clause: nothing only sets the scene
    ],
)
def test_a_word_the_pages_lack_still_counts_when_it_may_be_what_is_asked(bot, question, unknown):
    words = _words(bot, question)
    assert unknown in words and not words[unknown].known


def test_an_acronym_stands_for_the_rarest_words_of_its_name(bot):
    """NOMID is "neonatal-onset multisystem inflammatory disease": a passage speaks of it where it has
    "multisystem", not wherever "disease" or "inflammatory" is (Bowen's disease, Castleman disease)."""
    analyzer = bot.index.analyzer
    assert "nomid" in bot.index.expander.expansions.acronyms
    (nomid,) = bot.parse("what does NOMID mean").subjects
    assert analyzer.stem("multisystem") in nomid.terms
    assert not {analyzer.stem("disease"), analyzer.stem("inflammatory")} & nomid.terms
    # the search still reads the whole name
    query_terms = {t.term for t in bot.parse("what does NOMID mean").query.terms}
    assert {analyzer.stem("disease"), analyzer.stem("inflammatory")} <= query_terms


def test_a_misspelled_word_is_read_as_the_word_it_stands_for(bot):
    """"revlimd side efects" asks what "revlimid side effects" asks: "efects" is the aspect "effects",
    not a subject of its own, and the topic a follow-up carries is "revlimid", a word the pages use."""
    typed, meant = bot.parse("revlimd side efects"), bot.parse("revlimid side effects")
    assert [(w.text, w.frame, w.aspect, w.drug) for w in typed.words] == [
        (w.text, w.frame, w.aspect, w.drug) for w in meant.words
    ]


@pytest.mark.parametrize(
    "message, asking",
    [
        ("how does humira work? my daughter's doctor prescribed it", "how does humira work?"),
        ("My wife's on it now. What are the side effects of BCG?", "What are the side effects of BCG?"),
        ("she takes revlimid; is it a steroid", "is it a steroid"),
        ("He just started Humira - what do biologics target?", "what do biologics target?"),
        ("what is a t-cell? my mum asked", "what is a t-cell?"),  # a hyphen joins, a spaced dash breaks
        ("he takes 2.5 mg of it. is that a normal dose?", "is that a normal dose?"),
        ("how does humira work?", None),  # one sentence: nothing sets the scene
        ("what is bcg? how is it given?", None),  # two questions: neither is cut off
        ("my feet are numb. my hands too.", None),  # nothing asked
    ],
)
def test_the_one_sentence_that_asks_is_told_from_those_that_set_the_scene(message, asking):
    assert the_sentence_that_asks(message) == asking


def test_a_tag_that_asks_for_confirmation_is_not_a_subject(bot):
    """"..., is that right?" weighs the claim before it, as "is that true?" does: it is not what the
    claim is about ("right" is a page word, as in "tell them right away")."""
    for tag in ("is that right?", "is that correct?", "is that true?"):
        parsed = bot.parse(f"bcg goes into the bladder through a catheter, {tag}")
        subjects = {w.text for w in parsed.subjects}
        assert {"bcg", "bladder", "catheter"} <= subjects and not {"right", "correct", "true"} & subjects


def test_a_brand_stands_for_its_generic_when_the_question_names_both(bot):
    """The query holds each term once, so in "is aldara the same as imiquimod" the generic is the
    question's own term, not an expansion of the brand: the brand must still stand for it, or a passage
    that says only "imiquimod" would lack what is asked."""
    generic = bot.index.analyzer.stem("imiquimod")
    alone = _words(bot, "what is aldara")["aldara"]
    both = _words(bot, "is aldara the same as imiquimod")["aldara"]
    assert generic in alone.terms
    assert both.terms == alone.terms
