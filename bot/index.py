"""Build, save and load the plain-file index, and rebuild it when the corpus or settings change.

On disk, ``INDEX_DIR/CURRENT`` names the live build folder. A build is written to a temporary
folder, renamed, and only then does ``CURRENT`` change (``os.replace``, atomic), so a crash or a kill
at any moment leaves the previous index usable. A build folder holds NumPy arrays (``.npy``, loaded
memory-mapped, no pickle) and JSON, described by ``manifest.json``: corpus hash, tokenizer settings,
BM25 parameters, the sentence model and its weights hash, data-file digests, library versions and every
file's size. Sentence vectors (``bot.dense``) are saved when the corpus has at most
``dense_max_passages`` passages.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from . import analysis
from . import encoder as encoder_module
from .analysis import Analyzer, Expansions, QueryExpander, fold, learn_acronyms, learn_brand_pairs
from .bm25 import BM25Matrix, BM25Params, build_matrix
from .dense import DENSE_ARRAYS, DenseIndex, build_arrays
from .errors import CorpusError, IndexStateError
from .ingest import Document, corpus_fingerprint, load_corpus
from .ingest.clean import BOILERPLATE_FILE, PAGE_FACTS_FILE
from .passages import (
    DEFAULT_CHUNK_WORDS,
    DEFAULT_DEDUP_THRESHOLD,
    Passage,
    chunk_document,
    collapse_duplicates,
    opening_subject,
)

FORMAT_VERSION = 11  # 11: acronyms from the leading parts of compound words
DEFAULT_DENSE_MAX_PASSAGES = 20_000
ARRAYS = (
    "indptr",
    "ids",
    "contrib",
    "idf",
    "doc_len",
    "passage_doc",
    "passage_start",
    "passage_end",
    "passage_section",
)
DATA_FILES = (
    analysis.STOPWORDS_FILE,
    analysis.LAY_TERMS_FILE,
    analysis.BRAND_NAMES_FILE,
    analysis.FRAME_WORDS_FILE,
    analysis.ASPECT_WORDS_FILE,
    BOILERPLATE_FILE,
    PAGE_FACTS_FILE,
)


@dataclass(frozen=True)
class BuildConfig:
    chunk_words: int = DEFAULT_CHUNK_WORDS
    dedup_threshold: float = DEFAULT_DEDUP_THRESHOLD
    bm25: BM25Params = field(default_factory=BM25Params)
    dense_max_passages: int = DEFAULT_DENSE_MAX_PASSAGES

    def as_dict(self) -> dict:
        return {
            "chunk_words": self.chunk_words,
            "dedup_threshold": self.dedup_threshold,
            "bm25": self.bm25.as_dict(),
            "dense": {
                "max_passages": self.dense_max_passages,
                "model": encoder_module.MODEL_NAME,
                "weights_sha256": encoder_module.WEIGHTS_SHA256,
            },
        }


def settings_fingerprint(analyzer: Analyzer, config: BuildConfig) -> dict:
    return {
        "format": FORMAT_VERSION,
        "analyzer": analyzer.settings(),
        "build": config.as_dict(),
        "data_files": {p.name: analysis.file_digest(p) for p in DATA_FILES},
    }


def library_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for name in ("numpy", "nltk", "rank-bm25", "ftfy", "rapidfuzz", "trafilatura", "tokenizers", "wordfreq"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


@dataclass
class BuildReport:
    documents: list[Document]
    problems: list[str]
    passages: int
    duplicates: int
    seconds: float


@dataclass
class Index:
    """A loaded index: the retriever's matrix plus the store of passage text."""

    path: Path
    manifest: dict
    analyzer: Analyzer
    expander: QueryExpander
    matrix: BM25Matrix
    term_ids: dict[str, int]
    documents: list[dict]
    sections: list[str | None]
    arrays: dict[str, np.ndarray]
    dense: DenseIndex | None = None
    documents_by_id: dict[str, dict] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.documents_by_id = {d["id"]: d for d in self.documents}

    @property
    def n_passages(self) -> int:
        return int(self.matrix.n_passages)

    def passage(self, pid: int) -> Passage:
        doc = self.documents[int(self.arrays["passage_doc"][pid])]
        start, end = int(self.arrays["passage_start"][pid]), int(self.arrays["passage_end"][pid])
        return Passage(
            doc["id"], self.sections[int(self.arrays["passage_section"][pid])], start, end, doc["text"][start:end]
        )

    def document(self, doc_id: str) -> dict | None:
        return self.documents_by_id.get(doc_id)

    def document_of(self, pid: int) -> dict:
        return self.documents[int(self.arrays["passage_doc"][pid])]

    def headings(self, doc_id: str) -> set[str]:
        """The section headings of a document, as its passages record them."""
        position = next((i for i, d in enumerate(self.documents) if d["id"] == doc_id), None)
        if position is None:
            return set()
        used = np.unique(self.arrays["passage_section"][self.arrays["passage_doc"] == position])
        names = (self.sections[int(s)] for s in used)
        return {name for name in names if name}


