"""One handler for every error: JSON for the API (and clients asking for JSON), a page otherwise.
Messages never echo what the user typed, and nothing the user typed is logged."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, SecurityError

from bot.errors import BotError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, message: str) -> Response:
    if wants_json():
        return make_response(jsonify({"error": {"status": status, "message": message}}), status)
    return make_response(render_template("error.html", status=status, message=message), status)


def rate_limit_message() -> str:
    return (
        "Too many messages in a short time. Please wait a minute and try again. "
        f"If this is an emergency, call {current_app.config['EMERGENCY_NUMBER']} now."
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(BotError)
    def bot_error(exc: BotError):
        if exc.status >= 500:
            log.error("engine error %s on %s", type(exc).__name__, request.path)
        return render_error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if isinstance(exc, SecurityError):  # a Host outside TRUSTED_HOSTS: no URL can be built for it
            return Response("This site does not answer to that host name.\n", 400, mimetype="text/plain")
        messages = {
            413: f"The request is larger than {app.config['MAX_BODY_BYTES']} bytes.",
            429: rate_limit_message(),
        }
        response = render_error(exc.code or 500, messages.get(exc.code or 500, exc.description or exc.name))
        retry_after = getattr(exc, "retry_after", None)
        if exc.code == 429 and retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s", request.path)
        return render_error(500, "Something went wrong on our side. Please try again.")
