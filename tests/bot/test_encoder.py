from __future__ import annotations

import shutil

import numpy as np
import pytest

from bot import encoder as encoder_module
from bot.encoder import Encoder, model_dir, shared_encoder
from bot.errors import ModelError


def test_reference_cosine_matches_sentence_transformers():
    vectors = shared_encoder().encode(["A man is eating food.", "A man is eating a piece of bread."])
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.7553, abs=0.001)


def test_vectors_are_unit_length_and_batching_does_not_change_them():
    enc = shared_encoder()
    texts = ["short", "a much longer sentence about lenalidomide and blood clots in the leg", "BCG"]
    together = enc.encode(texts)
    alone = np.stack([enc.encode([t])[0] for t in texts])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)  # padding is masked out


def test_cache_returns_the_same_vector_and_is_bounded():
    enc = Encoder(cache_size=2)
    first = enc.encode_one("what is revlimid")
    assert np.array_equal(enc.encode_one("what is revlimid"), first)
    for text in ("one", "two", "three"):
        enc.encode_one(text)
    assert len(enc._cache) == 2


def test_weights_with_another_hash_are_refused(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(model_dir(), copy)
    with open(copy / encoder_module.WEIGHTS_FILE, "r+b") as handle:
        handle.seek(-4, 2)
        handle.write(b"\x00\x00\x00\x01")
    with pytest.raises(ModelError, match="sha256"):
        Encoder(copy)


def test_missing_weights_are_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="missing"):
        Encoder(tmp_path)
