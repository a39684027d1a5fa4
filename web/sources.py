"""A clean reading view of a whole source document, with the cited passage highlighted."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from .engine import get_bot

bp = Blueprint("sources", __name__)


@bp.get("/sources/<doc_id>")
def document(doc_id: str):
    index = get_bot().index
    doc = index.document(doc_id)
    if doc is None:
        abort(404, description="No such source.")
    headings = index.headings(doc_id)
    text = doc["text"]
    start_arg = request.args.get("start", type=int)
    end_arg = request.args.get("end", type=int)
    span = (
        (start_arg, end_arg)
        if start_arg is not None and end_arg is not None and 0 <= start_arg < end_arg <= len(text)
        else None
    )
    paragraphs = []
    pos = 0
    for block in text.split("\n\n"):
        b_start, b_end = pos, pos + len(block)
        pos = b_end + 2
        cited = span is not None and b_start < span[1] and span[0] < b_end
        pieces = [(block, False)]
        if span is not None and cited:
            s, e = max(span[0], b_start) - b_start, min(span[1], b_end) - b_start
            pieces = [(block[:s], False), (block[s:e], True), (block[e:], False)]
        paragraphs.append(
            {
                "pieces": [p for p in pieces if p[0]],
                "cited": cited,
                "list": block.lstrip().startswith("•") or "\n•" in block,
                "heading": block.strip() in headings,
            }
        )
    first_cited = next((i for i, p in enumerate(paragraphs) if p["cited"]), None)
    return render_template("source.html", doc=doc, paragraphs=paragraphs, first_cited=first_cited)
