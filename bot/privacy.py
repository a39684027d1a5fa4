"""Redaction of personal details, and the small SQLite store of feedback and unanswered questions.

Only redacted text is ever written. Rows older than the retention period are deleted as writes come in
(at most every ten minutes), and whenever `python -m bot report` runs.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("[email]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (
        "[date]",
        re.compile(
            r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}"
            r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4})\b",
            re.I,
        ),
    ),
    (
        "[record number]",
        re.compile(
            r"\b(?:mrn|medical record(?: number)?|record(?: number| no\.?)?|patient id|nhs number)"
            r"\s*[:#]?\s*[\w-]*\d[\w-]*",
            re.I,
        ),
    ),
    ("[phone]", re.compile(r"(?<!\w)(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)")),
    ("[number]", re.compile(r"\b\d{6,}\b")),
    (
        "[name]",
        re.compile(r"\b(my name is|my name's|i am|i'm|this is|call me)\s+([A-Z][a-z'-]+)(\s+[A-Z][a-z'-]+)?", re.I),
    ),
)


def redact(text: str) -> str:
    """Replace emails, phone and record numbers, dates (of birth) and self-introduced names."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be stored
    for label, pattern in _RULES:
        if label == "[name]":
            text = pattern.sub(lambda m: f"{m.group(1)} [name]" if _looks_like_name(m) else m.group(0), text)
        else:
            text = pattern.sub(label, text)
    return text


_NOT_NAMES = {
    "on",
    "taking",
    "having",
    "worried",
    "scared",
    "not",
    "a",
    "an",
    "the",
    "so",
    "very",
    "just",
    "pregnant",
    "tired",
    "sick",
    "allergic",
    "currently",
    "still",
    "also",
    "going",
    "feeling",
    "in",
    "at",
    "using",
}


def _looks_like_name(match: re.Match[str]) -> bool:
    intro, first = match.group(1).lower(), match.group(2)
    if intro.startswith("my name") or intro == "call me":
        return True
    return first[0].isupper() and first.lower() not in _NOT_NAMES


SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY, at REAL NOT NULL, rating TEXT NOT NULL,
    reply_type TEXT, question TEXT);
CREATE TABLE IF NOT EXISTS unanswered (id INTEGER PRIMARY KEY, at REAL NOT NULL, question TEXT NOT NULL);
"""


class FeedbackStore:
    def __init__(self, path: str | Path, retention_days: int = 90) -> None:
        if retention_days < 1:
            raise ValueError(f"retention_days must be at least 1, got {retention_days}")
        self.path = Path(path)
        self.retention_days = retention_days
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._db().executescript(SCHEMA)

    EXPIRE_EVERY_S = 600

    def _db(self) -> sqlite3.Connection:
        """This thread's connection, kept open. Closing the last connection to a WAL database
        checkpoints it and deletes the WAL file, so a connection per write paid for that every time.
        Keyed by process too: a connection must not cross a fork (gunicorn --preload)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            local.db.execute("PRAGMA journal_mode=WAL")  # writers do not block readers; commits are cheap
            local.db.execute("PRAGMA synchronous=NORMAL")
            local.pid = os.getpid()
        return local.db

    def expire(self) -> None:
        """Delete the rows older than the retention period, now."""
        cutoff = time.time() - self.retention_days * 86400
        db = self._db()
        db.execute("DELETE FROM feedback WHERE at < ?", (cutoff,))
        db.execute("DELETE FROM unanswered WHERE at < ?", (cutoff,))

    def _expire_now_and_then(self) -> None:
        now = time.time()
        if now - getattr(self, "_expired_at", 0.0) >= self.EXPIRE_EVERY_S:
            self._expired_at = now
            self.expire()

    def add_feedback(self, rating: str, reply_type: str | None, question: str | None) -> None:
        if rating not in {"up", "down"}:
            raise ValueError(f"rating must be 'up' or 'down', got {rating!r}")
        db = self._db()
        db.execute(
            "INSERT INTO feedback (at, rating, reply_type, question) VALUES (?, ?, ?, ?)",
            (time.time(), rating, reply_type, redact(question)[:500] if question else None),
        )
        self._expire_now_and_then()

    def add_unanswered(self, question: str) -> None:
        db = self._db()
        db.execute("INSERT INTO unanswered (at, question) VALUES (?, ?)", (time.time(), redact(question)[:500]))
        self._expire_now_and_then()

    def top_unanswered(self, limit: int = 20) -> list[tuple[str, int]]:
        rows = (
            self._db()
            .execute(
                "SELECT lower(trim(question)) q, count(*) n FROM unanswered GROUP BY q ORDER BY n DESC, q LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [(q, n) for q, n in rows]

    def feedback_counts(self) -> dict[str, int]:
        return dict(self._db().execute("SELECT rating, count(*) FROM feedback GROUP BY rating").fetchall())

    def rows(self) -> Iterator[tuple]:
        yield from self._db().execute(
            "SELECT 'feedback', question FROM feedback UNION ALL SELECT 'unanswered', question FROM unanswered"
        )
