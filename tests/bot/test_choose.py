"""The select stage: which units are quoted, and from which page."""

from __future__ import annotations


def _selection_of(units_with_scores, asked=()):
    """Run the select stage on hand-made units, for a question of the ``asked`` words; the ranker reads
    the 'cos' feature only."""
    from bot.calibration import Mode, Model
    from bot.candidates import Candidate, Candidates
    from bot.choose import select
    from bot.parse import ParsedQuestion, Word

    ranker = Model(("cos",), (10.0,), 0.0, (0.0,), (1.0,))
    items = [Candidate(unit, {"cos": cos, "named_source": named}) for unit, cos, named in units_with_scores]
    words = tuple(Word(w, frozenset({w}), 0.5, True, False, False) for w in asked)
    question = ParsedQuestion(" ".join(asked), None, words, False)  # type: ignore[arg-type]
    return select(Candidates(question, [], items, 0.0), Mode(ranker, ranker, 0.1, 0.5))


def _unit(pid, text):
    from bot.candidates import Unit

    return Unit(pid, ((0, len(text)),), text, frozenset(text.lower().rstrip(".").split()), False, None, (0,))


def test_a_named_pages_copy_replaces_a_repeat_only_when_it_says_all_of_it():
    short_named = _unit(1, "Some people have serious skin reactions to this drug.")
    same_unnamed = _unit(2, "Some people have serious skin reactions to the drug.")
    longer_unnamed = _unit(
        3, ("Some people have serious skin reactions to this drug. Its side effects include rashes.")
    )
    swapped = _selection_of([(same_unnamed, 0.9, 0.0), (short_named, 0.8, 1.0)])
    assert [u.pid for u in swapped.units] == [1]  # the same words: cited from the named page
    kept = _selection_of([(longer_unnamed, 0.9, 0.0), (short_named, 0.8, 1.0)])
    assert [u.pid for u in kept.units] == [3]  # the named sentence would lose "its side effects include"


def test_units_that_share_only_the_asked_words_are_not_repeats():
    """Every unit on the topic has the question's words: "what conditions are treated with
    immunomodulators" must not lose the sentence that names the conditions to one that says only that
    they are varied. Units that share more than that still repeat."""
    from bot.analysis import Analyzer
    from bot.candidates import Unit

    analyzer = Analyzer.default()

    def unit(pid, text):
        return Unit(pid, ((0, len(text)),), text, frozenset(analyzer.terms(text)), False, None, (0,))

    vague = unit(1, "Uses of immunomodulators are as varied as the conditions they treat.")
    named = unit(2, "Immunomodulators treat conditions such as cancer, asthma and arthritis.")
    asked = tuple(analyzer.terms("conditions treated immunomodulators"))
    assert [u.pid for u in _selection_of([(vague, 0.9, 0.0), (named, 0.85, 0.0)], asked).units] == [1, 2]
    assert [u.pid for u in _selection_of([(vague, 0.9, 0.0), (named, 0.85, 0.0)]).units] == [1]  # as it was
    again = unit(3, "Immunomodulators can treat conditions such as cancer, asthma and arthritis.")
    assert [u.pid for u in _selection_of([(named, 0.9, 0.0), (again, 0.85, 0.0)], asked).units] == [2]
    # two pages' telling of one fact repeat, though they share the asked word too
    clots = unit(4, "Serious blood clots are more common with thalidomide.")
    reworded = unit(5, "Blood clots are more likely with thalidomide than the other drugs.")
    on_thalidomide = tuple(analyzer.terms("thalidomide"))
    assert [u.pid for u in _selection_of([(clots, 0.9, 0.0), (reworded, 0.85, 0.0)], on_thalidomide).units] == [4]


def test_items_of_one_list_follow_their_lead_in_best_first():
    from bot.candidates import Unit

    text = "Types include:\n• T-cell inhibitor: blocks T-cells.\n• B-cell inhibitor: blocks B-cells."
    lead, t_item, b_item = ((start, start + len(line)) for line, start in _lines(text))

    def item(span):
        body = text[lead[0] : lead[1]] + "\n" + text[span[0] : span[1]]
        return Unit(7, (lead, span), body, frozenset(body.lower().split()), True, lead, (0,))

    chosen = _selection_of([(item(t_item), 0.7, 0.0), (item(b_item), 0.9, 0.0)]).units
    assert len(chosen) == 1 and chosen[0].spans == (lead, b_item, t_item)
    assert chosen[0].text.split("\n") == [
        "Types include:",
        "• B-cell inhibitor: blocks B-cells.",
        "• T-cell inhibitor: blocks T-cells.",
    ]


