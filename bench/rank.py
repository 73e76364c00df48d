"""The reranker: how well it orders the retrieved sentences, and the fit of its weights.

    python bench/rank.py QUESTIONS.jsonl --corpus DIR --index DIR [--fit] [--limit N]

Splits the questions by article: every other article (in name order) is for fitting, the rest for
measuring, so that no article of the measured half was seen by the fit. Prints, on the measured half,
how often the sentence ranked first holds a gold answer: in retrieval's order, and reranked with the
weights in qa.answer.Tuning.

With --fit it fits the weights of the reranker (a linear model of qa.answer.ranking_signals, trained
listwise: a softmax over each question's hits should put its weight on the sentences that hold the
answer), then the scale and shift that turn its score into a probability (a logistic fit), and prints
both for qa.answer.Tuning, with the measured half reranked by them. Fit once, on public data (SQuAD
v1.1 dev), never on the questions it is judged on.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune import contains, fit_logistic  # noqa: E402

from qa.answer import Tuning, _idf, _Reader, analyze, question_pairs, ranking_signals  # noqa: E402
from qa.bot import ensure_index  # noqa: E402
from qa.retrieve import search  # noqa: E402
from qa.settings import Settings  # noqa: E402


def collect(rows: list[dict], index, tuning: Tuning) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Signals (questions x hits x signals), labels (a hit holds a gold answer) and a mask of real hits."""
    names = [name for name, _ in tuning.ranking]
    depth = tuning.evidence_pool
    x = np.zeros((len(rows), depth, len(names)))
    y = np.zeros((len(rows), depth))
    mask = np.zeros((len(rows), depth), dtype=bool)
    questions = [analyze(" ".join(r["question"].split())) for r in rows]
    vectors = index.query_embedder().encode([q.query for q in questions])
    for i, (row, question, vector) in enumerate(zip(rows, questions, vectors, strict=True)):
        hits = search(index, vector, question.query, k=depth)
        reader = _Reader(index, question, _idf(index, question.terms))
        pairs = question_pairs(question)
        for j, hit in enumerate(hits):
            signals = ranking_signals(index, question, hit, reader, pairs)
            x[i, j] = [signals[n] for n in names]
            y[i, j] = contains(index.sentences[hit.sentence].text, row["answers"])
            mask[i, j] = True
    return x, y, mask


def fit_listwise(x: np.ndarray, y: np.ndarray, mask: np.ndarray, l2: float = 1e-2, steps: int = 3000) -> np.ndarray:
    """Weights of a linear score whose softmax over each question's hits puts its mass on the right ones."""
    keep = y.any(1)
    x, y, mask = x[keep], y[keep], mask[keep]
    mean, std = x[mask].mean(0), x[mask].std(0) + 1e-9
    z = (x - mean) / std
    target = y / y.sum(1, keepdims=True)
    w = np.zeros(x.shape[2])
    for _ in range(steps):
        s = np.where(mask, z @ w, -1e9)
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        w -= 1.0 * (np.einsum("qk,qkf->f", p - target, z) / len(z) + l2 * w)
    return w / std


def first_right(x: np.ndarray, y: np.ndarray, mask: np.ndarray, w: np.ndarray | None) -> float:
    """Share of questions whose first sentence holds the answer (in retrieval's order when w is None)."""
    if w is None:
        return float(y[:, 0].mean())
    s = np.where(mask, x @ w, -np.inf)
    return float(y[np.arange(len(y)), s.argmax(1)].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=3000, help="questions taken from each half (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fit", action="store_true")
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("answerable", True)]
    articles = sorted({r.get("article", "") for r in rows})
    fitting = set(articles[0::2])
    halves = [[r for r in rows if r.get("article", "") in fitting], [r for r in rows if r.get("article", "") not in fitting]]
    if args.limit:
        halves = [random.Random(args.seed).sample(h, min(args.limit, len(h))) for h in halves]
    if not halves[0] or not halves[1]:
        halves = [rows, rows]  # one article: no held-out half (a small question file, e.g. the seeds)
    index = ensure_index(Settings(corpus=args.corpus, index=args.index), notify=lambda m: print(m, file=sys.stderr))
    tuning = Tuning()
    names = [name for name, _ in tuning.ranking]
    current = np.asarray([w for _, w in tuning.ranking])
    x_test, y_test, m_test = collect(halves[1], index, tuning)
    print(f"measured on {len(halves[1])} questions ({len(articles) - len(fitting)} articles): first sentence right "
          f"{first_right(x_test, y_test, m_test, None):.3f} in retrieval's order, {first_right(x_test, y_test, m_test, current):.3f} reranked "
          f"(the answer among the {tuning.evidence_pool} hits: {y_test.any(1).mean():.3f})")
    if not args.fit:
        return
    x, y, mask = collect(halves[0], index, tuning)
    w = fit_listwise(x, y, mask)
    score = (x @ w)[mask]
    scale, shift = fit_logistic(score.reshape(-1, 1), y[mask])
    print(f"fitted on {len(halves[0])} questions ({len(fitting)} articles): reranked {first_right(x_test, y_test, m_test, w):.3f} on the measured half")
    print("    ranking: tuple[tuple[str, float], ...] = (")
    for name, weight in zip(names, w, strict=True):
        print(f'        ("{name}", {weight:.3f}),')
    print("    )")
    print(f"    ranking_calibration: tuple[float, float] = ({scale:.3f}, {shift:.3f})")


if __name__ == "__main__":
    main()
