"""What may be kept of what people type, and the small SQLite store of feedback and unanswered questions.

By default no free text is stored: a row keeps the words of the question that are index terms (the
topic, as the sources spell it), the reply type and the day. With ``STORE_QUESTIONS`` on, the text is
also kept after ``redact`` has replaced every personal identifier it can recognise.

Retention: rows older than ``RETENTION_DAYS`` are deleted when the store opens and then on a schedule;
deletion overwrites the freed pages (``secure_delete``) and truncates the write-ahead log, so no copy of
an expired row is left on disk. The files are created readable by their owner only (0600).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from .analysis import STOPWORDS_FILE, frame_words, read_list, words

log = logging.getLogger(__name__)

Vocabulary = Callable[[str], bool]

# -- which words are index terms ---------------------------------------------------------------


def index_vocabulary(index: Any) -> Vocabulary:
    """A predicate: is this word (folded) an index term? It is when its own stem is one, or when the
    curated expansion tables map that very word to index terms ("jak" -> janus kinase). A spelling
    correction does not count: "maria" is not kept because it looks like a drug name. Stopwords are
    never terms. A missing index knows no word."""
    cache: dict[str, bool] = {}

    def knows(word: str) -> bool:
        if word not in cache:
            try:
                terms = index.expander.expand(word)
                cache[word] = any(
                    t.term in index.term_ids
                    and (t.source == "question" or (t.source == "expansion" and t.concept == word))
                    for t in terms
                )
            except Exception:  # noqa: BLE001 - the index could not be loaded: keep nothing
                return False
            if len(cache) > 100_000:
                cache.clear()
        return cache[word]

    return knows


def index_words(text: str, vocabulary: Vocabulary) -> list[str]:
    """The words of a text that are index terms, once each, in order: all that is kept by default."""
    return [w for w in dict.fromkeys(words(text)) if vocabulary(w)]


# -- redaction -----------------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
# A name: capitalised words, hyphenated parts allowed ("Gonzalez-Lopez"); case-sensitive inside re.I rules.
_NAME = r"(?-i:[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)*(?:\s+[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)*)?)"
_ANY_NAME = r"[A-Za-z][a-z'’]+(?:-[A-Za-z][a-z'’]+)*(?:\s+(?-i:[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)*))?"
_ID_LABEL = (
    r"(?:mrn|medical record(?:\s+(?:number|no\.?))?|record\s+(?:number|no\.?)|(?:patient|hospital|member|nhs|"
    r"insurance|policy|account|passport|licen[cs]e|driver'?s? licen[cs]e|medicare|medicaid|chart)"
    r"(?:\s+(?:id|number|no\.?|#))?|id\s+(?:number|no\.?)|ssn|social security(?:\s+number)?)"
)
_STREET = (
    r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|close|"
    r"crescent|highway|hwy|parkway|pkwy|square|sq)"
)
_RELATION = (
    r"(?:husband|wife|partner|spouse|son|daughter|child|kid|mother|mom|mum|father|dad|brother|sister|"
    r"friend|boyfriend|girlfriend|fianc[eé]e?|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|"
    r"granny|aunt|uncle|nephew|niece|cousin|neighbou?r|caregiver|carer|nurse|doctor|dr\.?|mr\.?|mrs\.?|ms\.?|"
    r"miss|prof\.?|professor|oncologist|surgeon|pharmacist|gp)"
)
_PLACE_KIND = (
    r"(?:hospital|clinic|medical cent(?:er|re)|cancer cent(?:er|re)|health(?:care)?(?: system)?|infirmary|"
    r"pharmacy|hospice|surgery|practice)"
)


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _luhn(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    return "[card]" if _luhn(match.group(0)) else match.group(0)


def _phone(match: re.Match[str]) -> str:
    return "[phone]" if _digits(match.group(0)) >= 7 else match.group(0)


def _labelled_id(match: re.Match[str]) -> str:
    return f"{match.group(1)} [id]" if _digits(match.group(2)) else match.group(0)


# Each rule: (pattern, replacement). Order matters: the most specific shapes go first, so an SSN is not
# taken for a phone number and a street number not for a record number. Every pattern is linear
# (no nested unbounded repetition), so hostile input cannot make it backtrack for long.
_RULES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\b\d{3}[- ]\d{2}[- ]\d{4}\b"), "[ssn]"),
    (re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), _card),
    (
        re.compile(
            rf"\b(?:{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{2,4}}|{_MONTH}\s+{_DAY}(?:,\s*|\s+)\d{{2,4}}"
            rf"|\d{{4}}[./-]\d{{1,2}}[./-]\d{{1,2}}|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}})\b",
            re.I,
        ),
        "[date]",
    ),
    (re.compile(r"\b(?:dob|d\.o\.b\.?|date of birth|born(?:\s+(?:in|on))?)\s*:?\s*\d{4}\b", re.I), "[date]"),
    (
        re.compile(
            rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][a-z]+\s+){{1,3}}(?i:{_STREET})\b\.?"
            r"(?:,?\s+(?:[A-Z][a-z]+\s?){1,3})?(?:,?\s*[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?"
        ),
        "[address]",
    ),
    (re.compile(r"\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"), "[address]"),  # state and ZIP code
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"), "[address]"),  # UK postcode
    (
        re.compile(
            rf"\b({_ID_LABEL})\s*(?:is\s+|:\s*|#\s*)?((?-i:[A-Z0-9][A-Z0-9-]*(?:\s+[A-Z0-9][A-Z0-9-]*)*))", re.I
        ),
        _labelled_id,
    ),
    (re.compile(r"\b[A-Za-z]{1,3}-?\d{5,}[A-Za-z]?\b"), "[id]"),
    (re.compile(r"(?<!\w)(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{1,5}(?:[\s.-]\d{2,5}){1,4}(?!\w)"), _phone),
    (re.compile(r"\b\d{6,}\b"), "[number]"),
)

_INTRO = re.compile(
    rf"\b(my name is|my name's|i am|i'm|this is|call me|(?:patient|full)?\s*name\s*:|patient\s*:)\s*({_ANY_NAME})",
    re.I,
)
_RELATIVE = re.compile(rf"\b((?:my|our|the|her|his|their)\s+{_RELATION}|{_RELATION})\s+({_NAME})", re.I)
_PLACE = re.compile(rf"\b({_NAME})\s+((?i:{_PLACE_KIND}))\b")
_CAPITALISED = re.compile(r"\b[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)*\b")
_NOT_NAMES = frozenset(
    "on taking having worried scared not a an the so very just pregnant tired sick allergic currently still "
    "also going feeling in at using here there about asking wondering trying looking new old sure afraid "
    "unsure confused".split()
)


def _intro(match: re.Match[str]) -> str:
    intro, name = match.group(1), match.group(2)
    first = name.split()[0]
    lowered = intro.lower()
    explicit = lowered.startswith("my name") or lowered == "call me" or lowered.rstrip().endswith(":")
    if explicit or (first[0].isupper() and first.lower() not in _NOT_NAMES):
        return f"{intro} [name]"
    return match.group(0)


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    return frozenset(read_list(STOPWORDS_FILE)) | frame_words()


def _knows_nothing(_: str) -> bool:
    return False


def redact(text: str, vocabulary: Vocabulary | None = None) -> str:
    """Replace personal identifiers: emails, SSNs, card numbers, dates, street addresses and postcodes,
    record, insurance and other ID numbers, phone numbers, long numbers, and names (introduced, after a
    relation or title, before a hospital or clinic, and any capitalised word mid-sentence that is not
    an index term or a common word). ``vocabulary`` says which words are index terms and may stay."""
    index_knows = vocabulary or _knows_nothing
    common = _common_words()
    known: Vocabulary = lambda word: word in common or index_knows(word)  # noqa: E731
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be stored
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    text = _INTRO.sub(_intro, text)
    text = _RELATIVE.sub(lambda m: f"{m.group(1)} [name]" if not _all_known(m.group(2), known) else m.group(0), text)
    text = _PLACE.sub(lambda m: f"[place] {m.group(2)}", text)
    return _CAPITALISED.sub(lambda m: _capitalised(m, known), text)


def _all_known(name: str, known: Vocabulary) -> bool:
    return all(known(w) for w in words(name))


def _capitalised(match: re.Match[str], known: Vocabulary) -> str:
    """A capitalised word mid-sentence, or a run of them anywhere, that the index does not know is taken
    for a name. A sentence's first word is a name only when the next word is one too ("Jane Doe here")."""
    word = match.group(0)
    if _all_known(word, known):
        return word
    text = match.string
    before = text[: match.start()].rstrip()
    sentence_start = not before or before[-1] in ".!?:;\n\"'(["
    if not sentence_start:
        return "[name]"
    following = _CAPITALISED.match(text, match.end() + 1) if text[match.end() : match.end() + 1] == " " else None
    return "[name]" if following and not _all_known(following.group(0), known) else word


