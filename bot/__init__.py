"""Immunomodulator Q&A engine: answers only from a curated corpus, each sentence cited."""

from .core import Bot
from .errors import BotError, ConfigError, CorpusError, IndexStateError, InputError, PayloadTooLarge
from .reply import DISCLAIMER, Answer, Citation

__all__ = [
    "Bot",
    "Answer",
    "Citation",
    "DISCLAIMER",
    "BotError",
    "ConfigError",
    "CorpusError",
    "IndexStateError",
    "InputError",
    "PayloadTooLarge",
]
