"""Flask app: a thin layer over ``bot.Bot``. ``create_app(test_config=None)`` builds it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from bot.settings import DEFAULT_SECRET_KEY, load_settings


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Config layers: setting defaults, then the environment, then ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    settings = load_settings(test_config or {})
    if settings["PRODUCTION"] and settings["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError("PRODUCTION is on but SECRET_KEY is the default; set SECRET_KEY to a long random value")
    app.config.from_mapping(settings)
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_BODY_BYTES"]
    app.config.update({k: v for k, v in (test_config or {}).items() if k not in settings})

    from . import engine, errors, limits, logging_privacy, render, security

    logging_privacy.init_app(app)
    engine.init_app(app)
    render.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    limits.init_app(app)

    from . import api, chat, embed, lookup, sources

    for module in (chat, api, lookup, sources, embed):
        app.register_blueprint(module.bp)
    return app
