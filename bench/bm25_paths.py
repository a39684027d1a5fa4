"""The two ways ``BM25Matrix.top_k_groups`` sums postings, timed side by side, to place its switch.

    python bench/bm25_paths.py

For corpus sizes and query lengths it prints microseconds per query for one ``bincount`` over all
postings and for adding each term into a reused buffer, and which is cheaper. The switch in
``bot/bm25.py`` (``PASSAGES_PER_QUERY_TERM``) follows these figures.
"""

from __future__ import annotations

import time

import numpy as np

ROUNDS = 50


def timings(n: int, terms: int, postings: int, rng: np.random.Generator) -> tuple[float, float]:
    parts = [
        (np.sort(rng.choice(n, postings, replace=False)).astype(np.int32), rng.random(postings)) for _ in range(terms)
    ]
    began = time.perf_counter()
    for _ in range(ROUNDS):
        dense = np.bincount(
            np.concatenate([i for i, _ in parts]), weights=np.concatenate([v for _, v in parts]), minlength=n
        )
        (dense > 0).nonzero()
    bincount = (time.perf_counter() - began) / ROUNDS
    scores, touched = np.zeros(n), np.zeros(n, dtype=bool)
    began = time.perf_counter()
    for _ in range(ROUNDS):
        for ids, vals in parts:
            scores[ids] += vals
            touched[ids] = True
        found = np.flatnonzero(touched)
        scores[found] = 0.0
        touched[found] = False
    buffer = (time.perf_counter() - began) / ROUNDS
    return bincount * 1e6, buffer * 1e6


def main() -> None:
    rng = np.random.default_rng(0)
    print("passages terms bincount_us buffer_us cheaper")
    for n in (4_000, 16_000, 64_000, 256_000, 1_000_000):
        for terms in (3, 10, 30):
            a, b = timings(n, terms, max(5, n // 200), rng)
            print(n, terms, round(a, 1), round(b, 1), "bincount" if a < b else "buffer")


if __name__ == "__main__":
    main()
