"""Latency of ``Bot.ask`` over every question of the eval files, on the default corpus.

    python bench/answer.py [--rounds 3] [--json]

Each round asks every question (dialogue turns in order, with their context) on a fresh question
cache, so the encoder runs for each question as it would for a new user. The same engine with the
dense stage off (BM25 only, the path corpora above DENSE_MAX_PASSAGES take) runs in the same process,
interleaved round by round, as the reference: its ratio shows what the semantic stage costs.
Targets on a 2-core machine: p50 <= 20 ms, p99 <= 60 ms.
"""

from __future__ import annotations

import os
import sys

# This folder holds http.py, which would shadow the standard library's http package.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import index as index_module  # noqa: E402
from bot.core import Bot  # noqa: E402
from bot.evaluate import read_jsonl  # noqa: E402

EVAL_FILES = [ROOT / "tests" / "data" / "eval" / name for name in ("questions.jsonl", "patients-fit.jsonl")]
EVAL_FILES += [ROOT / "tests" / "data" / "eval" / "patients-check.jsonl", ROOT / "tests" / "data" / "paraphrases.jsonl"]


def conversations() -> list[list[str]]:
    talks = []
    for path in EVAL_FILES:
        for case in read_jsonl(path):
            talks.append([t["question"] for t in case["turns"]] if case["kind"] == "dialogue" else [case["question"]])
    return talks


def run(bot: Bot, talks: list[list[str]]) -> list[float]:
    bot.encoder._cache.clear()
    times = []
    for turns in talks:
        context = None
        for question in turns:
            began = time.perf_counter()
            reply = bot.ask(question, context)
            times.append((time.perf_counter() - began) * 1000)
            context = reply.context
    return times


def summary(times: list[float]) -> dict[str, float]:
    ms = np.asarray(times)
    return {
        "questions": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p90_ms": round(float(np.percentile(ms, 90)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "mean_ms": round(float(ms.mean()), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    talks = conversations()
    with tempfile.TemporaryDirectory() as tmp:
        dense_dir, lexical_dir = Path(tmp) / "dense", Path(tmp) / "lexical"
        corpus = ROOT / "corpus"
        index_module.build(corpus, dense_dir)
        index_module.build(corpus, lexical_dir, index_module.BuildConfig(dense_max_passages=0))
        engines = {
            "dense": Bot({"INDEX_DIR": str(dense_dir), "CORPUS_DIR": str(corpus)}),
            "bm25_only": Bot({"INDEX_DIR": str(lexical_dir), "CORPUS_DIR": str(corpus), "DENSE_MAX_PASSAGES": 0}),
        }
        for bot in engines.values():
            run(bot, talks[:20])  # warm-up: imports, page cache, first BLAS calls
        times: dict[str, list[float]] = {name: [] for name in engines}
        for _ in range(args.rounds):
            for name, bot in engines.items():
                times[name] += run(bot, talks)
    result = {name: summary(t) for name, t in times.items()}
    result["p50_ratio_dense_to_bm25_only"] = round(result["dense"]["p50_ms"] / result["bm25_only"]["p50_ms"], 2)
    result["targets"] = {"p50_ms": 20, "p99_ms": 60}
    result["blas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    if args.json:
        print(json.dumps(result))
    else:
        for name in engines:
            print(name, result[name])
        print("p50 ratio dense / bm25-only:", result["p50_ratio_dense_to_bm25_only"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
