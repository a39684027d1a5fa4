from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bot import index
from bot.errors import IndexStateError
from bot.ingest import load_corpus
from tests.conftest import CORPUS, ROOT

PAGE = "---\ntitle: {title}\npublisher: Test Clinic\nreviewed: 2024-01-02\n---\n{body}\n"


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(PAGE.format(title="Lenalidomide", body="Lenalidomide treats multiple myeloma."))
    return corpus


def test_index_is_plain_files_with_a_manifest(index_dir):
    build = index.current_path(index_dir)
    manifest = json.loads((build / "manifest.json").read_text())
    assert {"corpus_hash", "settings", "versions", "files", "counts"} <= manifest.keys()
    assert manifest["settings"]["analyzer"]["language"] == "english"
    assert manifest["settings"]["build"]["bm25"]["variant"].startswith("BM25Plus")
    assert {"numpy", "nltk", "rank-bm25"} <= manifest["versions"].keys()
    for name in manifest["files"]:
        assert name.endswith((".npy", ".json")), name
    array = np.load(build / "contrib.npy", allow_pickle=False)  # no pickle needed, or allowed
    assert array.dtype == np.float64


def test_postings_are_memory_mapped_not_copied(loaded_index):
    for name in ("indptr", "ids", "contrib", "idf"):
        base = loaded_index.arrays[name]
        while base is not None and not isinstance(base, np.memmap):
            base = base.base
        assert isinstance(base, np.memmap), name


def test_rebuild_when_corpus_changes(tmp_path):
    corpus, idx = _corpus(tmp_path), tmp_path / "index"
    first = index.ensure(idx, corpus)
    assert index.staleness(idx, corpus) is None
    (corpus / "b.md").write_text(
        PAGE.format(title="BCG", body="# BCG\n\nBCG is put into the bladder through a catheter.")
    )
    assert index.staleness(idx, corpus) == "the corpus changed"
    second = index.ensure(idx, corpus)
    assert second.path != first.path and second.manifest["counts"]["documents"] == 2
    with pytest.raises(IndexStateError, match="corpus changed"):
        (corpus / "b.md").unlink()
        index.ensure(idx, corpus, auto_rebuild=False)


def test_rebuild_when_settings_change(tmp_path):
    corpus, idx = _corpus(tmp_path), tmp_path / "index"
    index.ensure(idx, corpus)
    changed = index.BuildConfig(chunk_words=50)
    assert index.staleness(idx, corpus, changed) == "tokenizer, BM25 or data-file settings changed"
    assert index.ensure(idx, corpus, config=changed).manifest["settings"]["build"]["chunk_words"] == 50


def test_truncated_index_is_detected_and_rebuilt(tmp_path):
    corpus, idx = _corpus(tmp_path), tmp_path / "index"
    built = index.ensure(idx, corpus)
    target = built.path / "contrib.npy"
    target.write_bytes(target.read_bytes()[:-8])
    with pytest.raises(IndexStateError, match="truncated"):
        index.load(idx)
    assert index.ensure(idx, corpus).n_passages == built.n_passages


def test_killing_a_build_at_any_moment_leaves_the_previous_index_usable(tmp_path):
    corpus, idx = _corpus(tmp_path), tmp_path / "index"
    before = index.ensure(idx, corpus).path
    big = tmp_path / "big.jsonl"
    with big.open("w") as handle:
        for i in range(20000):
            handle.write(
                json.dumps({"id": f"d{i}", "title": f"Doc {i}", "text": f"lenalidomide passage number {i} " * 5}) + "\n"
            )
    shutil.copy(big, corpus / "big.jsonl")
    code = f"from bot import index; index.build({str(corpus)!r}, {str(idx)!r})"
    for delay in (0.3, 0.8, 1.5):
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        loaded = index.load(idx)  # still the old one, whole
        assert loaded.path == before and loaded.n_passages >= 1


