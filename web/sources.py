"""A clean reading view of a whole source document, with the cited passage highlighted."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from .engine import get_bot

bp = Blueprint("sources", __name__)


@bp.get("/sources/<doc_id>")
def document(doc_id: str):
    doc = get_bot().index.document(doc_id)
    if doc is None:
        abort(404, description="No such source.")
    text = doc["text"]
    start = request.args.get("start", type=int)
    end = request.args.get("end", type=int)
    if start is None or end is None or not (0 <= start < end <= len(text)):
        start = end = None
    paragraphs = []
    pos = 0
    for block in text.split("\n\n"):
        b_start, b_end = pos, pos + len(block)
        pos = b_end + 2
        cited = start is not None and b_start < end and start < b_end
        pieces = [(block, False)]
        if cited:
            s, e = max(start, b_start) - b_start, min(end, b_end) - b_start
            pieces = [(block[:s], False), (block[s:e], True), (block[e:], False)]
        paragraphs.append({"pieces": [p for p in pieces if p[0]], "cited": cited,
                           "list": block.lstrip().startswith("•") or "\n•" in block})
    first_cited = next((i for i, p in enumerate(paragraphs) if p["cited"]), None)
    return render_template("source.html", doc=doc, paragraphs=paragraphs, first_cited=first_cited)
