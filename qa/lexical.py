"""BM25 at question time, read from the folder that bm25s saves, with numpy alone.

bm25s builds and saves the index (its precomputed per-term scores, in CSC form); answering needs
only to add up the columns of the question's terms, which does not need bm25s or scipy loaded.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

# Score methods whose saved matrix holds the whole score (no per-query non-occurrence term).
_PLAIN_METHODS = ("lucene", "robertson", "atire")


class LexicalIndex:
    """Per-term BM25 scores of every sentence, as saved by ``bm25s.BM25.save``."""

    def __init__(self, folder: Path) -> None:
        params: dict[str, Any] = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method") not in _PLAIN_METHODS:
            raise ValueError(f"unsupported BM25 method {params.get('method')!r}")
        self.k1 = float(params["k1"])
        self.num_docs = int(params["num_docs"])
        self.vocab_dict: dict[str, int] = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        self.data = np.load(folder / "data.csc.index.npy", allow_pickle=False)
        self.indices = np.load(folder / "indices.csc.index.npy", allow_pickle=False)
        self.indptr = np.load(folder / "indptr.csc.index.npy", allow_pickle=False)
        if len(self.data) != len(self.indices) or (len(self.indptr) and int(self.indptr[-1]) != len(self.data)):
            raise ValueError("the BM25 arrays do not match each other")
        if len(self.indices) and (int(self.indices.max()) >= self.num_docs or int(self.indices.min()) < 0):
            raise ValueError("the BM25 arrays name sentences that do not exist")

    @property
    def terms(self) -> int:
        """How many terms have a column of scores."""
        return len(self.indptr) - 1

    def ids(self, terms: list[str]) -> list[int]:
        """The column of each known term (unknown terms left out, repeats kept as bm25s does)."""
        return [self.vocab_dict[t] for t in terms if t in self.vocab_dict and self.vocab_dict[t] < self.terms]

    def document_frequency(self, term: str) -> int:
        """In how many sentences the term occurs."""
        return len(self.rows(term))

    def rows(self, term: str) -> np.ndarray:
        """The sentences whose terms hold the term (with their article's title)."""
        tid = self.vocab_dict.get(term)
        if tid is None or tid >= self.terms:
            return self.indices[:0]
        return self.indices[int(self.indptr[tid]) : int(self.indptr[tid + 1])]

    def idf(self, term: str) -> float:
        """Lucene's inverse document frequency (0 document frequency for an unknown term)."""
        df = self.document_frequency(term)
        return math.log(1 + (self.num_docs - df + 0.5) / (df + 0.5))

    def scores(self, terms: list[str]) -> np.ndarray:
        """The BM25 score of every sentence for the given (stemmed) terms."""
        out = np.zeros(self.num_docs, dtype=np.float32)
        for tid in self.ids(terms):
            start, end = int(self.indptr[tid]), int(self.indptr[tid + 1])
            out[self.indices[start:end]] += self.data[start:end]  # a column holds each sentence once
        return out