def test_each_file_kind_loads(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "plain.txt").write_text(PAGE.format(title="Plain", body="Imiquimod is a cream."))
    (corpus / "md_page.md").write_text(
        "---\npublisher: X\n---\n# Markdown page\n\n## Dosing\n\n- **Once** a day\n- [Twice](http://x) a week\n"
    )
    (corpus / "html_page.html").write_text(
        "<html><head><title>HTML page</title><meta name='author' content='A'></head>"
        "<body><nav>Skip to main content</nav>"
        "<article><h1>HTML page</h1><h2>What is BCG?</h2><p>BCG is a germ that helps activate the immune system "
        "against bladder cancer cells. It is put into the bladder through a catheter by a doctor.</p>"
        "<p>Treatment with BCG can cause flu-like symptoms such as fever, chills and tiredness for a few days.</p>"
        "</article><footer>Sign up for our newsletter</footer></body></html>"
    )
    (corpus / "docs.jsonl").write_text(
        json.dumps(
            {
                "id": "j1",
                "title": "JSON doc",
                "text": "Pomalidomide treats myeloma.",
                "publisher": "P",
                "reviewed": "2023-05-10",
            }
        )
        + "\n"
    )
    result = load_corpus(corpus)
    assert not result.problems
    docs = {d.source: d for d in result.documents}
    assert docs["plain.txt"].title == "Plain" and docs["plain.txt"].reviewed == "2024-01-02"
    assert docs["md_page.md"].title == "Markdown page" and "• Once a day" in docs["md_page.md"].text
    assert "Twice a week" in docs["md_page.md"].text and "http" not in docs["md_page.md"].text
    assert "catheter" in docs["html_page.html"].text and "newsletter" not in docs["html_page.html"].text
    assert docs["html_page.html"].title == "HTML page"
    assert docs["docs.jsonl:1"].id == "j1" and docs["docs.jsonl:1"].reviewed == "2023-05-10"


def test_beir_jsonl_loads_as_a_corpus(tmp_path):
    """A BEIR corpus.jsonl (``_id``, ``title``, ``text``, ``metadata``) loads as it is."""
    corpus = tmp_path / "beir"
    corpus.mkdir()
    rows = [
        {
            "_id": f"MED-{i}",
            "title": f"Study {i} of statin use",
            "text": f"Abstract {i}. Statins were given.",
            "metadata": {},
        }
        for i in range(300)
    ]
    (corpus / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    built = index.ensure(tmp_path / "idx", corpus)
    assert built.manifest["counts"]["documents"] == 300
    assert built.document("MED-10")["title"] == "Study 10 of statin use"


def test_faulty_files_are_reported_by_name_and_the_rest_loads(tmp_path):
    corpus = _corpus(tmp_path)
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02 not text")
    (corpus / "latin1.txt").write_bytes(PAGE.format(title="Caf\xe9", body="Caf\xe9 text.").encode("latin-1"))
    (corpus / "untitled.txt").write_text("No header here, so no title.")
    (corpus / "dupe.txt").write_text("---\nid: a\ntitle: Duplicate id\n---\nSame id as a.txt.\n")
    (corpus / "mixed.jsonl").write_text('{"id": "ok", "title": "Fine", "text": "Fine text."}\n{broken\n')
    result = load_corpus(corpus)
    problems = {p.source: p.message for p in result.problems}
    assert problems["empty.txt"] == "empty file"
    assert "binary" in problems["binary.txt"]
    assert "UTF-8" in problems["latin1.txt"]
    assert "title" in problems["untitled.txt"]
    assert "duplicate document id 'a'" in problems["dupe.txt"]
    assert "line 2" in problems["mixed.jsonl"]
    assert sorted(d.id for d in result.documents) == ["a", "ok"]


def test_notes_in_the_corpus_folder_are_not_pages():
    assert all(d.source != "SOURCES.md" for d in load_corpus(CORPUS).documents)


def test_build_cli_prints_what_each_document_kept_and_dropped(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "bot", "--corpus", str(CORPUS), "--index-dir", str(tmp_path / "i"), "index"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert "acs-immunomodulators-2019.txt: kept" in out.stdout and "garbled characters ×1" in out.stdout
    assert "reference ×5" in out.stdout and "index ready" in out.stdout


def test_acronyms_are_learned_only_up_to_the_dense_size(tmp_path):
    """Each learned acronym is a phrase of the expansion table; a large corpus would spell out a great
    many names, so above DENSE_MAX_PASSAGES none are learned, as no sentence vectors are built."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "Some people with amyotrophic lateral sclerosis (a disease of the nerves) take it."
    (corpus / "a.txt").write_text(PAGE.format(title="ALS", body=body))
    small, large = index.BuildConfig(), index.BuildConfig(dense_max_passages=0)
    for folder, config in (("small", small), ("large", large)):
        index.build(corpus, tmp_path / folder, config)
    assert "als" in index.load(tmp_path / "small").expander.expansions.acronyms
    assert not index.load(tmp_path / "large").expander.expansions.acronyms
