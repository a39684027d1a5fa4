"""The engine and the feedback store as app resources."""

from __future__ import annotations

import logging

from flask import Flask, current_app

from bot import Bot
from bot.privacy import FeedbackStore
from bot.settings import SETTINGS_BY_NAME

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    settings = {name: app.config[name] for name in SETTINGS_BY_NAME}
    app.extensions["bot"] = Bot(settings, log=log.info)
    app.extensions["feedback"] = FeedbackStore(app.config["FEEDBACK_DB"], app.config["RETENTION_DAYS"])


def get_bot() -> Bot:
    return current_app.extensions["bot"]


def get_store() -> FeedbackStore:
    return current_app.extensions["feedback"]