# -- the store -------------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY, day TEXT NOT NULL, rating TEXT NOT NULL,
    reply_type TEXT, topics TEXT NOT NULL DEFAULT '', question TEXT);
CREATE TABLE IF NOT EXISTS unanswered (id INTEGER PRIMARY KEY, day TEXT NOT NULL, reply_type TEXT,
    topics TEXT NOT NULL DEFAULT '', question TEXT);
"""
FILE_MODE = 0o600
BUSY_TIMEOUT_S = 0.25  # a locked database must not hold a reply up: the write is dropped and logged
EXPIRE_EVERY_S = 3600
MAX_STORED_CHARS = 500
STORE_ERRORS = (sqlite3.Error, OSError)


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


class FeedbackStore:
    """Writes never raise: a failure is logged (never with the text) and the reply goes out as it was.
    A location that cannot be written disables the store with a warning."""

    def __init__(
        self,
        path: str | Path,
        retention_days: int = 90,
        *,
        keep_text: bool = False,
        vocabulary: Vocabulary | None = None,
        clock: Callable[[], str] = today,
    ) -> None:
        if retention_days < 1:
            raise ValueError(f"retention_days must be at least 1, got {retention_days}")
        self.path = Path(path)
        self.retention_days = retention_days
        self.keep_text = keep_text
        self.vocabulary = vocabulary or _knows_nothing
        self.clock = clock
        self._local = threading.local()
        self._stop = threading.Event()
        self.enabled = True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(self.path)
            db = self._db()
            _migrate(db)
            db.executescript(SCHEMA)
            self.expire()
        except STORE_ERRORS as exc:
            self.enabled = False
            log.warning("feedback store disabled: cannot write %s (%s)", self.path, type(exc).__name__)

    def _db(self) -> sqlite3.Connection:
        """This thread's connection, kept open. Closing the last connection to a WAL database
        checkpoints it and deletes the WAL file, so a connection per write paid for that every time.
        Keyed by process too: a connection must not cross a fork (gunicorn --preload)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")  # writers do not block readers; commits are cheap
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
            local.db, local.pid = db, os.getpid()
        return local.db

    def cutoff_day(self) -> str:
        today_ = dt.date.fromisoformat(self.clock())
        return (today_ - dt.timedelta(days=self.retention_days)).isoformat()

    def expire(self) -> None:
        """Delete the rows older than the retention period now, and leave no copy in the WAL file."""
        db = self._db()
        cutoff = self.cutoff_day()
        db.execute("DELETE FROM feedback WHERE day < ?", (cutoff,))
        db.execute("DELETE FROM unanswered WHERE day < ?", (cutoff,))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def start_schedule(self, every_s: float = EXPIRE_EVERY_S) -> threading.Thread:
        """Expire rows every ``every_s`` seconds in a background thread, writes or not."""

        def run() -> None:
            while not self._stop.wait(every_s):
                if self.enabled:
                    self._guarded("expire", self.expire)

        thread = threading.Thread(target=run, name="feedback-expiry", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._stop.set()

    def _guarded(self, what: str, action: Callable[[], Any]) -> bool:
        if not self.enabled:
            return False
        try:
            action()
            return True
        except STORE_ERRORS as exc:
            log.warning("feedback store: %s failed (%s); the reply is unchanged", what, type(exc).__name__)
            return False

    def _row(self, question: str | None) -> tuple[str, str | None]:
        if not question:
            return "", None
        topics = " ".join(index_words(question, self.vocabulary))
        text = redact(question, self.vocabulary)[:MAX_STORED_CHARS] if self.keep_text else None
        return topics, text

    def add_feedback(self, rating: str, reply_type: str | None, question: str | None) -> bool:
        if rating not in {"up", "down"}:
            raise ValueError(f"rating must be 'up' or 'down', got {rating!r}")
        topics, text = self._row(question)
        return self._guarded(
            "saving feedback",
            lambda: self._db().execute(
                "INSERT INTO feedback (day, rating, reply_type, topics, question) VALUES (?, ?, ?, ?, ?)",
                (self.clock(), rating, reply_type, topics, text),
            ),
        )

    def add_unanswered(self, question: str, reply_type: str = "no_answer") -> bool:
        topics, text = self._row(question)
        return self._guarded(
            "saving an unanswered question",
            lambda: self._db().execute(
                "INSERT INTO unanswered (day, reply_type, topics, question) VALUES (?, ?, ?, ?)",
                (self.clock(), reply_type, topics, text),
            ),
        )

    def top_unanswered(self, limit: int = 20) -> list[tuple[str, int]]:
        """The most frequent unanswered questions: their redacted text where it was kept, else their topic
        words ("(no known words)" when none)."""
        rows = (
            self._db()
            .execute(
                "SELECT coalesce(lower(trim(question)), nullif(topics, ''), '(no known words)') q, count(*) n "
                "FROM unanswered GROUP BY q ORDER BY n DESC, q LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return [(q, n) for q, n in rows]

    def feedback_counts(self) -> dict[str, int]:
        return dict(self._db().execute("SELECT rating, count(*) FROM feedback GROUP BY rating").fetchall())

    def rows(self) -> Iterator[tuple]:
        yield from self._db().execute(
            "SELECT 'feedback', day, topics, question FROM feedback "
            "UNION ALL SELECT 'unanswered', day, topics, question FROM unanswered"
        )


def _create_private(path: Path) -> None:
    """Create the database file owner-only before SQLite opens it; SQLite gives its -wal and -shm files
    the same mode. An older world-readable file is tightened."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(fd)
    for suffix in ("", "-wal", "-shm"):
        companion = Path(f"{path}{suffix}")
        if companion.exists() and companion.stat().st_mode & 0o077:
            os.chmod(companion, FILE_MODE)


def _migrate(db: sqlite3.Connection) -> None:
    """Databases from before day-precision rows held full timestamps and free text: keep each row's day
    and reply type, drop the text (it was stored under the old rules)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(unanswered)")}
    if "at" not in columns:
        return
    db.executescript(
        "ALTER TABLE feedback RENAME TO feedback_v1; ALTER TABLE unanswered RENAME TO unanswered_v1;" + SCHEMA
    )
    db.execute(
        "INSERT INTO feedback (day, rating, reply_type) "
        "SELECT date(at, 'unixepoch'), rating, reply_type FROM feedback_v1"
    )
    db.execute("INSERT INTO unanswered (day) SELECT date(at, 'unixepoch') FROM unanswered_v1")
    db.executescript("DROP TABLE feedback_v1; DROP TABLE unanswered_v1; VACUUM;")
