"""Template helpers. Everything is escaped; only our own <mark> tags are added."""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask
from markupsafe import Markup, escape

from bot.reply import DISCLAIMER


def highlight(text: str, words: Iterable[str]) -> Markup:
    wanted = {w.lower() for w in words if w}
    if not wanted:
        return escape(text)
    out = []
    for piece in re.split(r"([A-Za-z0-9]+)", text):
        out.append(Markup(f"<mark>{escape(piece)}</mark>") if piece.lower() in wanted else escape(piece))
    return Markup("").join(out)


def init_app(app: Flask) -> None:
    app.add_template_filter(highlight, "highlight")

    @app.context_processor
    def standing_text() -> dict[str, str]:
        return {"disclaimer": DISCLAIMER, "emergency_number": app.config["EMERGENCY_NUMBER"]}
