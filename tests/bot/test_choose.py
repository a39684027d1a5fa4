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