def test_a_list_too_long_to_come_whole_brings_its_lead_in_and_the_items_that_fit():
    """"can I get pregnant on Pomalyst": a long sentence ranked first, and the list whose best item
    answers did not fit whole after it, so the answer left the pregnancy item out."""
    from bot.candidates import Unit
    from bot.choose import MAX_ANSWER_WORDS

    filler = " ".join(["word"] * (MAX_ANSWER_WORDS - 30)) + "."
    items = ["• Take steps to not become pregnant.", *(f"• Item {k} {' '.join(['long'] * 8)}." for k in range(3))]
    text = "\n".join(["You will need to:", *items])
    lead, *spans = ((start, start + len(line)) for line, start in _lines(text))

    def item(span):
        body = text[lead[0] : lead[1]] + "\n" + text[span[0] : span[1]]
        return Unit(7, (lead, span), body, frozenset(body.lower().split()), True, lead, (0,))

    scored = [(_unit(1, filler), 0.95, 0.0), *((item(span), 0.9 - 0.01 * k, 0.0) for k, span in enumerate(spans))]
    assert sum(len(line.split()) for line in [filler, text]) > MAX_ANSWER_WORDS  # the whole list does not fit
    chosen = _selection_of(scored).units
    assert chosen[0].text == filler and len(chosen) == 2
    kept = chosen[1].text.split("\n")
    assert kept[:2] == ["You will need to:", items[0]]  # the lead-in and the best item
    assert sum(len(u.text.split()) for u in chosen) <= MAX_ANSWER_WORDS


def _lines(text):
    start = 0
    for line in text.split("\n"):
        yield line, start
        start += len(line) + 1


def test_a_hyphenated_word_does_not_hide_a_repeat():
    """The solid reading of "life-threatening" helps a question find it; counted as two more words, it
    made these two pages' telling of one fact look different, and the answer quoted both."""
    from bot.analysis import Analyzer
    from bot.candidates import Unit
    from bot.choose import _overlap

    analyzer = Analyzer.default()
    one = (
        "There is also an increased risk of serious blood clots (that start in the leg and can travel to the "
        "lungs). These tend to be more likely with thalidomide than with the other drugs. These drugs can also "
        "cause severe birth defects if taken during pregnancy."
    )
    other = (
        "There is also an elevated risk of life-threatening blood clots (that start in the leg and can travel to "
        "the lungs). These are more common with thalidomide than with the other medications."
    )

    def unit(pid, text, joined):
        return Unit(pid, ((0, len(text)),), text, frozenset(analyzer.terms(text)), False, None, (0,), joined)

    assert analyzer.joined_terms(other) and not analyzer.joined_terms(one)
    assert _overlap(unit(1, one, frozenset()), unit(2, other, analyzer.joined_terms(other)))
    assert not _overlap(unit(1, one, frozenset()), unit(2, other, frozenset()))  # as it was


def test_a_unit_about_another_drug_is_never_quoted():
    """However close it reads, a sentence whose passage never names the asked drug is left out; when
    every candidate is such a sentence, nothing is chosen and the question is refused."""
    from bot.calibration import Mode, Model
    from bot.candidates import Candidate, Candidates
    from bot.choose import decide, select
    from bot.parse import ParsedQuestion, Word

    ranker = Model(("cos",), (10.0,), 0.0, (0.0,), (1.0,))
    mode = Mode(ranker, ranker, 0.1, 0.5)
    humira = Word("humira", frozenset({"humira", "adalimumab"}), 0.7, True, False, False, True)
    question = ParsedQuestion("side effects of humira", None, (humira,), False)  # type: ignore[arg-type]
    elsewhere = _unit(1, "Its side effects include local inflammatory reactions.")
    about_it = _unit(2, "TNF inhibitors such as adalimumab (Humira) limit the effects of TNF.")

    def candidates(*pairs):
        items = [Candidate(u, {"cos": cos, "named_source": 0.0}, other_drug=other) for u, cos, other in pairs]
        return Candidates(question, [], items, 0.0)

    mixed = select(candidates((elsewhere, 0.9, True), (about_it, 0.3, False)), mode)
    assert [u.pid for u in mixed.units] == [2]
    only_elsewhere = candidates((elsewhere, 0.9, True))
    empty = select(only_elsewhere, mode)
    assert empty.units == ()
    decision = decide(only_elsewhere, empty, mode, None)  # type: ignore[arg-type]
    assert not decision.answer and "humira" in decision.why


