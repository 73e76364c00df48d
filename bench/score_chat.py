#!/usr/bin/env python3
"""Score multi-turn conversations through the real `qa chat --json`.

Runs ONE subprocess

    python -m qa chat --json --corpus CORPUS --index INDEX [--top-k K]

and writes every conversation's questions on its standard input, one a line, with `/clear`
between conversations (so that each starts afresh, and the model loads once). `/clear` prints
nothing with --json: each question gives exactly one JSON object, in order (the `ask --json`
object plus "searched", the question as it was actually searched).

Conversation files: JSON lines

    {"id": str, "turns": [{"question": str, "answers": [str, ...]}, ...]}

A turn is right first when the first evidence sentence holds a gold string, and its short answer
is right when the answer (at most 60 characters) holds one (case-insensitive, whitespace folded:
the matching of bench/score.py). Follow-up turns are every turn after a conversation's first.

    python bench/score_chat.py bench/seed_conversations.jsonl --corpus seeds [--index DIR]
        [--baseline] [--show-misses] [--json OUT]

--baseline asks the same questions one by one with `qa ask --json -`, without the conversation:
what the follow-ups would get if nobody completed them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from score import contains_gold, short_answer_correct  # noqa: E402  (the same gold matching as bench/score.py)

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConversationError(ValueError):
    """The conversation file is malformed."""


def load_conversations(path: Path) -> list[dict[str, Any]]:
    """The conversations of a JSON-lines file, checked."""
    conversations = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as err:
            raise ConversationError(f"{path}:{number}: not JSON ({err})") from err
        turns = item.get("turns")
        if not isinstance(item.get("id"), str) or not isinstance(turns, list) or not turns:
            raise ConversationError(f"{path}:{number}: needs an id and a non-empty list of turns")
        for turn in turns:
            question, answers = turn.get("question"), turn.get("answers")
            if not isinstance(question, str) or not question.strip() or "\n" in question or question.lstrip().startswith("/"):
                raise ConversationError(f"{path}:{number}: each turn needs a one-line question")
            if not isinstance(answers, list) or not answers or not all(isinstance(a, str) and a.strip() for a in answers):
                raise ConversationError(f"{path}:{number}: each turn needs a list of gold answers")
        conversations.append(item)
    return conversations


def qa_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "qa", *args]


def run_qa(args: list[str], stdin: str, expected: int) -> tuple[list[dict[str, Any]], float]:
    """Run qa with the lines on standard input; its JSON lines and the wall time."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    start = time.perf_counter()
    done = subprocess.run(args, input=stdin, capture_output=True, text=True, encoding="utf-8", env=env, cwd=REPO_ROOT)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):  # ask - exits 1 when a question is not answered
        raise RuntimeError(f"qa exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(results) != expected:
        raise RuntimeError(f"qa gave {len(results)} answers for {expected} questions: {done.stderr.strip()[-2000:]}")
    return results, wall


def ask_conversations(conversations: list[dict[str, Any]], corpus: Path, index: Path, top_k: int, baseline: bool) -> tuple[list[list[dict[str, Any]]], float]:
    """Each conversation's results, turn by turn, from one qa process; and its wall time."""
    lines: list[str] = []
    for number, conversation in enumerate(conversations):
        if number and not baseline:
            lines.append("/clear")
        lines += [turn["question"] for turn in conversation["turns"]]
    total = sum(len(c["turns"]) for c in conversations)
    options = ["--corpus", str(corpus), "--index", str(index), "--top-k", str(top_k)]
    args = qa_command("ask", "--json", "-", *options) if baseline else qa_command("chat", "--json", *options)
    flat, wall = run_qa(args, "\n".join(lines) + "\n", total)
    out, at = [], 0
    for conversation in conversations:
        out.append(flat[at : at + len(conversation["turns"])])
        at += len(conversation["turns"])
    return out, wall


def first_text(result: dict[str, Any]) -> str:
    evidence = result.get("evidence") or []
    return (evidence[0] or {}).get("text") or "" if evidence else ""


def score(conversations: list[dict[str, Any]], results: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """Counts of turns right first and short answers right, over all turns and over follow-ups."""
    rows = []
    for conversation, answered in zip(conversations, results, strict=True):
        for number, (turn, result) in enumerate(zip(conversation["turns"], answered, strict=True)):
            golds = turn["answers"]
            rows.append({
                "id": conversation["id"],
                "turn": number + 1,
                "follow_up": number > 0,
                "question": turn["question"],
                "searched": result.get("searched", turn["question"]),
                "answer": result.get("answer"),
                "first": first_text(result),
                "right_first": contains_gold(first_text(result), golds),
                "in_top": any(contains_gold((e or {}).get("text"), golds) for e in result.get("evidence") or []),
                "short_right": short_answer_correct(result.get("answer"), golds),
                "error": result.get("error"),
            })

    def count(selected: list[dict[str, Any]], key: str) -> dict[str, int]:
        return {"right": sum(1 for r in selected if r[key]), "of": len(selected)}

    follow = [r for r in rows if r["follow_up"]]
    first = [r for r in rows if not r["follow_up"]]
    return {
        "conversations": len(conversations),
        "turns": len(rows),
        "rewritten": sum(1 for r in rows if r["searched"] != r["question"]),
        "right_first": count(rows, "right_first"),
        "follow_up_right_first": count(follow, "right_first"),
        "first_turn_right_first": count(first, "right_first"),
        "in_evidence": count(rows, "in_top"),
        "short_right": count(rows, "short_right"),
        "follow_up_short_right": count(follow, "short_right"),
        "rows": rows,
    }


def share(counted: dict[str, int]) -> str:
    right, of = counted["right"], counted["of"]
    return f"{right}/{of}  {100 * right / of:5.1f}%" if of else "0/0"


def report(summary: dict[str, Any], wall: float, baseline: bool, show_misses: bool) -> str:
    lines = [
        f"{summary['conversations']} conversations, {summary['turns']} turns "
        f"({summary['follow_up_right_first']['of']} follow-ups)"
        + ("" if baseline else f"; {summary['rewritten']} searched as rewritten")
        + (" — BASELINE: each question asked alone, no conversation" if baseline else ""),
        f"  right sentence first, all turns:        {share(summary['right_first'])}",
        f"  right sentence first, follow-up turns:  {share(summary['follow_up_right_first'])}",
        f"  right sentence first, first turns:      {share(summary['first_turn_right_first'])}",
        f"  right sentence in the evidence:         {share(summary['in_evidence'])}",
        f"  short answer right, all turns:          {share(summary['short_right'])}",
        f"  short answer right, follow-up turns:    {share(summary['follow_up_short_right'])}",
        f"  wall time {wall:.1f} s (one process, model load included)",
    ]
    if show_misses:
        for row in summary["rows"]:
            if row["right_first"]:
                continue
            lines.append(f"\nMISS {row['id']} turn {row['turn']}: {row['question']}")
            if row["searched"] != row["question"]:
                lines.append(f"     searched: {row['searched']}")
            lines.append(f"     answer:   {row['answer']}" + (f"   error: {row['error']}" if row["error"] else ""))
            lines.append(f"     first:    {row['first'][:160]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("conversations", type=Path)
    parser.add_argument("--corpus", type=Path, default=Path("seeds"))
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: bench/results/tmp/chat-index-<corpus name>)")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--baseline", action="store_true", help="ask each question alone (qa ask), without the conversation")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="write the summary and every turn here")
    args = parser.parse_args(argv)
    corpus = args.corpus.resolve()
    index = (args.index or REPO_ROOT / "bench" / "results" / "tmp" / f"chat-index-{corpus.name}").resolve()
    conversations = load_conversations(args.conversations)
    results, wall = ask_conversations(conversations, corpus, index, args.top_k, args.baseline)
    summary = score(conversations, results)
    print(report(summary, wall, args.baseline, args.show_misses))
    if args.json:
        args.json.write_text(json.dumps({**summary, "wall_s": wall, "baseline": args.baseline}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