Log = Callable[[str], None]
_log = logging.getLogger(__name__)


def _quiet(_: str) -> None:
    pass


def build(
    corpus_dir: Path,
    index_dir: Path,
    config: BuildConfig = BuildConfig(),
    analyzer: Analyzer | None = None,
    log: Log = _quiet,
) -> BuildReport:
    """Read the corpus, build the index into a temporary folder, then make it current atomically."""
    began = time.perf_counter()
    analyzer = analyzer or Analyzer.default()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist; set CORPUS_DIR")
    corpus_hash = corpus_fingerprint(corpus_dir)
    loaded = load_corpus(corpus_dir)
    for problem in loaded.problems:
        log(f"warning: skipped {problem}")
    if not loaded.documents:
        raise CorpusError(f"no usable document in {corpus_dir}" + "".join(f"\n  {p}" for p in loaded.problems))
    documents = sorted(loaded.documents, key=lambda d: d.id)
    for doc in documents:
        log(f"{doc.source}: {doc.report.summary()}")

    passages: list[Passage] = []
    for n, doc in enumerate(documents, 1):
        passages.extend(chunk_document(doc, config.chunk_words))
        if n % 10000 == 0:
            log(f"chunked {n}/{len(documents)} documents")
    # A passage's heading words count toward its match: its section title, or the document title for
    # text before the first heading, else the title's subject ("...and Their Side Effects" on every
    # passage would make all of them match "side effects").
    titles = {doc.id: title_terms(analyzer, doc.title) for doc in documents}
    intro_ends = {doc.id: len(doc.text) if doc.intro_end is None else doc.intro_end for doc in documents}
    passage_terms = [
        heading_terms(analyzer, p, *titles[p.doc_id], intro_ends[p.doc_id]) + analyzer.terms(p.text) for p in passages
    ]
    recency = {doc.id: doc.reviewed or "" for doc in documents}
    keep, replaced = collapse_duplicates(
        passages, [frozenset(analyzer.terms(p.text)) for p in passages], recency, config.dedup_threshold
    )
    for dropped, kept in sorted(replaced.items()):
        log(
            f"duplicate: {passages[dropped].doc_id} passage at {passages[dropped].start} repeats "
            f"{passages[kept].doc_id} at {passages[kept].start}; kept the more recent"
        )
    passages = [passages[i] for i in keep]
    passage_terms = [passage_terms[i] for i in keep]

    vocabulary = sorted({t for terms in passage_terms for t in terms})
    term_ids = {t: i for i, t in enumerate(vocabulary)}
    log(f"indexing {len(passages)} passages, {len(vocabulary)} terms")
    matrix = build_matrix(([term_ids[t] for t in terms] for terms in passage_terms), len(vocabulary), config.bm25)
    doc_index = {doc.id: i for i, doc in enumerate(documents)}
    section_names = sorted({p.section or "" for p in passages})
    section_index = {s: i for i, s in enumerate(section_names)}
    arrays = {
        "indptr": matrix.indptr,
        "ids": matrix.ids,
        "contrib": matrix.contrib,
        "idf": matrix.idf,
        "doc_len": np.asarray([len(t) for t in passage_terms], dtype=np.int32),
        "passage_doc": np.asarray([doc_index[p.doc_id] for p in passages], dtype=np.int32),
        "passage_start": np.asarray([p.start for p in passages], dtype=np.int64),
        "passage_end": np.asarray([p.end for p in passages], dtype=np.int64),
        "passage_section": np.asarray([section_index[p.section or ""] for p in passages], dtype=np.int32),
    }
    small = len(passages) <= config.dense_max_passages
    if small:
        documents_by_id = {doc.id: doc for doc in documents}
        headings = [_heading(documents_by_id[p.doc_id].title, p) for p in passages]
        log(f"encoding the sentences of {len(passages)} passages and {len(vocabulary)} terms")
        written = _written_forms(analyzer, (d.title + "\n" + d.text for d in documents), vocabulary)
        arrays.update(build_arrays(passages, headings, written, encoder_module.shared_encoder().encode_with_tokens))
    else:
        log(f"{len(passages)} passages is over dense_max_passages={config.dense_max_passages}: BM25 only")
    surface = sorted(
        analysis.domain_words(doc.title + ". " + doc.text for doc in documents)
        | {w for phrase in Expansions.load().table for w in analysis.words(phrase)}
    )
    spelled = sorted(analysis.spelled_words(doc.title + ". " + doc.text for doc in documents) | set(surface))
    brand_pairs = learn_brand_pairs(doc.text for doc in documents)
    # what acronyms stand for is learned, like the sentence vectors, only up to DENSE_MAX_PASSAGES: each
    # becomes a phrase of the expansion table, and a large corpus spells out a great many names
    acronyms = learn_acronyms(doc.text for doc in documents) if small else []
    manifest = {
        "settings": settings_fingerprint(analyzer, config),
        "corpus_hash": corpus_hash,
        "corpus_dir": str(corpus_dir),
        "versions": library_versions(),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "counts": {
            "documents": len(documents),
            "passages": len(passages),
            "terms": len(vocabulary),
            "duplicates_collapsed": len(replaced),
            "skipped_files": len(loaded.problems),
            "sentence_vectors": int(len(arrays["sent_pid"])) if "sent_pid" in arrays else 0,
        },
        "problems": [str(p) for p in loaded.problems],
    }
    json_files = {
        "terms.json": vocabulary,
        "sections.json": [s or None for s in section_names],
        "documents.json": [{**doc.meta(), "text": doc.text, "intro_end": doc.intro_end} for doc in documents],
        "surface_words.json": surface,
        "spelled_words.json": spelled,
        "brand_pairs.json": brand_pairs,
        "acronyms.json": acronyms,
    }
    _write_atomically(index_dir, arrays, json_files, manifest)
    seconds = time.perf_counter() - began
    log(
        f"index ready: {len(documents)} documents, {len(passages)} passages, {len(replaced)} duplicates collapsed, "
        f"{seconds:.2f}s"
    )
    return BuildReport(documents, [str(p) for p in loaded.problems], len(passages), len(replaced), seconds)


