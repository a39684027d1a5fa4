"""Reading corpus files into cleaned Documents.

Kinds of file: ``.txt`` (plain text), ``.md``/``.markdown`` (Markdown), ``.html``/``.htm``, and ``.jsonl``
(one document a line). Text and Markdown files carry metadata in a front-matter header
(``title``, ``publisher``, ``reviewed``, ``url``, optional ``id``); HTML gives it from its own tags;
JSON Lines from each record's fields. A file that cannot be read is reported by name and skipped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .clean import Block, Cleaned, CleanReport, Line, clean_lines, markdown_lines, plain_text_lines, repair_encoding
from .dates import iso_date
from .frontmatter import split_front_matter

TEXT_SUFFIXES = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
}
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass
class Document:
    id: str
    title: str
    text: str
    blocks: list[Block]
    publisher: str | None = None
    reviewed: str | None = None
    url: str | None = None
    source: str = ""
    report: CleanReport = field(default_factory=CleanReport)
    intro_end: int | None = None  # text before this offset is headed by the title; None: all of it

    def meta(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "title": self.title,
            "publisher": self.publisher,
            "reviewed": self.reviewed,
            "url": self.url,
            "source": self.source,
        }


@dataclass
class Problem:
    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass
class LoadResult:
    documents: list[Document]
    problems: list[Problem]


def corpus_files(directory: Path) -> list[Path]:
    """Corpus files below ``directory``. Hidden files and ALL-CAPS notes (README.md, SOURCES.md) are not pages."""
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES and not p.name.startswith(".") and not p.stem.isupper()
    )


def corpus_fingerprint(directory: Path) -> str:
    """A hash of every corpus file's name and bytes: the index is stale when it changes."""
    digest = hashlib.sha256()
    for path in corpus_files(directory):
        digest.update(str(path.relative_to(directory)).encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def load_corpus(directory: str | Path) -> LoadResult:
    directory = Path(directory)
    documents: list[Document] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in corpus_files(directory):
        name = str(path.relative_to(directory))
        try:
            for document in read_file(path, name):
                if document.id in seen:
                    problems.append(
                        Problem(name, f"duplicate document id {document.id!r} (first in {seen[document.id]}); skipped")
                    )
                    continue
                seen[document.id] = name
                documents.append(document)
        except DocumentError as exc:
            problems.append(Problem(name, str(exc)))
    return LoadResult(documents, problems)


_WEB_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.I)


def is_web_url(url: str) -> bool:
    """An absolute http(s) address: the only kind a page links to (no javascript:, data: or relative)."""
    return bool(_WEB_URL.fullmatch(url.strip()))


def web_url(url: object, report: CleanReport) -> str | None:
    if not url:
        return None
    if isinstance(url, str) and is_web_url(url):
        return url.strip()
    report.dropped.append(("url that is not http(s)", str(url)[:200]))
    return None


class DocumentError(ValueError):
    """A corpus file or record that cannot be used; the message says why."""


def decode(data: bytes) -> str:
    if not data.strip():
        raise DocumentError("empty file")
    if b"\0" in data[:8192]:
        raise DocumentError("binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not valid UTF-8 (byte {exc.start}); save it as UTF-8") from exc


def read_file(path: Path, name: str) -> Iterator[Document]:
    kind = TEXT_SUFFIXES[path.suffix.lower()]
    if path.stat().st_size > MAX_FILE_BYTES:
        raise DocumentError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if kind == "jsonl":
        yield from read_jsonl(path, name)
        return
    text = decode(path.read_bytes())
    if kind == "html":
        yield read_html(text, name)
    else:
        yield read_text(text, name, markdown=(kind == "markdown"))


