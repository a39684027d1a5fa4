"""The labelled files the engine is fitted and scored on: every expected fact can be found."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluate import _normal, read_jsonl
from tests.conftest import CORPUS, DATA

LABELLED = sorted(p for p in DATA.rglob("*.jsonl") if not p.name.startswith("urgency"))


def _turns(case: dict) -> list[dict]:
    return case.get("turns") or [case]


@pytest.mark.parametrize("path", LABELLED, ids=lambda p: p.name)
def test_every_expected_fact_is_in_the_pages(path: Path) -> None:
    """A case whose phrases occur nowhere in the pages can never be scored right, and it would teach
    the calibration that a right answer is wrong (a phrase that spans two list items, for example)."""
    pages = _normal(" ".join(p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")))
    unfindable = [
        turn["question"]
        for case in read_jsonl(path)
        if case["kind"] in ("answer", "dialogue")
        for turn in _turns(case)
        if turn.get("expect_any") and not any(_normal(p) in pages for p in turn["expect_any"])
    ]
    assert unfindable == []
