"""Turn scraped page text into clean, structured blocks, and report what was dropped.

Input is a list of typed lines (heading, bullet, paragraph) from a reader. The cleaner
- repairs encoding (ftfy) and drops unrecoverable garbled spans, keeping the sentence around them;
- drops site chrome by the rules in ``bot/data/boilerplate.tsv``;
- moves what a page says of itself and its publisher (a helpline, who wrote it, when it was reviewed; the
  rules in ``bot/data/page_facts.tsv``) to a last section of plain paragraphs, whatever their shape: a
  patient may ask for them, and as headings they would head the page's content;
- drops a lead-in ("... include:") whose list was lost when the page was saved;
- keeps headings as section titles and keeps a list together with the sentence that introduces it.
The cleaned text is the blocks joined by blank lines; every block knows its offsets in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import ftfy

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BOILERPLATE_FILE = DATA_DIR / "boilerplate.tsv"
PAGE_FACTS_FILE = DATA_DIR / "page_facts.tsv"

# A run of CJK ideographs inside Latin-script text is mojibake that cannot be decoded back
# (for example the span standing for "Bacillus Calmette-Guérin" in one seed page). The run may
# swallow entity debris such as "&nbsp;" whose letters were garbled too.
_GARBLED_SPAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff][\u3400-\u9fff\uf900-\ufaff&;\-\u00c0-\u00ff]*")
_BULLET = re.compile(r"^\s*(?:[•·▪●◦‣∙*\-–]|\d{1,2}[.)])\s+")
_TRAILING_PUNCT = re.compile(r"[.;,!]$")
_MINOR_WORDS = {"a", "an", "and", "or", "of", "the", "for", "in", "on", "to", "with", "vs", "by"}


@dataclass
class Line:
    kind: str  # "heading" | "bullet" | "para" | "break" (section ends, no heading)
    text: str
    level: int = 0


@dataclass
class Block:
    kind: str  # "heading" | "paragraph" | "list"
    start: int
    end: int
    section: str | None = None
    items: list[tuple[int, int]] = field(default_factory=list)  # list blocks: lead-in first when present
    has_lead_in: bool = False


@dataclass
class CleanReport:
    kept_blocks: int = 0
    kept_chars: int = 0
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (reason, text)

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for reason, _ in self.dropped:
            counts[reason] = counts.get(reason, 0) + 1
        dropped = ", ".join(f"{reason} ×{n}" for reason, n in sorted(counts.items())) or "nothing"
        return f"kept {self.kept_blocks} blocks ({self.kept_chars} chars); dropped {dropped}"


@dataclass
class Cleaned:
    text: str
    blocks: list[Block]
    report: CleanReport
    dates_seen: list[str]
    intro_end: int = 0  # where the text the document title heads ends: the first heading or section break


@lru_cache(maxsize=8)
def boilerplate_rules(path: Path = BOILERPLATE_FILE) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The "category<TAB>regex" lines of a rules file (boilerplate.tsv, page_facts.tsv)."""
    rules = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        category, _, pattern = raw.partition("\t")
        try:
            rules.append((category.strip(), re.compile(pattern.strip(), re.IGNORECASE)))
        except re.error as exc:  # a content-team edit must fail loudly, naming the line
            raise ValueError(f"{path.name}:{number}: bad regex {pattern!r}: {exc}") from exc
    return tuple(rules)


def repair_encoding(text: str) -> tuple[str, list[str]]:
    """Fix mojibake with ftfy; cut garbled runs that cannot be repaired. Returns (text, removed)."""
    text = ftfy.fix_text(text, normalization="NFC")
    text = text.replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")
    removed: list[str] = []
    letters = sum(ch.isalpha() for ch in text) or 1
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    if cjk / letters < 0.2:  # only in Latin-script pages; a Chinese page is not garbage

        def cut(match: re.Match[str]) -> str:
            removed.append(match.group(0))
            return ""

        text = _GARBLED_SPAN.sub(cut, text)
        if removed:
            text = re.sub(r"(?<=\S) {2,}(?=\S)", " ", text)
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    return text, removed


def is_title_case(text: str) -> bool:
    words = re.findall(r"[A-Za-z][\w'’\-]*", text)
    return bool(words) and all(w[0].isupper() or w.lower() in _MINOR_WORDS for w in words)


# a paragraph whose last sentence is a lead-in: the sentences before it, and the lead-in
_BEFORE_LAST_SENTENCE = re.compile(r"(.*[.!?])\s+([A-Z][^.!?]*:)", re.DOTALL)


def is_lead_in(text: str) -> bool:
    """A sentence that introduces a list: ends with a colon and is not a Title Case heading."""
    return text.rstrip().endswith(":") and not is_title_case(text.rstrip(":"))


