"""Settings in one place: defaults, overridden by environment variables, then by options."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CORPUS = Path("seeds")
DEFAULT_INDEX = Path("index")
DEFAULT_TOP_K = 5


@dataclass(frozen=True)
class Settings:
    """Where the articles and the index live, and how much evidence to show."""

    corpus: Path = DEFAULT_CORPUS
    index: Path = DEFAULT_INDEX
    top_k: int = DEFAULT_TOP_K

    @classmethod
    def from_env(cls) -> Settings:
        """Defaults overridden by QA_CORPUS and QA_INDEX."""
        return cls(
            corpus=Path(os.environ.get("QA_CORPUS") or DEFAULT_CORPUS),
            index=Path(os.environ.get("QA_INDEX") or DEFAULT_INDEX),
        )
