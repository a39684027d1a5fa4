"""Every setting, declared once: name, default, type and help.

The table feeds the engine, the web app's config, the CLI's ``settings`` listing and the README
(a test checks that each one is documented there). Values come from defaults, then the environment,
then an explicit mapping (tests).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-change-me"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    type: Callable[[str], Any] = str


def _bool(value: str) -> bool:
    lowered = str(value).strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean, got {value!r}")


def _origins(value: str | list[str]) -> list[str]:
    if isinstance(value, list):
        return value
    return [part.strip().rstrip("/") for part in str(value).replace(",", " ").split() if part.strip()]


def _questions(value: str | list[str]) -> list[str]:
    if isinstance(value, list):
        return value
    return [part.strip() for part in str(value).split("|") if part.strip()]


SETTINGS: tuple[Setting, ...] = (
    Setting("CORPUS_DIR", str(PROJECT_ROOT / "corpus"), "Folder of corpus files (.txt, .md, .html, .jsonl)."),
    Setting("INDEX_DIR", str(PROJECT_ROOT / "instance" / "index"), "Where the built index is saved."),
    Setting("AUTO_REBUILD", True, "Rebuild the index at start when the corpus or settings changed.", _bool),
    Setting("HELPLINE_NAME", "the American Cancer Society's 24/7 helpline", "Who the no-answer reply points to."),
    Setting("HELPLINE_PHONE", "1-800-227-2345", "Helpline number offered when the bot cannot answer."),
    Setting("EMERGENCY_NUMBER", "911", "Emergency number given first in urgent replies."),
    Setting("CRISIS_NUMBER", "988", "Suicide & Crisis Lifeline number (call or text)."),
    Setting("POISON_CONTROL_PHONE", "1-800-222-1222", "Poison Control number for swallowed medicine."),
    Setting("TOP_K", 8, "Passages BM25 hands to the answer path per question.", int),
    Setting(
        "DENSE_MAX_PASSAGES",
        20000,
        "Above this many passages the sentence-vector stage and acronym learning are off and BM25 answers alone.",
        int,
    ),
    Setting("LOOKUP_K", 10, "Passages the staff lookup page shows.", int),
    Setting("MAX_MESSAGE_CHARS", 1000, "Longest message accepted, in characters.", int),
    Setting("MAX_BODY_BYTES", 65536, "Largest request body accepted, in bytes (413 above).", int),
    Setting(
        "SECRET_KEY",
        DEFAULT_SECRET_KEY,
        "Encrypts and signs conversation tokens. In production: at least 32 random bytes (64 hex characters).",
    ),
    Setting(
        "PRODUCTION",
        False,
        "Production mode: refuse to start with a weak SECRET_KEY; warn when limits or hosts are left open.",
        _bool,
    ),
    Setting("TOKEN_MAX_AGE", 14400, "Seconds a conversation token (API context, no-JS history) stays valid.", int),
    Setting("TRUSTED_HOSTS", [], "Host names the app answers to (space or comma separated; any if empty).", _origins),
    Setting("PROXY_COUNT", 0, "Trusted proxies in front of the app: their X-Forwarded-* headers are believed.", int),
    Setting("ALLOWED_EMBED_ORIGINS", [], "Origins allowed to embed the widget (space or comma separated).", _origins),
    Setting(
        "RATE_LIMIT",
        "30 per minute",
        "One budget per client shared by chat, feedback, the no-JS form and lookup (`limits` syntax).",
    ),
    Setting("REDIS_URL", "", "Share rate limits between workers and instances through Redis (memory if empty)."),
    Setting(
        "FEEDBACK_DB",
        str(PROJECT_ROOT / "instance" / "feedback.sqlite3"),
        "SQLite file for feedback and unanswered questions (mode 0600).",
    ),
    Setting(
        "STORE_QUESTIONS",
        False,
        "Also store the redacted text of questions (off: only the index words, the reply type and the day).",
        _bool,
    ),
    Setting("RETENTION_DAYS", 90, "Days feedback and unanswered questions are kept.", int),
    Setting(
        "WIDGET_TITLE", "Ask about your treatment", "Widget heading; `?title=` may replace it by a short plain label."
    ),
    Setting(
        "STARTER_QUESTIONS",
        [
            "What are immunomodulators?",
            "What are the side effects of lenalidomide?",
            "How is BCG given?",
            "How is imiquimod applied?",
        ],
        "Questions the chat page offers to start with (separated by |); the first is the example the bot "
        "gives when a message asks nothing. Set them for your own pages.",
        _questions,
    ),
    Setting("HOST", "127.0.0.1", "Address `python app.py`, `make run` and gunicorn listen on."),
    Setting("PORT", 5000, "Port `python app.py`, `make run` and gunicorn listen on.", int),
    Setting("WEB_CONCURRENCY", 2, "Gunicorn worker processes.", int),
    Setting(
        "GUNICORN_THREADS",
        4,
        "Threads per gunicorn worker (gthread): a slow client holds one thread, not a worker.",
        int,
    ),
    Setting(
        "HEADER_TIMEOUT",
        10,
        "Seconds gunicorn waits for a request line and headers before closing the connection.",
        int,
    ),
)

SETTINGS_BY_NAME = {setting.name: setting for setting in SETTINGS}


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Defaults, then the environment, then ``overrides``; each value converted and checked."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw: Any = setting.default
        if setting.name in environ:
            raw = environ[setting.name]
        if overrides and setting.name in overrides:
            raw = overrides[setting.name]
        values[setting.name] = convert(setting, raw)
    return values


def convert(setting: Setting, raw: Any) -> Any:
    if raw is setting.default:
        return raw
    if setting.type is str:
        return str(raw)
    if setting.type is int and isinstance(raw, int) and not isinstance(raw, bool):
        value: Any = raw
    elif setting.type is _bool and isinstance(raw, bool):
        value = raw
    else:
        try:
            value = setting.type(raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"setting {setting.name}={raw!r} is invalid: {exc}") from exc
    if setting.type is int and value < 0:
        raise ConfigError(f"setting {setting.name}={raw!r} is invalid: must not be negative")
    return value
