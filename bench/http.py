"""Load test of the production server: gunicorn (gunicorn.conf.py settings) driven by wrk.

    python bench/http.py [--duration 10] [--connections 16] [--json]

Starts gunicorn on a free loopback port with the default corpus, runs wrk at 16 connections (the issue's load) for 10 s
against GET /api/health, then POST /api/chat with a rotating mix of real patient questions, and stops
the server. The per-client rate limit is lifted for the run (all traffic comes from one address).
"""

from __future__ import annotations

import os
import sys

# This folder holds http.py, which would shadow the standard library's http package.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "What are the side effects of lenalidomide?",
    "How is BCG given?",
    "Why take aspirin with Revlimid?",
    "How is imiquimod applied?",
    "What is a JAK inhibitor?",
    "What are the side effects of radiation?",
    "I have chest pain and can't breathe",
    "should I stop my Revlimid?",
    "revlamid neuropathy",
    "What are corticosteroids?",
]
LUA = """
local questions = {%s}
local i = 0
request = function()
  i = i + 1
  local body = '{"message": "' .. questions[(i %% #questions) + 1] .. '", "context": null}'
  return wrk.format("POST", "/api/chat", {["Content-Type"] = "application/json"}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_wrk(output: str, duration: float) -> dict:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": ms(p50.group(1)) if p50 else None,
        "p99_ms": ms(p99.group(1)) if p99 else None,
        "errors": sum(int(x) for x in sock.groups()) if sock else 0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "requests": int(total.group(1)) if total else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PRODUCTION": "1",
            "SECRET_KEY": secrets.token_hex(32),
            "RATE_LIMIT": "100000000 per minute",
            "INDEX_DIR": str(Path(tmp) / "index"),
            "FEEDBACK_DB": str(Path(tmp) / "feedback.sqlite3"),
        }
        subprocess.run(
            [sys.executable, "-m", "bot", "--index-dir", env["INDEX_DIR"], "index"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "--access-logfile",
                "/dev/null",
                "app:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/api/health", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            script = Path(tmp) / "chat.lua"
            script.write_text(LUA % ", ".join(json.dumps(q) for q in QUESTIONS))
            common = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
            health = subprocess.run(common + [base + "/api/health"], capture_output=True, text=True, check=True).stdout
            chat = subprocess.run(
                common + ["-s", str(script), base + "/api/chat"], capture_output=True, text=True, check=True
            ).stdout
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    report = {
        "server": "gunicorn (gunicorn.conf.py)",
        "connections": args.connections,
        "duration_s": args.duration,
        "health": parse_wrk(health, args.duration),
        "chat": parse_wrk(chat, args.duration),
    }
    report["chat_over_health_throughput"] = round(report["chat"]["rps"] / max(report["health"]["rps"], 1e-9), 3)
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
