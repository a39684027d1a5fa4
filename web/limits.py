"""One rate-limit budget per client, shared by every endpoint that does work for a message: the chat API,
feedback, the no-JavaScript form and the staff lookup.

Counts live in Redis when REDIS_URL is set, so every worker and instance shares them; otherwise in this
process's memory. If Redis stops answering, counting falls back to memory (logged once, shown by
/api/health) and Redis is tried again every ``RETRY_PRIMARY_S`` seconds: a storage fault never turns
people away. The client is ``request.remote_addr``, which ProxyFix sets from the trusted hops only
(PROXY_COUNT).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from bot.errors import ConfigError

log = logging.getLogger(__name__)

SCOPE = "messages"
RETRY_PRIMARY_S = 30.0
STORAGE_TIMEOUT_S = 0.5  # a Redis that hangs must not hold a reply up for long


class Budget:
    def __init__(self, rate: str, storage_uri: str = "", *, clock: Callable[[], float] = time.monotonic) -> None:
        self.item: RateLimitItem = parse(rate)
        self.shared = bool(storage_uri)
        self.memory = FixedWindowRateLimiter(MemoryStorage())
        self.primary: FixedWindowRateLimiter | None = None
        if storage_uri:
            storage = storage_from_string(
                storage_uri, socket_timeout=STORAGE_TIMEOUT_S, socket_connect_timeout=STORAGE_TIMEOUT_S
            )
            if not isinstance(storage, Storage):
                raise ConfigError(f"REDIS_URL {storage_uri!r} names an asynchronous storage; use redis://")
            self.primary = FixedWindowRateLimiter(storage)
        self.clock = clock
        self._failed_at: float | None = None
        self._lock = threading.Lock()

    @property
    def on_fallback(self) -> bool:
        return self._failed_at is not None

    def _limiter(self) -> FixedWindowRateLimiter:
        if self.primary is None:
            return self.memory
        with self._lock:
            if self._failed_at is not None and self.clock() - self._failed_at < RETRY_PRIMARY_S:
                return self.memory
        return self.primary

    def spend(self, client: str) -> bool:
        """Count one message for ``client``; False when its budget is used up."""
        limiter = self._limiter()
        try:
            allowed = limiter.hit(self.item, SCOPE, client)
        except Exception as exc:  # noqa: BLE001 - any storage failure: count in memory instead
            self._fail(exc)
            return self.memory.hit(self.item, SCOPE, client)
        if limiter is self.primary and self._failed_at is not None:
            with self._lock:
                self._failed_at = None
            log.warning("rate-limit storage is back: limits are shared again")
        return allowed

    def _fail(self, exc: Exception) -> None:
        with self._lock:
            first = self._failed_at is None
            self._failed_at = self.clock()
        if first:
            log.error(
                "rate-limit storage unreachable (%s): counting in this worker's memory until it is back",
                type(exc).__name__,
            )

    def retry_after(self, client: str) -> int:
        try:
            stats = self._limiter().get_window_stats(self.item, SCOPE, client)
            return max(1, int(stats.reset_time - time.time()) + 1)
        except Exception:  # noqa: BLE001
            return int(self.item.get_expiry())

    def state(self) -> dict[str, Any]:
        if self.primary is None:
            return {"storage": "memory", "shared": False, "ok": True}
        if self.on_fallback:
            return {"storage": "memory (redis unreachable)", "shared": False, "ok": False}
        return {"storage": "redis", "shared": True, "ok": True}


def init_app(app: Flask) -> None:
    app.extensions["budget"] = Budget(str(app.config["RATE_LIMIT"]), app.config["REDIS_URL"])
    if app.config["PRODUCTION"] and not app.config["REDIS_URL"] and app.config["WEB_CONCURRENCY"] > 1:
        log.warning(
            "REDIS_URL is not set: rate limits are per worker, so %s workers allow up to %s times RATE_LIMIT (%s)",
            app.config["WEB_CONCURRENCY"],
            app.config["WEB_CONCURRENCY"],
            app.config["RATE_LIMIT"],
        )


def get_budget() -> Budget:
    return current_app.extensions["budget"]


def client_key() -> str:
    return request.remote_addr or "unknown"


def within_budget() -> bool:
    """Spend one message of this client's budget (always True when RATELIMIT_ENABLED is off)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    return get_budget().spend(client_key())


def too_many() -> TooManyRequests:
    """The 429 for this client, with Retry-After; its text (web/errors.py) names the emergency number."""
    return TooManyRequests(retry_after=get_budget().retry_after(client_key()))
