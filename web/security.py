"""Security headers. No inline script anywhere: the CSP forbids it. Only the widget may be framed,
and only by the origins in ALLOWED_EMBED_ORIGINS."""

from __future__ import annotations

from flask import Flask, Response, request


def frame_ancestors(app: Flask) -> str:
    origins = " ".join(app.config["ALLOWED_EMBED_ORIGINS"])
    return f"'self' {origins}".strip()


def init_app(app: Flask) -> None:
    @app.after_request
    def headers(response: Response) -> Response:
        framable = request.path == "/widget"
        ancestors = frame_ancestors(app) if framable else "'none'"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            f"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
        )
        if not framable:
            response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.path.startswith("/api/") or request.method == "POST":
            response.headers["Cache-Control"] = "no-store"
        return response
