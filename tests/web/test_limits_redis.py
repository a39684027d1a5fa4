"""Two app instances share rate limits through a real redis-server started here on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from tests.conftest import make_app


def start_redis(folder):
    """A real redis-server on a free loopback port: (process, url)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is missing: run `make test` (it installs Debian's redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    return proc, f"redis://127.0.0.1:{port}/0"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    proc, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_limits_are_shared_between_instances(index_dir, tmp_path, redis_url):

    def instance():
        return make_app(index_dir, tmp_path, RATE_LIMIT="3 per minute", REDIS_URL=redis_url).test_client()

    first, second = instance(), instance()
    codes = [
        client.post("/api/chat", json={"message": "what is BCG"}).status_code
        for client in (first, second, first, second)
    ]
    assert codes == [200, 200, 200, 429]


def test_instances_keep_no_conversation_state(index_dir, tmp_path):
    """A follow-up asked of another instance is understood: the context travels with the message."""

    make = lambda: make_app(index_dir, tmp_path, SECRET_KEY="shared").test_client()
    first = make().post("/api/chat", json={"message": "What is BCG used for?"}).get_json()
    second = make().post("/api/chat", json={"message": "How is it given?", "context": first["context"]}).get_json()
    assert "catheter" in second["answer"]


def test_redis_stopped_mid_run_falls_back_to_memory_logs_it_and_health_says_so(index_dir, tmp_path, caplog):
    proc, url = start_redis(tmp_path)
    try:
        client = make_app(index_dir, tmp_path, RATE_LIMIT="3 per minute", REDIS_URL=url).test_client()
        assert client.get("/api/health").get_json()["rate_limits"] == {"storage": "redis", "shared": True, "ok": True}
        assert client.post("/api/chat", json={"message": "what is BCG"}).status_code == 200
        proc.terminate()
        proc.wait(timeout=10)
        caplog.set_level("WARNING")
        codes = [client.post("/api/chat", json={"message": "what is BCG"}).status_code for _ in range(4)]
        # never a 500: counting goes on in memory (a fresh count), and still limits
        assert codes == [200, 200, 200, 429]
        assert "rate-limit storage unreachable" in caplog.text
        assert caplog.text.count("rate-limit storage unreachable") == 1  # logged once, not per request
        health = client.get("/api/health")
        assert health.status_code == 200
        body = health.get_json()
        assert body["status"] == "degraded" and body["rate_limits"]["ok"] is False
        assert "redis unreachable" in body["rate_limits"]["storage"]
        urgent = client.post("/api/chat", json={"message": "I have chest pain and cannot breathe"})
        assert urgent.status_code == 200 and urgent.get_json()["type"] == "urgent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
