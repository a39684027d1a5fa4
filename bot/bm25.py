"""BM25 scoring as a sparse matrix of precomputed per-term contributions.

Variant: rank-bm25's BM25Plus (k1=1.5, b=0.75, delta=1 by default), chosen on purpose. BM25Okapi's IDF,
log((N - df + 0.5) / (df + 0.5)), is exactly 0 for a term in half the passages and negative above
that (rank-bm25 then floors it to epsilon * mean IDF). On a corpus of a few hundred passages about one
subject, that erases the words patients search with ("immunomodulators", "cancer", "side effects").
BM25Plus uses log((N + 1) / df), positive for every term, and adds ``delta`` to any term that is
present, so a long passage cannot bury a short match. On NFCorpus it ranks as well as Okapi.

rank-bm25 BM25Plus, for query terms q and passage d:

    score(d) = sum_q idf(q) * (delta + tf(q,d) * (k1 + 1) / (k1 * (1 - b + b * |d| / avgdl) + tf(q,d)))

The ``delta`` term is added for every query term even where tf = 0, so it is the same for every
passage: we store only the tf > 0 part per term (sparse), and add idf(q) * delta once per query.
Scores therefore equal ``BM25Plus.get_scores`` up to float rounding.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

DEFAULT_K1 = 1.5
DEFAULT_B = 0.75
DEFAULT_DELTA = 1.0
# Summing a query's postings: one bincount into a fresh dense array costs about a nanosecond per
# passage; adding each query term into a reused per-thread buffer costs about 15 microseconds per
# term. So bincount wins while the corpus is under this many passages per query term (measured with
# bench/bm25_paths.py; a long consumer question on an 18,000-document corpus takes bincount).
PASSAGES_PER_QUERY_TERM = 16384


@dataclass(frozen=True)
class BM25Params:
    k1: float = DEFAULT_K1
    b: float = DEFAULT_B
    delta: float = DEFAULT_DELTA

    def __post_init__(self) -> None:
        if not (self.k1 >= 0 and math.isfinite(self.k1)):
            raise ValueError(f"k1 must be a finite number >= 0, got {self.k1}")
        if not 0 <= self.b <= 1:
            raise ValueError(f"b must be within [0, 1], got {self.b}")
        if not (self.delta >= 0 and math.isfinite(self.delta)):
            raise ValueError(f"delta must be a finite number >= 0, got {self.delta}")

    def as_dict(self) -> dict:
        return {"variant": "BM25Plus (rank-bm25 0.2.2)", "k1": self.k1, "b": self.b, "delta": self.delta}


@dataclass
class BM25Matrix:
    """Term-major postings: passages ``ids[indptr[t]:indptr[t+1]]`` contain term t, with ``contrib``."""

    indptr: np.ndarray  # int64, len V + 1
    ids: np.ndarray  # int32, passage ids, ascending within a term
    contrib: np.ndarray  # float64, idf * tf * (k1 + 1) / (k1 * norm + tf)
    idf: np.ndarray  # float64, len V
    n_passages: int
    delta: float
    _local: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    def _buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """A dense score accumulator and a touched-mask per thread, reused across queries and kept
        all-zero between them (only the touched entries are reset)."""
        buffers = getattr(self._local, "buffers", None)
        if buffers is None:
            buffers = (np.zeros(self.n_passages, dtype=np.float64), np.zeros(self.n_passages, dtype=bool))
            self._local.buffers = buffers
        return buffers

    def term_scores(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.indptr[term_id], self.indptr[term_id + 1]
        return self.ids[start:end], self.contrib[start:end]

    def scores(self, weights: Mapping[int, float]) -> np.ndarray:
        """Dense scores for every passage (for tests and small corpora); equals get_scores."""
        out = np.zeros(self.n_passages, dtype=np.float64)
        out += self.constant(weights)
        for term_id, weight in weights.items():
            ids, contrib = self.term_scores(term_id)
            out[ids] += weight * contrib
        return out

    def constant(self, weights: Mapping[int, float]) -> float:
        return float(sum(weight * self.idf[t] * self.delta for t, weight in weights.items()))

    def top_k(self, weights: Mapping[int, float], k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k best passages containing at least one query term, best first (ties: lower id).

        Scores equal ``scores(weights)`` (and so rank-bm25's get_scores) for those passages. This is
        the lean path for plain queries; ``top_k_groups`` handles synonym groups."""
        if k <= 0 or not weights:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        constant = 0.0
        parts = []
        for term_id, weight in weights.items():
            constant += weight * float(self.idf[term_id]) * self.delta
            start, end = self.indptr[term_id], self.indptr[term_id + 1]
            if end > start and weight > 0:  # a zero weight adds nothing: no passage is a match by it alone
                parts.append((self.ids[start:end], self.contrib[start:end], weight))
        return self._top(parts, constant, k)

    def _top(
        self, parts: list[tuple[np.ndarray, np.ndarray, float]], constant: float, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sum the weighted parts per passage, then keep the k best. Candidates stay in ascending id
        order throughout, which is what makes ties come out lower id first."""
        if not parts:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        if len(parts) == 1:
            ids, vals, weight = parts[0]
            candidates, values = ids, vals * weight if weight != 1.0 else vals
        elif self.n_passages <= PASSAGES_PER_QUERY_TERM * len(parts):
            # one bincount sums every part; comparing with 0 then finds the candidates (every
            # BM25Plus contribution is positive, so 0 means no query term) far faster than nonzero on floats
            dense = np.bincount(
                np.concatenate([p[0] for p in parts]),
                weights=np.concatenate([vals * weight if weight != 1.0 else vals for _, vals, weight in parts]),
                minlength=self.n_passages,
            )
            candidates = (dense > 0).nonzero()[0]
            values = dense[candidates]
        elif sum(len(p[0]) for p in parts) * 16 < self.n_passages and self.n_passages > 65536:
            # few postings in a large corpus: sorting them beats touching the dense buffer
            candidates, inverse = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
            values = np.bincount(
                inverse, weights=np.concatenate([p[1] * p[2] for p in parts]), minlength=len(candidates)
            )
        else:  # add into a per-thread dense buffer; ids are unique within a part, so += is exact
            scores, touched = self._buffers()
            for ids, vals, weight in parts:
                scores[ids] += vals * weight if weight != 1.0 else vals
                touched[ids] = True
            candidates = np.flatnonzero(touched)
            values = scores[candidates]
            scores[candidates] = 0.0
            touched[candidates] = False
        if len(values) > k:
            # partial sort over the candidates only; keeping every value tied with the k-th lets the
            # stable sort below pick the lower ids among them (ndarray methods: no dispatch wrapper)
            negated = -values
            negated.partition(k - 1)
            keep = (values >= -negated[k - 1]).nonzero()[0]
            candidates, values = candidates[keep], values[keep]
        best = (-values).argsort(kind="stable")[:k]  # best first; ties keep the lower id first
        return candidates[best].astype(np.int64, copy=False), values[best] + constant

    def top_k_groups(self, groups: Sequence[Mapping[int, float]], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Like top_k, but the terms of one group are alternatives for one concept (a word and its
        synonyms): a group adds the best of its terms' weighted BM25Plus scores, not their sum, so a
        concept with many synonyms does not outweigh the rest of the question."""
        empty = (np.empty(0, np.int64), np.empty(0, np.float64))
        if k <= 0:
            return empty
        base = 0.0
        gain_ids: list[np.ndarray] = []
        gain_vals: list[np.ndarray] = []
        for group in groups:
            floors = {t: w * float(self.idf[t]) * self.delta for t, w in group.items()}
            floor = max(floors.values(), default=0.0)  # what the group adds to a passage with none of its terms
            base += floor
            parts = [(self.term_scores(t), w, floors[t]) for t, w in group.items()]
            parts = [(p, w, f) for p, w, f in parts if len(p[0])]
            if not parts:
                continue
            if len(parts) == 1:
                (ids, contrib), weight, own_floor = parts[0]
                ids, vals = ids, weight * contrib + own_floor
            else:
                ids = np.concatenate([p[0] for p, _, _ in parts])
                vals = np.concatenate([w * p[1] + f for p, w, f in parts])
                order = np.lexsort((-vals, ids))
                ids, vals = ids[order], vals[order]
                first = np.ones(len(ids), dtype=bool)
                first[1:] = ids[1:] != ids[:-1]
                ids, vals = ids[first], vals[first]
            gain = vals - floor
            keep = gain > 0
            gain_ids.append(ids[keep])
            gain_vals.append(gain[keep])
        return self._top([(ids, gains, 1.0) for ids, gains in zip(gain_ids, gain_vals) if len(ids)], base, k)


def build_matrix(docs_terms: Iterable[Sequence[int]], vocab_size: int, params: BM25Params) -> BM25Matrix:
    """Build from term-id sequences, one per passage, with rank-bm25's BM25Plus formulas."""
    doc_lens: list[int] = []
    rows: list[np.ndarray] = []
    tfs: list[np.ndarray] = []
    for terms in docs_terms:
        arr = np.asarray(terms, dtype=np.int64)
        doc_lens.append(len(arr))
        uniq, counts = np.unique(arr, return_counts=True)
        rows.append(uniq)
        tfs.append(counts)
    return _assemble(rows, tfs, np.asarray(doc_lens, dtype=np.float64), vocab_size, params)


def _assemble(
    rows: list[np.ndarray], tfs: list[np.ndarray], doc_len: np.ndarray, vocab_size: int, params: BM25Params
) -> BM25Matrix:
    n = len(rows)
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=n)
    term = np.concatenate(rows) if n else np.empty(0, np.int64)
    tf = np.concatenate(tfs).astype(np.float64) if n else np.empty(0, np.float64)
    del rows, tfs
    passage = np.repeat(np.arange(n, dtype=np.int32), lengths)
    return matrix_from_postings(term, passage, tf, doc_len, vocab_size, params)


