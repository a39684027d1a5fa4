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
            urgent = bot.safety.assess(bot.clean_message(query))
            urgent_reply = bot.ask(query) if urgent.urgent_kind else None
            known = {d["id"] for d in documents}
            results = bot.search(query, current_app.config["LOOKUP_K"], {source} if source in known else None)
            urgent = urgent_reply
        except InputError as exc:
            error = exc.message
    return render_template(
        "lookup.html", query=query, source=source, documents=documents, results=results, urgent=urgent, error=error
    ), (400 if error else 200)
