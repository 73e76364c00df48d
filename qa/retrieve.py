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
    score: float  # fused, with context; once reranked (qa.answer), the probability that it holds the answer
    own: float  # fused, the sentence alone
    dense: float  # cosine similarity
    lexical: float  # BM25, divided by the best BM25 score of the question


def search(index: Index, query_vector: np.ndarray, question: str, k: int = 10, weights: Weights | None = None, pool: int = 0) -> list[Hit]:
    """The ``k`` best sentences for a question, best first. The sentence closest in meaning is always among the
    first ``pool``: when the question's words stand in many sentences but the one that answers says them in other
    words ("premier" for "Prime Minister"), fusion ranks it low, and the reranker that reads the pool must see it."""
    import numpy as np

    w = weights or Weights()
    n = len(index.sentences)
    if n == 0:
        return []
    depth = min(w.candidates, n)
    query = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
    _, dense_ids = index.dense.search(query, depth)
    found = [dense_ids[0][dense_ids[0] >= 0]]

    lexical_all = _lexical_scores(index, question)
    best_lexical = float(lexical_all.max()) if len(lexical_all) else 0.0
    if best_lexical > 0:
        top = np.argpartition(-lexical_all, depth - 1)[:depth]
        found.append(top[lexical_all[top] > 0])
    candidates = np.unique(np.concatenate(found).astype(np.int64))

    # Neighbours are scored too, so that context can lift a sentence: the sentence just before and
    # just after, in the same article.
    articles = index.article_ids()
    before, after = candidates - 1, candidates + 1
    has_before = before >= 0
    has_before[has_before] = articles[before[has_before]] == articles[candidates[has_before]]
    has_after = after < n
    has_after[has_after] = articles[after[has_after]] == articles[candidates[has_after]]
    rows = np.unique(np.concatenate([candidates, before[has_before], after[has_after]]))
    cosine = (index.vectors(rows) @ query[0]).astype(np.float64)
    lexical = (lexical_all[rows] / best_lexical).astype(np.float64) if best_lexical > 0 else np.zeros(len(rows))
    own = w.dense * cosine + w.lexical * lexical

    at = np.searchsorted(rows, candidates)  # where each candidate (and so its neighbours) sits in rows
    context = np.zeros(len(candidates), dtype=np.float64)
    context = np.where(has_before, np.maximum(context, own[np.maximum(at - 1, 0)]), context)
    context = np.where(has_after, np.maximum(context, own[np.minimum(at + 1, len(rows) - 1)]), context)
    score = own[at] + w.context * context

    order = np.lexsort((candidates, -score))
    closest = int(np.argmax(cosine[at]))
    if 0 < pool <= k and closest not in order[:pool]:
        order = np.concatenate([order[: pool - 1], [closest], order[pool - 1 :][order[pool - 1 :] != closest]])
    order = order[:k]
    return [Hit(int(candidates[i]), float(score[i]), float(own[at[i]]), float(cosine[at[i]]), float(lexical[at[i]])) for i in order]


def _lexical_scores(index: Index, question: str) -> np.ndarray:
    """BM25 of every sentence for the question's terms."""
    return index.lexical.scores(text.terms(question))