def _written_forms(analyzer: Analyzer, texts: Iterator[str], vocabulary: list[str]) -> list[str]:
    """Each term's commonest written form ("swell" -> "swelling"), for its word vector."""
    counts: dict[str, dict[str, int]] = {}
    for text in texts:
        for word in analysis.words(text):
            if analyzer.is_content(word):
                forms = counts.setdefault(analyzer.stem(word), {})
                forms[word] = forms.get(word, 0) + 1
        if analyzer.join_hyphens:  # a joined compound's term ("il6") is written "il-6"
            for compound in analysis.hyphenated(text):
                for stem in analyzer.compound_stems(compound):
                    forms = counts.setdefault(stem, {})
                    forms[compound] = forms.get(compound, 0) + 1
    return [max(counts[t].items(), key=lambda kv: (kv[1], kv[0]))[0] if t in counts else t for t in vocabulary]


def _heading(title: str, passage: Passage) -> str:
    topic = passage.section or opening_subject(passage.text)
    return f"{title}: {topic}" if topic else title


def title_terms(analyzer: Analyzer, title: str) -> tuple[list[str], list[str]]:
    """A page title's terms, and those of its subject: the title without the words that frame a question.
    "How Do Immunomodulators Work?" is about immunomodulators all the way down; only its introduction
    says how they work."""
    frames = analysis.frame_words()
    subject = " ".join(w for w in re.findall(r"[\w'-]+", title) if fold(w) not in frames)
    return analyzer.terms(title), analyzer.terms(subject)


