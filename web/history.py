"""The no-JavaScript page's conversation, carried in the page itself (nothing is kept on the server).

The hidden ``history`` field is sealed like the API context (encrypted, authenticated, expiring after
TOKEN_MAX_AGE) and holds nothing a person typed except index terms: for each earlier turn, the index
words of the question (shown in place of the question) and the reply as the sources wrote it (its
sentences, the passages it cites by position, the fixed notices and buttons); and the context of the
last reply, for follow-ups. Earlier replies are shown as they were, without asking again.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from bot.privacy import index_vocabulary, index_words
from bot.reply import Answer, Citation, Segment
from bot.sealing import Sealer

from .engine import get_bot

HISTORY_PURPOSE = "web.history.v2"
MAX_TURNS = 6
MAX_HISTORY_CHARS = 60000
Turn = tuple[str, Answer]


def _sealer() -> Sealer:
    return Sealer(current_app.config["SECRET_KEY"], HISTORY_PURPOSE, current_app.config["TOKEN_MAX_AGE"])


def question_label(words: list[str]) -> str:
    return f"(about: {', '.join(words)})" if words else "(an earlier question)"


def slim(question: str, reply: Answer) -> dict[str, Any]:
    bot = get_bot()
    known = index_vocabulary(bot.index)
    topic = reply.follow_up_topic
    if topic and not all(known(w) for w in index_words(topic, lambda _: True)):
        topic = None
    return {
        "q": index_words(question, known),
        "type": reply.type,
        "answer": reply.answer,
        "segments": [[s.text, s.n] for s in reply.segments],
        "citations": [[c.n, c.doc_id, c.section, c.start, c.end] for c in reply.citations],
        "notice": reply.notice,
        "actions": reply.actions,
        "topic": topic,
        "emergency": reply.emergency,
    }


def restore(data: dict[str, Any]) -> Turn:
    index = get_bot().index
    citations = []
    for n, doc_id, section, start, end in data["citations"]:
        doc = index.document(doc_id)
        if doc is None or not 0 <= start < end <= len(doc["text"]):
            raise ValueError("a cited passage is no longer in the index")
        citations.append(
            Citation(
                int(n),
                doc_id,
                doc["title"],
                doc["publisher"],
                doc["url"],
                section,
                doc["reviewed"],
                doc["text"][start:end],
                int(start),
                int(end),
            )
        )
    reply = Answer(
        str(data["type"]),
        str(data["answer"]),
        citations,
        "",
        segments=[Segment(str(text), int(n)) for text, n in data["segments"]],
        notice=data["notice"],
        actions=[{"label": str(a["label"]), "tel": str(a["tel"])} for a in data["actions"]],
        follow_up_topic=data["topic"],
        emergency=data["emergency"],
    )
    return question_label([str(w) for w in data["q"]]), reply


def seal(turns: list[dict[str, Any]], context: str) -> str:
    return _sealer().seal({"turns": turns[-MAX_TURNS:], "context": context})


def open_history(token: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """(earlier turns, as sealed; the last context) — nothing when the token is forged, old or damaged."""
    if not token or len(token) > MAX_HISTORY_CHARS:
        return [], None
    data = _sealer().open(token)
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        return [], None
    context = data.get("context")
    return data["turns"][-MAX_TURNS:], context if isinstance(context, str) else None


def shown(turns: list[dict[str, Any]]) -> list[Turn]:
    """The earlier turns to show; one that cannot be rebuilt (the index changed or is down) is left out."""
    out = []
    for data in turns:
        try:
            out.append(restore(data))
        except Exception:  # noqa: BLE001 - a stale or unloadable turn: show the rest
            continue
    return out
