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
        "before": _trim_left(passage[:start], context_chars),
        "match": passage[start:end],
        "after": _trim_right(passage[end:], context_chars),
    }


def _provenance(result: dict[str, Any]) -> tuple[bool, bool, str]:
    return (bool(result.get("publisher")), bool(result.get("reviewed")), result.get("reviewed") or "")


def _contains(words: Sequence[str], part: Sequence[str]) -> bool:
    if not part or len(part) > len(words):
        return False
    joined, needle = " " + " ".join(words) + " ", " " + " ".join(part) + " "
    return needle in joined


def same_text(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when one result's matching sentence(s) are, word for word, inside the other's passage."""
    if a["doc_id"] == b["doc_id"]:
        return False
    return _contains(_words(a["passage"]), _words(b["excerpt"]["match"])) or _contains(
        _words(b["passage"]), _words(a["excerpt"]["match"])
    )


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
