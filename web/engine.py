"""The engine and the feedback store as app resources.

If the index cannot be loaded (missing, damaged, no corpus to build it from), the app still starts: urgent
messages get their urgent reply (``Bot.urgent_only`` needs no index) and everything else answers 503 with
the reason, until the index is built and the app restarted.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app

from bot import Bot
from bot.errors import CorpusError, IndexStateError
from bot.privacy import FeedbackStore, index_vocabulary
from bot.reply import Answer
from bot.settings import SETTINGS_BY_NAME

log = logging.getLogger(__name__)


class MissingIndex:
    """Stands in for an index that could not be loaded: any use answers 503 with the reason."""

    dense = None  # no sentence vectors: Bot loads no encoder for it

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __getattr__(self, name: str):
        raise IndexStateError(f"answers are unavailable: {self.reason}")


def init_app(app: Flask) -> None:
    settings = {name: app.config[name] for name in SETTINGS_BY_NAME}
    try:
        bot = Bot(settings, log=log.info)
    except (IndexStateError, CorpusError) as exc:
        log.error(
            "INDEX UNAVAILABLE: %s. Serving urgent replies only; build it with `python -m bot index`", exc.message
        )
        bot = Bot(settings, index=MissingIndex(exc.message), log=log.info)  # type: ignore[arg-type]
    app.extensions["bot"] = bot
    store = FeedbackStore(
        app.config["FEEDBACK_DB"],
        app.config["RETENTION_DAYS"],
        keep_text=app.config["STORE_QUESTIONS"],
        vocabulary=index_vocabulary(bot.index),
    )
    if store.enabled:
        store.start_schedule()
    app.extensions["feedback"] = store


def get_bot() -> Bot:
    return current_app.extensions["bot"]


def get_store() -> FeedbackStore:
    return current_app.extensions["feedback"]


def answer_or_urgent(message: str, context: str | None, urgent: Answer | None) -> Answer:
    """The full reply; when the index is unavailable, an urgent message still gets its urgent reply."""
    try:
        return get_bot().ask(message, context)
    except IndexStateError:
        if urgent is None:
            raise
        return urgent


def index_ready() -> bool:
    return not isinstance(get_bot().index, MissingIndex)
