#!/usr/bin/env python3
"""Score a question file against a corpus through the real `qa` CLI.

Runs ONE subprocess

    python -m qa ask --json - --corpus CORPUS --index INDEXDIR [--top-k K]

writes one question per line on its stdin and reads one JSON object per line from its
stdout (same order). Each object:

    {"question": str, "answered": bool, "answer": str | null, "confidence": float,
     "evidence": [{"text": str, "score": float, "answer_span": [s, e] | null,
                   "sources": [{"path", "title", "start", "end"}]}]}

Question files: JSON lines `{"id", "question", "answers": [...], "answerable": bool}`
(the SQuAD files under ../shared/bench/*/questions.jsonl add `article`).

Usage:
    python bench/score.py QUESTIONS.jsonl --corpus DIR [--index DIR] [--top-k 5]
        [--limit N] [--sample N --seed S] [--json OUT] [--show-misses] [--check]

Metrics (gold match = case-insensitive substring, whitespace collapsed):
  answerable questions: R@1, R@5 (over `evidence`), MRR, short-answer accuracy
      (gold inside `answer` and len(answer) <= 60);
  declining: share of unanswerable questions with answered=false, share of answerable
      ones with answered=true, AUROC of `confidence` (answerable = positive);
  counts, wall time, questions per second.
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

SHORT_ANSWER_MAX_LEN = 60
REPO_ROOT = Path(__file__).resolve().parent.parent


class QaError(RuntimeError):
    """The qa subprocess failed or broke the output contract."""


# ----------------------------------------------------------------------------- matching

_WS = re.compile(r"\s+")


def norm(text: str | None) -> str:
    """Case-folded text with runs of whitespace collapsed to one space."""
    if not text:
        return ""
    return _WS.sub(" ", text).strip().casefold()


def contains_gold(text: str | None, golds: list[str]) -> bool:
    """True when any non-empty gold string occurs in text (case-insensitive)."""
    t = norm(text)
    if not t:
        return False
    return any(g and norm(g) in t for g in golds if norm(g))


# ----------------------------------------------------------------------------- metrics

def evidence_texts(result: dict) -> list[str]:
    return [(e or {}).get("text") or "" for e in (result.get("evidence") or [])]


def first_hit_rank(result: dict, golds: list[str]) -> int | None:
    """1-based rank of the first evidence item holding a gold string, or None."""
    for i, text in enumerate(evidence_texts(result), start=1):
        if contains_gold(text, golds):
            return i
    return None


def recall_at_k(ranks: list[int | None], k: int) -> float:
    """Share of questions whose first hit is within the top k (nan when empty)."""
    if not ranks:
        return float("nan")
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr(ranks: list[int | None]) -> float:
    """Mean reciprocal rank over the evidence list; a miss counts 0 (nan when empty)."""
    if not ranks:
        return float("nan")
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks)


def short_answer_correct(answer: str | None, golds: list[str],
                         max_len: int = SHORT_ANSWER_MAX_LEN) -> bool:
    """The answer is short (<= max_len characters) and holds a gold string."""
    if answer is None or len(answer) > max_len:
        return False
    return contains_gold(answer, golds)


def average_ranks(x) -> np.ndarray:
    """1-based ranks of x, ties sharing the average of their ranks."""
    x = np.asarray(x, dtype=float)
    n = x.size
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    ranks = np.empty(n, dtype=float)
    # boundaries of runs of equal values in sorted order
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    ends = np.r_[starts[1:], n]  # exclusive
    for s, e in zip(starts, ends, strict=False):
        ranks[order[s:e]] = (s + 1 + e) / 2.0  # mean of s+1 .. e
    return ranks


def auroc(scores, labels) -> float:
    """Area under the ROC curve (Mann-Whitney U / (n_pos * n_neg)), ties count 1/2.

    labels: truthy = positive. Returns nan if either class is empty. Non-finite
    scores (None/nan) are treated as -inf (ranked lowest).
    """
    s = np.array([(-np.inf if (v is None or not math.isfinite(float(v))) else float(v))
                  for v in scores], dtype=float)
    y = np.asarray([bool(v) for v in labels], dtype=bool)
    if s.shape != y.shape:
        raise ValueError("scores and labels differ in length")
    n_pos = int(y.sum())
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    r = average_ranks(s)
    u = r[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def mean_or_nan(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


def score_results(questions: list[dict], results: list[dict]) -> tuple[dict, list[dict]]:
    """Per-question records and aggregate metrics for aligned questions/results."""
    if len(questions) != len(results):
        raise ValueError(f"{len(questions)} questions but {len(results)} results")
    rows = []
    for q, r in zip(questions, results, strict=False):
        golds = q["answers"]
        answer = r.get("answer")
        conf = r.get("confidence")
        ev = evidence_texts(r)
        row = {
            "id": q["id"],
            "question": q["question"],
            "answerable": q["answerable"],
            "answers": golds,
            "answered": bool(r.get("answered")),
            "answer": answer,
            "confidence": conf,
            "first_evidence": ev[0] if ev else None,
            "n_evidence": len(ev),
        }
        if q["answerable"]:
            row["rank"] = first_hit_rank(r, golds)
            row["short_ok"] = short_answer_correct(answer, golds)
        rows.append(row)

    ans = [x for x in rows if x["answerable"]]
    una = [x for x in rows if not x["answerable"]]
    ranks = [x["rank"] for x in ans]
    m = {
        "n_questions": len(rows),
        "n_answerable": len(ans),
        "n_unanswerable": len(una),
        "R@1": recall_at_k(ranks, 1),
        "R@5": recall_at_k(ranks, 5),
        "MRR": mrr(ranks),
        "short_answer_acc": mean_or_nan(1.0 if x["short_ok"] else 0.0 for x in ans),
        "answered_rate_answerable": mean_or_nan(1.0 if x["answered"] else 0.0 for x in ans),
        "declined_rate_unanswerable": mean_or_nan(0.0 if x["answered"] else 1.0 for x in una),
        "AUROC_confidence": auroc([x["confidence"] for x in rows], [x["answerable"] for x in rows]),
        "mean_evidence": mean_or_nan(x["n_evidence"] for x in rows),
    }
    return m, rows


def is_miss(row: dict) -> bool:
    if row["answerable"]:
        return row["rank"] != 1 or not row["short_ok"] or not row["answered"]
    return row["answered"]


# ----------------------------------------------------------------------------- io

def load_questions(path: str | Path) -> list[dict]:
    """Read a question file (seed or SQuAD format) into normalised dicts."""
    out = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: bad JSON: {e}") from None
            q = obj.get("question")
            if not isinstance(q, str) or not q.strip():
                raise ValueError(f"{path}:{lineno}: missing 'question'")
            answers = obj.get("answers") or []
            if isinstance(answers, str):
                answers = [answers]
            # SQuAD-style {"text": [...]} objects are accepted too
            if isinstance(answers, dict):
                answers = list(answers.get("text") or [])
            answers = [a for a in answers if isinstance(a, str) and a.strip()]
            answerable = obj.get("answerable")
            if answerable is None:
                answerable = bool(answers)
            out.append({
                "id": str(obj.get("id", f"q{lineno}")),
                "question": " ".join(q.split()),  # one line for the stdin protocol
                "answers": answers,
                "answerable": bool(answerable),
                "article": obj.get("article"),
            })
    return out


def select(questions: list[dict], sample: int | None, seed: int, limit: int | None) -> list[dict]:
    qs = list(questions)
    if sample is not None and sample < len(qs):
        idx = sorted(random.Random(seed).sample(range(len(qs)), sample))
        qs = [qs[i] for i in idx]
    if limit is not None:
        qs = qs[:limit]
    return qs


def qa_command(corpus: str, index: str, top_k: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "qa", "ask", "--json", "-", "--corpus", corpus, "--index", index]
    if top_k is not None:
        cmd += ["--top-k", str(top_k)]
    return cmd


def run_qa(questions: list[str], cmd: list[str], *, env: dict | None = None,
           progress=None) -> tuple[list[dict], dict]:
    """Run cmd once, feed questions on stdin, return (results, timing).

    Raises QaError on a failing exit status (1 is accepted when the output is complete and
    some question was declined, as `qa ask -` documents), unparsable output or a short count.
    """
    stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                bufsize=1, env=env)
    except OSError as e:
        raise QaError(f"cannot start {cmd[0]}: {e}") from None

    def feed():
        try:
            for q in questions:
                proc.stdin.write(q + "\n")
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass

    def drain_stderr():
        for line in proc.stderr:
            stderr_tail.append(line.rstrip("\n"))

    threads = [threading.Thread(target=feed, daemon=True),
               threading.Thread(target=drain_stderr, daemon=True)]
    for t in threads:
        t.start()

    results: list[dict] = []
    first_at = None
    bad = None
    for line in proc.stdout:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
        except ValueError:
            bad = line.strip()[:200]
            break
        if first_at is None:
            first_at = time.perf_counter() - t0
        results.append(obj)
        if progress:
            progress(len(results))
    if bad is not None:
        proc.kill()
    rc = proc.wait()
    for t in threads:
        t.join(timeout=5)
    wall = time.perf_counter() - t0

    def tail() -> str:
        lines = [ln for ln in stderr_tail if ln.strip()]
        return " | ".join(lines[-5:]) if lines else "(no stderr)"

    if bad is not None:
        raise QaError(f"qa wrote a non-JSON line: {bad!r}; stderr: {tail()}")
    # `qa ask -` exits 1 when some question is not answered (a normal outcome), 2 on error
    declined = any(not r.get("answered") for r in results)
    if rc != 0 and not (rc == 1 and declined and len(results) == len(questions)):
        raise QaError(f"qa exited with status {rc}: {tail()}")
    if len(results) != len(questions):
        raise QaError(f"qa returned {len(results)} results for {len(questions)} questions; "
                      f"stderr: {tail()}")
    return results, {"wall_s": wall, "first_result_s": first_at if first_at is not None else wall}


def check_answers(questions: list[dict], corpus: str | Path) -> list[tuple[dict, str]]:
    """(question, gold) pairs whose gold string occurs in no corpus file."""
    root = Path(corpus)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()
                                                  and p.suffix.lower() in {".txt", ".md", ".text", ""})
    text = "\n".join(norm(p.read_text(encoding="utf-8", errors="replace")) for p in files)
    missing = []
    for q in questions:
        for g in q["answers"]:
            if norm(g) not in text:
                missing.append((q, g))
    return missing


# ----------------------------------------------------------------------------- report

def fmt(v) -> str:
    if isinstance(v, float) and not isinstance(v, bool):
        return "n/a" if math.isnan(v) else f"{v:.3f}"
    return str(v)


def print_table(title: str, rows: list[tuple[str, object]]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(title)
        w = max(len(k) for k, _ in rows)
        for k, v in rows:
            print(f"  {k:<{w}}  {fmt(v)}")
        return
    t = Table(title=title)
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in rows:
        t.add_row(k, fmt(v))
    Console().print(t)


def show_misses(rows: list[dict]) -> None:
    def cut(s, n=220):
        s = " ".join((s or "").split())
        return s if len(s) <= n else s[: n - 1] + "…"
    misses = [r for r in rows if is_miss(r)]
    print(f"\n{len(misses)} misses")
    for r in misses:
        kind = "answerable" if r["answerable"] else "UNANSWERABLE"
        extra = f" rank={r['rank']} short_ok={r['short_ok']}" if r["answerable"] else ""
        print(f"- [{r['id']}] ({kind}) {r['question']}")
        print(f"    gold: {r['answers']}   answered={r['answered']} conf={fmt(r['confidence'])}{extra}")
        print(f"    answer: {cut(r['answer'], 120)!r}" if r["answer"] is not None else "    answer: None")
        print(f"    top evidence: {cut(r['first_evidence'])!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("questions", help="question file (JSON lines)")
    ap.add_argument("--corpus", required=True, help="corpus directory passed to qa")
    ap.add_argument("--index", help="index directory (default: a fresh temporary directory)")
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--limit", type=int, help="score only the first N questions (after --sample)")
    ap.add_argument("--sample", type=int, help="score a random sample of N questions")
    ap.add_argument("--seed", type=int, default=0, help="seed for --sample (default 0)")
    ap.add_argument("--json", dest="json_out", help="write metrics and per-question rows here")
    ap.add_argument("--show-misses", action="store_true", help="print each miss")
    ap.add_argument("--check", action="store_true",
                    help="only check that every gold answer occurs in the corpus text; no qa run")
    ap.add_argument("--quiet", action="store_true", help="no progress output")
    a = ap.parse_args(argv)

    try:
        questions = select(load_questions(a.questions), a.sample, a.seed, a.limit)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not questions:
        print("error: no questions to score", file=sys.stderr)
        return 2
    if not Path(a.corpus).exists():
        print(f"error: corpus {a.corpus} does not exist", file=sys.stderr)
        return 2

    if a.check:
        missing = check_answers(questions, a.corpus)
        n_gold = sum(len(q["answers"]) for q in questions)
        bad = [q for q in questions if q["answerable"] and not q["answers"]]
        for q, g in missing:
            print(f"missing: [{q['id']}] {g!r}  ({q['question']})")
        for q in bad:
            print(f"no gold: [{q['id']}] {q['question']}")
        print(f"{len(questions)} questions, {n_gold} gold strings, {len(missing)} not in corpus, "
              f"{len(bad)} answerable without gold")
        return 1 if (missing or bad) else 0

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))

    tmp = None
    index = a.index
    if index is None:
        tmp = tempfile.TemporaryDirectory(prefix="qa-score-index-")
        index = tmp.name
    cmd = qa_command(str(Path(a.corpus).resolve()), str(Path(index).resolve()), a.top_k)

    progress = None
    if not a.quiet and sys.stderr.isatty():
        n = len(questions)
        def progress(i):  # noqa: E306
            if i == n or i % 25 == 0:
                print(f"\r{i}/{n}", end="" if i < n else "\n", file=sys.stderr, flush=True)

    try:
        results, timing = run_qa([q["question"] for q in questions], cmd, env=env, progress=progress)
    except QaError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        if tmp is not None:
            tmp.cleanup()

    for q, r in zip(questions, results, strict=False):
        got = " ".join(str(r.get("question", "")).split())
        if got and got != q["question"]:
            print(f"warning: result order mismatch at [{q['id']}]: {got[:60]!r}", file=sys.stderr)
            break

    m, rows = score_results(questions, results)
    n = len(questions)
    m["wall_s"] = timing["wall_s"]
    m["first_result_s"] = timing["first_result_s"]
    m["questions_per_s"] = n / timing["wall_s"] if timing["wall_s"] > 0 else float("nan")
    rest = timing["wall_s"] - timing["first_result_s"]
    m["questions_per_s_after_first"] = (n - 1) / rest if n > 1 and rest > 0 else float("nan")

    title = f"{Path(a.questions).name} on {a.corpus} (top-k {a.top_k})"
    print_table(title, [
        ("questions", m["n_questions"]),
        ("answerable", m["n_answerable"]),
        ("unanswerable", m["n_unanswerable"]),
        ("R@1", m["R@1"]),
        ("R@5", m["R@5"]),
        ("MRR", m["MRR"]),
        ("short answer acc (<=60 chars)", m["short_answer_acc"]),
        ("answered | answerable", m["answered_rate_answerable"]),
        ("declined | unanswerable", m["declined_rate_unanswerable"]),
        ("AUROC(confidence)", m["AUROC_confidence"]),
        ("mean evidence items", m["mean_evidence"]),
        ("wall time s", round(m["wall_s"], 2)),
        ("time to first result s", round(m["first_result_s"], 2)),
        ("questions / s", m["questions_per_s"]),
        ("questions / s after first", m["questions_per_s_after_first"]),
    ])
    if a.top_k is not None and a.top_k < 5:
        print(f"note: --top-k {a.top_k} < 5, so R@5 is really R@{a.top_k}")

    if a.show_misses:
        show_misses(rows)

    if a.json_out:
        def clean(v):
            return None if isinstance(v, float) and math.isnan(v) else v
        payload = {
            "questions_file": str(a.questions), "corpus": str(a.corpus), "top_k": a.top_k,
            "sample": a.sample, "seed": a.seed, "limit": a.limit, "command": cmd,
            "metrics": {k: clean(v) for k, v in m.items()},
            "rows": rows,
        }
        Path(a.json_out).write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
