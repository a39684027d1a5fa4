"""Staff lookup: compact passages for a query (the matching sentences with a little context, the
whole passage on demand), copies of one text folded under its named source, filterable by source.
The query is posted (kept out of URLs and history); GET ?q= still works for links. Never cached."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from bot.errors import InputError

from .engine import get_bot
from .errors import rate_limit_message
from .excerpts import excerpt, fold_copies
from .limits import within_budget
from .render import date_label, publisher_label

bp = Blueprint("lookup", __name__)
# Passages fetched per shown result, so that folding copies away still leaves LOOKUP_K results.
FETCH_FACTOR = 2


def copy_text(result: dict[str, Any]) -> str:
    """What "Copy with citation" puts on the clipboard: the quote, then who said it, where and when."""
    url = result["url"] or url_for(
        "sources.document", doc_id=result["doc_id"], start=result["start"], end=result["end"], _external=True
    )
    parts = [publisher_label(result["publisher"]), f'"{result["title"]}"']
    if result["section"]:
        parts.append(result["section"])
    parts += [date_label(result["reviewed"]), url]
    return f'"{result["excerpt"]["match"].strip()}"\n\nSource: ' + ", ".join(parts)


@bp.route("/lookup", methods=["GET", "POST"])
def page() -> Response:
    bot = get_bot()
    values = request.form if request.method == "POST" else request.args
    query = values.get("q", "")
    source = values.get("source") or None
    documents = bot.index.documents
    groups: list[dict[str, Any]] = []
    urgent, error, status = None, None, 200
    if query.strip():
        try:
            question = bot.clean_message(query)
            urgent = bot.urgent_only(question)  # the emergency instructions, shown above the passages
            if within_budget():  # after the safety check: the emergency instructions show either way
                wanted = {source} if source in bot.index.documents_by_id else None
                k = current_app.config["LOOKUP_K"]
                results = bot.search(question, k * FETCH_FACTOR, wanted)
                for result in results:
                    result["excerpt"] = excerpt(result["passage"], result["highlights"])
                    result["copy_text"] = copy_text(result)
                groups = fold_copies(results)[:k]
            else:
                error, status = rate_limit_message(), 429
        except InputError as exc:
            error, status = exc.message, 400
    html = render_template(
        "lookup.html", query=query, source=source, documents=documents, groups=groups, urgent=urgent, error=error
    )
    response = current_app.make_response((html, status))
    response.headers["Cache-Control"] = "no-store"
    return response
