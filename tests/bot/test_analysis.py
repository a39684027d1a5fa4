from __future__ import annotations

import re

import pytest

from bot.analysis import Analyzer, _leading_forms, drug_name_regex, learn_acronyms, learn_brand_pairs
from bot.retriever import Retriever


def test_tokenizer_lowercases_folds_accents_drops_stopwords_and_stems():
    analyzer = Analyzer.default()
    assert analyzer.terms("What are the Side Effects of Guérin's treatments?") == [
        "side",
        "effect",
        "guerin",
        "treatment",
    ]


def test_query_side_analyzer_is_rebuilt_from_the_saved_settings(loaded_index):
    rebuilt = Analyzer.from_settings(loaded_index.manifest["settings"]["analyzer"])
    sample = "Thalidomide (Thalomid) might cause severe birth defects."
    assert rebuilt.terms(sample) == Analyzer.default().terms(sample) == loaded_index.analyzer.terms(sample)


def test_brand_pairs_are_learned_from_the_corpus_patterns():
    pairs = learn_brand_pairs(["Thalidomide (Thalomid), lenalidomide (Revlimid) and Imiquimod (Aldara®, Zyclara®)."])
    assert {
        ("thalidomide", "thalomid"),
        ("lenalidomide", "revlimid"),
        ("imiquimod", "aldara"),
        ("imiquimod", "zyclara"),
    } <= set(pairs)


def test_acronyms_are_learned_from_the_names_the_pages_spell_out():
    text = (
        "Conditions include:\n• Neonatal-onset multisystem inflammatory disease (a disorder of the joints)\n"
        "• Deficiency of interleukin-1 receptor antagonist (a disorder in which the body attacks itself)\n"
        "• Cryopyrin-associated periodic syndromes\nCall the American Cancer Society at any hour."
    )
    pairs = set(learn_acronyms([text]))
    assert {
        ("nomid", "neonatal-onset multisystem inflammatory disease"),  # a hyphenated word's parts count
        ("dira", "deficiency of interleukin-1 receptor antagonist"),  # "of" does not
        ("acs", "american cancer society"),  # a run of capitals
    } <= pairs
    assert not any(acronym == "caps" for acronym, _ in pairs)  # an everyday word: capsules, to a patient


def test_an_acronym_may_take_a_letter_from_each_leading_part_of_a_compound_word():
    """Medical compounds join Greek parts with "o", and acronyms take their leading parts' letters."""
    pairs = set(learn_acronyms(["Conditions include:\n• Hemophagocytic lymphohistiocytosis (a rare disease)\n"]))
    assert ("hlh", "hemophagocytic lymphohistiocytosis") in pairs  # h + lympho-histio
    assert ("hl", "hemophagocytic lymphohistiocytosis") not in pairs  # two letters are too few to learn
    assert _leading_forms("lymphohistiocytosis") == {"lh", "lhc"}  # "cyt-o-sis" leaves too little for a part
    assert _leading_forms("sclerosis") == set()


def test_an_acronym_finds_the_name_and_weighs_as_one_word(loaded_index):
    expanded = [t for t in loaded_index.expander.expand("what is als") if t.source == "expansion"]
    stem = loaded_index.analyzer.stem
    assert {t.term for t in expanded} == {stem("amyotrophic"), stem("lateral"), stem("sclerosis")}
    assert sum(t.weight for t in expanded) == pytest.approx(loaded_index.expander.expansion_weight)
    top = loaded_index.passage(Retriever(loaded_index).search(Retriever(loaded_index).parse("what is als"), 1)[0].pid)
    assert "Amyotrophic lateral sclerosis" in top.text


def _expanded_terms(index, text):
    return {t.term for t in index.expander.expand(text)}


@pytest.mark.parametrize(
    "brand, generic",
    [
        ("Revlimid", "lenalidomide"),
        ("Thalomid", "thalidomide"),
        ("Pomalyst", "pomalidomide"),
        ("Aldara", "imiquimod"),
        ("Zyclara", "imiquimod"),
        ("Humira", "adalimumab"),
        ("Xeljanz", "tofacitinib"),
    ],
)
def test_brand_and_generic_names_match_each_other(loaded_index, brand, generic):
    stem = loaded_index.analyzer.stem
    assert stem(generic) in _expanded_terms(loaded_index, brand)
    assert stem(brand.lower()) in _expanded_terms(loaded_index, generic)


@pytest.mark.parametrize(
    "lay, clinical",
    [
        ("tired", "fatigue"),
        ("sleepy", "drowsiness"),
        ("nerve damage", "neuropathy"),
        ("blood clot", "thrombosis"),
        ("short of breath", "dyspnea"),
        ("hair loss", "alopecia"),
        ("low platelets", "thrombocytopenia"),
    ],
)
def test_everyday_words_reach_clinical_ones(lay, clinical):
    from bot.analysis import Expansions, fold

    table = Expansions.load().table
    assert any(fold(clinical) in target for target in table[lay])


@pytest.mark.parametrize(
    "lay, clinical",
    [
        ("tired", "fatigue"),
        ("sleepy", "drowsiness"),
        ("nerve damage", "neuropathy"),
        ("hair loss", "alopecia"),
        ("low platelets", "thrombocytopenia"),
        ("short of breath", "dyspnea"),
    ],
)
def test_lay_words_add_the_clinical_terms_the_corpus_uses(loaded_index, lay, clinical):
    assert loaded_index.analyzer.stem(clinical) in _expanded_terms(loaded_index, f"I am {lay}")


