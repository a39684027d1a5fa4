from __future__ import annotations

import pytest

from tests.conftest import CORPUS


@pytest.fixture()
def app(index_dir, tmp_path):
    from web import create_app

    app = create_app(
        {
            "INDEX_DIR": str(index_dir),
            "CORPUS_DIR": str(CORPUS),
            "SECRET_KEY": "test-secret",
            "FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
            "ALLOWED_EMBED_ORIGINS": "https://allowed.example",
            "RATE_LIMIT": "1000 per minute",
            "TESTING": True,
        }
    )
    yield app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()
