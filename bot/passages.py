"""Documents -> passages that follow sections and sentences, with near-duplicates collapsed.

A passage never crosses a heading, never splits a list from its lead-in (unless the list alone is
too long, when later parts start at an item), and splits long paragraphs at sentence ends found by
nltk's Punkt tokenizer (given abbreviations; no downloaded data). Each passage keeps its document,
section and character offsets into the document's cleaned text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from .ingest import Document
from .ingest.clean import Block

DEFAULT_CHUNK_WORDS = 90
# A passage may grow to this many times chunk_words rather than open with "These drugs ..." cut off
# from the sentence that says which drugs.
ANAPHORA_STRETCH = 1.5
# A sentence opening with a pronoun leans on the one before it ("These drugs can cause ...").
ANAPHORA = re.compile(r"^\s*(?:these|this|they|it|its|it's|those|such)\b", re.IGNORECASE)
_OPENING_SUBJECT = re.compile(r"^\s*([A-Z][^.:;!?\n]{1,60}?)\s+(?:is|are|refers? to|means?)\b")
MAX_SUBJECT_WORDS = 6
DEFAULT_DEDUP_THRESHOLD = 0.6
ABBREVIATIONS = ("e.g", "i.e", "etc", "dr", "vs", "mr", "mrs", "ms", "st", "approx", "fig", "no", "inc", "u.s")


@dataclass(frozen=True)
class Passage:
    doc_id: str
    section: str | None
    start: int
    end: int
    text: str


def sentence_splitter() -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


_SPLITTER = sentence_splitter()


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets within text[start:end], in text's coordinates."""
    end = len(text) if end is None else end
    segment = text[start:end]
    spans: list[tuple[int, int]] = []
    for line_start, line_end in line_spans(segment):
        for s, e in _SPLITTER.span_tokenize(segment[line_start:line_end]):
            spans.append((start + line_start + s, start + line_start + e))
    return spans


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line of text."""
    spans = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _word_count(text: str) -> int:
    return len(text.split())


def chunk_document(doc: Document, chunk_words: int = DEFAULT_CHUNK_WORDS) -> list[Passage]:
    if chunk_words < 10:
        raise ValueError(f"chunk_words must be at least 10, got {chunk_words}")
    text = doc.text
    passages: list[Passage] = []
    current: list[tuple[int, int]] = []
    current_section: list[str | None] = [None]

    def flush() -> None:
        if current:
            start, end = current[0][0], current[-1][1]
            passages.append(Passage(doc.id, current_section[0], start, end, text[start:end]))
            current.clear()

    for unit_start, unit_end, section, is_heading in _units(doc.blocks, text, chunk_words):
        if is_heading or (current and section != current_section[0]):
            flush()
        if is_heading:
            continue
        if current and _word_count(text[current[0][0] : unit_end]) > _limit(text, unit_start, chunk_words):
            flush()
        if not current:
            current_section[0] = section
        current.append((unit_start, unit_end))
    flush()
    return passages


def _units(blocks: Sequence[Block], text: str, chunk_words: int) -> Iterable[tuple[int, int, str | None, bool]]:
    """Blocks broken into pieces no passage may split: sentences groups, whole lists or item groups."""
    for block in blocks:
        if block.kind == "heading":
            yield block.start, block.end, block.section, True
        elif block.kind == "paragraph":
            if _word_count(text[block.start : block.end]) <= chunk_words:
                yield block.start, block.end, block.section, False
            else:
                yield from (
                    (s, e, block.section, False)
                    for s, e in _group(sentence_spans(text, block.start, block.end), text, chunk_words)
                )
        else:
            if _word_count(text[block.start : block.end]) <= 2 * chunk_words:
                yield block.start, block.end, block.section, False
            else:
                yield from ((s, e, block.section, False) for s, e in _group(block.items, text, chunk_words))


def _limit(text: str, next_start: int, chunk_words: int) -> float:
    return chunk_words * ANAPHORA_STRETCH if ANAPHORA.match(text[next_start : next_start + 12]) else chunk_words


def _group(spans: Sequence[tuple[int, int]], text: str, chunk_words: int) -> list[tuple[int, int]]:
    groups: list[tuple[int, int]] = []
    start = end = None
    for s, e in spans:
        if start is not None and end is not None and _word_count(text[start:e]) > _limit(text, s, chunk_words):
            groups.append((start, end))
            start = None
        if start is None:
            start = s
        end = e
    if start is not None and end is not None:
        groups.append((start, end))
    return groups


def collapse_duplicates(
    passages: Sequence[Passage],
    term_sets: Sequence[frozenset[str]],
    recency: dict[str, str],
    threshold: float = DEFAULT_DEDUP_THRESHOLD,
    max_df: int = 50,
) -> tuple[list[int], dict[int, int]]:
    """Indices of passages to keep, and {dropped: kept} for near-duplicates.

    Two passages are near-duplicates when the Jaccard similarity of their term sets reaches
    ``threshold``. Of each such pair the passage from the most recently reviewed document stays
    (an undated document counts as oldest; ties keep the longer passage). Candidate pairs come from
    shared rare terms (document frequency <= max_df), so this stays fast on large corpora.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"dedup threshold must be within (0, 1], got {threshold}")
    postings: dict[str, list[int]] = {}
    for i, terms in enumerate(term_sets):
        for term in terms:
            postings.setdefault(term, []).append(i)

    def rank(i: int) -> tuple[str, int]:
        return (recency.get(passages[i].doc_id) or "", len(passages[i].text))

    replaced: dict[int, int] = {}
    for i, terms in enumerate(term_sets):
        if i in replaced or not terms:
            continue
        shared: dict[int, int] = {}
        for term in terms:
            ids = postings[term]
            if len(ids) > max_df:
                continue
            for j in ids:
                if j > i and j not in replaced:
                    shared[j] = shared.get(j, 0) + 1
        for j in shared:
            other = term_sets[j]
            union = len(terms | other)
            if union and len(terms & other) / union >= threshold:
                loser, winner = (i, j) if rank(j) > rank(i) else (j, i)
                replaced[loser] = winner
                if loser == i:
                    break
    for dropped, kept in list(replaced.items()):
        while kept in replaced:
            kept = replaced[kept]
        replaced[dropped] = kept
    keep = [i for i in range(len(passages)) if i not in replaced]
    return keep, replaced


def opening_subject(text: str) -> str:
    """What a passage opens by defining ("Imiquimod is a drug that..." -> "Imiquimod"), or "". On a page
    without headings it is the only topic its later sentences have ("Its side effects include...")."""
    match = _OPENING_SUBJECT.match(text)
    if not match or len(match.group(1).split()) > MAX_SUBJECT_WORDS or ANAPHORA.match(match.group(1)):
        return ""
    return match.group(1)
