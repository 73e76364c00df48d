"""Error analysis and calibration in one process: the signals behind each answer, and a logistic
fit of the confidence model on a labelled question file (answerable and unanswerable questions).

    python bench/tune.py QUESTIONS.jsonl --corpus DIR --index DIR [--fit [--signals a,b,...]] [--limit N]

Prints R@1 and short-answer accuracy, the AUROC of each signal, and with --fit the weights of a
logistic regression of "answerable" on the signals (to be copied into qa.answer.Tuning by hand,
once, from public data — never fitted on the questions it is judged on). The bias to copy is the one
printed for keeping 95% of answerable questions: the fitted bias moved so that 0.5 keeps them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import auroc  # noqa: E402

from qa.answer import Tuning, analyze, assess, confidence  # noqa: E402
from qa.bot import Bot, ensure_index  # noqa: E402
from qa.retrieve import search  # noqa: E402
from qa.settings import Settings  # noqa: E402


def contains(text: str, golds: list[str]) -> bool:
    low = " ".join(text.lower().split())
    return any(" ".join(g.lower().split()) in low for g in golds)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 3000) -> np.ndarray:
    """Weights (bias last) of a logistic regression by gradient descent on standardized inputs."""
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / std
    z = np.hstack([z, np.ones((len(z), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0]
        w -= 0.5 * grad
    raw = w[:-1] / std
    bias = w[-1] - (w[:-1] * mean / std).sum()
    return np.r_[raw, bias]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--limit", "--sample", type=int, default=0, help="a random sample of this many questions (see --seed)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--signals", default="", help="comma-separated signals to fit on (default: all)")
    parser.add_argument("--misses", type=int, default=0, help="print this many answerable misses")
    parser.add_argument("--tuning", default="", help="answer tuning, e.g. top_bonus=1.5")
    parser.add_argument("--weights", default="", help="retrieval weights, e.g. dense=0.5,lexical=0.5,context=0.2")
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.limit and args.limit < len(rows):
        rows = random.Random(args.seed).sample(rows, args.limit)
    index = ensure_index(Settings(corpus=args.corpus, index=args.index), notify=lambda m: print(m, file=sys.stderr))
    from dataclasses import replace

    from qa.retrieve import Weights

    weights = replace(Weights(), **{k: float(v) for k, v in (kv.split("=") for kv in args.weights.split(",") if kv)})
    bot = Bot(index, weights=weights)
    tuning = replace(Tuning(), **{k: (int(v) if v.isdigit() else float(v)) for k, v in (kv.split("=") for kv in args.tuning.split(",") if kv)})
    started = time.perf_counter()
    questions = [analyze(" ".join(r["question"].split())) for r in rows]
    vectors = index.query_embedder().encode([q.query for q in questions])
    names = None
    table, labels, r1, short, kinds, r1_retrieval = [], [], [], [], [], []
    shown = 0
    for row, question, vector in zip(rows, questions, vectors, strict=True):
        hits = search(index, vector, question.query, k=tuning.evidence_pool + 5, weights=bot.weights, pool=tuning.evidence_pool)
        found = assess(index, question, hits, tuning)
        names = names or list(found.signals)
        table.append([found.signals[n] for n in names])
        labels.append(1.0 if row.get("answerable", True) else 0.0)
        kinds.append(question.kind or "-")
        if row.get("answerable", True):
            top = index.sentences[found.groups[0].rows[0]].text
            hit = contains(top, row["answers"])
            r1_retrieval.append(contains(index.sentences[hits[0].sentence].text, row["answers"]))
            r1.append(hit)
            ans = found.candidate.text if found.candidate else top
            short.append(len(ans) <= 60 and contains(ans, row["answers"]))
            if (not hit or not short[-1]) and shown < args.misses:
                shown += 1
                print(f"- {'R@1 ok, short wrong' if hit else 'R@1 miss'}: {row['question']} | gold {row['answers'][:3]} | kind {question.kind} | answer {found.candidate.text if found.candidate else None!r}\n    top: {top[:160]}")
    elapsed = time.perf_counter() - started
    x, y = np.asarray(table), np.asarray(labels)
    conf = np.asarray([confidence(dict(zip(names, r, strict=True)), tuning) for r in table])
    print(f"{len(rows)} questions in {elapsed:.1f} s; R@1 {np.mean(r1):.3f} (retrieval alone {np.mean(r1_retrieval):.3f})  short {np.mean(short):.3f}")
    by_kind: dict[str, list[bool]] = {}
    for kind, ok in zip([k for k, lab in zip(kinds, labels, strict=True) if lab], r1, strict=True):
        by_kind.setdefault(kind, []).append(ok)
    print("R@1 by kind: " + ", ".join(f"{k} {np.mean(v):.2f} ({len(v)})" for k, v in sorted(by_kind.items())))
    if 0 < y.sum() < len(y):
        print(f"confidence AUROC {auroc(conf, y):.3f}; answered|answerable {np.mean(conf[y == 1] >= tuning.threshold):.3f}; "
              f"declined|unanswerable {np.mean(conf[y == 0] < tuning.threshold):.3f}")
        for i, n in enumerate(names):
            print(f"  signal {n:16s} AUROC {auroc(x[:, i], y):.3f}  mean+ {x[y == 1, i].mean():.3f}  mean- {x[y == 0, i].mean():.3f}")
        if args.fit:
            chosen = [n for n in names if not args.signals or n in args.signals.split(",")]
            cols = [names.index(n) for n in chosen]
            w = fit_logistic(x[:, cols], y)
            z = np.hstack([x[:, cols], np.ones((len(x), 1))]) @ w
            print("fit: " + ", ".join(f"{n} {v:+.3f}" for n, v in zip(chosen + ["bias"], w, strict=True)) + f"; AUROC {auroc(z, y):.3f}")
            for target in (0.90, 0.95):
                cut = np.quantile(z[y == 1], 1 - target)
                print(f"  keeping {target:.0%} of answerable: declines {np.mean(z[y == 0] < cut):.3f} of unanswerable "
                      f"(z cut {cut:+.3f}; Tuning.bias {w[-1] - cut:+.3f})")


if __name__ == "__main__":
    main()
