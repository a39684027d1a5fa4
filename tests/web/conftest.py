from __future__ import annotations

import pytest

from tests.conftest import make_app


@pytest.fixture()
def app(index_dir, tmp_path):

    app = make_app(index_dir, tmp_path, ALLOWED_EMBED_ORIGINS="https://allowed.example", TESTING=True)
    yield app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()
