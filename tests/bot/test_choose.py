"""The select stage: which units are quoted, and from which page."""

from __future__ import annotations


def _selection_of(units_with_scores):
    """Run the select stage on hand-made units; the ranker reads the 'cos' feature only."""
    from bot.calibration import Mode, Model
    from bot.candidates import Candidate, Candidates
    from bot.choose import select

    ranker = Model(("cos",), (10.0,), 0.0, (0.0,), (1.0,))
    items = [Candidate(unit, {"cos": cos, "named_source": named}) for unit, cos, named in units_with_scores]
    return select(Candidates(None, [], items, 0.0), Mode(ranker, ranker, 0.1, 0.5))  # type: ignore[arg-type]


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
