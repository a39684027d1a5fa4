"""Per-client rate limits (Flask-Limiter). In memory by default; in Redis when REDIS_URL is set, so
several app instances share them."""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def rate() -> str:
    return str(current_app.config["RATE_LIMIT"])


limited = limiter.limit(rate)


def init_app(app: Flask) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
