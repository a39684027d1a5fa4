"""No request text in any log, including the dev server's lines about malformed requests."""

from __future__ import annotations

import logging
import socket
import threading

from werkzeug.serving import make_server

from web.logging_privacy import ScrubRequestText, StripQueryStrings, request_line, scrub_error_text


def test_request_lines_keep_method_path_and_version_only():
    assert request_line("GET /lookup?q=Jane+Doe HTTP/1.1") == "GET /lookup?[redacted] HTTP/1.1"
    assert request_line("GET /api/health HTTP/1.1") == "GET /api/health HTTP/1.1"
    assert request_line("GET /lookup?q=SSN is 123-45-6789 HTTP/1.1") == "[malformed request line]"
    assert request_line("SSN is 123-45-6789 HTTP/1.1") == "[malformed request line]"


def test_gunicorn_invalid_request_lines_lose_the_quoted_text():
    message = "Invalid request from ip=127.0.0.1: Invalid HTTP Version: 'is 123-45-6789 HTTP/1.1'"
    assert scrub_error_text(message) == "Invalid request from ip=127.0.0.1: Invalid HTTP Version [redacted]"
    uri = scrub_error_text("Error handling request GET /lookup?q=Jane Doe 555-0142")
    assert "Jane" not in uri and "555" not in uri


def test_the_dev_server_logs_no_request_text(client, caplog):
    caplog.set_level(logging.DEBUG)
    app = client.application
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for raw in (
            b"GET /lookup?q=SSN is 123-45-6789 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /lookup?q=Jane%20Doe HTTP/1.1\r\nHost: x\r\n\r\n",
            b"SSN 123-45-6789 is Jane Doe's\r\n\r\n",
        ):
            with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as conn:
                conn.sendall(raw)
                conn.recv(4096)
    finally:
        server.shutdown()
        thread.join(timeout=10)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/lookup" in logged  # the lines are there ...
    assert "123-45-6789" not in logged and "Jane" not in logged and "SSN" not in logged  # ... without the text


def test_filters_are_installed_once(app):
    for name in ("werkzeug", "gunicorn.error", "gunicorn.access"):
        kinds = [type(f) for f in logging.getLogger(name).filters]
        assert len(kinds) == len(set(kinds))
    assert ScrubRequestText in [type(f) for f in logging.getLogger("gunicorn.error").filters]
    assert StripQueryStrings in [type(f) for f in logging.getLogger("gunicorn.access").filters]
