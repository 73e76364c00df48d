"""Sentence embeddings with onnxruntime, and a one-off export from sentence-transformers."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "onnx_config.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "token_embeddings"
OPSET = 17
# Version 2: eager attention, fused by onnxruntime's transformer optimizer where it can (one Attention
# node a layer): about a quarter less to load and a tenth less a question than version 1.
EXPORT_VERSION = 2


def _model_error(message: str) -> Exception:
    """Return qa.errors.ModelError if that module exists, else RuntimeError."""
    try:
        from qa.errors import ModelError
    except ImportError:
        return RuntimeError(message)
    return ModelError(message)


def _default_threads() -> int:
    """Return the number of CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _pooling_mode(pooling: object) -> str | None:
    """Return the pooling mode of a sentence-transformers Pooling module."""
    mode = getattr(pooling, "pooling_mode", None)
    if isinstance(mode, str):
        return mode
    # sentence-transformers < 6 keeps one boolean per mode instead of a name.
    if getattr(pooling, "pooling_mode_mean_tokens", False):
        return "mean"
    return None


def export_onnx(model_dir: Path, out_dir: Path) -> None:
    """Export a mean-pooling sentence-transformers model to out_dir as ONNX plus tokenizer and config.

    The graph is checked against torch on a padded batch, then fused (``_fuse``) and checked again;
    a fusion that fails or does not match leaves the plain graph, which gives the same vectors.
    """
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    if not model_dir.is_dir():
        raise _model_error(f"model folder not found: {model_dir}")
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise _model_error(f"exporting needs torch and sentence-transformers: {exc}") from exc

    try:
        # Eager attention exports as plain MatMul and Softmax, the pattern the optimizer fuses; scaled
        # dot-product attention exports as a tangle of Where and IsNaN nodes that it cannot.
        model = SentenceTransformer(str(model_dir), device="cpu", model_kwargs={"attn_implementation": "eager"})
    except Exception as exc:
        raise _model_error(f"cannot load sentence-transformers model from {model_dir}: {exc}") from exc
    model.eval()

    modules = list(model)
    transformer = modules[0]
    bert = getattr(transformer, "auto_model", None)
    if bert is None or len(modules) < 2 or _pooling_mode(modules[1]) != "mean":
        raise _model_error(f"{model_dir}: only Transformer + mean Pooling models can be exported")
    tokenizer_src = model_dir / TOKENIZER_FILE
    if not tokenizer_src.is_file():
        raise _model_error(f"{model_dir} has no {TOKENIZER_FILE}")

    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    max_seq_length, dim = model.max_seq_length, get_dim()
    if not max_seq_length or not dim:
        raise _model_error(f"{model_dir}: cannot tell the model's max_seq_length and embedding dimension")
    config = {
        "max_seq_length": int(max_seq_length),
        "dim": int(dim),
        "do_lower_case": bool(getattr(transformer, "do_lower_case", False)),
        "pooling": "mean",
        "normalize": True,
        "export": EXPORT_VERSION,
    }
    heads, hidden = getattr(bert.config, "num_attention_heads", 0), getattr(bert.config, "hidden_size", 0)

    class _Wrapper(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            # Keyword arguments: transformers 5 changed BertModel.forward's positional order.
            out = self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                return_dict=True,
            )
            return out.last_hidden_state

    tokenizer = Tokenizer.from_file(str(tokenizer_src))
    tokenizer.no_truncation()
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0)

    def batch(texts: list[str]) -> tuple[torch.Tensor, ...]:
        enc = tokenizer.encode_batch(texts)
        return tuple(torch.tensor([getattr(e, name) for e in enc], dtype=torch.long) for name in ("ids", "attention_mask", "type_ids"))

    # Rows of different lengths so the traced graph sees real padding.
    trace_inputs = batch(["An example sentence to trace the graph.", "Short one."])
    # A different batch and sequence size checks that the dynamic axes really are dynamic.
    check_inputs = batch(["One.", "A somewhat longer sentence, with punctuation; and more words.", "Two words"])

    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / ONNX_FILE
    tmp_path = out_dir / (ONNX_FILE + ".tmp")
    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUT_NAMES, OUTPUT_NAME)}
    wrapper = _Wrapper(bert).eval()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # Tracer warnings are about constant-folded Python branches; the check below covers them.
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx")
            # The legacy TorchScript exporter is chosen on purpose: it is fast and works offline.
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(
                wrapper,
                trace_inputs,
                str(tmp_path),
                input_names=list(INPUT_NAMES),
                output_names=[OUTPUT_NAME],
                dynamic_axes=dynamic_axes,
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
            expected = wrapper(*check_inputs).numpy()
        mask = check_inputs[1].numpy().astype(bool)
        feeds = {name: array.numpy() for name, array in zip(INPUT_NAMES, check_inputs, strict=True)}
        reproduced = _reproduces(tmp_path, feeds, expected, mask)
        if reproduced:
            config["fused"] = _fuse(tmp_path, heads, hidden, feeds, expected, mask)
    except OSError:  # a full disk or an unwritable folder, not a fault of the model: the index says so
        tmp_path.unlink(missing_ok=True)
        raise
    except Exception as exc:
        tmp_path.unlink(missing_ok=True)
        raise _model_error(f"ONNX export of {model_dir} failed: {exc}") from exc
    if not reproduced:
        tmp_path.unlink(missing_ok=True)
        raise _model_error(f"ONNX export of {model_dir} does not reproduce the torch outputs")

    os.replace(tmp_path, onnx_path)
    shutil.copyfile(tokenizer_src, out_dir / TOKENIZER_FILE)
    (out_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def is_current(folder: Path) -> bool:
    """Whether folder holds an export made the way this version of qa makes it (else export again)."""
    try:
        config = json.loads((Path(folder) / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and config.get("export") == EXPORT_VERSION and (Path(folder) / ONNX_FILE).is_file()


def _reproduces(path: Path, feeds: dict[str, np.ndarray], expected: np.ndarray, mask: np.ndarray) -> bool:
    """Whether the ONNX model at path gives the torch outputs on the real (unpadded) tokens."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run([OUTPUT_NAME], {i.name: feeds[i.name] for i in session.get_inputs()})[0]
    return bool(got.shape == expected.shape and np.allclose(got[mask], expected[mask], atol=1e-3))


def _fuse(path: Path, heads: int, hidden: int, feeds: dict[str, np.ndarray], expected: np.ndarray, mask: np.ndarray) -> bool:
    """Fuse each layer's attention, layer norms and GELU in place; False (path unchanged) when it cannot."""
    if not heads or not hidden:
        return False
    fused_path = path.with_name(path.name + ".fused")
    try:
        from onnxruntime.transformers import optimizer

        # opt_level 0: the fusions only; onnxruntime applies its own graph optimizations when it loads.
        model = optimizer.optimize_model(str(path), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0)
        fused = model.get_fused_operator_statistics().get("Attention", 0) > 0
        if fused:
            model.save_model_to_file(str(fused_path))
            fused = _reproduces(fused_path, feeds, expected, mask)
    except OSError:
        fused_path.unlink(missing_ok=True)
        raise
    except Exception:  # an optimizer that does not know this graph: the plain export is correct, only slower
        fused = False
    if not fused:
        fused_path.unlink(missing_ok=True)
        return False
    os.replace(fused_path, path)
    return True


class OnnxEmbedder:
    """L2-normalized mean-pooled sentence embeddings from an exported ONNX folder."""

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        """Load model.onnx, tokenizer.json and onnx_config.json from folder."""
        folder = Path(folder)
        missing = [n for n in (ONNX_FILE, TOKENIZER_FILE, CONFIG_FILE) if not (folder / n).is_file()]
        if missing:
            raise _model_error(f"{folder} lacks {', '.join(missing)}; run export_onnx first")
        try:
            config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
            self.dim: int = int(config["dim"])
            self.max_seq_length: int = int(config["max_seq_length"])
            self.do_lower_case: bool = bool(config.get("do_lower_case", False))
            if config.get("pooling", "mean") != "mean":
                raise ValueError(f"unsupported pooling {config['pooling']!r}")
        except (ValueError, KeyError, TypeError) as exc:
            raise _model_error(f"bad {folder / CONFIG_FILE}: {exc}") from exc

        try:
            tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        except Exception as exc:
            raise _model_error(f"cannot load {folder / TOKENIZER_FILE}: {exc}") from exc
        padding = tokenizer.padding
        self._pad_id = int(padding["pad_id"]) if padding else (tokenizer.token_to_id("[PAD]") or 0)
        # The shipped tokenizer.json pads and truncates to a fixed 128; pad per batch ourselves instead.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_seq_length)
        self._tokenizer = tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads if threads and threads > 0 else _default_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(str(folder / ONNX_FILE), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise _model_error(f"cannot load {folder / ONNX_FILE}: {exc}") from exc
        self._inputs = [i.name for i in self._session.get_inputs()]
        unknown = set(self._inputs) - set(INPUT_NAMES)
        if unknown:
            raise _model_error(f"{folder / ONNX_FILE} has unexpected inputs {sorted(unknown)}")

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Return a float32 (len(texts), dim) array of L2-normalized embeddings."""
        if isinstance(texts, str):
            raise TypeError("encode expects a sequence of strings, not a single string")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        texts = list(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        if self.do_lower_case:
            texts = [t.lower() for t in texts]

        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        # Longest first, so each batch pads to a similar length and a memory spike shows at once.
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = int(lengths[rows].max())
            ids = np.full((len(rows), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            for r, row in enumerate(rows):
                enc = encodings[row]
                n = len(enc.ids)
                ids[r, :n] = enc.ids
                mask[r, :n] = 1
                types[r, :n] = enc.type_ids
            arrays = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            hidden = self._session.run([OUTPUT_NAME], {k: arrays[k] for k in self._inputs})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.maximum(norms, 1e-12)
        return out
