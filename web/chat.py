"""The chat page. With JavaScript it talks to /api/chat; without, the form posts here. The hidden
``history`` field carries the conversation context of the last reply: the same sealed token as the API's
``context`` (encrypted, expiring, index terms only), so follow-ups work and nothing a person typed
travels in the page or is kept on the server. The page shows the latest question and its answer."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from bot.errors import InputError
from bot.reply import Answer

from .engine import answer_or_urgent, get_bot
from .errors import rate_limit_message
from .limits import within_budget

bp = Blueprint("chat", __name__)
STARTERS = (
    "What are immunomodulators?",
    "What are the side effects of lenalidomide?",
    "How is BCG given?",
    "How is imiquimod applied?",
)


def render_chat(
    turns: list[tuple[str, Answer]] | None = None,
    history: str = "",
    error: str | None = None,
    embedded: bool = False,
    status: int = 200,
    theme: str | None = None,
    title: str | None = None,
):
    return render_template(
        "chat.html",
        turns=turns or [],
        history=history,
        error=error,
        starters=STARTERS,
        embedded=embedded,
        theme=theme,
        title=title,
        max_chars=current_app.config["MAX_MESSAGE_CHARS"],
        allowed_origins=" ".join(current_app.config["ALLOWED_EMBED_ORIGINS"]),
        helpline=current_app.config["HELPLINE_PHONE"],
    ), status


@bp.get("/")
def page():
    return render_chat()


@bp.post("/")
def post():
    history = request.form.get("history", "")
    if request.form.get("new"):
        return render_chat()
    bot = get_bot()
    message = request.form.get("message", "")
    try:
        message = bot.clean_message(message)
    except InputError as exc:
        return render_chat(history=history, error=exc.message, status=400)
    urgent = bot.urgent_only(message)  # before the rate limit: an emergency is never turned away
    if not within_budget():
        if urgent is not None:
            return render_chat([(message, urgent)], history=history)
        return render_chat(history=history, error=rate_limit_message(), status=429)
    reply = answer_or_urgent(message, history or None, urgent)
    return render_chat([(message, reply)], history=reply.context)
