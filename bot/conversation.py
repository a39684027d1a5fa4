"""Follow-up resolution and the signed, tamper-proof conversation context.

The server keeps no per-user state. Each reply carries ``context``: the topic words of the
conversation so far, signed with the app's secret key (itsdangerous). The client sends it back with
the next message. A forged, expired-format or malformed context reads as "no context".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from itsdangerous import BadData, URLSafeSerializer

from .analysis import fold, words

CONTEXT_SALT = "bot.context.v1"
MAX_CONTEXT_CHARS = 2048
MAX_TOPIC_WORDS = 8
FOLLOW_UP_PRONOUNS = frozenset({"it", "its", "they", "them", "their", "this", "that", "these", "those", "one", "ones"})
_WHAT_ABOUT = re.compile(r"^\s*(?:what|how)\s+about\b|^\s*and\s+(?:what\s+about\s+)?|^\s*same\s+for\b")


@dataclass(frozen=True)
class Context:
    subject: tuple[str, ...] = ()  # topic words of the last answered question
    frame: tuple[str, ...] = ()  # what was asked about it ("side effects", "given")
    turns: int = 0


@dataclass
class Resolved:
    text: str  # the question as retrieval sees it
    follow_up: bool
    subject: tuple[str, ...] = field(default_factory=tuple)
    about: tuple[str, ...] = field(default_factory=tuple)  # for the reader: what a follow-up was taken to mean


class ContextCodec:
    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("secret_key must not be empty")
        self._serializer = URLSafeSerializer(secret_key, salt=CONTEXT_SALT)

    def dumps(self, context: Context) -> str:
        return str(self._serializer.dumps({"s": list(context.subject), "f": list(context.frame), "t": context.turns}))

    def loads(self, token: object) -> Context:
        if not isinstance(token, str) or not token or len(token) > MAX_CONTEXT_CHARS:
            return Context()
        try:
            data = self._serializer.loads(token)
        except (BadData, ValueError, TypeError):
            return Context()
        if not isinstance(data, dict):
            return Context()
        subject, frame, turns = data.get("s"), data.get("f"), data.get("t")
        if not (
            isinstance(subject, list)
            and isinstance(frame, list)
            and _word_list(subject)
            and _word_list(frame)
            and isinstance(turns, int)
        ):
            return Context()
        return Context(tuple(subject), tuple(frame), max(0, turns))


def _word_list(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= MAX_TOPIC_WORDS * 2
        and all(isinstance(w, str) and len(w) <= 40 and re.fullmatch(r"[a-z0-9]+", w) for w in value)
    )


def resolve(question: str, context: Context, subject_words: list[str], frame_words: list[str]) -> Resolved:
    """Rewrite a follow-up using the previous turn's topic.

    ``subject_words``/``frame_words`` are the question's own content words, split by the caller.
    - "what about lenalidomide?": the new subject with the previous frame;
    - "what are its side effects?", "give me examples": the previous subject with this question.
    """
    if not context.subject:
        return Resolved(question, False, tuple(subject_words))
    folded_words = set(words(question))
    if _WHAT_ABOUT.search(fold(question)) and subject_words:
        return Resolved(
            f"{question} {' '.join(context.frame)}", True, tuple(subject_words), (*subject_words, *context.frame)
        )
    if not subject_words or folded_words & FOLLOW_UP_PRONOUNS:
        merged = tuple(dict.fromkeys([*context.subject, *subject_words]))[:MAX_TOPIC_WORDS]
        return Resolved(f"{question} {' '.join(context.subject)}", True, merged, context.subject)
    return Resolved(question, False, tuple(subject_words))
