from __future__ import annotations

import json

import pytest

from tests.conftest import make_app


def test_chat_returns_the_answer_object(client):
    reply = client.post("/api/chat", json={"message": "How is BCG given?", "context": None}).get_json()
    assert {"type", "answer", "citations", "disclaimer", "context"} <= reply.keys()
    assert reply["type"] == "answer" and "catheter" in reply["answer"]
    follow = client.post(
        "/api/chat", json={"message": "What are its side effects?", "context": reply["context"]}
    ).get_json()
    assert follow["type"] == "answer" and ("flu" in follow["answer"] or "fever" in follow["answer"])


@pytest.mark.parametrize(
    "body, content_type, status, words",
    [
        ("not json", "application/json", 400, "not valid JSON"),
        ("[1, 2]", "application/json", 400, "JSON object"),
        ('{"message": 5}', "application/json", 400, "string"),
        ('{"message": ""}', "application/json", 400, "empty"),
        ('{"message": "   "}', "application/json", 400, "empty"),
        ('{"context": "x"}', "application/json", 400, "required"),
        ('{"message": "hi", "extra": 1}', "application/json", 400, "unknown field"),
        ('{"message": "hi"}', "text/plain", 415, "JSON"),
    ],
)
def test_bad_requests_get_clear_json_errors(client, body, content_type, status, words):
    response = client.post("/api/chat", data=body, content_type=content_type)
    assert response.status_code == status
    assert words in response.get_json()["error"]["message"]


def test_long_message_and_huge_body(client, app):
    too_long = client.post("/api/chat", json={"message": "a" * (app.config["MAX_MESSAGE_CHARS"] + 1)})
    assert too_long.status_code == 400 and "limit" in too_long.get_json()["error"]["message"]
    huge = client.post("/api/chat", data=json.dumps({"message": "a" * 70000}), content_type="application/json")
    assert huge.status_code == 413 and huge.get_json()["error"]["status"] == 413


def test_an_emergency_in_a_message_over_the_length_limit_is_not_turned_away(client, app):
    """A long message whose emergency comes last was refused as too long, with no number. It still gets
    400 when calm; told of an emergency, it gets the urgent reply alone."""
    limit = app.config["MAX_MESSAGE_CHARS"]
    story = "I have been on revlimid since spring and wanted to ask about a few things. " * (limit // 70)
    assert len(story) > limit
    calm = client.post("/api/chat", json={"message": story})
    assert calm.status_code == 400 and "limit" in calm.get_json()["error"]["message"]
    urgent = client.post("/api/chat", json={"message": story + " Right now I have crushing chest pain."})
    reply = urgent.get_json()
    assert urgent.status_code == 200 and reply["type"] == "urgent" and "911" in reply["answer"]
    assert reply["citations"] == []  # the message is not answered beyond its emergency


@pytest.mark.parametrize("context", ["forged.token", 123, ["x"], {"s": []}, "A" * 5000])
def test_forged_context_degrades_to_no_context(client, context):
    response = client.post("/api/chat", json={"message": "How is it given?", "context": context})
    assert response.status_code == 200 and response.get_json()["type"] in {"answer", "no_answer"}


@pytest.mark.parametrize(
    "message",
    [
        "\x00\x01 what is BCG",
        "\ud800 lone surrogate",
        "💊 what is imiquimod? 💊",
        "מה זה BCG?",
        "¿Qué es la talidomida?",
        "<script>alert(1)</script>",
    ],
)
def test_odd_but_valid_messages_get_normal_replies(client, message):
    response = client.post("/api/chat", data=json.dumps({"message": message}), content_type="application/json")
    assert response.status_code == 200
    assert "<script>" not in response.get_json()["answer"]


def test_health_and_openapi(client):
    health = client.get("/api/health").get_json()
    assert health["status"] == "ok" and health["index"]["passages"] > 10
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/api/chat" in spec["paths"]


def test_by_default_no_free_text_is_stored(client, app):
    client.post("/api/chat", json={"message": "My name is Jane Doe, email jane@x.org: how is radiation given?"})
    feedback = {"rating": "down", "question": "call me at 555-123-4567 about BCG", "type": "answer"}
    assert client.post("/api/feedback", json=feedback).status_code == 200
    assert client.post("/api/feedback", json={"rating": "sideways"}).status_code == 400
    store = app.extensions["feedback"]
    rows = list(store.rows())
    assert len(rows) == 2 and all(question is None for *_, question in rows)
    stored = " ".join(topics for _, _, topics, _ in rows)
    assert "Jane" not in stored and "jane" not in stored and "555" not in stored
    assert "bcg" in stored
    assert store.top_unanswered()[0][1] == 1


def test_with_store_questions_on_the_text_is_stored_redacted(index_dir, tmp_path):
    app = make_app(index_dir, tmp_path, STORE_QUESTIONS=True)
    client = app.test_client()
    client.post("/api/chat", json={"message": "My name is Jane Doe, email jane@x.org: how is radiation given?"})
    feedback = {"rating": "down", "question": "call me at 555-123-4567", "type": "answer"}
    assert client.post("/api/feedback", json=feedback).status_code == 200
    stored = " ".join(q or "" for *_, q in app.extensions["feedback"].rows())
    assert "Jane" not in stored and "jane@x.org" not in stored and "555-123-4567" not in stored
    assert "[name]" in stored and "[email]" in stored and "[phone]" in stored


def test_message_text_never_reaches_the_logs(client, caplog):
    caplog.set_level("DEBUG")
    client.post("/api/chat", json={"message": "secret-marker-xyz what is BCG"})
    client.post("/api/chat", data="{bad secret-marker-xyz", content_type="application/json")
    assert "secret-marker-xyz" not in caplog.text


def test_query_strings_are_cut_from_access_log_lines():
    import logging

    from web.logging_privacy import StripQueryStrings

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [%s] "%s" %s',
        ("127.0.0.1", "now", "GET /lookup?q=my+name+is+Jane HTTP/1.1", "200"),
        None,
    )
    StripQueryStrings().filter(record)
    assert "Jane" not in record.getMessage() and "/lookup?[redacted]" in record.getMessage()


def test_query_strings_are_cut_from_gunicorn_atoms_which_stay_a_mapping():
    import logging

    from gunicorn.glogging import SafeAtoms

    from web.logging_privacy import StripQueryStrings

    atoms = SafeAtoms({"r": "GET /lookup?q=Jane+Doe HTTP/1.1", "q": "q=Jane+Doe", "U": "/lookup", "s": 200})
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '"%(r)s" %(q)s %(s)s %(x)s', None, None)
    record.args = atoms  # as gunicorn passes them: one mapping
    StripQueryStrings().filter(record)
    message = record.getMessage()
    assert "Jane" not in message
    assert message == '"GET /lookup?[redacted] HTTP/1.1" [redacted] 200 -'  # unknown atoms still read "-"
    assert atoms["r"].endswith("Doe HTTP/1.1")  # the caller's mapping is left as it was


def test_stored_rows_expire_after_the_retention_period(tmp_path):
    from bot.privacy import FeedbackStore

    day = ["2026-01-01"]
    store = FeedbackStore(tmp_path / "f.sqlite3", retention_days=1, keep_text=True, clock=lambda: day[0])
    store.add_unanswered("old question")
    day[0] = "2026-01-03"
    store.add_unanswered("new question")
    store.expire()
    assert [q for q, _ in store.top_unanswered()] == ["new question"]
