"""The chat page. With JavaScript it talks to /api/chat; without, the form posts here and the page carries
the conversation in a sealed hidden field (web/history.py): index words of the earlier questions, their
replies, and the context for follow-ups. Nothing is kept on the server."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from bot.errors import InputError, MessageTooLong
from bot.reply import Answer

from .engine import answer_or_urgent, get_bot
from .errors import rate_limit_message
from .history import Turn, open_history, seal, shown, slim
from .limits import within_budget

bp = Blueprint("chat", __name__)


def render_chat(
    turns: list[Turn] | None = None,
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
        starters=current_app.config["STARTER_QUESTIONS"],
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
    token = request.form.get("history", "")
    if request.form.get("new"):
        return render_chat()
    earlier, context = open_history(token)
    bot = get_bot()
    message = request.form.get("message", "")
    urgent: Answer | None = None
    too_long = False
    try:
        urgent = bot.urgent_only(message)  # before the length check and the rate limit: an emergency is
        message = bot.clean_message(message)  # never turned away
    except MessageTooLong as exc:
        if urgent is None:
            return render_chat(shown(earlier), history=token, error=exc.message, status=400)
        too_long = True  # only its emergency is answered, and the message is kept as far as the limit
        message = message.strip()[: current_app.config["MAX_MESSAGE_CHARS"]]
    except InputError as exc:
        return render_chat(shown(earlier), history=token, error=exc.message, status=400)
    if too_long or not within_budget():
        if urgent is None:
            return render_chat(shown(earlier), history=token, error=rate_limit_message(), status=429)
        reply = urgent
    else:
        reply = answer_or_urgent(message, context, urgent)
    turns = [*earlier, slim(message, reply)]
    return render_chat([*shown(earlier), (message, reply)], history=seal(turns, reply.context or context or ""))
