"""The gunicorn worker: gthread (a slow client holds one thread, not a whole worker) with a deadline on
reading a request's line and headers. gunicorn's own gthread worker hands a connection to a thread as
soon as a first byte arrives, and the thread then waits as long as the client likes; here a watchdog
closes the socket of any request whose head is not complete within HEADER_TIMEOUT seconds, which frees
the thread. Once the head is in, each later read or write waits at most HEADER_TIMEOUT seconds too."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from bot.settings import load_settings

WATCHDOG_TICK_S = 0.25


class HeaderTimeoutWorker(ThreadWorker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.header_timeout = float(load_settings()["HEADER_TIMEOUT"])
        self._deadlines: dict[Any, float] = {}
        self._deadlines_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def init_process(self) -> None:
        threading.Thread(target=self._watch, name="header-timeout", daemon=True).start()
        super().init_process()

    def _watch(self) -> None:
        while True:
            time.sleep(WATCHDOG_TICK_S)
            now = time.monotonic()
            with self._deadlines_lock:
                late = [conn for conn, deadline in self._deadlines.items() if deadline <= now]
                for conn in late:
                    del self._deadlines[conn]
            for conn in late:
                self.log.info("closed a connection that sent no complete request head in %ss", self.header_timeout)
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns; gunicorn closes it
                except OSError:
                    pass

    def handle(self, conn: Any) -> Any:
        with self._deadlines_lock:
            self._deadlines[conn] = time.monotonic() + self.header_timeout
        try:
            return super().handle(conn)
        finally:
            with self._deadlines_lock:
                self._deadlines.pop(conn, None)

    def handle_request(self, req: Any, conn: Any) -> Any:
        with self._deadlines_lock:
            self._deadlines.pop(conn, None)  # the head is in
        conn.sock.settimeout(self.header_timeout)  # a body or a reader that stalls is dropped as well
        return super().handle_request(req, conn)
