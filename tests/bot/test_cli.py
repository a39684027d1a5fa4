from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import CORPUS, ROOT


def run_cli(index_dir, *args):
    return _cli("--corpus", str(CORPUS), "--index-dir", str(index_dir), *args)


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


def test_ask_for_a_person_puts_the_emergency_line_first(index_dir):
    out = run_cli(index_dir, "ask", "chest pain revlimid")
    assert out.returncode == 0, out.stderr
    first = out.stdout.strip().splitlines()[0]
    assert first.startswith("Note:") and "911" in first


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
    store = FeedbackStore(db, keep_text=True)  # STORE_QUESTIONS on
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
    from bot.privacy import FeedbackStore

    db = tmp_path / "f.sqlite3"
    FeedbackStore(db, keep_text=True, clock=lambda: "2020-01-01").add_unanswered("an old question about warts")
    FeedbackStore(db, keep_text=True).add_unanswered("a recent question about BCG")
    out = _report(db)
    assert out.returncode == 0
    assert "recent question about bcg" in out.stdout
    assert "warts" not in out.stdout


def test_report_by_default_shows_topic_words(tmp_path):
    from bot.privacy import FeedbackStore

    db = tmp_path / "f.sqlite3"
    FeedbackStore(db).add_unanswered("Does tamoxifen cause hot flashes? my email is a@b.org")
    out = _report(db)
    assert out.returncode == 0 and "(no known words)" in out.stdout  # no index given: no word is known
    assert "tamoxifen" not in out.stdout and "a@b.org" not in out.stdout and "email" not in out.stdout


def _cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (["index", "--bogus"], "unrecognized arguments"),
        (["--corpus", "/nonexistent/corpus", "--index-dir", "{tmp}/i", "index"], "does not exist"),
        (["search"], "required"),
        (["search", "BCG", "-k", "zero"], "whole number"),
        (["search", "BCG", "-k", "0"], "at least 1"),
        (["--index-dir", "{tmp}/none", "--corpus", "{tmp}", "search", "BCG"], "no usable document"),
        (["ask"], "required"),
        (["--index-dir", "{tmp}/none", "--corpus", "/nonexistent", "ask", "what is BCG"], "does not exist"),
        (["eval", "{tmp}/missing.jsonl"], "no questions file"),
        (["eval", "{tmp}/bad.jsonl"], "not a questions file"),
        (["report", "--db", "{tmp}/missing.sqlite3"], "no feedback database"),
        (["report", "--limit", "-3"], "at least 1"),
        (["settings", "--bogus"], "unrecognized arguments"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_every_command_answers_a_bad_argument_or_missing_file_in_one_line_with_status_2(
    index_dir, tmp_path, args, words
):
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if filled[0] == "eval":
        filled = ["--index-dir", str(index_dir), "--corpus", str(CORPUS), *filled]
    out = _cli(*filled)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    # one error line, last (an index build may have printed its progress before failing)
    assert errors == [lines[-1]] and words in lines[-1], out.stderr
    assert "Traceback" not in out.stderr
