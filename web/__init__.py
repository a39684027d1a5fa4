"""Flask app: a thin layer over ``bot.Bot``. ``create_app(test_config=None)`` builds it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from bot.settings import load_settings

from .production import check_production


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Config layers: setting defaults, then the environment, then ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    settings = load_settings(test_config or {})
    if settings["PRODUCTION"]:
        check_production(settings)
    app.config.from_mapping(settings)
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_BODY_BYTES"]
    app.config.update({k: v for k, v in (test_config or {}).items() if k not in settings})

    from . import engine, errors, limits, logging_privacy, proxy, render, security

    logging_privacy.init_app(app)
    proxy.init_app(app)
    engine.init_app(app)
    render.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    limits.init_app(app)

    from . import api, chat, embed, lookup, sources

    for module in (chat, api, lookup, sources, embed):
        app.register_blueprint(module.bp)
    proxy.no_slash_redirects(app)
    return app
