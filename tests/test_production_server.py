"""The production server as the README runs it: gunicorn with gunicorn.conf.py, serving app:app."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_and_writes_access_lines_without_query_strings(index_dir, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PRODUCTION": "1",
        "SECRET_KEY": secrets.token_hex(32),
        "INDEX_DIR": str(index_dir),
        "FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
    }
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py", "app:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    health = urllib.request.urlopen(base + "/api/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise AssertionError("gunicorn did not start:\n" + log.read_text())
            assert health.status == 200
            page = urllib.request.urlopen(base + "/lookup?q=my+name+is+Jane+Doe+lenalidomide", timeout=10)
            assert page.status == 200
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    text = log.read_text()
    assert "Logging error" not in text and "Traceback" not in text, text
    access = [line for line in text.splitlines() if '"GET /' in line]
    assert any('"GET /api/health" 200' in line for line in access), text
    assert any('"GET /lookup" 200' in line for line in access), text
    assert "Jane" not in text and "lenalidomide" not in text
