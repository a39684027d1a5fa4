"""Embedding: /embed.js draws a launcher that opens /widget in an iframe. Only ALLOWED_EMBED_ORIGINS
may frame the widget (CSP frame-ancestors); both sides check postMessage origins."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, request, send_from_directory

from .chat import render_chat

bp = Blueprint("embed", __name__)
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# A short plain label: letters, spaces and a little punctuation. No digits (no phone numbers), no ':' or
# '/' (no addresses): a page embedding the widget cannot make it say "Call 1-900-... for help".
_PLAIN_LABEL = re.compile(r"[^\W\d_]+(?:[ '’,&.?!-]+[^\W\d_]+)*[.?!]?")
MAX_TITLE_CHARS = 40


@bp.get("/embed.js")
def script():
    response = send_from_directory(current_app.static_folder, "embed.js", mimetype="text/javascript", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/widget")
def widget():
    return render_chat(embedded=True, theme=theme_colour(), title=widget_title())


def widget_title() -> str:
    asked = " ".join(request.args.get("title", "").split())
    if asked and len(asked) <= MAX_TITLE_CHARS and _PLAIN_LABEL.fullmatch(asked):
        return asked
    return str(current_app.config["WIDGET_TITLE"])


def theme_colour() -> str | None:
    colour = request.args.get("color", "")
    return colour if _COLOUR.match(colour) else None
