"""Who is asking, behind proxies. ``PROXY_COUNT`` trusted hops: ProxyFix believes that many
X-Forwarded-For/-Proto/-Host entries counted from the right (the ones our own proxies appended) and
ignores anything a client put before them, so ``request.remote_addr`` is the real client and a spoofed
header cannot pick another client's rate-limit budget. ``TRUSTED_HOSTS`` limits the Host header (400
otherwise, checked by Flask), and no URL is built from the Host: the app never redirects to merge slashes.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    hops = int(app.config["PROXY_COUNT"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.config["TRUSTED_HOSTS"] = list(app.config["TRUSTED_HOSTS"]) or None  # Flask: None accepts any host
    app.url_map.merge_slashes = False  # "//evil.example" is a 404, not a redirect to http://<Host>/


def no_slash_redirects(app: Flask) -> None:
    """Rules added before init_app (the static route) took the map's old default: turn it off on each."""
    for rule in app.url_map.iter_rules():
        rule.merge_slashes = False
