#!/usr/bin/env python3
"""What each stage of qa contributes, measured in one process on a built index, and qa's warm latency.

    python bench/ablation.py stages --index DIR --questions Q.jsonl [--limit N]
    python bench/ablation.py warm   --index DIR --questions Q.jsonl [--n 200]

``stages`` runs the core (``qa.retrieve.search``, ``qa.answer.assess``) with stages switched off one
at a time, the weights left as qa ships them (nothing is tuned here):

  dense only            Weights(dense=1, lexical=0, context=0), retrieval order
  lexical only          Weights(dense=0, lexical=1, context=0), retrieval order
  fusion                Weights(context=0): cosine and BM25 fused, no context
  fusion + context      Weights(): each sentence lifted by its best neighbour (retrieval order)
  + merged evidence     assess() with no reranking and the answer kind withheld: paraphrases merged
  + reranking           assess() with the answer kind withheld: the best hits read again, no typing
  + answer typing (qa)  assess() as qa runs it: reranked with the typed answer, whose evidence comes first

and scores each with bench/score.py's rule (a sentence counts when it holds a gold string). On files
with unanswerable questions it also reports how well the top cosine alone, and qa's confidence,
separate them (AUROC). ``warm`` times ``qa.bot.Bot.ask`` one question at a time after a warm-up,
with the split between embedding, retrieval and answering. Both print one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.append(str(BENCH.parent))  # after PYTHONPATH, so that bench/run.py's copy of qa wins
sys.path.insert(0, str(BENCH))

from benchlib import first_rank, latency_summary, rank_metrics  # noqa: E402
from score import auroc, load_questions, short_answer_correct  # noqa: E402

STAGES = ("dense only", "lexical only", "fusion", "fusion + context", "+ merged evidence", "+ reranking", "+ answer typing (qa)")


def _load(index_dir: Path):
    from qa import index as index_mod

    return index_mod.load(index_dir)


def run_stages(index_dir: Path, questions: list[dict]) -> dict:
    from qa.answer import Tuning, analyze, assess, confidence
    from qa.retrieve import Weights, search

    index = _load(index_dir)
    tuning = Tuning()
    base = Weights()
    weights = {
        "dense only": replace(base, dense=1.0, lexical=0.0, context=0.0),
        "lexical only": replace(base, dense=0.0, lexical=1.0, context=0.0),
        "fusion": replace(base, context=0.0),
        "fusion + context": base,
    }
    texts = [" ".join(q["question"].split()) for q in questions]
    started = time.perf_counter()
    vectors = index.query_embedder().encode([analyze(text).query for text in texts])
    ranks: dict[str, list[int | None]] = {s: [] for s in STAGES}
    short: list[bool] = []
    cosine, conf, labels, answered = [], [], [], []
    k = tuning.evidence_pool + 5  # as qa.bot.Bot.ask searches
    for q, text, vector in zip(questions, texts, vectors, strict=True):
        analysis = analyze(text)
        golds = q["answers"]
        hits = {}
        for stage, w in weights.items():
            hits[stage] = search(index, vector, analysis.query, k=k, weights=w, pool=tuning.evidence_pool)
            if q["answerable"]:
                ranks[stage].append(first_rank([index.sentences[h.sentence].text for h in hits[stage][:5]], golds))
        default_hits = hits["fusion + context"]
        if not default_hits:
            continue
        merged = assess(index, replace(analysis, kind=None), default_hits, replace(tuning, ranking=()))
        reranked = assess(index, replace(analysis, kind=None), default_hits, tuning)
        found = assess(index, analysis, default_hits, tuning)
        sure = confidence(found.signals, tuning)
        cosine.append(found.signals["cosine"])
        conf.append(sure)
        labels.append(q["answerable"])
        answered.append(sure >= tuning.threshold)
        if q["answerable"]:
            ranks["+ merged evidence"].append(first_rank([index.sentences[g.rows[0]].text for g in merged.groups[:5]], golds))
            ranks["+ reranking"].append(first_rank([index.sentences[g.rows[0]].text for g in reranked.groups[:5]], golds))
            ranks["+ answer typing (qa)"].append(first_rank([index.sentences[g.rows[0]].text for g in found.groups[:5]], golds))
            best = found.candidate.text if found.candidate is not None else " ".join(index.sentences[found.groups[0].rows[0]].text.split())
            short.append(short_answer_correct(best, golds))
    elapsed = time.perf_counter() - started
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    stages = {s: rank_metrics(r) for s, r in ranks.items()}
    stages["+ answer typing (qa)"]["short"] = sum(short) / len(short) if short else float("nan")
    declining = None
    if n_pos and n_neg:
        declining = {
            "AUROC_top_cosine": auroc(cosine, labels),
            "AUROC_confidence": auroc(conf, labels),
            "answered_rate_answerable": sum(a for a, y in zip(answered, labels, strict=True) if y) / n_pos,
            "declined_rate_unanswerable": sum(not a for a, y in zip(answered, labels, strict=True) if not y) / n_neg,
        }
    return {
        "questions": len(questions),
        "answerable": n_pos,
        "sentences": len(index.sentences),
        "seconds": elapsed,
        "stages": stages,
        "declining": declining,
    }


def run_warm(index_dir: Path, questions: list[dict], n: int) -> dict:
    from qa.answer import analyze, answer
    from qa.bot import Bot, check_question
    from qa.retrieve import search

    index = _load(index_dir)
    bot = Bot(index)
    sample = random.Random(0).sample(questions, min(n, len(questions)))
    bot.ask(sample[0]["question"])  # warm-up: opens the query model
    whole, embed, retrieve, reply = [], [], [], []
    for q in sample:
        t0 = time.perf_counter()
        bot.ask(q["question"])
        whole.append(time.perf_counter() - t0)
        # The same steps again, timed one by one (as Bot.ask runs them).
        analysis = analyze(check_question(q["question"]))
        t1 = time.perf_counter()
        vector = index.query_embedder().encode([analysis.query])[0]
        t2 = time.perf_counter()
        hits = search(index, vector, analysis.query, k=bot.tuning.evidence_pool + 5, weights=bot.weights, pool=bot.tuning.evidence_pool)
        t3 = time.perf_counter()
        answer(index, analysis, hits, top_k=5, tuning=bot.tuning)
        t4 = time.perf_counter()
        embed.append(t2 - t1)
        retrieve.append(t3 - t2)
        reply.append(t4 - t3)
    return {
        "sentences": len(index.sentences),
        "ask": latency_summary(whole),
        "embed": latency_summary(embed),
        "search": latency_summary(retrieve),
        "answer": latency_summary(reply),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=("stages", "warm"))
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=0, help="stages: a seeded sample of this many questions (0: all)")
    parser.add_argument("--n", type=int, default=200, help="warm: questions timed")
    args = parser.parse_args(argv)
    questions = load_questions(args.questions)
    if args.limit and args.limit < len(questions):
        questions = random.Random(0).sample(questions, args.limit)
    result = run_stages(args.index, questions) if args.step == "stages" else run_warm(args.index, questions, args.n)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
