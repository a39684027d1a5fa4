"""Our sparse BM25Plus against rank-bm25's reference implementation."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi, BM25Plus

from bot.bm25 import BM25Params, build_matrix


def _random_corpus(rng, n_docs, vocab, max_len=30):
    return [[f"w{int(x)}" for x in rng.zipf(1.3, size=rng.integers(0, max_len)) % vocab] for _ in range(n_docs)]


def _ours(corpus, params: BM25Params | None = None):
    params = params or BM25Params()
    vocab = sorted({t for doc in corpus for t in doc})
    ids = {t: i for i, t in enumerate(vocab)}
    return build_matrix(([ids[t] for t in doc] for doc in corpus), len(vocab), params), ids


@pytest.mark.parametrize("seed", range(8))
def test_scores_equal_rank_bm25_plus_within_1e9_and_same_top10(seed):
    rng = np.random.default_rng(seed)
    corpus = _random_corpus(rng, int(rng.integers(20, 300)), int(rng.integers(5, 200)))
    corpus[0] = corpus[0] or ["w0"]  # rank-bm25 needs at least one token overall
    params = BM25Params(k1=float(rng.uniform(0.5, 2.0)), b=float(rng.uniform(0, 1)), delta=float(rng.uniform(0, 2)))
    reference = BM25Plus(corpus, k1=params.k1, b=params.b, delta=params.delta)
    matrix, ids = _ours(corpus, params)
    for _ in range(20):
        query = [f"w{int(x)}" for x in rng.integers(0, 220, size=rng.integers(1, 6))]  # some unknown, some repeated
        expected = reference.get_scores(query)
        weights: dict[int, float] = {}
        for token in query:
            if token in ids:
                weights[ids[token]] = weights.get(ids[token], 0.0) + 1.0
        got = matrix.scores(weights)
        assert np.max(np.abs(got - expected)) < 1e-9
        top_ids, top_scores = matrix.top_k(weights, 10)
        assert np.allclose(top_scores, expected[top_ids], atol=1e-9)
        matching = int((got > matrix.constant(weights) + 1e-12).sum())
        reference_top = np.lexsort((np.arange(len(expected)), -expected))[: min(10, matching)]
        assert len(top_ids) >= len(reference_top)
        # same top-10: position by position the same passage, or one tied with it to 1e-9
        for ours, theirs in zip(top_ids, reference_top):
            assert ours == theirs or abs(expected[ours] - expected[theirs]) < 1e-9


def test_term_in_exactly_half_the_passages_still_counts():
    corpus = [["immunomodulators", "cream"], ["immunomodulators", "pill"], ["bcg", "bladder"], ["skin", "cream"]]
    okapi = BM25Okapi(corpus)
    assert okapi.idf["immunomodulators"] == 0.0  # the trap: Okapi erases a word found in half the documents
    matrix, ids = _ours(corpus)
    scores = matrix.scores({ids["immunomodulators"]: 1.0})
    assert scores[0] > scores[2] and scores[1] > scores[3]
    assert np.allclose(scores, BM25Plus(corpus).get_scores(["immunomodulators"]), atol=1e-12)


def test_term_in_more_than_half_and_in_every_passage_still_ranks():
    corpus = [["cancer", "lenalidomide"], ["cancer", "clot"], ["cancer"], ["skin"], ["cancer", "cancer", "x"]]
    matrix, ids = _ours(corpus)
    top, _ = matrix.top_k({ids["cancer"]: 1.0}, 5)
    assert set(top.tolist()) == {0, 1, 2, 4} and 3 not in top
    everywhere = [["immune", "a"], ["immune", "b"], ["immune"]]
    m2, ids2 = _ours(everywhere)
    assert m2.idf[ids2["immune"]] > 0
    assert len(m2.top_k({ids2["immune"]: 1.0}, 3)[0]) == 3


def test_grouped_alternatives_add_their_best_not_their_sum():
    corpus = [["given", "infusion", "injection", "oral", "topical"], ["bcg", "catheter", "bcg"], ["other"]]
    matrix, ids = _ours(corpus)
    flat, flat_scores = matrix.top_k({ids["infusion"]: 0.5, ids["injection"]: 0.5, ids["oral"]: 0.5}, 3)
    grouped, grouped_scores = matrix.top_k_groups([{ids["infusion"]: 0.5, ids["injection"]: 0.5, ids["oral"]: 0.5}], 3)
    assert grouped_scores[0] < flat_scores[0]
    singletons = [{ids["bcg"]: 1.0}, {ids["catheter"]: 1.0}]
    assert np.allclose(
        matrix.top_k_groups(singletons, 3)[1], matrix.top_k({ids["bcg"]: 1.0, ids["catheter"]: 1.0}, 3)[1]
    )


def test_bad_parameters_are_refused_by_name():
    with pytest.raises(ValueError, match="b must be"):
        BM25Params(b=1.5)
    with pytest.raises(ValueError, match="k1"):
        BM25Params(k1=-1)


def _exact_top(matrix, weights, k):
    """The reference order: best score first, ties by lower id, only passages with a query term."""
    dense = matrix.scores(weights)
    order = np.lexsort((np.arange(len(dense)), -dense))
    order = order[dense[order] > matrix.constant(weights) + 1e-12]
    return order[:k], dense


@pytest.mark.parametrize("n_passages", [4000, 70000])  # below and above the small-corpus threshold
def test_every_accumulation_path_returns_the_exact_top_k_with_ties_by_lower_id(n_passages):
    rng = np.random.default_rng(7)
    # passages repeat in blocks of 5 identical ones, so most scores are tied exactly
    blocks = [
        [f"w{int(x)}" for x in rng.integers(0, 3000, size=12)] + (["common"] if i % 2 else [])
        for i in range(n_passages // 5)
    ]
    corpus = [doc for doc in blocks for _ in range(5)]
    matrix, ids = _ours(corpus)
    w = [ids[t] for t in sorted(ids) if t != "common"][:5]
    queries = {
        "one term": {w[0]: 1.0},
        "few postings": {w[0]: 1.0, w[1]: 1.0},
        "half the passages": {ids["common"]: 1.0, w[2]: 2.0},
        "weighted": {ids["common"]: 0.5, w[3]: 1.5, w[4]: 1.0},
        "a zero weight": {ids["common"]: 0.0, w[1]: 1.0},  # passages with only "common" do not match
    }
    for _ in range(2):  # the reused buffer is clean again after each query
        for name, weights in queries.items():
            for k in (1, 7, 10, 100, 1000):
                top_ids, top_scores = matrix.top_k(weights, k)
                expected, dense = _exact_top(matrix, weights, k)
                assert top_ids.tolist() == expected.tolist(), (name, k)
                assert np.allclose(top_scores, dense[top_ids], rtol=0, atol=1e-9), (name, k)
