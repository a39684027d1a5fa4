"""The chat page. With JavaScript it talks to /api/chat; without, the form posts here and the server
renders the conversation from a signed list of the earlier questions carried in the form itself
(nothing is kept on the server)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from itsdangerous import BadData, URLSafeSerializer

from bot.errors import InputError

from .engine import get_bot
from .limits import limited

bp = Blueprint("chat", __name__)
MAX_TURNS = 6
STARTERS = (
    "What are immunomodulators?",
    "What are the side effects of lenalidomide?",
    "How is BCG given?",
    "How is imiquimod applied?",
)


def _history_codec() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="chat.history.v1")


def load_history(token: str | None) -> list[str]:
    if not token or len(token) > 20000:
        return []
    try:
        data = _history_codec().loads(token)
    except BadData:
        return []
    if not isinstance(data, list) or not all(isinstance(q, str) for q in data):
        return []
    return data[-MAX_TURNS:]


def render_chat(
    questions: list[str], error: str | None = None, embedded: bool = False, status: int = 200, theme: str | None = None
):
    bot = get_bot()
    turns = []
    context = None
    for question in questions:
        reply = bot.ask(question, context)
        context = reply.context
        turns.append((question, reply))
    token = _history_codec().dumps(questions) if questions else ""
    return render_template(
        "chat.html",
        turns=turns,
        history=token,
        error=error,
        starters=STARTERS,
        embedded=embedded,
        theme=theme,
        max_chars=current_app.config["MAX_MESSAGE_CHARS"],
        allowed_origins=" ".join(current_app.config["ALLOWED_EMBED_ORIGINS"]),
        helpline=current_app.config["HELPLINE_PHONE"],
    ), status


@bp.get("/")
def page():
    return render_chat([])


@bp.post("/")
@limited
def post():
    questions = load_history(request.form.get("history"))
    message = request.form.get("message", "")
    if request.form.get("new"):
        return render_chat([])
    try:
        get_bot().clean_message(message)
    except InputError as exc:
        return render_chat(questions, error=exc.message, status=400)
    return render_chat(questions + [message])
