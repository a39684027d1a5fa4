from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import CORPUS, ROOT


def run_cli(index_dir, *args):
    return subprocess.run(
        [sys.executable, "-m", "bot", "--corpus", str(CORPUS), "--index-dir", str(index_dir), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize(
    "question, expected",
    [
        ("why take aspirin with revlimid", "blood clots"),
        ("imiquimod transplant", "organ transplant"),
        ("how is BCG given", "catheter"),
    ],
)
def test_search_finds_the_right_passage_first(index_dir, question, expected):
    out = run_cli(index_dir, "search", "--json", question)
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)
    assert set(results[0]) == {"passage", "title", "publisher", "section", "score", "doc_id"}
    assert expected in results[0]["passage"]
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_ask_json_prints_the_answer_object(index_dir):
    out = run_cli(index_dir, "ask", "--json", "What is BCG?")
    reply = json.loads(out.stdout)
    assert {"type", "answer", "citations", "disclaimer", "context"} <= reply.keys()
    assert reply["type"] == "answer" and "[1]" in reply["answer"]


def test_ask_for_a_person_shows_sources(index_dir):
    out = run_cli(index_dir, "ask", "How is imiquimod applied?")
    assert "[1]" in out.stdout and "Ask your care team" in out.stdout


def test_eval_reports_rates_and_misses(index_dir, tmp_path):
    cases = tmp_path / "q.jsonl"
    cases.write_text(
        '{"kind": "no_answer", "question": "What time is it in Tokyo?"}\n'
        '{"kind": "answer", "question": "What is BCG?", "expect_any": ["zzz-not-there"]}\n'
    )
    out = run_cli(index_dir, "eval", "--json", str(cases))
    result = json.loads(out.stdout)
    assert result["rates"]["no_answer"] == 1.0 and result["rates"]["answer_text"] == 0.0
    assert result["misses"][0]["question"] == "What is BCG?"


def test_bad_index_dir_is_a_clear_error(tmp_path):
    empty_corpus = tmp_path / "nothing"
    empty_corpus.mkdir()
    out = subprocess.run(
        [sys.executable, "-m", "bot", "--corpus", str(empty_corpus), "--index-dir", str(tmp_path / "i"), "search", "x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 2 and "no usable document" in out.stderr


def _report(db) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_report_shows_frequent_unanswered_questions_redacted(tmp_path):
    from bot.privacy import FeedbackStore

    db = tmp_path / "f.sqlite3"
    store = FeedbackStore(db)
    for _ in range(3):
        store.add_unanswered("Does tamoxifen cause hot flashes? my email is a@b.org")
    store.add_unanswered("How is radiation given?")
    store.add_feedback("up", "answer", None)
    out = _report(db)
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert "1 helpful, 0 not helpful" in lines[0]
    assert "3  does tamoxifen cause hot flashes? my email is [email]" in out.stdout
    assert "a@b.org" not in out.stdout


def test_report_leaves_out_rows_past_the_retention_period(tmp_path):
    import sqlite3
    import time

    from bot.privacy import FeedbackStore

    db = tmp_path / "f.sqlite3"
    store = FeedbackStore(db)
    store.add_unanswered("an old question about warts")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE unanswered SET at = ?", (time.time() - 400 * 86400,))
    store.add_unanswered("a recent question about BCG")
    out = _report(db)
    assert out.returncode == 0
    assert "recent question about bcg" in out.stdout
    assert "warts" not in out.stdout