@pytest.mark.parametrize(
    "typo, word",
    [
        ("lenolidomide", "lenalidomide"),
        ("revlamid", "revlimid"),
        ("thalidamide", "thalidomide"),
        ("imiquimode", "imiquimod"),
        ("dexamethazone", "dexamethasone"),
    ],
)
def test_misspelled_drug_names_are_corrected_against_the_vocabulary(loaded_index, typo, word):
    assert loaded_index.expander.correct(typo) == word
    assert loaded_index.analyzer.stem(word) in _expanded_terms(loaded_index, typo)


@pytest.mark.parametrize(
    "typo, word",
    [("nausia", "nausea"), ("consitpation", "constipation"), ("neuropaty", "neuropathy"), ("pregnent", "pregnant")],
)
def test_misspelled_everyday_words_are_corrected_against_the_pages(loaded_index, typo, word):
    """A letter changed, dropped or swapped: the page word one edit away (two for a long word)."""
    assert loaded_index.expander.correct(typo) == word


@pytest.mark.parametrize(
    "word", ["radiation", "hangover", "migraine", "tokyo", "addition", "crushing", "forever", "spots", "countries"]
)
def test_ordinary_words_are_not_bent_into_corpus_names(loaded_index, word):
    """Common English words are what the user meant: "crushing" chest pain is not "crusting"."""
    assert loaded_index.expander.correct(word) is None


def test_respelling_fixes_only_the_misspelled_words(loaded_index):
    expander = loaded_index.expander
    assert expander.respell("Can I get Pregnent on Revlimid?") == "Can I get pregnant on Revlimid?"
    assert expander.respell("my chest is crushing") == "my chest is crushing"


def test_a_word_the_stemmer_keeps_apart_finds_its_relative_in_the_pages(loaded_index):
    """Snowball reads 'tingly' as 'ting' and 'tingling' as 'tingl'; the pages say 'tingling'."""
    expander, analyzer = loaded_index.expander, loaded_index.analyzer
    assert not expander.known(analyzer.stem("tingly"))
    assert expander.relative("tingly") == "tingling"
    assert analyzer.stem("tingling") in _expanded_terms(loaded_index, "numb tingly feet")


@pytest.mark.parametrize("word", ["country", "counter", "decade", "birthday", "castle", "cancel"])
def test_a_word_that_only_begins_like_a_corpus_word_is_not_its_relative(loaded_index, word):
    """Only English endings may differ ('-er' not among them: a counter is not a count)."""
    assert loaded_index.expander.relative(word) is None


@pytest.mark.parametrize(
    "form, base",
    [("took", "take"), ("taken", "take"), ("given", "give"), ("gave", "give"), ("swollen", "swelling"), ("ate", "eat")],
)
def test_irregular_forms_share_the_term_of_their_base(form, base):
    analyzer = Analyzer.default()
    assert analyzer.terms(form) == analyzer.terms(base)


@pytest.mark.parametrize("word", ["left", "wound", "shot", "found", "won't"])
def test_forms_that_are_more_often_other_words_are_left_alone(word):
    analyzer = Analyzer.default()
    assert analyzer.terms(word)[0] == analyzer.stem(word.split("'")[0])  # the Snowball stem of the word itself


def test_the_irregular_forms_are_saved_with_the_index(loaded_index):
    saved = loaded_index.manifest["settings"]["analyzer"]["base_forms"]
    assert saved["took"] == "take" and Analyzer.from_settings({**loaded_index.manifest["settings"]["analyzer"]}).terms(
        "took"
    ) == ["take"]


def test_a_table_phrase_is_found_in_another_inflection(loaded_index):
    """The lay table lists "numbness"; "numb" has the same stem and reaches the clinical word too."""
    assert loaded_index.analyzer.stem("neuropathy") in _expanded_terms(loaded_index, "my feet are numb")
    terms = [t for t in loaded_index.expander.expand("my feet are numb") if t.source == "expansion"]
    assert {t.concept for t in terms} == {"numb"}  # named by the question's own word, so coverage links it


@pytest.mark.parametrize(
    "written, typed",
    [("pre-cancers", "precancerous"), ("pre-cancers", "precancers"), ("IL-6", "il6"), ("T-cells", "tcells")],
)
def test_a_hyphenated_word_is_found_written_solid(written, typed):
    analyzer = Analyzer.default()
    indexed = analyzer.terms(f"Treats {written} well.")
    assert set(analyzer.terms(written.replace("-", " "))) <= set(indexed)  # each part is still a term
    assert analyzer.stem(typed) in indexed


@pytest.mark.parametrize("text", ["1-800-227-2345", "2025-07-07", "cancer-immunotherapy-2018-review"])
def test_numbers_dates_and_slugs_are_not_joined(text):
    analyzer = Analyzer.default()
    assert analyzer.terms(text) == [analyzer.stem(w) for w in text.split("-") if analyzer.is_content(w)]


def test_an_index_saved_before_joining_keeps_its_tokenizer():
    settings = Analyzer.default().settings()
    del settings["join_hyphens"]
    assert "il6" not in Analyzer.from_settings(settings).terms("IL-6")


def test_a_hyphenated_question_word_also_asks_for_its_solid_term(loaded_index):
    terms = loaded_index.expander.expand("what are il-6 inhibitors")
    assert any(t.term == "il6" and t.concept == "il-6" for t in terms)


def test_the_drug_name_regex_reads_the_brand_table_and_drug_endings():
    drug = re.compile(rf"\b{drug_name_regex()}\b")
    for name in ("revlimid", "lenalidomide", "zyclara", "tice bcg", "deltasone", "secukinumab", "ruxolitinib"):
        assert drug.fullmatch(name), name
    for word in ("homework", "sandwich", "pills", "mode"):
        assert not drug.fullmatch(word), word
