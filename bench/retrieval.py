"""Retrieval speed and agreement: the project's engine, rank-bm25 and bm25s on one synthetic corpus.

    python bench/retrieval.py --passages 1000000 --queries 200 [--json]

Corpus: a Zipf vocabulary of 50,000 words (p ∝ 1/rank), passages of 40-80 tokens, fixed seed.
Queries: 5 words drawn from ranks 100..50,000 (content words; the top 100 play the part of
stopwords). Every engine scores with BM25Plus (k1=1.5, b=0.75, delta=1) and runs in its own process.
rank-bm25 is slow (about a second a query at 1M passages), so it runs the first --rank-queries
queries; agreement is measured on those.
"""

from __future__ import annotations

import os
import sys

# This folder holds http.py, which would shadow the standard library's http package.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
VOCAB = 50_000
K = 10


def corpus(n: int, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(40, 81, size=n)
    p = 1.0 / np.arange(1, VOCAB + 1)
    p /= p.sum()
    tokens = rng.choice(VOCAB, size=int(lengths.sum()), p=p).astype(np.int32)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return tokens, offsets


def queries(q: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).integers(100, VOCAB, size=(q, 5))


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec; ru_maxrss would carry over the
    parent's peak (the parent generated the corpus)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine(engine: str, n: int, q: int, out: Path) -> None:
    # the corpus was generated once by the parent; mapping it keeps its generation out of this peak
    tokens = np.load(out.parent / "tokens.npy", mmap_mode="r")
    offsets = np.load(out.parent / "offsets.npy", mmap_mode="r")
    qs = queries(q)
    base_rss = peak_rss_mb()
    began = time.perf_counter()
    if engine == "project":
        sys.path.insert(0, str(ROOT))
        from bot.bm25 import BM25Params, matrix_from_postings

        # the postings the index build makes: unique (term, passage) pairs with counts, term-major, built
        # in place and in chunks so that no full-size temporary sits beside the key array
        doc_len = np.diff(offsets).astype(np.float64)
        keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
        for start in range(0, len(keys), 1 << 22):
            keys[start : start + (1 << 22)] += tokens[start : start + (1 << 22)].astype(np.int64) * n
        keys.sort()
        new_key = np.empty(len(keys), dtype=bool)
        new_key[0] = True
        np.not_equal(keys[1:], keys[:-1], out=new_key[1:])
        starts = np.flatnonzero(new_key)
        del new_key
        unique = keys[starts]
        del keys
        tf = np.diff(starts, append=len(tokens)).astype(np.int32)
        del starts
        term = (unique // n).astype(np.int32)
        unique %= n
        passage = unique.astype(np.int32)
        del unique
        matrix = matrix_from_postings(term, passage, tf, doc_len, VOCAB, BM25Params())
        del term, passage, tf

        def search(words):
            weights: dict[int, float] = {}
            for w in words:
                weights[int(w)] = weights.get(int(w), 0.0) + 1.0
            return matrix.top_k(weights, K)
    elif engine == "rank_bm25":
        from rank_bm25 import BM25Plus

        docs = [[f"w{t}" for t in tokens[offsets[i] : offsets[i + 1]]] for i in range(n)]
        model = BM25Plus(docs)
        del docs

        def search(words):
            scores = model.get_scores([f"w{w}" for w in words])
            top = np.argpartition(-scores, K)[:K]
            top = top[np.lexsort((top, -scores[top]))]
            return top, scores[top]
    else:
        import bm25s

        docs = [[f"w{t}" for t in tokens[offsets[i] : offsets[i + 1]]] for i in range(n)]
        model = bm25s.BM25(method="bm25+", k1=1.5, b=0.75, delta=1.0)
        model.index(_bm25s_tokenized(docs, bm25s), show_progress=False)
        vocab = model.vocab_dict
        del docs

        def search(words):
            ids = [vocab[f"w{w}"] for w in words if f"w{w}" in vocab]
            scores = model.get_scores(ids)
            top = np.argpartition(-scores, K)[:K]
            top = top[np.lexsort((top, -scores[top]))]
            return top, scores[top]

    build_s = time.perf_counter() - began
    times, ids, scores = [], [], []
    for words in qs:
        t = time.perf_counter()
        top, sc = search(words)
        times.append(time.perf_counter() - t)
        padded_ids = np.full(K, -1, dtype=np.int64)
        padded_scores = np.zeros(K, dtype=np.float64)
        found = min(K, len(top))
        padded_ids[:found], padded_scores[:found] = top[:found], sc[:found]
        ids.append(padded_ids)
        scores.append(padded_scores)
    ms = np.asarray(times) * 1000
    np.save(out.with_suffix(".ids.npy"), np.stack(ids))
    np.save(out.with_suffix(".scores.npy"), np.stack(scores))
    out.write_text(
        json.dumps(
            {
                "build_s": round(build_s, 2),
                "p50_ms": round(float(np.median(ms)), 3),
                "p99_ms": round(float(np.percentile(ms, 99)), 3),
                "qps": round(len(ms) / float(ms.sum() / 1000), 1),
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "rss_before_build_mb": round(base_rss, 1),
            }
        )
    )


def _bm25s_tokenized(docs, bm25s):
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in docs]
    return bm25s.tokenization.Tokenized(ids=ids, vocab=vocab)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rank-queries", type=int, default=30, help="queries rank-bm25 runs (it is slow)")
    parser.add_argument("--engines", default="project,rank_bm25,bm25s")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        run_engine(args.engine, args.passages, args.queries, Path(args.out))
        return 0
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tokens, offsets = corpus(args.passages)
        np.save(Path(tmp) / "tokens.npy", tokens)
        np.save(Path(tmp) / "offsets.npy", offsets)
        del tokens, offsets
        for engine in args.engines.split(","):
            q = min(args.queries, args.rank_queries) if engine == "rank_bm25" else args.queries
            out = Path(tmp) / engine
            print(f"running {engine} on {args.passages} passages, {q} queries...", file=sys.stderr, flush=True)
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--engine",
                    engine,
                    "--passages",
                    str(args.passages),
                    "--queries",
                    str(q),
                    "--out",
                    str(out),
                ],
                check=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            results[engine] = json.loads(out.read_text())
            results[engine]["_ids"] = np.load(out.with_suffix(".ids.npy"))
            results[engine]["_scores"] = np.load(out.with_suffix(".scores.npy"))
    report: dict = {"passages": args.passages, "queries": args.queries, "engines": {}}
    for engine, r in results.items():
        report["engines"][engine] = {k: v for k, v in r.items() if not k.startswith("_")}
    if "project" in results and "rank_bm25" in results:
        m = len(results["rank_bm25"]["_ids"])
        ours, ref = results["project"]["_ids"][:m], results["rank_bm25"]["_ids"]
        ours_s, ref_s = results["project"]["_scores"][:m], results["rank_bm25"]["_scores"]
        # rank-bm25 ranks every passage; compare on the passages that contain a query word (ours lists only those)
        agree, diffs = [], []
        for a, b, sa, sb in zip(ours, ref, ours_s, ref_s):
            found = a[a >= 0]
            # a position agrees when it holds the same passage, or one tied with it to 1e-9 (ties have no order)
            same = [x == y or abs(p - q) < 1e-9 for x, y, p, q in zip(found, b, sa, sb)]
            agree.append(sum(same) / max(1, len(found)))
            diffs.append(np.max(np.abs(sa[: len(found)] - sb[: len(found)])) if len(found) else 0.0)
        report["top10_agreement_with_rank_bm25"] = round(float(np.mean(agree)), 4)
        report["max_abs_score_diff"] = float(np.max(diffs))
        e = report["engines"]
        report["latency_ratio_rank_bm25_over_project"] = round(e["rank_bm25"]["p50_ms"] / e["project"]["p50_ms"], 1)
    if "project" in results and "bm25s" in results:
        e = report["engines"]
        report["qps_ratio_project_over_bm25s"] = round(e["project"]["qps"] / e["bm25s"]["qps"], 2)
    if args.json:
        print(json.dumps(report))
    else:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
