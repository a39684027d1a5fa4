"""Redaction of every identifier class the security review found stored, and the store's defaults:
no free text, day precision, owner-only files, retention that leaves no copy behind, failures that
never reach a reply."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import stat
import time

import pytest

from bot.privacy import FeedbackStore, index_vocabulary, index_words, redact
from tests.conftest import read_only

# (what the person typed, the identifying parts that must be gone, a label that must appear)
IDENTIFIERS = [
    ("SSN 123-45-6789", ["123-45-6789"], "[ssn]"),
    ("my SSN is 123 45 6789", ["123 45 6789"], "[ssn]"),
    ("credit card 4111 1111 1111 1111", ["4111"], "[card]"),
    ("call me on +44 20 7946 0958", ["7946", "0958"], "[phone]"),
    ("my number is 555-0142-889", ["0142"], "[phone]"),
    ("call 1-800-227-2345 tomorrow", ["227-2345"], "[phone]"),
    ("Jane Doe here, does BCG hurt?", ["Jane", "Doe"], "[name]"),
    ("Patient: Maria Gonzalez-Lopez, on lenalidomide", ["Maria", "Gonzalez"], "[name]"),
    ("my husband Tom takes thalidomide", ["Tom"], "[name]"),
    ("Dr. Patel at Mercy hospital said to stop", ["Patel", "Mercy"], "[name]"),
    ("my name is jane and I take imiquimod", ["jane"], "[name]"),
    ("hospital number A1234567", ["A1234567", "1234567"], "[id]"),
    ("insurance ID XK 4471 2290", ["XK", "4471", "2290"], "[id]"),
    ("MRN: 00123456", ["00123456"], "[id]"),
    ("DOB March 4th, 1962", ["March", "1962"], "[date]"),
    ("born 4 March 1962", ["March", "1962"], "[date]"),
    ("date of birth 1962.03.04", ["1962.03.04"], "[date]"),
    ("started on 03/04/2024", ["03/04/2024"], "[date]"),
    ("I live at 221B Baker Street, Springfield IL 62704", ["221B", "Baker", "Springfield", "62704"], "[address]"),
    ("I have HIV and my husband Tom does not know", ["Tom"], "[name]"),
    ("email me at jane.doe@example.org", ["jane.doe", "example.org"], "[email]"),
]


@pytest.mark.parametrize("text, gone, label", IDENTIFIERS)
def test_each_identifier_class_is_redacted(text, gone, label):
    redacted = redact(text)
    assert label in redacted, redacted
    for part in gone:
        assert part not in redacted, redacted


@pytest.mark.parametrize(
    "text",
    [
        "How is BCG given?",
        "What are the side effects of lenalidomide?",
        "I take 25 mg on days 1-21 of a 28-day cycle",
        "I'm taking lenalidomide and my husband does not know",
        "I took 3 of my 5 mg capsules",
    ],
)
def test_ordinary_questions_keep_their_words(text):
    assert redact(text) == text


def test_index_terms_are_not_taken_for_names(loaded_index):
    known = index_vocabulary(loaded_index)
    assert redact("Can I take Revlimid with Tylenol?", known) == "Can I take Revlimid with [name]?"


def test_hostile_input_is_redacted_quickly():
    began = time.perf_counter()
    redact("1 " * 20000 + "a" * 20000 + " Aa" * 5000)
    assert time.perf_counter() - began < 5  # linear patterns: a generous bound, not a speed figure


def test_index_words_keep_only_terms_the_index_knows(loaded_index):
    words = index_words(
        "My name is Maria Gonzalez, what are lenalidomide side effects?", index_vocabulary(loaded_index)
    )
    assert "lenalidomide" in words and "maria" not in words and "gonzalez" not in words and "what" not in words


def _store(tmp_path, **kwargs) -> FeedbackStore:
    return FeedbackStore(tmp_path / "f.sqlite3", **kwargs)


def _stored_bytes(store: FeedbackStore) -> bytes:
    return b"".join(p.read_bytes() for p in store.path.parent.iterdir() if p.name.startswith(store.path.name))


def test_by_default_only_index_words_reply_type_and_day_are_stored(tmp_path, loaded_index):
    store = _store(tmp_path, vocabulary=index_vocabulary(loaded_index))
    store.add_unanswered("My name is Maria Gonzalez, SSN 123-45-6789: does lenalidomide cause hair loss?")
    store.add_feedback("down", "answer", "Jane Doe here: is thalidomide safe?")
    rows = list(store.rows())
    assert all(question is None for *_, question in rows)
    assert all(day == dt.datetime.now(dt.UTC).date().isoformat() for _, day, _, _ in rows)
    topics = " ".join(t for _, _, t, _ in rows)
    assert "lenalidomide" in topics and "thalidomide" in topics
    everything = _stored_bytes(store)
    for secret in (b"Maria", b"maria", b"Gonzalez", b"123-45-6789", b"Jane"):
        assert secret not in everything
    assert store.top_unanswered()[0][0].startswith("lenalidomide")


def test_with_free_text_on_the_text_is_redacted(tmp_path):
    store = _store(tmp_path, keep_text=True)
    store.add_unanswered("Patient: Maria Gonzalez-Lopez, hospital number A1234567, why is my hair falling out")
    (question,) = [q for *_, q in store.rows()]
    assert "Maria" not in question and "A1234567" not in question and "hair falling out" in question


def test_files_are_owner_only(tmp_path):
    store = _store(tmp_path)
    store.add_unanswered("what is BCG")
    files = [p for p in tmp_path.iterdir() if p.name.startswith("f.sqlite3")]
    assert {p.name for p in files} >= {"f.sqlite3", "f.sqlite3-wal", "f.sqlite3-shm"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_an_old_world_readable_file_is_tightened(tmp_path):
    path = tmp_path / "f.sqlite3"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    FeedbackStore(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_expired_rows_go_on_start_and_leave_no_copy_in_the_wal(tmp_path):
    day = ["2026-01-01"]
    store = _store(tmp_path, retention_days=1, keep_text=True, clock=lambda: day[0])
    store.add_unanswered("a question about warts and zebras")
    assert b"zebras" in _stored_bytes(store)
    day[0] = "2026-01-05"
    reopened = FeedbackStore(store.path, retention_days=1, keep_text=True, clock=lambda: day[0])  # expires on start
    assert list(reopened.rows()) == []
    assert b"zebras" not in _stored_bytes(store)
    assert (tmp_path / "f.sqlite3-wal").stat().st_size == 0


def test_expiry_runs_on_a_schedule_without_writes(tmp_path):
    day = ["2026-01-01"]
    store = _store(tmp_path, retention_days=1, clock=lambda: day[0])
    store.add_unanswered("what is bcg")
    day[0] = "2026-02-01"
    store.start_schedule(every_s=0.05)
    try:
        for _ in range(100):
            if not list(store.rows()):
                break
            time.sleep(0.05)
        assert list(store.rows()) == []
    finally:
        store.close()


def test_a_locked_database_drops_the_write_and_logs_it(tmp_path, caplog):
    store = _store(tmp_path)
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        began = time.perf_counter()
        assert store.add_unanswered("Jane Doe: what is BCG") is False
        assert time.perf_counter() - began < 3  # not the old 5 s wait; generous
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "failed" in caplog.text and "Jane" not in caplog.text
    assert store.add_unanswered("what is BCG") is True


def test_a_read_only_location_disables_the_store_with_a_warning(tmp_path, caplog):
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        store = FeedbackStore(folder / "f.sqlite3")
        assert not store.enabled and "disabled" in caplog.text
        assert store.add_unanswered("what is BCG") is False


def test_a_location_that_cannot_be_written_disables_the_store(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    store = FeedbackStore(blocked / "f.sqlite3")
    assert not store.enabled and "disabled" in caplog.text
    assert store.add_feedback("up", "answer", "what is BCG") is False
