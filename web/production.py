"""What production mode insists on before the app starts, and what it warns about."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.errors import ConfigError
from bot.settings import DEFAULT_SECRET_KEY

log = logging.getLogger(__name__)

MIN_SECRET_BYTES = 32
MIN_DISTINCT_CHARS = 12  # a random key in hex uses all 16 digits; "aaaa..." or "abcabc..." does not
KEY_ADVICE = "generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"


def check_secret_key(key: str) -> None:
    if key == DEFAULT_SECRET_KEY:
        raise ConfigError(f"PRODUCTION is on but SECRET_KEY is the default; {KEY_ADVICE}")
    if len(key.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_BYTES} random bytes in production; {KEY_ADVICE}")
    if len(set(key)) < MIN_DISTINCT_CHARS:
        raise ConfigError(f"SECRET_KEY does not look random (too few distinct characters); {KEY_ADVICE}")


def check_production(settings: Mapping[str, Any]) -> None:
    check_secret_key(str(settings["SECRET_KEY"]))
    if not settings["TRUSTED_HOSTS"]:
        log.warning("TRUSTED_HOSTS is empty: any Host header is accepted; set it to the site's host names")
