"""Real-browser tests: Playwright drives Debian's Chromium (no browser download). A missing browser
is a failure, not a skip."""

from __future__ import annotations

import http.server
import shutil
import socketserver
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import ROOT, make_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE = ROOT / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"


def _free_port() -> int:
    with socketserver.TCPServer(("127.0.0.1", 0), None) as s:
        return s.server_address[1]


class _Thread(threading.Thread):
    def __init__(self, server) -> None:
        super().__init__(daemon=True)
        self.server = server

    def run(self) -> None:
        self.server.serve_forever()


@pytest.fixture(scope="session")
def host_ports():
    return _free_port(), _free_port()


@pytest.fixture(scope="session")
def live_server(index_dir, tmp_path_factory, host_ports):

    allowed_port, _ = host_ports
    app = make_app(index_dir, tmp_path_factory.mktemp("fb"), ALLOWED_EMBED_ORIGINS=f"http://127.0.0.1:{allowed_port}")
    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = _Thread(server)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def host_pages(live_server, host_ports, tmp_path_factory):
    """Two embedding pages on other origins: one allowed, one not."""
    folder = tmp_path_factory.mktemp("host")
    # index.html in the host's purple; yellow.html in a colour white text cannot be read on
    for name, colour in (("index.html", "#6b2c91"), ("yellow.html", "#ffd400")):
        (folder / name).write_text(
            f'<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Host</title></head><body><h1>Clinic support page</h1>"
            f'<script src="{live_server}/embed.js" data-title="Ask our nurse bot" data-color="{colour}" async></script>'
            f"</body></html>"
        )
    servers = []
    for port in host_ports:
        handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(folder), **k)  # noqa: E731
        server = socketserver.ThreadingTCPServer(("127.0.0.1", port), handler)
        _Thread(server).start()
        servers.append(server)
    yield [f"http://127.0.0.1:{port}/index.html" for port in host_ports]
    for server in servers:
        server.shutdown()


@pytest.fixture()
def serve_app(index_dir, tmp_path):
    """Start another live app with its own settings (a low RATE_LIMIT, say); stopped after the test."""
    servers = []

    def start(**overrides) -> str:
        app = make_app(index_dir, tmp_path, **overrides)
        server = make_server("127.0.0.1", _free_port(), app, threaded=True)
        _Thread(server).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def shot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
