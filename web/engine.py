"""The engine and the feedback store as app resources."""

from __future__ import annotations

import logging

from flask import Flask, current_app

from bot import Bot
from bot.privacy import FeedbackStore

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    keys = (
        "CORPUS_DIR",
        "INDEX_DIR",
        "AUTO_REBUILD",
        "HELPLINE_NAME",
        "HELPLINE_PHONE",
        "EMERGENCY_NUMBER",
        "CRISIS_NUMBER",
        "POISON_CONTROL_PHONE",
        "TOP_K",
        "MAX_MESSAGE_CHARS",
        "SECRET_KEY",
    )
    app.extensions["bot"] = Bot({k: app.config[k] for k in keys}, log=log.info)
    app.extensions["feedback"] = FeedbackStore(app.config["FEEDBACK_DB"], app.config["RETENTION_DAYS"])


def get_bot() -> Bot:
    return current_app.extensions["bot"]


def get_store() -> FeedbackStore:
    return current_app.extensions["feedback"]
