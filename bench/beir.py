"""Ranking quality on a BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv).

    python bench/beir.py data/nfcorpus [--split test] [--json]

The folder is one BEIR dataset (see README.md, "Performance", for what it holds and where to get NFCorpus).

All three engines get the same tokens: the project's analyzer (lowercase, our stopwords, Snowball).
The project engine also counts title words three times ("title words count toward a match"); that weight
was chosen on the dev split, not on test. nDCG@10 uses gain = grade (as pytrec_eval); Recall@100.
"""

from __future__ import annotations

import os
import sys

# This folder holds http.py, which would shadow the standard library's http package.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.analysis import Analyzer  # noqa: E402
from bot.bm25 import BM25Params, build_matrix  # noqa: E402

TITLE_WEIGHT = 3


def load(folder: Path, split: str):
    docs = [json.loads(line) for line in (folder / "corpus.jsonl").open(encoding="utf-8")]
    queries = {}
    for line in (folder / "queries.jsonl").open(encoding="utf-8"):
        q = json.loads(line)
        queries[q["_id"]] = q["text"]
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            qid, did, grade = line.rstrip("\n").split("\t")
            qrels.setdefault(qid, {})[did] = int(grade)
    return docs, {q: queries[q] for q in qrels}, qrels


def ndcg10(ranked: list[str], rel: dict[str, int]) -> float:
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(rel.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall100(ranked: list[str], rel: dict[str, int]) -> float:
    relevant = {d for d, g in rel.items() if g > 0}
    return len(relevant & set(ranked[:100])) / len(relevant) if relevant else 0.0


def quality(search, queries, qrels, doc_ids) -> dict:
    n_sum = r_sum = 0.0
    for qid, text in queries.items():
        ranked = [doc_ids[i] for i in search(text)]
        n_sum += ndcg10(ranked, qrels[qid])
        r_sum += recall100(ranked, qrels[qid])
    return {"ndcg@10": round(n_sum / len(queries), 4), "recall@100": round(r_sum / len(queries), 4)}


def speed(engines: dict, texts: list[str], rounds: int) -> dict:
    """Every query, timed one by one, in rounds that take the engines in turn, so that a slow spell of
    this shared machine lands on all of them alike. The quality pass before is the warm-up."""
    times: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(rounds):
        for name, search in engines.items():
            for text in texts:
                t = time.perf_counter()
                search(text)
                times[name].append(time.perf_counter() - t)
    out = {}
    for name, seconds in times.items():
        ms = np.asarray(seconds) * 1000
        out[name] = {"qps": round(len(ms) / (ms.sum() / 1000), 1), "p50_ms": round(float(np.median(ms)), 3)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--split", default="test")
    parser.add_argument("--title-weight", type=int, default=TITLE_WEIGHT)
    parser.add_argument("--engines", default="project,rank_bm25,bm25s")
    parser.add_argument("--rounds", type=int, default=10, help="timed passes over the queries")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    docs, queries, qrels = load(args.folder, args.split)
    analyzer = Analyzer.default()
    doc_ids = [d["_id"] for d in docs]
    title_terms = [analyzer.terms(d.get("title") or "") for d in docs]
    body_terms = [analyzer.terms(d.get("text") or "") for d in docs]
    plain = [t + b for t, b in zip(title_terms, body_terms)]
    k = 100
    engines: dict = {}
    wanted = args.engines.split(",")
    if "project" in wanted:
        weighted = [t * args.title_weight + b for t, b in zip(title_terms, body_terms)]
        vocab = {t: i for i, t in enumerate(sorted({t for doc in weighted for t in doc}))}
        matrix = build_matrix(([vocab[t] for t in doc] for doc in weighted), len(vocab), BM25Params())

        def project(text: str) -> list[int]:
            weights: dict[int, float] = {}
            for term in analyzer.terms(text):
                if term in vocab:
                    weights[vocab[term]] = weights.get(vocab[term], 0.0) + 1.0
            return matrix.top_k(weights, k)[0].tolist()

        engines["project"] = project
    if "rank_bm25" in wanted:
        from rank_bm25 import BM25Plus

        model = BM25Plus(plain)

        def rank(text: str) -> list[int]:
            scores = model.get_scores(analyzer.terms(text))
            top = np.argpartition(-scores, k)[:k]
            return top[np.argsort(-scores[top], kind="stable")].tolist()

        engines["rank_bm25"] = rank
    if "bm25s" in wanted:
        import bm25s

        vocab_s: dict[str, int] = {}
        ids = [[vocab_s.setdefault(t, len(vocab_s)) for t in doc] for doc in plain]
        model_s = bm25s.BM25(method="bm25+", k1=1.5, b=0.75, delta=1.0)
        model_s.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab_s), show_progress=False)

        def fast(text: str) -> list[int]:
            tokens = [vocab_s[t] for t in analyzer.terms(text) if t in vocab_s]
            if not tokens:
                return []
            scores = model_s.get_scores(tokens)
            top = np.argpartition(-scores, k)[:k]
            return top[np.argsort(-scores[top], kind="stable")].tolist()

        engines["bm25s"] = fast
    results = {name: quality(search, queries, qrels, doc_ids) for name, search in engines.items()}
    fast_engines = {name: search for name, search in engines.items() if name != "rank_bm25"}
    timed = speed(fast_engines, list(queries.values()), args.rounds)
    if "rank_bm25" in engines:  # about 3 ms a query: one round is enough
        timed.update(speed({"rank_bm25": engines["rank_bm25"]}, list(queries.values()), 1))
    for name in results:
        results[name].update(timed[name])
    report: dict = {"dataset": args.folder.name, "split": args.split, "queries": len(queries), "engines": results}
    if "project" in results and "bm25s" in results:
        report["qps_ratio_project_over_bm25s"] = round(results["project"]["qps"] / results["bm25s"]["qps"], 2)
    print(json.dumps(report) if args.json else json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
