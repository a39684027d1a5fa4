"""Exceptions raised by the engine.

Every exception carries an HTTP-style ``status`` so one handler (CLI or web) can render it.

    BotError                  base; status 500
    ├── ConfigError           a setting has a bad value (names the setting); status 500
    ├── CorpusError           the corpus folder is missing or holds no usable document; status 500
    ├── IndexStateError       the saved index is missing, truncated or stale and cannot be used; status 503
    ├── ModelError            the sentence model is missing or its weights fail the pinned hash; status 503
    └── InputError            a request is unusable (empty, too long, wrong type); status 400
        ├── MessageTooLong    a message is over MAX_MESSAGE_CHARS (still read for an emergency); status 400
        └── PayloadTooLarge   a request body is over the size limit; status 413
"""

from __future__ import annotations


class BotError(Exception):
    status = 500

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class ConfigError(BotError):
    status = 500


class CorpusError(BotError):
    status = 500


class IndexStateError(BotError):
    status = 503


class ModelError(BotError):
    status = 503


class InputError(BotError):
    status = 400


class MessageTooLong(InputError):
    status = 400


class PayloadTooLarge(InputError):
    status = 413