def plain_text_lines(text: str) -> list[Line]:
    """Type the lines of a saved plain-text page: bullets by their marks, headings by their shape."""
    lines: list[Line] = []
    blank_run = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not stripped:
            blank_run += 1
            continue
        if blank_run >= 2 and lines:  # a wide gap where a saved page lost its heading: end the section
            lines.append(Line("break", ""))
        blank_run = 0
        bullet = _BULLET.match(raw)
        if bullet:
            indent = len(raw) - len(raw.lstrip())
            lines.append(Line("bullet", raw[bullet.end() :].strip(), level=1 if indent >= 4 else 0))
            continue
        words = stripped.split()
        looks_like_heading = (
            len(words) <= 12
            and not _TRAILING_PUNCT.search(stripped)
            and (stripped[0].isupper() or stripped[0].isdigit())
            and (not stripped.endswith(":") or is_title_case(stripped[:-1]))
        )
        lines.append(
            Line("heading" if looks_like_heading else "para", stripped.rstrip(":") if looks_like_heading else stripped)
        )
    return lines


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def markdown_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("```", "|---", "---")):
            continue
        stripped = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", stripped))
        heading = _MD_HEADING.match(stripped)
        if heading:
            lines.append(Line("heading", heading.group(2).rstrip(":")))
            continue
        bullet = _BULLET.match(raw)
        if bullet:
            indent = len(raw) - len(raw.lstrip())
            item = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", raw[bullet.end() :].strip()))
            lines.append(Line("bullet", item, level=1 if indent >= 2 else 0))
            continue
        lines.append(Line("para", stripped.lstrip("> ").strip()))
    return lines


_DATE_IN_LINE = re.compile(
    r"((?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2},\s+\d{4}"
    r"|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})"
)


def clean_lines(lines: Iterable[Line], title: str | None = None, *, apply_rules: bool = True) -> Cleaned:
    report = CleanReport()
    rules = boilerplate_rules() if apply_rules else ()
    fact_rules = boilerplate_rules(PAGE_FACTS_FILE) if apply_rules else ()
    kept: list[Line] = []
    page_facts: list[Line] = []
    dates_seen: list[str] = []
    title_key = (title or "").strip().lower()
    for line in lines:
        if any(rx.fullmatch(line.text.strip()) for _, rx in fact_rules):
            dates_seen += _DATE_IN_LINE.findall(line.text)
            page_facts.append(Line("para", line.text.strip()))
            continue
        reason = next((cat for cat, rx in rules if rx.fullmatch(line.text.strip())), None)
        if reason:
            if reason == "page metadata":
                dates_seen += _DATE_IN_LINE.findall(line.text)
            report.dropped.append((reason, line.text))
            continue
        if title_key and line.kind == "heading" and line.text.strip().lower() == title_key and not kept:
            report.dropped.append(("page title", line.text))
            continue
        kept.append(line)

    if page_facts:
        kept += [Line("break", ""), *page_facts]
    # A lead-in must be followed by its list; a saved page that lost the list keeps only a dangling promise.
    survivors: list[Line] = []
    for i, line in enumerate(kept):
        if line.kind == "para" and is_lead_in(line.text):
            following = kept[i + 1] if i + 1 < len(kept) else None
            if following is None or following.kind != "bullet":
                before = _BEFORE_LAST_SENTENCE.match(line.text.strip())
                report.dropped.append(("lead-in whose list was lost", before.group(2) if before else line.text))
                if before is None:
                    continue
                line = Line(line.kind, before.group(1), level=line.level)  # the sentences before it still say something
        if line.kind == "bullet" and line.text.rstrip().endswith(":"):
            following = kept[i + 1] if i + 1 < len(kept) else None
            if following is None or following.kind != "bullet" or following.level <= line.level:
                report.dropped.append(("lead-in whose list was lost", line.text))
                continue
        survivors.append(line)
    # A heading with nothing under it before the next heading is navigation, not a section.
    final: list[Line] = []
    for i, line in enumerate(survivors):
        nxt = survivors[i + 1] if i + 1 < len(survivors) else None
        if line.kind == "heading" and (nxt is None or nxt.kind in ("heading", "break")):
            report.dropped.append(("heading with no text under it", line.text))
            continue
        final.append(line)
    return _assemble(final, report, dates_seen)


def _assemble(lines: list[Line], report: CleanReport, dates_seen: list[str]) -> Cleaned:
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    section: str | None = None

    def emit(text: str, separator: str) -> tuple[int, int]:
        nonlocal pos
        if parts:
            parts.append(separator)
            pos += len(separator)
        parts.append(text)
        start = pos
        pos += len(text)
        return start, pos

    intro_end: int | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        # the title heads the text up to the first heading or wide gap; a gap before any text ends nothing
        if (line.kind == "heading" or (line.kind == "break" and parts)) and intro_end is None:
            intro_end = pos + (2 if parts else 0)
        if line.kind == "break":
            section = None
            i += 1
            continue
        if line.kind == "heading":
            start, end = emit(line.text, "\n\n")
            section = line.text
            blocks.append(Block("heading", start, end, section=section))
            i += 1
            continue
        if line.kind == "para" and not (
            i + 1 < len(lines) and lines[i + 1].kind == "bullet" and line.text.endswith(":")
        ):
            start, end = emit(line.text, "\n\n")
            blocks.append(Block("paragraph", start, end, section=section))
            i += 1
            continue
        # A list, with its lead-in when the previous paragraph introduces it.
        block = Block("list", 0, 0, section=section)
        first = True
        if line.kind == "para":
            s, e = emit(line.text, "\n\n")
            block.items.append((s, e))
            block.has_lead_in = True
            first = False
            i += 1
        while i < len(lines) and lines[i].kind == "bullet":
            bullet = lines[i]
            prefix = "  • " if bullet.level else "• "
            s, e = emit(prefix + bullet.text, "\n\n" if first else "\n")
            block.items.append((s, e))
            first = False
            i += 1
        block.start, block.end = block.items[0][0], block.items[-1][1]
        blocks.append(block)
    text = "".join(parts)
    report.kept_blocks = sum(1 for b in blocks if b.kind != "heading")
    report.kept_chars = len(text)
    return Cleaned(text, blocks, report, dates_seen, len(text) if intro_end is None else intro_end)