class _Openers:
    """Facts that know one section opener per passage."""

    def __init__(self, openers):
        self.openers = openers

    def section_opener(self, pid):
        return self.openers.get(pid)


def _item(pid, start, text):
    from bot.candidates import Unit

    return Unit(pid, ((start, start + len(text)),), text, frozenset(text.lower().split()), True, None, (0,))


def test_a_list_item_comes_after_the_opening_of_its_section():
    from bot.choose import with_section_openers

    opener = _unit(4, "Janus kinase inhibitors are DMARDs.")
    item, other = _item(4, 60, "• Tofacitinib (Xeljanz)."), _unit(9, "Something else entirely.")
    naming = frozenset({(4, item.spans[-1])})
    assert with_section_openers((item, other), _Openers({4: opener}), naming) == (opener, item, other)
    # quoted further down already: it moves up, and is not quoted twice
    assert with_section_openers((item, other, opener), _Openers({4: opener}), naming) == (opener, item, other)
    # an item that says more than what is asked ("examples of JAK inhibitors") keeps its list first
    assert with_section_openers((item, other), _Openers({4: opener}), frozenset()) == (item, other)
    # a plain sentence, or an opener that comes after the item, brings nothing
    assert with_section_openers((other,), _Openers({9: opener}), naming) == (other,)
    late = _unit(4, "Written after the list.")
    late = type(late)(4, ((90, 110),), late.text, late.terms, False, None, (0,))
    assert with_section_openers((item,), _Openers({4: late}), naming) == (item,)


def test_an_opener_and_its_item_keep_the_answer_in_bounds():
    from bot.choose import MAX_ANSWER_WORDS, MAX_UNITS, with_section_openers

    opener = _unit(4, "Janus kinase inhibitors are DMARDs.")
    item = _item(4, 60, "• Tofacitinib (Xeljanz).")
    others = tuple(_unit(10 + k, f"Sentence number {k} here.") for k in range(MAX_UNITS))
    naming = frozenset({(4, item.spans[-1])})
    kept = with_section_openers((item, *others), _Openers({4: opener}), naming)
    assert kept[:2] == (opener, item) and len(kept) == MAX_UNITS  # the last units give way
    long_opener = _unit(4, " ".join(["word"] * MAX_ANSWER_WORDS) + ".")
    long_opener = type(long_opener)(4, ((0, 50),), long_opener.text, long_opener.terms, False, None, (0,))
    assert with_section_openers((item,), _Openers({4: long_opener}), naming) == (item,)  # too long to come along


def test_a_definition_answered_by_a_list_item_first_says_what_the_list_is_of(bot):
    """Every drug of an 'Examples include:' list, asked 'what is X': when the item is quoted, the opening
    of its section comes before it."""
    import re

    asked = 0
    for pid in range(bot.index.n_passages):
        opener = bot.facts.section_opener(pid)
        text = bot.index.passage(pid).text
        if opener is None or "Examples include:" not in text:
            continue
        for name in re.findall(r"^\s*• (\w+)", text.split("Examples include:", 1)[1], re.MULTILINE):
            # asking its class asks what it is
            for question in (f"what is {name.lower()}", f"what class is {name.lower()} in"):
                reply = bot.ask(question)
                quoted = [s.text for s in reply.segments]
                item = next((k for k, t in enumerate(quoted) if name in t and "•" in t), None)
                if item is None:
                    continue
                asked += 1
                assert item > 0 and quoted[item - 1] == opener.text, (question, quoted)
    assert asked >= 8