def matrix_from_postings(
    term: np.ndarray,
    passage: np.ndarray,
    tf: np.ndarray,
    doc_len: np.ndarray,
    vocab_size: int,
    params: BM25Params,
    chunk: int = 1 << 22,
) -> BM25Matrix:
    """Postings (one per passage and term, with its count) -> the matrix. Memory stays near the size
    of the postings: no sort when they already come term-major, contributions computed in chunks."""
    n = len(doc_len)
    avgdl = float(doc_len.sum() / n) if n else 0.0
    counts = np.bincount(term, minlength=vocab_size)
    with np.errstate(divide="ignore"):
        idf = np.where(counts > 0, np.log((n + 1) / np.maximum(counts, 1)), 0.0)
    if len(term) > 1 and not bool(np.all(term[:-1] <= term[1:])):
        order = np.argsort(term, kind="stable")  # term-major; passage ids stay ascending within a term
        term, passage, tf = term[order], passage[order], tf[order]
        del order
    passage = passage.astype(np.int32, copy=False)
    contrib = np.empty(len(term), dtype=np.float64)
    for start in range(0, len(term), chunk):
        stop = start + chunk
        t = tf[start:stop].astype(np.float64)
        if avgdl:
            norm = params.k1 * (1 - params.b + params.b * doc_len[passage[start:stop]] / avgdl)
        else:
            norm = np.full(len(t), params.k1)
        contrib[start:stop] = idf[term[start:stop]] * (t * (params.k1 + 1) / (norm + t))
    indptr = np.zeros(vocab_size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return BM25Matrix(indptr, passage, contrib, idf, n, params.delta)
