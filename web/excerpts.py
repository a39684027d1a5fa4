"""Compact lookup results: the sentence(s) that match with a little context, and copies of the same
text folded under the best-attributed source (named before unnamed, dated before undated, newest)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.passages import sentence_spans

# How much of the neighbouring sentences a result shows around its match, in characters.
CONTEXT_CHARS = 90
# Most sentences shown as "the match" of one result.
MAX_MATCH_SENTENCES = 2
# A shared match shorter than this (a list item like "• Chills") says nothing about two pages being copies.
MIN_SHARED_WORDS = 6
# Copies of a page are often reworded ("drowsiness, fatigue" -> "sleepiness, tiredness"): two matching
# sentences sharing this share of their words (Jaccard) say the same thing. Measured on the default
# corpus: reworded copies score 0.5-0.82; different statements from one topic stay below 0.46.
NEAR_DUPLICATE_JACCARD = 0.5
_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _trim_left(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    return "…" + cut[cut.find(" ") + 1 :] if " " in cut else "…" + cut


def _trim_right(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"


def excerpt(passage: str, words: Iterable[str], context_chars: int = CONTEXT_CHARS) -> dict[str, Any]:
    """The best-matching sentence(s) of a passage (most distinct query words) and trimmed context."""
    wanted = {w.lower() for w in words}
    spans = sentence_spans(passage) or [(0, len(passage))]
    scores = [len(wanted & set(_words(passage[s:e]))) for s, e in spans]
    best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    chosen = [best]
    # the next sentence joins the match when it adds query words the best one lacks
    after_best = best + 1
    if (
        after_best < len(spans)
        and len(chosen) < MAX_MATCH_SENTENCES
        and (wanted & set(_words(passage[slice(*spans[after_best])]))) - set(_words(passage[slice(*spans[best])]))
    ):
        chosen.append(after_best)
    start, end = spans[chosen[0]][0], spans[chosen[-1]][1]
    return {
        "before": _trim_left(" ".join(passage[:start].split()), context_chars),
        "match": passage[start:end],
        "after": _trim_right(" ".join(passage[end:].split()), context_chars),
    }


def _provenance(result: dict[str, Any]) -> tuple[bool, bool, str]:
    return (bool(result.get("publisher")), bool(result.get("reviewed")), result.get("reviewed") or "")


def _contains(words: Sequence[str], part: Sequence[str]) -> bool:
    if len(part) < MIN_SHARED_WORDS or len(part) > len(words):
        return False
    joined, needle = " " + " ".join(words) + " ", " " + " ".join(part) + " "
    return needle in joined


def same_text(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when two results from different documents say the same thing: one's matching sentence(s)
    are word for word inside the other's passage, or their matching sentences are reworded copies."""
    if a["doc_id"] == b["doc_id"]:
        return False
    match_a, match_b = _words(a["excerpt"]["match"]), _words(b["excerpt"]["match"])
    if _contains(_words(a["passage"]), match_b) or _contains(_words(b["passage"]), match_a):
        return True
    if min(len(match_a), len(match_b)) < MIN_SHARED_WORDS:
        return False
    set_a, set_b = set(match_a), set(match_b)
    return len(set_a & set_b) / len(set_a | set_b) >= NEAR_DUPLICATE_JACCARD


def fold_copies(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups in rank order: {"main": result, "copies": [...]}. Each group sits where its best-ranked
    member was; its main entry is the best-attributed member."""
    groups: list[list[dict[str, Any]]] = []
    for result in results:
        home = next((g for g in groups if any(same_text(result, member) for member in g)), None)
        if home is None:
            groups.append([result])
        else:
            home.append(result)
    folded = []
    for members in groups:
        main = max(members, key=_provenance)  # max keeps the first (best-ranked) among equals
        folded.append({"main": main, "copies": [m for m in members if m is not main]})
    return folded
