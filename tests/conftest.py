from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
EVAL_DIR = DATA / "eval"  # the eval files ship with the repository, so a fresh clone can run every test
EVAL_FILE = EVAL_DIR / "questions.jsonl"
PARAPHRASES = Path(__file__).resolve().parent / "data" / "paraphrases.jsonl"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bot import index

    path = tmp_path_factory.mktemp("index")
    index.build(CORPUS, path)
    return path


@pytest.fixture(scope="session")
def bot(index_dir: Path):
    from bot import Bot

    return Bot({"INDEX_DIR": str(index_dir), "CORPUS_DIR": str(CORPUS), "SECRET_KEY": "test-secret"})


@pytest.fixture(scope="session")
def loaded_index(bot):
    return bot.index


def make_app(index_dir: Path, data_dir: Path, **overrides):
    """The web app on the session's index, with its feedback file in data_dir. Rate limits are lifted
    unless a test sets RATE_LIMIT."""
    from web import create_app

    config = {
        "INDEX_DIR": str(index_dir),
        "CORPUS_DIR": str(CORPUS),
        "SECRET_KEY": "test-secret",
        "FEEDBACK_DB": str(Path(data_dir) / "feedback.sqlite3"),
        "RATE_LIMIT": "1000000 per minute",
    }
    return create_app({**config, **overrides})


def eval_cases(path: Path = EVAL_FILE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def all_questions() -> list[str]:
    questions = []
    for path in (EVAL_FILE, PARAPHRASES):
        for case in eval_cases(path):
            questions += [t["question"] for t in case["turns"]] if case["kind"] == "dialogue" else [case["question"]]
    return questions


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` read-only for this process, even as root (there, with the immutable attribute)."""
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    try:
        probe = folder / ".write-probe"
        try:
            probe.touch()
        except OSError:
            pass
        else:
            probe.unlink()
            pytest.fail(f"could not make {folder} read-only")
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)
