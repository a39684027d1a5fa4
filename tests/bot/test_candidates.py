"""Units: what the answer path may quote. A sentence that leans on the ones before it is quoted with them."""

from __future__ import annotations

from bot.candidates import MAX_RUN, PassageFacts, _defines, clause_openings, led_by_another_drug
from bot.passages import ANAPHORA


def _units(index):
    facts = PassageFacts(index)
    return [unit for pid in range(index.n_passages) for unit in facts.units(pid)]


def test_a_sentence_that_leans_on_others_is_quoted_with_the_one_that_names_its_subject(loaded_index):
    for unit in _units(loaded_index):
        if unit.item:
            continue
        text = loaded_index.passage(unit.pid).text
        first = unit.spans[0]
        if ANAPHORA.match(text[first[0] : first[1]]):
            # only where nothing before it in the passage could be quoted: its first sentence, or a run
            # already at its longest
            assert first[0] == 0 or not text[: first[0]].strip() or len(unit.spans) == MAX_RUN, unit.text


def test_a_run_crosses_a_paragraph_break(loaded_index):
    runs = [u for u in _units(loaded_index) if not u.item and len(u.spans) > 1]
    texts = [loaded_index.passage(u.pid).text for u in runs]
    assert any("\n" in text[u.spans[0][1] : u.spans[-1][0]] for u, text in zip(runs, texts))


def test_a_glossary_item_defines_the_words_before_its_bracket(bot):
    """'• Malaise (a feeling of weakness ...)' says what malaise is; '• Tofacitinib (Xeljanz®)' only gives
    another name, and 'Common side effects include:' defines nothing about fatigue."""
    analyzer = bot.index.analyzer
    malaise = bot.parse("what is malaise").subjects
    xeljanz = bot.parse("what is tofacitinib").subjects
    glossary = "Common side effects include:\n• Malaise (a feeling of weakness, overall discomfort, and illness)"
    assert _defines(analyzer, glossary, malaise)
    assert not _defines(analyzer, "Examples include:\n• Tofacitinib (Xeljanz®)", xeljanz)
    assert not _defines(analyzer, "Common side effects include:\n• Fatigue", bot.parse("what is fatigue").subjects)


def test_a_glossary_item_quoted_without_its_lead_in_still_defines(bot):
    """An item whose list has no lead-in line opens the unit with its bullet: "what does NOMID mean"
    found the item for the acronym's name, but it did not count as defining, so the definition
    question kept a sentence on another topic beside it."""
    analyzer = bot.index.analyzer
    nomid = bot.parse("what does NOMID mean").subjects
    item = "• Neonatal-onset multisystem inflammatory disease (a disorder that causes inflammation and damages joints)"
    assert _defines(analyzer, item, nomid)
    assert _defines(analyzer, "Rare conditions:\n" + item, nomid)


def test_a_bracket_mid_sentence_defines_the_word_before_it(bot):
    """'... constipation, and neuropathy (painful nerve damage).' says what neuropathy is; the bracket of
    a brand ('lenalidomide (Revlimid)') and a word elsewhere in the sentence do not define."""
    analyzer = bot.index.analyzer
    sentence = "These drugs can cause fatigue, constipation, and neuropathy (painful nerve damage)."
    assert _defines(analyzer, sentence, bot.parse("what does neuropathy mean").subjects)
    assert not _defines(analyzer, sentence, bot.parse("what is constipation").subjects)
    assert not _defines(analyzer, "They include lenalidomide (Revlimid).", bot.parse("what is lenalidomide").subjects)


def test_late_interaction_tells_apart_sentences_that_one_vector_reads_alike(bot):
    """Three sentences of one passage say "turn up"/"turn down" proteins; the question's words are
    matched one by one only by the sentence about turning them down."""
    from bot.conversation import Context

    understood = bot.understand("what follows from proteins being turned down", Context())
    found = understood.candidates
    assert found is not None
    scores = {c.unit.text[:40]: c.features for c in found.items}
    down = next(v for k, v in scores.items() if k.startswith("When proteins are turned down"))
    up = next(v for k, v in scores.items() if k.startswith("When proteins are turned up"))
    assert down["late"] > up["late"]
    assert down["late_gap"] == 0.0  # the best of all units
    assert max(f["late_gap"] for f in scores.values()) == 0.0


