"""The encoder's forward pass as an ONNX graph, run by onnxruntime when it is installed.

The graph is built here from the weights ``Encoder`` has already checked and loaded, so no model file is
fetched or stored: the same safetensors weights, the same arithmetic as ``Encoder._forward_numpy``
(tests compare the two). onnxruntime packs the weight matrices once, when the session is made; numpy's
BLAS packs them again at every product, which on a question's few tokens is most of the work.

The graph reads a batch unpadded, as ``NumpyForward`` does: the dense layers see every text's tokens as
one (tokens, 384) matrix, and only attention, which is within a text, sees a padded grid. Inputs
(``ragged_feeds``): ``ids``, ``positions`` and ``slots`` (each token's cell in the grid), int64 per token;
``mask`` (float32, texts x longest); ``pool`` (float32, texts x tokens, each text's mean). Outputs:
``vectors`` (float32, texts x 384) and ``token_vectors`` (float32, tokens x 384), each row L2-normalised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .encoder import Layer

OPSET = 20  # Gelu (exact, erf-based) and LayerNormalization are both standard ops from here
IR_VERSION = 9
MASKED = -1e9  # added to the attention scores of padding


class _GraphBuilder:
    def __init__(self) -> None:
        from onnx import numpy_helper

        self._from_array = numpy_helper.from_array
        self.initializers: list[Any] = []
        self.nodes: list[Any] = []
        self._names = 0

    def constant(self, name: str, value: np.ndarray | np.generic) -> str:
        value = np.asarray(value)
        self.initializers.append(self._from_array(np.ascontiguousarray(value) if value.ndim else value, name))
        return name

    def op(self, op_type: str, inputs: Sequence[str], **attributes: Any) -> str:
        from onnx import helper

        self._names += 1
        output = f"{op_type.lower()}_{self._names}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], **attributes))
        return output

    def layer_norm(self, x: str, gamma: np.ndarray, beta: np.ndarray, eps: float, name: str) -> str:
        g = self.constant(f"{name}.gamma", gamma)
        b = self.constant(f"{name}.beta", beta)
        return self.op("LayerNormalization", [x, g, b], axis=-1, epsilon=eps)

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        product = self.op("MatMul", [x, self.constant(f"{name}.weight", weight)])
        return self.op("Add", [product, self.constant(f"{name}.bias", bias)])


def build_model(
    word: np.ndarray,
    position: np.ndarray,
    token_type: np.ndarray,
    emb_norm: tuple[np.ndarray, np.ndarray],
    layers: Sequence[Layer],
    heads: int,
    eps: float,
) -> bytes:
    """The serialised ONNX model. ``layers`` hold ``Encoder``'s per-layer tuples (weights transposed
    for ``x @ w``, query, key and value stacked)."""
    from onnx import TensorProto, helper

    g = _GraphBuilder()
    dims = word.shape[1]
    size = dims // heads
    tokens = g.op("Gather", [g.constant("word", word), "ids"])
    placed = g.op("Gather", [g.constant("position", position), "positions"])
    x = g.op("Add", [g.op("Add", [tokens, placed]), g.constant("token_type", token_type)])
    x = g.layer_norm(x, *emb_norm, eps, "embeddings")  # (tokens, dims): every text's tokens, unpadded
    unmasked = g.op("Sub", [g.constant("one", np.float32(1.0)), "mask"])
    bias = g.op("Mul", [unmasked, g.constant("masked", np.float32(MASKED))])
    bias = g.op("Unsqueeze", [bias, g.constant("head_and_row_axes", np.array([1, 2], np.int64))])
    grid = g.op("Shape", ["mask"])  # (texts, longest)
    cells = g.op("ReduceProd", [grid], keepdims=1)
    empty_grid = g.op(
        "ConstantOfShape", [g.op("Concat", [cells, g.constant("qkv_width", np.array([3 * dims], np.int64))], axis=0)]
    )
    split_heads = g.op("Concat", [grid, g.constant("heads_shape", np.array([3, heads, size], np.int64))], axis=0)
    join_heads = g.constant("join_heads", np.array([-1, dims], np.int64))
    cell_of_token = g.op("Unsqueeze", ["slots", g.constant("index_axis", np.array([1], np.int64))])
    scale = g.constant("scale", np.float32(1.0 / np.sqrt(size)))
    which = [g.constant(f"which_{i}", np.int64(i)) for i in range(3)]
    for i, (qkv_w, qkv_b, out_w, out_b, norm1, in_w, in_b, ff_w, ff_b, norm2) in enumerate(layers):
        # attention is within a text: its rows go to a padded (texts, longest) grid, and come back
        qkv = g.op("ScatterND", [empty_grid, cell_of_token, g.linear(x, qkv_w, qkv_b, f"layer{i}.qkv")])
        qkv = g.op("Transpose", [g.op("Reshape", [qkv, split_heads])], perm=[2, 0, 3, 1, 4])
        q, k, v = (g.op("Gather", [qkv, which[j]], axis=0) for j in range(3))  # (texts, heads, longest, size)
        scores = g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])])
        scores = g.op("Add", [g.op("Mul", [scores, scale]), bias])
        context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), join_heads])
        context = g.op("Gather", [context, "slots"], axis=0)
        attended = g.op("Add", [g.linear(context, out_w, out_b, f"layer{i}.out"), x])
        x = g.layer_norm(attended, *norm1, eps, f"layer{i}.norm1")
        hidden = g.op("Gelu", [g.linear(x, in_w, in_b, f"layer{i}.intermediate")])
        x = g.layer_norm(
            g.op("Add", [g.linear(hidden, ff_w, ff_b, f"layer{i}.output"), x]), *norm2, eps, f"layer{i}.norm2"
        )
    pooled = g.op("MatMul", ["pool", x])  # each text's mean token
    last = g.constant("last", np.array([-1], np.int64))
    g.nodes.append(helper.make_node("Div", [pooled, g.op("ReduceL2", [pooled, last], keepdims=1)], ["vectors"]))
    g.nodes.append(helper.make_node("Div", [x, g.op("ReduceL2", [x, last], keepdims=1)], ["token_vectors"]))
    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("ids", TensorProto.INT64, ["tokens"]),
            helper.make_tensor_value_info("positions", TensorProto.INT64, ["tokens"]),
            helper.make_tensor_value_info("slots", TensorProto.INT64, ["tokens"]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["texts", "longest"]),
            helper.make_tensor_value_info("pool", TensorProto.FLOAT, ["texts", "tokens"]),
        ],
        [
            helper.make_tensor_value_info("vectors", TensorProto.FLOAT, ["texts", dims]),
            helper.make_tensor_value_info("token_vectors", TensorProto.FLOAT, ["tokens", dims]),
        ],
        initializer=g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    return bytes(model.SerializeToString())


def available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class OnnxForward:
    """``forward(batch_ids) -> (float32 [texts, 384], float32 [tokens, 384])`` through an onnxruntime
    session on one thread."""

    def __init__(self, model: bytes, threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # warnings would reach stderr on every start
        self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, batch_ids: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        vectors, tokens = self._session.run(["vectors", "token_vectors"], ragged_feeds(batch_ids))
        return np.asarray(vectors, dtype=np.float32), np.asarray(tokens, dtype=np.float32)


def ragged_feeds(batch_ids: list[list[int]]) -> dict[str, np.ndarray]:
    """The graph's inputs: every text's tokens in one run, with each token's cell in the padded grid
    attention reads, and the matrix that averages each text's tokens."""
    lengths = np.array([len(ids) for ids in batch_ids])
    n, longest, total = len(batch_ids), int(lengths.max()), int(lengths.sum())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    positions = np.arange(total) - np.repeat(starts, lengths)
    text_of_token = np.repeat(np.arange(n), lengths)
    mask = np.zeros((n, longest), dtype=np.float32)
    mask[text_of_token, positions] = 1.0
    pool = np.zeros((n, total), dtype=np.float32)
    pool[text_of_token, np.arange(total)] = (1.0 / lengths)[text_of_token]
    return {
        "ids": np.concatenate(batch_ids).astype(np.int64),
        "positions": positions.astype(np.int64),
        "slots": (text_of_token * longest + positions).astype(np.int64),
        "mask": mask,
        "pool": pool,
    }
