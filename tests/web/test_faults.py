"""No single fault turns patients away: a missing index, a failing or read-only store, a read-only index
folder, hostile JSON. And configuration that cannot be turned against the site."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3

import pytest

from bot.errors import ConfigError
from tests.conftest import CORPUS, make_app, read_only

URGENT = "I have chest pain and cannot breathe"


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_without_an_index_or_corpus_urgent_replies_still_work(tmp_path, damage, caplog, index_dir):
    broken = tmp_path / "index"
    if damage == "corrupt":
        shutil.copytree(index_dir, broken)
        current = broken / (broken / "CURRENT").read_text().strip()
        (current / "terms.json").write_text("{not json")
    caplog.set_level(logging.ERROR)
    app = make_app(broken, tmp_path, CORPUS_DIR=str(tmp_path / "no-corpus"))
    assert "INDEX UNAVAILABLE" in caplog.text
    app.extensions["bot"].warm_up()  # what each production worker runs first: it must not fail here
    client = app.test_client()
    urgent = client.post("/api/chat", json={"message": URGENT})
    assert urgent.status_code == 200 and urgent.get_json()["type"] == "urgent"
    assert "911" in urgent.get_json()["answer"]
    ordinary = client.post("/api/chat", json={"message": "What is BCG?"})
    assert ordinary.status_code == 503 and "unavailable" in ordinary.get_json()["error"]["message"]
    page = client.post("/", data={"message": URGENT})
    assert page.status_code == 200 and 'href="tel:911"' in page.get_data(as_text=True)
    assert client.get("/").status_code == 200
    health = client.get("/api/health")
    assert health.status_code == 503 and health.get_json()["index"]["ready"] is False


def test_a_failing_store_never_changes_a_reply(client, app, caplog):
    store = app.extensions["feedback"]
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        no_answer = client.post("/api/chat", json={"message": "What time is it in Tokyo?"})
        feedback = client.post("/api/feedback", json={"rating": "down", "question": "what time is it"})
        urgent = client.post("/api/chat", json={"message": URGENT})
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert no_answer.status_code == 200 and no_answer.get_json()["type"] == "no_answer"
    assert feedback.status_code == 200 and feedback.get_json() == {"ok": True}
    assert urgent.status_code == 200 and urgent.get_json()["type"] == "urgent"
    assert "feedback store" in caplog.text and "Tokyo" not in caplog.text


def test_a_read_only_store_location_disables_storage_not_the_app(index_dir, tmp_path, caplog):
    folder = tmp_path / "store"
    folder.mkdir()
    with read_only(folder):
        app = make_app(index_dir, folder)
        client = app.test_client()
        assert client.post("/api/chat", json={"message": "What time is it in Tokyo?"}).status_code == 200
        assert client.post("/api/chat", json={"message": URGENT}).get_json()["type"] == "urgent"
        assert client.get("/api/health").get_json()["feedback_store"]["enabled"] is False
    assert "feedback store disabled" in caplog.text


def test_a_read_only_index_folder_is_served(tmp_path, index_dir):
    folder = tmp_path / "index"
    shutil.copytree(index_dir, folder)  # the session's index of CORPUS, fresh for it
    with read_only(folder):
        app = make_app(folder, tmp_path)
        reply = app.test_client().post("/api/chat", json={"message": "How is BCG given?"}).get_json()
    assert reply["type"] == "answer" and "catheter" in reply["answer"]


def test_a_stale_index_in_a_read_only_folder_is_served_with_a_loud_error(tmp_path, caplog, index_dir):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    folder = tmp_path / "index"
    shutil.copytree(index_dir, folder)  # fresh for the copied corpus, until a page is added
    (corpus / "extra.md").write_text("---\ntitle: Extra\n---\nA new page about BCG and bladder cancer care.\n")
    with read_only(folder):
        app = make_app(folder, tmp_path, CORPUS_DIR=str(corpus))
        assert app.test_client().post("/api/chat", json={"message": "What is BCG?"}).status_code == 200
    assert "INDEX REBUILD FAILED" in caplog.text and "serving the last good index" in caplog.text


@pytest.mark.parametrize("depth", [9, 50, 100000])
def test_deeply_nested_json_is_a_400(client, depth):
    body = '{"message": "what is BCG", "context": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/chat", data=body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response.get_json()["error"]["status"] == response.status_code


def test_brackets_inside_strings_do_not_count_as_nesting(client):
    message = "what is BCG " + "[[[[[[[[[[[[" + "{{{{{{{{"
    response = client.post("/api/chat", data=json.dumps({"message": message}), content_type="application/json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "key, ok",
    [
        ("dev-only-change-me", False),
        ("x", False),
        ("a" * 64, False),
        ("short-but-random-9f8e7d", False),
        ("0123456789abcdef" * 2, True),
        ("3f9a1c7e5b2d8f604a1e9c3b7d5f2a8e6c4b0d9f1e3a5c7b9d2f4e6a8c0b1d3f", True),
    ],
)
def test_production_needs_a_secret_key_of_32_random_bytes(index_dir, tmp_path, key, ok):
    if ok:
        make_app(index_dir, tmp_path, PRODUCTION=True, SECRET_KEY=key)
    else:
        with pytest.raises(ConfigError, match="SECRET_KEY"):
            make_app(index_dir, tmp_path, PRODUCTION=True, SECRET_KEY=key)


def test_untrusted_host_headers_are_refused_and_never_reflected(index_dir, tmp_path):
    client = make_app(index_dir, tmp_path, TRUSTED_HOSTS="chat.example.org").test_client()
    assert client.get("/", headers={"Host": "chat.example.org"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    open_client = make_app(index_dir, tmp_path).test_client()
    for path in ("//evil.example", "//lookup", "/api//health"):  # as a raw request line puts them in PATH_INFO
        response = open_client.get("/", headers={"Host": "evil.example"}, environ_overrides={"PATH_INFO": path})
        assert response.status_code < 300 or response.status_code >= 400, path
        assert "Location" not in response.headers and "evil.example" not in response.get_data(as_text=True), path


@pytest.mark.parametrize(
    "title, shown",
    [
        ("Ask our nurses", "Ask our nurses"),
        ("Questions about Revlimid?", "Questions about Revlimid?"),
        ("Call 1-900-555-0199 for help", "Ask about your treatment"),
        ("Visit https://evil.example", "Ask about your treatment"),
        ("x" * 41, "Ask about your treatment"),
        ("<b>bold</b>", "Ask about your treatment"),
    ],
)
def test_widget_title_is_the_default_or_a_short_plain_label(client, title, shown):
    html = client.get("/widget", query_string={"title": title}).get_data(as_text=True)
    assert f'<div class="brand">{shown}</div>' in html
    if shown != title:
        assert title not in html


def test_corpus_urls_must_be_http_at_ingest(tmp_path):
    from bot.ingest import load_corpus

    (tmp_path / "a.md").write_text("---\ntitle: A\nurl: javascript:alert(1)\n---\nBCG is given into the bladder.\n")
    (tmp_path / "b.md").write_text("---\ntitle: B\nurl: https://example.org/b\n---\nImiquimod is a cream.\n")
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": "c", "title": "C", "text": "x y z", "url": "data:text/html,x"}))
    documents = {d.id: d for d in load_corpus(tmp_path).documents}
    assert documents["a"].url is None and documents["c"].url is None
    assert documents["b"].url == "https://example.org/b"
    assert any(reason == "url that is not http(s)" for reason, _ in documents["a"].report.dropped)