def test_a_passage_naming_one_of_two_asked_drugs_is_not_about_another_drug():
    """ "is dexamethasone a steroid? he takes it with his Pomalyst": the steroid passage names
    dexamethasone, not Pomalyst, and was set aside as about another drug, because each asked drug
    was checked alone. A passage that names none of them, and names some drug, still is."""
    from bot.candidates import _about_other_drug
    from bot.parse import Word

    dex = Word("dexamethasone", frozenset({"dexamethason"}), 1.0, True, False, False)
    poma = Word("pomalyst", frozenset({"pomalyst"}), 1.0, True, False, False)
    drugs = frozenset({"dexamethason", "pomalyst", "prednison", "humira"})
    steroid_page = frozenset({"corticosteroid", "dexamethason", "prednison"})
    assert not _about_other_drug((dex, poma), frozenset({"exampl", "dexamethason"}), steroid_page, drugs)
    assert _about_other_drug((dex, poma), frozenset({"exampl", "prednison"}), steroid_page, drugs)
    assert _about_other_drug((poma,), frozenset({"exampl", "dexamethason"}), steroid_page, drugs)
    # a passage that names no drug, on a page that names an asked one, speaks of the class
    assert not _about_other_drug((dex, poma), frozenset({"given", "aspirin"}), steroid_page, drugs)
    assert _about_other_drug((poma,), frozenset({"given"}), frozenset({"humira"}), drugs)


def test_a_sentence_that_opens_on_another_drug_is_about_that_drug(bot):
    analyzer, drugs = bot.index.analyzer, bot.index.expander.drug_terms

    def led(text: str, asked: str) -> bool:
        return led_by_another_drug(clause_openings(text, analyzer), frozenset(analyzer.terms(asked)), drugs)

    pomalyst = "Pomalyst is a prescription medicine, taken along with the medicine dexamethasone, used to treat adults."
    assert led(pomalyst, "dexamethasone")  # named only as what it is taken with
    assert not led(pomalyst, "pomalyst")
    both = "Thalomid treats multiple myeloma; while Revlimid treats myelodysplastic syndromes."
    assert led(both, "pomalyst") and not led(both, "revlimid")  # a clause of its own opens on Revlimid
    assert not led("Thalidomide (Thalomid), lenalidomide (Revlimid), and pomalidomide are iMiDs.", "lenalidomide")
    assert not led("These drugs can cause blood clots.", "lenalidomide")  # opens on no drug
    assert not led(pomalyst, "")  # nothing asked of a drug


def test_another_drugs_side_effects_are_never_quoted_for_a_drug_it_is_taken_with(bot):
    reply = bot.ask("what are the side effects of dexamethasone?")
    assert not any(s.text.startswith("Pomalyst is") for s in reply.segments)


def test_a_subject_word_is_read_alone_and_in_its_question(bot):
    """The unknown-word probe reads each subject word twice: its vector, the same in any question, and
    its state in this question, which tells "book" asked about from "book" as a thing the asker has."""
    import numpy as np

    from bot.conversation import Context

    def reading(question: str) -> tuple[np.ndarray, np.ndarray]:
        candidates = bot.understand(question, Context()).candidates
        (row,) = [i for i, w in enumerate(candidates.question.subjects) if w.text == "book"]
        return candidates.subject_readings[row], candidates.subject_vectors[row]

    asked, alone = reading("how do I book an appointment")
    owned, alone_again = reading("my book says revlimid causes clots")
    half = len(alone)
    assert asked.shape == (2 * half,)
    assert np.isclose(np.linalg.norm(asked), 1.0, atol=1e-3) and np.isclose(np.linalg.norm(owned), 1.0, atol=1e-3)
    assert np.allclose(asked[:half], alone / np.sqrt(2), atol=1e-5)
    assert np.allclose(asked[:half], owned[:half], atol=1e-5)  # the word alone is the word alone
    in_context = float(asked[half:] @ owned[half:]) * 2  # cosine of the two states
    assert in_context < 0.95


def test_a_word_whose_first_piece_is_a_stopword_is_still_matched_word_by_word(bot):
    """Late interaction keeps the piece that opens each content word. "aspirin" is read in pieces "as",
    "##pi", "##rin": the word, not its first piece, says whether it is content, or "why aspirin with
    it" would be matched on nothing but the drug's name."""
    from bot.candidates import question_tokens

    first_piece = bot.encoder.tokenizer.encode("aspirin", add_special_tokens=False).tokens[0]
    assert not bot.index.analyzer.is_content(first_piece)  # the case this guards: "as" is a stopword
    parsed = bot.parse("why is aspirin given with revlimid")
    tokens = question_tokens(parsed, bot.index, bot.encoder)
    assert "aspirin" in tokens.words and "revlimid" in tokens.words
    assert not {"why", "is", "with"} & set(tokens.words)


def test_a_unit_that_does_not_say_the_asked_type_is_marked(bot):
    """Asked for the helpline's number, the line that gives it is the one unit of the passage that says
    the type; the sentences that describe the helpline do not."""
    from bot.conversation import Context

    found = bot.understand("what is the cancer helpline phone number", Context()).candidates
    assert found is not None
    flags = {c.unit.text: c.features["type_missing"] for c in found.items}
    numbered = [text for text, flag in flags.items() if flag == 0.0]
    assert numbered and all(any(ch.isdigit() for ch in text) for text in numbered)
    assert any(flag == 1.0 and "helpline" in text for text, flag in flags.items())
    untyped = bot.understand("what is the cancer helpline", Context()).candidates
    assert untyped is not None and all(c.features["type_missing"] == 0.0 for c in untyped.items)
