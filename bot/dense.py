"""The dense stage: one MiniLM vector per sentence of every passage, saved with the index.

A sentence is encoded with what heads it (the section, or the page title), and a list item with its
lead-in, so "• Fatigue" under "Common side effects include:" reads as what it means; an item of a
nested list is read with the item that leads it ("Signs of kidney problems: Pink/bloody/frothy urine").
Vectors are float16 ``.npy`` files beside the BM25 arrays, memory-mapped on load. Above ``DENSE_MAX_PASSAGES``
the stage is off and BM25 answers alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .encoder import DIMENSIONS
from .passages import ANAPHORA, Passage, line_spans, sentence_spans

DENSE_ARRAYS = ("sent_pid", "sent_start", "sent_end", "sent_vec", "term_vec")
BULLET = "•"


@dataclass(frozen=True)
class SentenceSpan:
    pid: int
    start: int  # offsets within the passage text
    end: int
    encoded: str  # the text the vector was computed from


def is_nested(line: str) -> bool:
    """An indented list item belongs to the item above it."""
    return line[:1].isspace() and line.lstrip().startswith(BULLET)


def passage_sentences(pid: int, passage: Passage, heading: str) -> list[SentenceSpan]:
    """Each sentence and each list item of a passage, with the words that give it its topic: the
    heading, a list item's lead-in, and for a sentence that opens with "These/It/They" the sentence
    before it."""
    text = passage.text
    spans: list[SentenceSpan] = []
    lead = ""
    parent = ""  # an item that leads a nested list ("• Signs of kidney problems:")
    previous = ""  # the plain sentence before, for one that leans on it
    for start, end in line_spans(text):
        line = text[start:end].strip()
        if line.startswith(BULLET):
            item = line.lstrip(BULLET + " ").strip()
            if is_nested(text[start:end]):
                context = f"{lead} {parent} {item}" if parent else f"{lead} {item}"
            else:
                parent = item if item.endswith(":") else ""
                context = f"{lead} {item}"
            spans.append(SentenceSpan(pid, start, end, f"{heading}. {context}".strip()))
            previous = ""
            continue
        lead = line if line.endswith(":") else ""
        parent = ""
        if lead:
            previous = ""
        for s, e in sentence_spans(text, start, end):
            sentence = text[s:e]
            # "These drugs can cause drowsiness" is about what the sentence before it names
            context = f"{previous} {sentence}" if previous and ANAPHORA.match(sentence) else sentence
            spans.append(SentenceSpan(pid, s, e, f"{heading}. {context}".strip()))
            previous = sentence
    return spans


def build_arrays(
    passages: Sequence[Passage],
    headings: Sequence[str],
    term_words: Sequence[str],
    encode: Callable[[list[str]], np.ndarray],
) -> dict[str, np.ndarray]:
    """Sentence vectors, and one vector per index term (from its commonest written form), which lets a
    question word count as covered by a close word ("wine" is not "alcohol"; "swollen" is "swelling")."""
    sentences = [s for pid, p in enumerate(passages) for s in passage_sentences(pid, p, headings[pid])]
    vectors = encode([s.encoded for s in sentences]) if sentences else np.zeros((0, DIMENSIONS), np.float32)
    return {
        "sent_pid": np.asarray([s.pid for s in sentences], dtype=np.int32),
        "sent_start": np.asarray([s.start for s in sentences], dtype=np.int32),
        "sent_end": np.asarray([s.end for s in sentences], dtype=np.int32),
        "sent_vec": vectors.astype(np.float16),
        "term_vec": (
            encode(list(term_words)).astype(np.float16) if term_words else np.zeros((0, DIMENSIONS), np.float16)
        ),
    }


class DenseIndex:
    """Cosine of a question with every saved sentence; the best sentences and passages."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.pid = arrays["sent_pid"]
        self.start = arrays["sent_start"]
        self.end = arrays["sent_end"]
        self.vectors = np.asarray(arrays["sent_vec"], dtype=np.float32)  # small enough to hold as float32
        self.term_vectors = np.asarray(arrays["term_vec"], dtype=np.float32)
        order = np.argsort(self.pid, kind="stable")
        self._by_pid: dict[int, np.ndarray] = {}
        if len(order):
            pids, first = np.unique(self.pid[order], return_index=True)
            for p, chunk in zip(pids, np.split(order, first[1:])):
                self._by_pid[int(p)] = chunk

    def __len__(self) -> int:
        return len(self.pid)

    def word_vectors(
        self, words: Sequence[str], term_rows: Sequence[int | None], encode: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """One vector per word: its index term's saved vector when it has one (a row of ``term_vectors``,
        computed from the term's commonest written form: "live" reads as "lives"), else encoded."""
        out = np.zeros((len(words), DIMENSIONS), np.float32)
        fresh = []
        for i, row in enumerate(term_rows):
            if self.has_term_vector(row):
                out[i] = self.term_vectors[row]
            else:
                fresh.append(i)
        if fresh:
            out[fresh] = encode([words[i] for i in fresh])
        return out

    def has_term_vector(self, row: int | None) -> bool:
        return row is not None and 0 <= row < len(self.term_vectors)

    def cosines(self, question_vector: np.ndarray) -> np.ndarray:
        return self.vectors @ question_vector

    def sentences_of(self, pid: int) -> np.ndarray:
        """Row numbers of a passage's sentences, in the order written."""
        return self._by_pid.get(pid, np.zeros(0, dtype=np.int64))

    def best_passages(self, cosines: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Passages ranked by their best sentence."""
        if not len(cosines):
            return []
        best: dict[int, float] = {}
        for row in np.argsort(-cosines)[: max(k * 4, 16)]:
            pid = int(self.pid[row])
            if pid not in best:
                best[pid] = float(cosines[row])
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]
