"""Staff lookup: the top passages for a query with source, section and date, filterable by source."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from bot.errors import InputError

from .engine import get_bot
from .limits import limited

bp = Blueprint("lookup", __name__)


@bp.get("/lookup")
@limited
def page():
    bot = get_bot()
    query = request.args.get("q", "")
    source = request.args.get("source") or None
    documents = bot.index.documents
    results, urgent, error = [], None, None
    if query.strip():
        try:
            question = bot.clean_message(query)
            if bot.safety.assess(question).urgent_kind:
                urgent = bot.ask(question)  # the emergency instructions, shown above the passages
            wanted = {source} if source in bot.index.documents_by_id else None
            results = bot.search(question, current_app.config["LOOKUP_K"], wanted)
        except InputError as exc:
            error = exc.message
    return render_template(
        "lookup.html", query=query, source=source, documents=documents, results=results, urgent=urgent, error=error
    ), (400 if error else 200)
