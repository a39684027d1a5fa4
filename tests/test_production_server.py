"""The production server as the README runs it: gunicorn with gunicorn.conf.py, serving app:app."""

from __future__ import annotations

import os
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.core import WARM_UP_QUESTION
from tests.conftest import CORPUS, make_app

ROOT = Path(__file__).resolve().parent.parent
HEADER_TIMEOUT = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, folder: Path, **env: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        self.home = folder / "home"
        self.home.mkdir()
        environ = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PRODUCTION": "1",
            "SECRET_KEY": secrets.token_hex(32),
            "FEEDBACK_DB": str(folder / "feedback.sqlite3"),
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.home),
            **env,
        }
        self._out = self.log.open("w")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py", "app:app"],
            cwd=ROOT,
            env=environ,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/api/health", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError("gunicorn did not start:\n" + self.log.read_text())

    def get(self, path: str, timeout: float = 10):
        return urllib.request.urlopen(self.base + path, timeout=timeout)

    def workers(self) -> list[int]:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self._out.close()
        return self.log.read_text()


@pytest.fixture(scope="module")
def server(tmp_path_factory, index_dir):
    folder = tmp_path_factory.mktemp("gunicorn")
    corpus = folder / "corpus"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(index_dir, folder / "index")  # the session's index of CORPUS: fresh for the copy
    running = Server(
        folder, CORPUS_DIR=str(corpus), INDEX_DIR=str(folder / "index"), HEADER_TIMEOUT=str(HEADER_TIMEOUT)
    )
    running.corpus = corpus  # type: ignore[attr-defined]
    yield running
    running.stop()


def test_gunicorn_serves_and_writes_access_lines_without_query_strings(server):
    assert server.get("/api/health").status == 200
    assert server.get("/lookup?q=my+name+is+Jane+Doe+lenalidomide").status == 200
    time.sleep(0.3)
    text = server.log.read_text()
    assert "Logging error" not in text and "Traceback" not in text, text
    access = [line for line in text.splitlines() if '"GET /' in line]
    assert any('"GET /api/health" 200' in line for line in access), text
    assert any('"GET /lookup" 200' in line for line in access), text
    assert "Jane" not in text and "lenalidomide" not in text


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /lookup?q=SSN is 123-45-6789 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"SSN is 123-45-6789 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /x?q=Jane%20Doe%20123-45-6789 HTTP/9.9\r\nHost: x\r\n\r\n",
        b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: zz 123-45-6789\r\n\r\n",
    ],
)
def test_a_malformed_request_line_never_reaches_the_logs(server, raw):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(raw)
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")
    time.sleep(0.3)
    text = server.log.read_text()
    assert "Invalid request from ip" in text  # it is logged, without what was typed
    assert "123-45-6789" not in text and "SSN" not in text and "Jane" not in text


def test_two_slow_clients_do_not_stall_the_server_and_are_cut_off(server):
    slow = []
    for _ in range(2):
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        conn.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # ... and the rest of the head never comes
        slow.append(conn)
    try:
        time.sleep(0.5)  # both are now holding a thread each
        for _ in range(5):
            began = time.monotonic()
            assert server.get("/api/health", timeout=5).status == 200
            assert time.monotonic() - began < 1.0  # liveness, a generous bound
        began = time.monotonic()
        for conn in slow:
            assert conn.recv(1024) == b""  # closed by the server ...
        assert time.monotonic() - began < HEADER_TIMEOUT + 5  # ... once the header deadline passed
    finally:
        for conn in slow:
            conn.close()


def test_a_worker_killed_while_the_corpus_is_missing_is_replaced_from_the_valid_index(server):
    hidden = server.corpus.with_name("corpus-away")
    server.corpus.rename(hidden)
    try:
        before = server.workers()
        assert before
        os.kill(before[0], signal.SIGKILL)
        for _ in range(300):
            now = server.workers()
            if len(now) == len(before) and before[0] not in now:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("no worker replaced the killed one:\n" + server.log.read_text())
        time.sleep(1.0)
        assert server.process.poll() is None, server.log.read_text()
        for _ in range(6):
            assert server.get("/api/health").status == 200
        text = server.log.read_text()
        assert "INDEX REBUILD FAILED" in text and "serving the last good index" in text
    finally:
        hidden.rename(server.corpus)


def test_the_gunicorn_control_socket_is_off(server):
    assert not list(server.home.rglob("*.ctl")) and not (server.home / ".gunicorn").exists()


BLAS_THREADS_AFTER_CONF = """
import ctypes, runpy
runpy.run_path("gunicorn.conf.py")
import numpy
paths = {line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line.lower()}
counts = []
for path in paths:
    lib = ctypes.CDLL(path)
    for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads"):
        if hasattr(lib, name):
            counts.append(getattr(lib, name)())
print(counts)
"""


def test_workers_get_one_blas_thread_even_though_the_config_imports_numpy():
    """OpenBLAS reads its thread count once, when numpy loads; gunicorn.conf.py must set it first."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "-c", BLAS_THREADS_AFTER_CONF], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[1]", out


def test_each_worker_answers_a_question_before_it_takes_traffic(index_dir, tmp_path):
    app = make_app(index_dir, tmp_path)
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    bot = app.extensions["bot"]
    bot.encoder._cache.clear()
    hooks["post_worker_init"](SimpleNamespace(wsgi=app))
    assert WARM_UP_QUESTION in bot.encoder._cache  # the sentence model ran on it
