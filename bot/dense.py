"""The dense stage: one MiniLM vector per sentence of every passage, saved with the index.

A sentence is encoded with what heads it (the section, or the page title), and a list item with its
lead-in, so "• Fatigue" under "Common side effects include:" reads as what it means; an item of a
nested list is read with the item that leads it ("Signs of kidney problems: Pink/bloody/frothy urine").
Each sentence also keeps its token states (the model's last layer, one vector per word piece) for its own
words, without the heading read before them: late interaction (ColBERT's MaxSim) scores a sentence by how
closely each question word is matched by some word of it, which separates the sentences of one passage
that a single vector per sentence reads as alike.
Vectors are float16 ``.npy`` files beside the BM25 arrays, memory-mapped on load. Above ``DENSE_MAX_PASSAGES``
the stage is off and BM25 answers alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .encoder import DIMENSIONS, TokenStates
from .passages import ANAPHORA, Passage, line_spans, sentence_spans

DENSE_ARRAYS = ("sent_pid", "sent_start", "sent_end", "sent_vec", "term_vec", "tok_vec", "tok_ptr")
BULLET = "•"
HELD_TOKEN_BYTES = 256 << 20  # the token states of some 2,000 passages


@dataclass(frozen=True)
class SentenceSpan:
    pid: int
    start: int  # offsets within the passage text
    end: int
    encoded: str  # the text the vector was computed from
    own: int  # where, in ``encoded``, the unit's own words begin (after the heading and a sentence leant on)


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
            spans.append(_span(pid, start, end, heading, context))
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
            spans.append(_span(pid, s, e, heading, context, own=sentence))
            previous = sentence
    return spans


def _span(pid: int, start: int, end: int, heading: str, context: str, own: str | None = None) -> SentenceSpan:
    encoded = f"{heading}. {context}".strip()
    own_text = (context if own is None else own).strip()
    return SentenceSpan(pid, start, end, encoded, len(encoded) - len(own_text))


def build_arrays(
    passages: Sequence[Passage],
    headings: Sequence[str],
    term_words: Sequence[str],
    encode: Callable[[list[str]], tuple[np.ndarray, list[TokenStates]]],
) -> dict[str, np.ndarray]:
    """Sentence vectors with the token states of each sentence's own words, and one vector per index
    term (from its commonest written form), which lets a question word count as covered by a close word
    ("wine" is not "alcohol"; "swollen" is "swelling")."""
    sentences = [s for pid, p in enumerate(passages) for s in passage_sentences(pid, p, headings[pid])]
    vectors, states = encode([s.encoded for s in sentences]) if sentences else (np.zeros((0, DIMENSIONS)), [])
    own = [
        state.vectors[[i for i, (start, _) in enumerate(state.offsets) if start >= sentence.own]]
        for sentence, state in zip(sentences, states)
    ]
    return {
        "sent_pid": np.asarray([s.pid for s in sentences], dtype=np.int32),
        "sent_start": np.asarray([s.start for s in sentences], dtype=np.int32),
        "sent_end": np.asarray([s.end for s in sentences], dtype=np.int32),
        "sent_vec": vectors.astype(np.float16),
        "term_vec": (
            encode(list(term_words))[0].astype(np.float16) if term_words else np.zeros((0, DIMENSIONS), np.float16)
        ),
        "tok_vec": np.concatenate([*own, np.zeros((0, DIMENSIONS))]).astype(np.float16),
        "tok_ptr": np.concatenate([[0], np.cumsum([len(rows) for rows in own], dtype=np.int64)]).astype(np.int64),
    }


class DenseIndex:
    """Cosine of a question with every saved sentence; the best sentences and passages."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.pid = arrays["sent_pid"]
        self.start = arrays["sent_start"]
        self.end = arrays["sent_end"]
        self.vectors = np.asarray(arrays["sent_vec"], dtype=np.float32)  # small enough to hold as float32
        self.term_vectors = np.asarray(arrays["term_vec"], dtype=np.float32)
        tokens = arrays["tok_vec"]  # float16, memory-mapped
        # float16 is slow to compute with: up to HELD_TOKEN_BYTES the states are held as float32, and
        # beyond, each passage's are converted as they are read
        held = tokens.size * 4 <= HELD_TOKEN_BYTES
        self.token_vectors = np.asarray(tokens, dtype=np.float32) if held else tokens
        self.token_ptr = arrays["tok_ptr"]
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

    def late_scores(self, question_tokens: np.ndarray, units: Sequence[Sequence[int]]) -> np.ndarray:
        """Late interaction (MaxSim) of the question's tokens with each unit, a unit being the sentence
        rows it is made of: the mean, over question tokens, of the closest token of the unit. All the
        units' tokens are compared in one product."""
        best = self.late_matches(question_tokens, units)
        if not best.size:
            return np.zeros(len(units))
        return np.where(np.isfinite(best).all(0), best.mean(0), 0.0).astype(np.float64)

    def late_matches(self, question_tokens: np.ndarray, units: Sequence[Sequence[int]]) -> np.ndarray:
        """(question tokens, units): how closely each question token is matched by the unit's closest
        token; -inf where a unit has no tokens. Empty when there is nothing to compare."""
        rows = np.array(sorted({r for unit in units for r in unit if r >= 0}), dtype=np.int64)
        if not len(question_tokens) or not len(rows):
            return np.zeros((0, len(units)), dtype=np.float32)
        starts, ends = self.token_ptr[rows], self.token_ptr[rows + 1]
        # a passage's rows are consecutive: one slice for each run of them
        run_starts = np.flatnonzero(np.diff(rows, prepend=-2) != 1)
        run_ends = np.append(run_starts[1:], len(rows)) - 1
        tokens = np.concatenate([self.token_vectors[starts[a] : ends[b]] for a, b in zip(run_starts, run_ends)])
        lengths = ends - starts
        filled = lengths > 0
        # each row's best match per question token; a row without tokens matches nothing
        per_row = np.full((len(question_tokens), len(rows)), -np.inf, dtype=np.float32)
        if len(tokens):
            closest = question_tokens @ np.asarray(tokens, dtype=np.float32).T
            offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            per_row[:, filled] = np.maximum.reduceat(closest, offsets[filled], axis=1)
        column = {int(r): i for i, r in enumerate(rows)}
        members = [(i, column[r]) for i, unit in enumerate(units) for r in unit if r >= 0]
        outside = np.full((len(units), len(rows)), -np.inf, dtype=np.float32)  # 0 where a unit has the row
        outside[tuple(np.array(members).T)] = 0.0
        return (per_row[:, None, :] + outside[None, :, :]).max(2)  # (question tokens, units)

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