def _document(meta: dict[str, str | None], cleaned: Cleaned, name: str, default_id: str) -> Document:
    title = (meta.get("title") or "").strip()
    if not title:
        raise DocumentError("missing metadata: no title (add a front-matter 'title:' line)")
    if not cleaned.text.strip():
        raise DocumentError("no text left after cleaning")
    reviewed = iso_date(meta.get("reviewed")) or next((iso_date(d) for d in cleaned.dates_seen if iso_date(d)), None)
    if meta.get("reviewed") and not iso_date(meta.get("reviewed")):
        raise DocumentError(f"reviewed date {meta.get('reviewed')!r} not understood; use YYYY-MM-DD")
    return Document(
        id=str(meta.get("id") or default_id),
        title=title,
        text=cleaned.text,
        blocks=cleaned.blocks,
        publisher=(meta.get("publisher") or None),
        reviewed=reviewed,
        url=web_url(meta.get("url"), cleaned.report),
        source=name,
        report=cleaned.report,
        intro_end=cleaned.intro_end,
    )


def read_text(text: str, name: str, *, markdown: bool = False) -> Document:
    try:
        meta, body = split_front_matter(text)
    except ValueError as exc:
        raise DocumentError(str(exc)) from exc
    body, garbled = repair_encoding(body)
    lines = markdown_lines(body) if markdown else plain_text_lines(body)
    if markdown and not meta.get("title"):
        first_heading = next((line.text for line in lines if line.kind == "heading"), None)
        meta = {**meta, "title": first_heading or ""}
    cleaned = clean_lines(lines, meta.get("title"))
    cleaned.report.dropped[:0] = [("garbled characters", span) for span in garbled]
    return _document(dict(meta), cleaned, name, Path(name).stem)


def read_html(html: str, name: str) -> Document:
    import trafilatura  # imported here: only HTML corpora pay its start-up cost

    extracted = trafilatura.extract(
        html,
        output_format="markdown",
        include_formatting=True,
        include_links=False,
        include_images=False,
        include_comments=False,
        with_metadata=False,
        favor_precision=True,
    )
    if not extracted:
        raise DocumentError("no main content found in the HTML")
    found = trafilatura.extract_metadata(html)
    meta: dict[str, str | None] = {
        "title": getattr(found, "title", None),
        "publisher": getattr(found, "sitename", None),
        "reviewed": getattr(found, "date", None),
        "url": getattr(found, "url", None),
    }
    body, garbled = repair_encoding(extracted)
    cleaned = clean_lines(markdown_lines(body), meta.get("title"))
    cleaned.report.dropped[:0] = [("garbled characters", span) for span in garbled]
    return _document(meta, cleaned, name, Path(name).stem)


def read_jsonl(path: Path, name: str) -> Iterator[Document]:
    """One document a line: id (or _id), title, text, url, publisher, reviewed. Bad lines are skipped by number."""
    bad: list[str] = []
    produced = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
                if not isinstance(record, dict):
                    raise DocumentError("not a JSON object")
                text = record.get("text")
                if not isinstance(text, str) or not text.strip():
                    raise DocumentError("no text")
                doc_id = record.get("id", record.get("_id"))
                if doc_id is None or str(doc_id).strip() == "":
                    raise DocumentError("no id")
                meta = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
                title = str(record.get("title") or "").strip() or text.strip().split("\n")[0][:80]
                repaired, _ = repair_encoding(text)
                paragraphs = [Line("para", line.strip()) for line in repaired.split("\n") if line.strip()]
                cleaned = clean_lines(paragraphs, None, apply_rules=False)
                yield _document(
                    {
                        "title": title,
                        "publisher": record.get("publisher"),
                        "reviewed": record.get("reviewed"),
                        "url": record.get("url") or (meta or {}).get("url"),
                    },
                    cleaned,
                    f"{name}:{number}",
                    str(doc_id),
                )
                produced += 1
            except (UnicodeDecodeError, json.JSONDecodeError, DocumentError) as exc:
                bad.append(f"line {number}: {exc}")
    if bad:
        shown = "; ".join(bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
        if not produced:
            raise DocumentError(f"no usable records ({shown})")
        raise DocumentError(f"skipped {len(bad)} bad line(s), loaded the other {produced}: {shown}")
