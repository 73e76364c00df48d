"""Hybrid retrieval: dense and lexical scores fused, each sentence lifted by its neighbours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa import text

if TYPE_CHECKING:
    import numpy as np

    from qa.index import Index


@dataclass(frozen=True)
class Weights:
    """How the signals are combined; one set for every question."""

    dense: float = 0.6
    lexical: float = 0.4
    context: float = 0.25  # share of the best neighbour's score added to a sentence's own
    candidates: int = 100  # taken from each retriever before fusion


@dataclass(frozen=True)
class Hit:
    """A sentence and its scores for one question."""

    sentence: int
    score: float  # fused, with context
    own: float  # fused, the sentence alone
    dense: float  # cosine similarity
    lexical: float  # BM25, divided by the best BM25 score of the question


def search(index: Index, query_vector: np.ndarray, question: str, k: int = 10, weights: Weights | None = None) -> list[Hit]:
    """The ``k`` best sentences for a question, best first."""
    import numpy as np

    w = weights or Weights()
    n = len(index.sentences)
    if n == 0:
        return []
    depth = min(w.candidates, n)
    query = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
    _, dense_ids = index.dense.search(query, depth)
    candidates = {int(i) for i in dense_ids[0] if i >= 0}

    lexical_all = _lexical_scores(index, question)
    best_lexical = float(lexical_all.max()) if len(lexical_all) else 0.0
    if best_lexical > 0:
        top = np.argpartition(-lexical_all, depth - 1)[:depth]
        candidates.update(int(i) for i in top if lexical_all[i] > 0)

    # Neighbours are scored too, so that context can lift a sentence.
    rows = sorted(candidates | {j for i in candidates for j in _neighbours(index, i)})
    rows_arr = np.asarray(rows, dtype=np.int64)
    cosine = index.vectors(rows_arr) @ query[0]
    lexical = lexical_all[rows_arr] / best_lexical if best_lexical > 0 else np.zeros(len(rows), dtype=np.float32)
    own = {r: w.dense * float(c) + w.lexical * float(lx) for r, c, lx in zip(rows, cosine, lexical, strict=True)}
    dense_of = dict(zip(rows, (float(c) for c in cosine), strict=True))
    lexical_of = dict(zip(rows, (float(x) for x in lexical), strict=True))

    hits = []
    for i in candidates:
        context = max((own[j] for j in _neighbours(index, i)), default=0.0)
        score = own[i] + w.context * max(0.0, context)
        hits.append(Hit(i, score, own[i], dense_of[i], lexical_of[i]))
    hits.sort(key=lambda h: (-h.score, h.sentence))
    return hits[:k]


def _neighbours(index: Index, i: int) -> list[int]:
    """The sentences just before and after ``i`` in the same article."""
    article = index.sentences[i].article
    return [j for j in (i - 1, i + 1) if 0 <= j < len(index.sentences) and index.sentences[j].article == article]


def _lexical_scores(index: Index, question: str) -> np.ndarray:
    """BM25 of every sentence for the question's terms."""
    return index.lexical.scores(text.terms(question))