def test_an_item_that_only_names_the_drug_answers_what_it_is_and_nothing_else():
    from bot.candidates import Candidate
    from bot.choose import _says_only_the_name
    from bot.parse import ParsedQuestion

    item = _item(4, 60, "• Tofacitinib (Xeljanz).")

    def asked(definition):
        return ParsedQuestion("q", None, (), definition)  # type: ignore[arg-type]

    def candidate(names_only, aspect_missing, frame_unit):
        return Candidate(item, {"aspect_missing": aspect_missing, "frame_unit": frame_unit}, names_only=names_only)

    assert _says_only_the_name(candidate(1.0, 1.0, 0.0), asked(False))  # "side effects of xeljanz"
    assert not _says_only_the_name(candidate(1.0, 1.0, 0.0), asked(True))  # "what is xeljanz"
    assert _says_only_the_name(candidate(1.0, 0.0, 0.5), asked(False))  # "how is xeljanz given"
    assert _says_only_the_name(candidate(0.5, 1.0, 0.0), asked(False))  # "side effects of prednisolone"
    # "Common side effects include: • Fatigue" for "is fatigue a side effect": the lead-in has the aspect
    assert not _says_only_the_name(candidate(0.5, 0.0, 1.0), asked(False))
    # "can it cause diarrhea": "• Diarrhea" under its side-effects lead-in, "cause" not written there
    assert not _says_only_the_name(candidate(0.5, 0.0, 0.5), asked(False))
    assert not _says_only_the_name(candidate(0.0, 1.0, 0.0), asked(False))  # the item says more than names


def test_side_effects_of_a_drug_the_pages_only_list_are_not_answered_with_its_name(bot):
    """Every drug of an 'Examples include:' list: asked its side effects, the reply never quotes the bare
    item that names it as though it answered."""
    import re

    asked = 0
    for pid in range(bot.index.n_passages):
        text = bot.index.passage(pid).text
        if "Examples include:" not in text:
            continue
        for line in re.findall(r"^\s*• (.+)$", text.split("Examples include:", 1)[1], re.MULTILINE):
            name = line.split()[0]
            reply = bot.ask(f"what are the side effects of {name.lower()}")
            asked += 1
            assert all(s.text.split("\n")[-1].strip() != f"• {line.strip()}" for s in reply.segments), (
                name,
                reply.answer,
            )
    assert asked >= 6


def test_a_question_of_an_answer_type_needs_a_chosen_sentence_that_says_one(bot):
    import dataclasses

    from bot.choose import decide, select, type_answered
    from bot.conversation import Context

    mode = dataclasses.replace(bot.params.mode(bot.dense), type_gate=True)
    near_miss = bot.understand("how long does the flu-like feeling after a BCG treatment last", Context()).candidates
    chosen = select(near_miss, mode)
    assert chosen.units  # on topic: BCG's flu-like symptoms are found ...
    assert not type_answered(near_miss, chosen)  # ... and none says for how long
    decision = decide(near_miss, chosen, mode, bot.facts)
    assert not decision.answer and "how long" in decision.why
    answered = bot.understand("how often is imiquimod cream put on the skin", Context()).candidates
    assert type_answered(answered, select(answered, mode))  # "once a day to twice a week"


def test_the_missing_word_probe_reads_only_the_words_no_chosen_passage_names(bot):
    """``missing_readings`` gives the question words that none of the chosen units' passages (with their
    headings) name, each with its reading; ``missing_topic`` is the probe's highest reading of them."""
    import numpy as np

    from bot.calibration import Probe
    from bot.choose import missing_readings, missing_topic, select
    from bot.conversation import Context

    candidates = bot.understand("can i get the flu shot while on humira", Context()).candidates
    mode = bot.params.mode(bot.dense)
    selection = select(candidates, mode)
    assert selection.units
    around = frozenset().union(*(bot.facts.context(u.pid) for u in selection.units))
    missing = dict(missing_readings(candidates, selection, bot.facts))
    assert missing, "something asked is not in the chosen passages"
    for word in candidates.question.subjects:
        assert (word.text in missing) == (not word.terms & around), word.text
    for reading in missing.values():
        assert reading.shape == candidates.subject_readings.shape[1:]
    assert missing_topic(candidates, selection, bot.facts, None) == 0.0
    # a probe that reads a word as asked exactly when its reading points one way
    first = next(iter(missing.values()))
    probe = Probe(first.astype(np.float32) * 50, -40.0)
    assert missing_topic(candidates, selection, bot.facts, probe) > 0.99
    assert missing_topic(candidates, type(selection)((), ()), bot.facts, probe) == 0.0  # nothing chosen
