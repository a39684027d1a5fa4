"""Template helpers. Everything is escaped; only our own <mark> and <span> tags are added."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from bot.ingest import is_web_url
from bot.reply import DISCLAIMER

NO_PUBLISHER = "publisher not named"
NO_DATE = "date unknown"
# A phone number written with hyphens ("1-800-227-2345"): kept on one line, never broken at a hyphen.
PHONE = re.compile(r"\+?\d+(?:-\d+){2,}")


def publisher_label(publisher: str | None) -> str:
    return publisher or NO_PUBLISHER


def date_label(reviewed: str | None) -> str:
    return f"reviewed {reviewed}" if reviewed else NO_DATE


def source_meta(publisher: str | None, reviewed: str | None) -> Markup:
    """ "Publisher · reviewed date" for a source card; a missing publisher or date stands out as such."""
    parts = [
        escape(publisher) if publisher else Markup('<span class="unknown">%s</span>') % NO_PUBLISHER,
        Markup('<span class="date">%s</span>') % date_label(reviewed)
        if reviewed
        else Markup('<span class="unknown">%s</span>') % NO_DATE,
    ]
    return Markup(" · ").join(parts)


def keep_phones_whole(text: str) -> Markup:
    """Escaped text with each phone number wrapped so a line never breaks inside it."""
    out, pos = [], 0
    for match in PHONE.finditer(text):
        out += [escape(text[pos : match.start()]), Markup('<span class="phone">%s</span>') % match.group()]
        pos = match.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def quoted_spans(passage: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Where each quoted line sits in the passage, merged and in order. Answer lines are verbatim."""
    spans = []
    for quote in quotes:
        for line in quote.split("\n"):
            line = line.strip()
            at = passage.find(line) if line else -1
            if at >= 0:
                spans.append((at, at + len(line)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def marked(text: str, spans: Sequence[tuple[int, int]], cls: str = "quoted") -> Markup:
    """The text with the given spans in <mark>."""
    out, pos = [], 0
    for start, end in spans:
        out += [escape(text[pos:start]), Markup(f'<mark class="{cls}">%s</mark>') % text[start:end]]
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def citation_view(citation: Any, segments: Iterable[Any]) -> dict[str, Any]:
    """What a collapsed source card shows: the quoted sentence(s), marked, and the whole passage."""
    spans = quoted_spans(citation.passage, [s.text for s in segments if s.n == citation.n])
    return {
        "quotes": [citation.passage[s:e] for s, e in spans],
        "passage": marked(citation.passage, spans),
    }


def segment_blocks(text: str) -> list[tuple[str, list[str]]]:
    """A quote's lines as blocks: ("p", [line]) for a sentence or paragraph, ("ul", [items]) for the list
    items that follow it (their bullets dropped)."""
    blocks: list[tuple[str, list[str]]] = []
    for number, line in enumerate(text.split("\n")):
        if number and line.lstrip().startswith("•"):
            if not blocks or blocks[-1][0] != "ul":
                blocks.append(("ul", []))
            blocks[-1][1].append(line.lstrip(" •"))
        else:
            blocks.append(("p", [line]))
    return blocks


def web_link(url: object) -> bool:
    """Only http(s) addresses become links: a corpus page from an older index may still hold another scheme."""
    return isinstance(url, str) and is_web_url(url)


def init_app(app: Flask) -> None:
    app.add_template_filter(web_link, "web_link")
    app.add_template_filter(keep_phones_whole, "phones")
    app.add_template_filter(publisher_label, "publisher")
    app.add_template_filter(date_label, "reviewed")
    app.add_template_global(citation_view)
    app.add_template_global(segment_blocks)
    app.add_template_global(source_meta)

    @app.context_processor
    def standing_text() -> dict[str, str]:
        return {"disclaimer": DISCLAIMER, "emergency_number": app.config["EMERGENCY_NUMBER"]}