def heading_terms(
    analyzer: Analyzer,
    passage: Passage,
    title: list[str],
    title_subject: list[str],
    intro_end: int,
    topic: bool = False,
) -> list[str]:
    """The words that head a passage: its section title, or the document title for its introduction,
    else the title's subject (a page with few headings is still about what its title names). With
    ``topic``, also the subject its first sentence defines: a page without headings has no other topic.
    (BM25 leaves that out: those words are already in the passage's text.)"""
    if passage.section:
        return analyzer.terms(passage.section)
    if passage.start < intro_end:
        return title
    return title_subject + (analyzer.terms(opening_subject(passage.text)) if topic else [])


def _write_atomically(
    index_dir: Path, arrays: dict[str, np.ndarray], json_files: dict[str, object], manifest: dict
) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        files: dict[str, int] = {}
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        for name, value in json_files.items():
            (tmp / name).write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        for path in sorted(tmp.iterdir()):
            files[path.name] = path.stat().st_size
        manifest = {**manifest, "files": files}
        _write_synced(tmp / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        final = index_dir / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        os.rename(tmp, final)
        _write_synced(index_dir / "CURRENT.tmp", final.name)
        os.replace(index_dir / "CURRENT.tmp", index_dir / "CURRENT")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in index_dir.iterdir():
        if old.is_dir() and old.name != final.name and (old.name.startswith("build-") or old.name.startswith(".tmp-")):
            if not old.name.startswith(".tmp-") or time.time() - old.stat().st_mtime > 3600:
                shutil.rmtree(old, ignore_errors=True)


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def current_path(index_dir: Path) -> Path | None:
    pointer = Path(index_dir) / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = Path(index_dir) / name
    return path if name and "/" not in name and path.is_dir() else None


def load(index_dir: Path) -> Index:
    """Load the current build, memory-mapped. Raises IndexStateError if missing or damaged."""
    path = current_path(Path(index_dir))
    if path is None:
        raise IndexStateError(f"no index in {index_dir}; run `python -m bot index`")
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        for name, size in manifest["files"].items():
            actual = (path / name).stat().st_size
            if actual != size:
                raise IndexStateError(f"index file {name} is {actual} bytes, manifest says {size}: truncated")
        arrays = {name: _load_array(path / f"{name}.npy", name) for name in ARRAYS}
        if "sent_vec.npy" in manifest["files"]:
            arrays.update({name: _load_array(path / f"{name}.npy", name) for name in DENSE_ARRAYS})
        read = lambda name: json.loads((path / name).read_text(encoding="utf-8"))  # noqa: E731
        terms, documents, sections = read("terms.json"), read("documents.json"), read("sections.json")
        surface, brand_pairs = read("surface_words.json"), read("brand_pairs.json")
        spelled = read("spelled_words.json")
        acronyms = read("acronyms.json")
        settings = manifest["settings"]
        analyzer = Analyzer.from_settings(settings["analyzer"])
        bm25 = settings["build"]["bm25"]
    except IndexStateError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexStateError(f"index at {path} is damaged ({exc}); rebuild with `python -m bot index`") from exc
    matrix = BM25Matrix(
        arrays["indptr"],
        arrays["ids"],
        arrays["contrib"],
        arrays["idf"],
        int(len(arrays["doc_len"])),
        float(bm25["delta"]),
    )
    if len(arrays["indptr"]) != len(terms) + 1:
        raise IndexStateError(
            f"index at {path} is inconsistent: {len(terms)} terms, {len(arrays['indptr']) - 1} postings lists"
        )
    term_ids = {t: i for i, t in enumerate(terms)}
    expansions = Expansions.load(tuple(map(tuple, brand_pairs)), tuple(map(tuple, acronyms)))
    expander = QueryExpander(analyzer, term_ids, surface, expansions, spelled_words=spelled)
    dense = DenseIndex(arrays) if "sent_vec" in arrays else None
    return Index(path, manifest, analyzer, expander, matrix, term_ids, documents, sections, arrays, dense)


MAPPED_ARRAYS = ("indptr", "ids", "contrib", "idf", "sent_vec", "tok_vec")


def _load_array(path: Path, name: str) -> np.ndarray:
    """Postings stay memory-mapped (workers share the page cache); a plain ndarray view of the map
    avoids np.memmap's per-access Python overhead. Small per-passage arrays are read into memory."""
    mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    return mapped.view(np.ndarray) if name in MAPPED_ARRAYS else np.array(mapped)


def staleness(
    index_dir: Path, corpus_dir: Path, config: BuildConfig = BuildConfig(), analyzer: Analyzer | None = None
) -> str | None:
    """Why the saved index cannot serve this corpus and these settings, or None when it can."""
    path = current_path(Path(index_dir))
    if path is None:
        return "no index has been built"
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "the manifest is missing or unreadable"
    if manifest.get("settings") != settings_fingerprint(analyzer or Analyzer.default(), config):
        return "tokenizer, BM25 or data-file settings changed"
    if manifest.get("corpus_hash") != corpus_fingerprint(Path(corpus_dir)):
        return "the corpus changed"
    return None


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """Held while building: several workers starting at once build once. Raises OSError where the
    folder cannot be written; reading never takes it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure(
    index_dir: Path,
    corpus_dir: Path,
    *,
    auto_rebuild: bool = True,
    config: BuildConfig = BuildConfig(),
    log: Log = _quiet,
) -> Index:
    """Load the index, rebuilding first when it is missing, stale or damaged (if allowed).

    Loading needs no write access. If a rebuild cannot happen (no corpus folder, a read-only
    ``index_dir``, a build error) and a valid index is on disk, that index is served and the failure is
    logged loudly: a missing corpus on a worker restart never takes the service down."""
    index_dir, corpus_dir = Path(index_dir), Path(corpus_dir)
    reason = staleness(index_dir, corpus_dir, config)
    if reason is None:
        try:
            return load(index_dir)
        except IndexStateError as exc:
            reason = exc.message
    if not auto_rebuild:
        raise IndexStateError(
            f"the index in {index_dir} cannot be used: {reason}. Run `python -m bot index` (or set AUTO_REBUILD=1)."
        )
    try:
        with _build_lock(index_dir):
            if staleness(index_dir, corpus_dir, config) is None:  # another worker may have built it meanwhile
                with contextlib.suppress(IndexStateError):
                    return load(index_dir)
            log(f"building index: {reason}")
            build(corpus_dir, index_dir, config, log=log)
            return load(index_dir)
    except (CorpusError, IndexStateError, OSError) as exc:
        failure = exc
    problem = failure.message if isinstance(failure, (CorpusError, IndexStateError)) else f"{failure}"
    try:
        kept = load(index_dir)
    except IndexStateError:
        if isinstance(failure, OSError):
            raise IndexStateError(f"cannot build the index in {index_dir}: {problem}") from failure
        raise failure from None
    message = (
        f"INDEX REBUILD FAILED ({problem}); serving the last good index, built {kept.manifest['built_at']}. "
        "Fix the corpus or run `python -m bot index`."
    )
    log(message)
    _log.error(message)
    return kept


__all__ = ["BuildConfig", "Index", "build", "ensure", "load", "staleness", "fold"]
