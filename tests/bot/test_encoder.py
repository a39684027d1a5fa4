from __future__ import annotations

import shutil

import numpy as np
import pytest

from bot import encoder as encoder_module
from bot import encoder_graph
from bot.encoder import Encoder, model_dir, shared_encoder
from bot.errors import ModelError


def test_reference_cosine_matches_sentence_transformers():
    vectors = shared_encoder().encode(["A man is eating food.", "A man is eating a piece of bread."])
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.7553, abs=0.001)


@pytest.fixture(scope="module")
def numpy_encoder():
    return Encoder(backend="numpy")


def test_the_default_runs_on_onnxruntime_when_installed():
    # requirements.txt installs it: the faster pass is the one served
    assert encoder_graph.available()
    assert shared_encoder().backend == "onnx"


def test_the_numpy_pass_gives_the_reference_cosine_too(numpy_encoder):
    vectors = numpy_encoder.encode(["A man is eating food.", "A man is eating a piece of bread."])
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.7553, abs=0.001)


def test_onnx_graph_and_numpy_agree_on_a_batch_of_unlike_lengths(numpy_encoder):
    # one text per length class, batched together: each backend reads the batch unpadded, and a token's
    # row must land in its own text's attention grid and pooled mean
    texts = ["BCG", "tired and dizzy", "what are the side effects of lenalidomide for myeloma patients", "x " * 300]
    onnx_vectors = shared_encoder().encode(texts)
    assert np.allclose(onnx_vectors, numpy_encoder.encode(texts), atol=1e-5)
    alone = np.stack([numpy_encoder.encode([t])[0] for t in texts])
    assert np.allclose(onnx_vectors, alone, atol=1e-5)


def test_an_unknown_backend_is_a_clear_error():
    with pytest.raises(ModelError, match="backend"):
        Encoder(backend="torch")


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


def test_token_states_agree_across_backends_and_batches(numpy_encoder):
    texts = ["BCG", "can pomalyst bung you up", "x " * 300]
    vectors, states = shared_encoder().encode_with_tokens(texts)
    assert np.allclose(vectors, shared_encoder().encode(texts), atol=1e-6)
    _, reference = numpy_encoder.encode_with_tokens(texts)
    for state, other, text in zip(states, reference, texts):
        alone = shared_encoder().encode_with_tokens([text])[1][0]
        assert np.allclose(state.vectors, other.vectors, atol=1e-4)
        assert np.allclose(state.vectors, alone.vectors, atol=1e-4)  # a token row stays with its text
        assert np.allclose(np.linalg.norm(state.vectors, axis=1), 1.0, atol=1e-5)
        assert len(state.vectors) == len(state.tokens) == len(state.offsets)
        assert "[CLS]" not in state.tokens and "[SEP]" not in state.tokens
    assert states[0].tokens == ("bc", "##g")
    # offsets are the characters, without the "##" of a word piece
    assert [texts[1][a:b] for a, b in states[1].offsets][:3] == ["can", "po", "mal"]


def test_token_states_come_from_the_pass_that_made_the_vector():
    enc = Encoder(cache_size=8)
    passes = []
    forward = enc._forward
    enc._forward = lambda batch: passes.append(len(batch)) or forward(batch)  # type: ignore[method-assign]
    enc.encode_cached(["what is revlimid", "tired"])
    state = enc.token_states("what is revlimid")
    assert passes == [2]
    assert state.tokens == ("what", "is", "rev", "##lim", "##id")
    enc.token_states("not cached before")
    assert passes == [2, 1]
