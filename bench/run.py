#!/usr/bin/env python3
"""The benchmark: qa's quality on public data (with an ablation), its peers side by side, and its
speed and memory at scale, measured in one run on this machine.

    python bench/run.py [--quick] [--only quality,peers,speed,scale,incremental] [--out DIR]
    python bench/run.py --show bench/results/latest.json     # print the tables of a past run

Prints the tables and writes DIR/latest.json (figures and the machine), DIR/latest.md (the tables
in Markdown) and DIR/latency_memory.png. DIR is bench/results for a full run, bench/results/tmp/quick
for --quick (a small sample that checks the scripts still work; its figures mean little).

Every measurement runs in a fresh process (bench/benchlib.py measures its wall time and peak RSS);
the working files (indexes, samples, the synthetic corpora) go to DIR/tmp, which git ignores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import benchlib  # noqa: E402
import score  # noqa: E402

SHARED = ROOT.parent / "shared" / "bench"
SECTIONS = ("quality", "peers", "speed", "scale", "incremental")
PY = sys.executable


class Config:
    """What one run measures: the full run, or the quick sample."""

    def __init__(self, quick: bool, out: Path) -> None:
        self.quick = quick
        self.out = out
        self.tmp = out / "tmp"
        self.articles = 3 if quick else 0  # SQuAD articles kept (0: all)
        self.questions = 50 if quick else 0  # SQuAD questions kept (0: all)
        self.ablation_limit = 0 if quick else 3000  # a seeded sample: the stages cost ~85 ms a question
        self.repeats = 1 if quick else 5  # cold starts
        self.warm = 20 if quick else 200  # questions timed one at a time
        self.build_pairs = 1 if quick else 3  # qa's build and the dense peer's, alternately
        self.scale = [20_000] if quick else [10_000, 100_000, 1_000_000]
        self.scale_queries = 30 if quick else 200
        self.scale_dense = not quick  # realistic vectors: the real model embeds ~10k sentences first (minutes)
        # (articles in the index, articles added, sentences per article, stand-in models)
        self.incremental = [(100, 10, 4, False)] if quick else [(10_000, 100, 3, False), (100_000, 100, 3, True)]


# ----------------------------------------------------------------------------- data


class Dataset:
    def __init__(self, name: str, corpus: Path, questions_file: Path, cfg: Config) -> None:
        self.name = name
        self.corpus = corpus.resolve()
        self.questions_file = questions_file
        self.questions = score.load_questions(questions_file)
        self.index = (cfg.tmp / f"index-{name}").resolve()


def squad(name: str, folder: str, cfg: Config, log) -> Dataset | None:
    source = SHARED / folder
    if not (source / "questions.jsonl").is_file():
        log(f"[yellow]skipping {name}: {source} is missing[/]")
        return None
    if not cfg.articles:
        return Dataset(name, source / "articles", source / "questions.jsonl", cfg)
    # A sample: a few articles, and questions about them only (the same seed every run).
    rows = [json.loads(line) for line in (source / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = sorted({r["article"] for r in rows})
    chosen = set(random.Random(0).sample(articles, cfg.articles))
    rows = [r for r in rows if r["article"] in chosen]
    rows = random.Random(0).sample(rows, min(cfg.questions, len(rows)))
    folder_out = cfg.tmp / f"sample-{name}"
    shutil.rmtree(folder_out, ignore_errors=True)
    (folder_out / "articles").mkdir(parents=True)
    for slug in chosen:
        shutil.copy(source / "articles" / f"{slug}.txt", folder_out / "articles" / f"{slug}.txt")
    (folder_out / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return Dataset(name, folder_out / "articles", folder_out / "questions.jsonl", cfg)


def datasets(cfg: Config, log) -> dict[str, Dataset]:
    out = {}
    for name, folder in (("squad-v1.1-dev", "squad-v1.1-dev"), ("squad-v2.0-dev-half", "squad-v2.0-dev-half")):
        found = squad(name, folder, cfg, log)
        if found:
            out[name] = found
    out["seeds"] = Dataset("seeds", ROOT / "seeds", BENCH / "seed_questions.jsonl", cfg)
    return out


def build_index(ds: Dataset, log) -> dict:
    """qa build in a fresh process: wall time, peak memory, sentences per second."""
    log(f"building qa's index of {ds.name} ...")
    shutil.rmtree(ds.index, ignore_errors=True)
    run = benchlib.measure([PY, "-m", "qa", "build", "--corpus", str(ds.corpus), "--index", str(ds.index)], env=benchlib.bench_env()).check(
        f"qa build of {ds.name}"
    )
    from qa.index import read_manifest

    counts = read_manifest(ds.index)["counts"]
    return {
        "seconds": run.wall_s,
        "peak_rss_mb": run.max_rss_mb,
        "sentences": counts["sentences"],
        "articles": counts["articles"],
        "sentences_per_s": counts["sentences"] / run.wall_s,
    }


# ----------------------------------------------------------------------------- sections


def run_quality(cfg: Config, data: dict[str, Dataset], builds: dict, log) -> dict:
    out = {}
    for name, ds in data.items():
        log(f"scoring {len(ds.questions):,} questions of {name} through qa ask --json - ...")
        cmd = score.qa_command(str(ds.corpus), str(ds.index), 5)
        results, timing = score.run_qa([q["question"] for q in ds.questions], cmd, env=benchlib.bench_env())
        metrics, _rows = score.score_results(ds.questions, results)
        metrics.update(wall_s=timing["wall_s"], questions_per_s=len(ds.questions) / timing["wall_s"])
        limit = cfg.ablation_limit if cfg.ablation_limit and cfg.ablation_limit < len(ds.questions) else 0
        log(f"ablation on {limit or len(ds.questions):,} questions of {name} ...")
        run = benchlib.measure(
            [
                PY,
                str(BENCH / "ablation.py"),
                "stages",
                "--index",
                str(ds.index),
                "--questions",
                str(ds.questions_file),
                "--limit",
                str(limit),
            ],
            env=benchlib.bench_env(),
        ).check(f"ablation on {name}")
        out[name] = {
            "corpus": _rel(ds.corpus),
            "questions_file": _rel(ds.questions_file),
            "build": builds.get(name),
            "qa": metrics,
            "ablation": {**run.last_json(), "sample": limit or None},
        }
    return out


def peer_sentences(cfg: Config) -> Path:
    """qa's sentences as the peers index them (one JSON string a line), written by run_peers."""
    return cfg.tmp / "peers" / "sentences.jsonl"


def run_peers(cfg: Config, ds: Dataset, build: dict, log) -> dict:
    """BM25 alone, dense alone and txtai's hybrid index on qa's sentences, with the same questions."""
    import numpy as np

    from qa.index import load

    work = peer_sentences(cfg).parent
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sentences = [s.text for s in load(ds.index).sentences]
    peer_sentences(cfg).write_text("".join(json.dumps(t) + "\n" for t in sentences), encoding="utf-8")
    (work / "questions.jsonl").write_text("".join(json.dumps(q["question"]) + "\n" for q in ds.questions), encoding="utf-8")
    answerable = [q for q in ds.questions if q["answerable"]]
    rows: dict[str, dict] = {}
    rankings: dict[str, np.ndarray] = {}
    for kind in ("bm25s", "dense", "txtai"):
        if kind == "txtai":
            from peers import txtai_missing

            reason = txtai_missing()
            if reason:
                log(f"[yellow]skipping the txtai peer: {reason}[/]")
                rows[kind] = {"skipped": reason}
                continue
        log(f"peer {kind}: build and {len(ds.questions):,} questions ...")
        folder = work / kind
        built = benchlib.measure(
            [PY, str(BENCH / "peers.py"), "build", kind, "--sentences", str(peer_sentences(cfg)), "--out", str(folder)],
            env=benchlib.bench_env(),
        ).check(f"building the {kind} peer")
        queried = benchlib.measure(
            [
                PY,
                str(BENCH / "peers.py"),
                "query",
                kind,
                "--dir",
                str(folder),
                "--questions",
                str(work / "questions.jsonl"),
                "--k",
                "100",
                "--rankings",
                str(work / f"{kind}.npy"),
                "--latency",
                str(cfg.warm),
            ],
            env=benchlib.bench_env(),
        ).check(f"querying the {kind} peer")
        rankings[kind] = np.load(work / f"{kind}.npy", allow_pickle=False)
        b, q = built.last_json(), queried.last_json()
        rows[kind] = {
            **_ranked_metrics(rankings[kind], ds.questions, sentences),
            "build_s": built.wall_s,
            "build_in_process_s": b["build_s"],
            "encode_s": b.get("encode_s"),
            "build_rss_mb": built.max_rss_mb,
            "sentences_per_s": len(sentences) / built.wall_s,
            "query_rss_mb": queried.max_rss_mb,
            "batch_s": q["batch_s"],
            "warm": q["latency"],
            "warm_1_thread": q.get("latency_1_thread"),
            "dir": str(folder),
        }
    if "bm25s" in rankings and "dense" in rankings:
        fused = np.full_like(rankings["dense"], -1)
        for i, (a, b) in enumerate(zip(rankings["bm25s"], rankings["dense"], strict=True)):
            ids = benchlib.rrf([a.tolist(), b.tolist()], k=60, depth=fused.shape[1])
            fused[i, : len(ids)] = ids
        rows["rrf(bm25s, dense)"] = _ranked_metrics(fused, ds.questions, sentences)
    return {"dataset": ds.name, "sentences": len(sentences), "questions": len(ds.questions), "answerable": len(answerable), "peers": rows}


def _ranked_metrics(table, questions: list[dict], sentences: list[str]) -> dict:
    ranks = []
    for q, row in zip(questions, table, strict=True):
        if q["answerable"]:
            ranks.append(benchlib.first_rank([sentences[i] for i in row[:5] if i >= 0], q["answers"]))
    return benchlib.rank_metrics(ranks)


def run_speed(cfg: Config, ds: Dataset, build: dict, peers: dict | None, log) -> dict:
    """Cold starts side by side (interleaved, median of repeats), warm latency in one process, build throughput."""
    question = next(q["question"] for q in ds.questions if q["answerable"])
    commands = {
        "qa ask (cold)": ([PY, "-m", "qa", "ask", "--json", question, "--corpus", str(ds.corpus), "--index", str(ds.index)], (0, 1)),
        'python -c "import sentence_transformers"': ([PY, "-c", "import sentence_transformers"], (0,)),
        "qa --help": ([PY, "-m", "qa", "--help"], (0,)),
        "qa ask --help": ([PY, "-m", "qa", "ask", "--help"], (0,)),
    }
    for kind, row in ((peers or {}).get("peers") or {}).items():
        if "dir" in row:
            commands[f"{kind} (cold query)"] = (
                [PY, str(BENCH / "peers.py"), "cold", kind, "--dir", row["dir"], "--question", question],
                (0,),
            )
    runs: dict[str, list[benchlib.Measured]] = {name: [] for name in commands}
    log(f"cold starts: {len(commands)} commands x {cfg.repeats} ...")
    for _ in range(cfg.repeats):
        for name, (cmd, codes) in commands.items():
            run = benchlib.measure(cmd, env=benchlib.bench_env())
            if run.returncode not in codes:
                run.check(name)
            runs[name].append(run)
    cold = {
        name: {
            "median_s": benchlib.median(r.wall_s for r in rs),
            "min_s": min(r.wall_s for r in rs),
            "runs_s": [r.wall_s for r in rs],
            "peak_rss_mb": benchlib.median(r.max_rss_mb for r in rs),
        }
        for name, rs in runs.items()
    }
    log(f"warm qa latency on {cfg.warm} questions ...")
    warm_run = benchlib.measure(
        [PY, str(BENCH / "ablation.py"), "warm", "--index", str(ds.index), "--questions", str(ds.questions_file), "--n", str(cfg.warm)],
        env=benchlib.bench_env(),
    ).check("warm latency")
    return {
        "dataset": ds.name,
        "question": question,
        "repeats": cfg.repeats,
        "cold": cold,
        "warm": {**warm_run.last_json(), "peak_rss_mb": warm_run.max_rss_mb},
        "build": build,
        "builds": build_race(cfg, ds, peers["sentences"], log) if (peers or {}).get("peers", {}).get("dense", {}).get("dir") else None,
    }


def build_race(cfg: Config, ds: Dataset, n: int, log) -> dict:
    """qa's build and the dense peer's build of the same sentences, alternately, each in a new process.

    One build of each, minutes apart, compares the machine's moods as much as the builds; alternating
    them ``cfg.build_pairs`` times and taking medians (and each pair's ratio) does not. ``n``: the sentences.
    """
    work = cfg.tmp / "build-race"
    sentences = peer_sentences(cfg)
    runs: dict[str, list[benchlib.Measured]] = {"qa": [], "dense": []}
    log(f"builds: qa and the dense peer alternately, {cfg.build_pairs} of each ...")
    for _ in range(cfg.build_pairs):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        runs["qa"].append(
            benchlib.measure(
                [PY, "-m", "qa", "build", "--corpus", str(ds.corpus), "--index", str(work / "qa")], env=benchlib.bench_env()
            ).check("qa build (race)")
        )
        runs["dense"].append(
            benchlib.measure(
                [PY, str(BENCH / "peers.py"), "build", "dense", "--sentences", str(sentences), "--out", str(work / "dense")],
                env=benchlib.bench_env(),
            ).check("dense peer build (race)")
        )
    shutil.rmtree(work, ignore_errors=True)
    out: dict = {"sentences": n, "pairs": cfg.build_pairs}
    for name, rs in runs.items():
        median = benchlib.median(r.wall_s for r in rs)
        out[name] = {
            "median_s": median,
            "runs_s": [r.wall_s for r in rs],
            "sentences_per_s": n / median,
            "peak_rss_mb": benchlib.median(r.max_rss_mb for r in rs),
        }
    out["pair_ratios"] = [d.wall_s / q.wall_s for q, d in zip(runs["qa"], runs["dense"], strict=True)]
    out["ratio"] = out["dense"]["median_s"] / out["qa"]["median_s"]  # > 1: qa builds faster
    return out


def speed_targets(speed: dict, dense: dict) -> list[list[str]]:
    """The speed issue's targets that this run measures, each beside its figure."""
    cold, warm, build = speed.get("cold", {}), speed.get("warm", {}), speed.get("build") or {}
    rows: list[list[str]] = []

    def row(target: str, value: float | None, ok: bool | None, digits: int = 2, unit: str = "") -> None:
        rows.append([target, "–" if value is None else fmt(value, digits) + unit, "–" if ok is None else ("met" if ok else "missed")])

    ask = (cold.get("qa ask (cold)") or {}).get("median_s")
    row("qa ask, cold, median ≤ 1.0 s", ask, None if ask is None else ask <= 1.0, unit=" s")
    st = (cold.get("dense (cold query)") or {}).get("median_s")
    times = benchlib.ratio(st, ask) if st and ask else None
    row("… ≥ 6× faster than the same question through sentence-transformers (dense peer, cold)", times, None if times is None else times >= 6, 1, "×")
    for name in ("qa --help", "qa ask --help"):
        t = (cold.get(name) or {}).get("median_s")
        row(f"{name}, median ≤ 0.3 s", t, None if t is None else t <= 0.3, unit=" s")
    p50 = (warm.get("ask") or {}).get("p50_ms")
    row(f"warm ask p50 ≤ 10 ms at {warm.get('sentences', 0):,} sentences", p50, None if p50 is None else p50 <= 10, 1, " ms")
    rss = (cold.get("qa ask (cold)") or {}).get("peak_rss_mb")
    row("peak memory of a cold ask ≤ 400 MB", rss, None if rss is None else rss <= 400, 0, " MB")
    race = speed.get("builds")
    if race:
        ratio = race["ratio"]
        row(f"build at least as fast as a plain encode (dense peer build, a process; median of {race['pairs']}, alternating)", ratio, ratio >= 1, 2, "×")
    else:
        ours, plain = build.get("sentences_per_s"), (dense.get("sentences_per_s") if dense else None)
        row("build at least as fast as a plain encode (dense peer build, a process)", ours / plain if ours and plain else None, None if not (ours and plain) else ours >= plain, 2, "×")
    return rows


def run_scale(cfg: Config, log) -> dict:
    points, dense = [], []
    vectors: list[str] = []
    if cfg.scale_dense:
        # The dense index alone on realistic vectors (real sentence embeddings grown to 1M): recall of the
        # approximate index means something only there. The build and query steps then use the same vectors.
        cache = cfg.tmp / "dense-vectors"
        log(f"scale: qa.dense on realistic vectors up to {max(cfg.scale):,} ...")
        sizes = ",".join(str(n) for n in cfg.scale)
        measured = benchlib.measure(
            [PY, str(BENCH / "scale.py"), "dense", "--dir", str(cache), "--n", str(max(cfg.scale)), "--sizes", sizes, "--hnsw-max", "0"],
            env=benchlib.bench_env(),
        ).check("scale dense")
        dense = [json.loads(line) for line in measured.stdout.splitlines() if line.startswith("{")]
        vectors = ["--vectors", str(cache / f"vectors-mix-{max(cfg.scale)}-0.npy")]
    for n in cfg.scale:
        folder = cfg.tmp / f"scale-{n}"
        log(f"scale: {n:,} synthetic sentences ...")
        built = benchlib.measure(
            [PY, str(BENCH / "scale.py"), "build", "--n", str(n), "--dir", str(folder), *vectors], env=benchlib.bench_env()
        ).check(f"scale build {n}")
        queried = benchlib.measure(
            [PY, str(BENCH / "scale.py"), "query", "--dir", str(folder), "--queries", str(cfg.scale_queries), *vectors], env=benchlib.bench_env()
        ).check(f"scale query {n}")
        points.append(
            {
                "n": n,
                "build": {**built.last_json(), "wall_s": built.wall_s, "max_rss_mb": built.max_rss_mb},
                "query": {**queried.last_json(), "max_rss_mb": queried.max_rss_mb},
            }
        )
        shutil.rmtree(folder, ignore_errors=True)
    return {"points": points, "dense": dense, "vectors": "realistic (grown from real embeddings)" if vectors else "random"}


def run_incremental(cfg: Config, log) -> dict:
    runs = []
    for articles, added, sentences, stand_in in cfg.incremental:
        folder = cfg.tmp / f"incremental-{articles}"
        log(f"incremental: {added:,} articles added to {articles:,}{' (stand-in models)' if stand_in else ''} ...")
        cmd = [PY, str(BENCH / "incremental.py"), "--articles", str(articles), "--add", str(added), "--sentences", str(sentences), "--dir", str(folder)]
        measured = benchlib.measure(cmd + (["--stand-in"] if stand_in else []), env=benchlib.bench_env()).check(f"incremental {articles}")
        runs.append({**measured.last_json(), "max_rss_mb": measured.max_rss_mb})
        shutil.rmtree(folder, ignore_errors=True)
    return {"runs": runs}


# ----------------------------------------------------------------------------- report


def fmt(v, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        return f"{v:.{digits}f}"
    return str(v)


def tables(res: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report as (title, header, rows) tables, shared by the terminal and the Markdown output."""
    out = []
    quality = res.get("quality") or {}
    if quality:
        rows = []
        for name, q in quality.items():
            m = q["qa"]
            rows.append(
                [
                    name,
                    fmt(m["n_questions"]),
                    fmt(m["R@1"]),
                    fmt(m["R@5"]),
                    fmt(m["MRR"]),
                    fmt(m["short_answer_acc"]),
                    fmt(m["answered_rate_answerable"]),
                    fmt(m["declined_rate_unanswerable"]),
                    fmt(m["AUROC_confidence"]),
                    fmt(m["questions_per_s"], 1),
                ]
            )
        out.append(
            (
                "Quality of qa (qa ask --json -, top 5 evidence)",
                [
                    "data",
                    "questions",
                    "R@1",
                    "R@5",
                    "MRR",
                    "short ≤60",
                    "answered | answerable",
                    "declined | unanswerable",
                    "AUROC conf.",
                    "questions/s",
                ],
                rows,
            )
        )
        rows = []
        for name, q in quality.items():
            ab = q["ablation"]
            sample = f" (sample of {ab['sample']:,})" if ab.get("sample") else ""
            for stage, m in ab["stages"].items():
                rows.append([name + sample, stage, fmt(m["R@1"]), fmt(m["R@5"]), fmt(m["MRR"]), fmt(m.get("short"))])
        out.append(
            (
                "Ablation (in-process, stages switched off one at a time; nothing tuned)",
                ["data", "stage", "R@1", "R@5", "MRR", "short ≤60"],
                rows,
            )
        )
        rows = []
        for name, q in quality.items():
            d, m = q["ablation"].get("declining"), q["qa"]
            if d:
                sample = f" (sample of {q['ablation']['sample']:,})" if q["ablation"].get("sample") else ""
                rows.append(
                    [
                        name,
                        fmt(d["AUROC_top_cosine"]) + sample,
                        fmt(m["AUROC_confidence"]),
                        fmt(m["answered_rate_answerable"]),
                        fmt(m["declined_rate_unanswerable"]),
                    ]
                )
        if rows:
            out.append(
                (
                    "Declining unanswerable questions",
                    [
                        "data",
                        "AUROC of the top cosine alone",
                        "AUROC of qa's confidence",
                        "answered | answerable",
                        "declined | unanswerable",
                    ],
                    rows,
                )
            )
        targets = []
        v11, v2 = quality.get("squad-v1.1-dev"), quality.get("squad-v2.0-dev-half")
        if v11:
            r1 = v11["qa"]["R@1"]
            targets.append(["R@1 on squad-v1.1-dev ≥ 0.72", fmt(r1), "met" if r1 >= 0.72 else "missed"])
        if v2:
            a, kept = v2["qa"]["AUROC_confidence"], v2["qa"]["answered_rate_answerable"]
            targets.append(["declining AUROC ≥ 0.80 on squad-v2.0-dev-half", fmt(a), "met" if a >= 0.80 else "missed"])
            targets.append(["… with ≥ 90% of answerable questions answered", fmt(kept), "met" if kept >= 0.90 else "missed"])
        if targets and not res.get("quick"):
            out.append(("Targets", ["target", "measured", ""], targets))
    peers = res.get("peers")
    speed = res.get("speed") or {}
    if peers:
        rows = []
        cold = speed.get("cold", {})
        qa_q = (quality.get(peers["dataset"]) or {}).get("qa")
        build = (speed.get("build") or (quality.get(peers["dataset"]) or {}).get("build")) or {}
        warm = (speed.get("warm") or {}).get("ask") or {}
        if qa_q:
            rows.append(
                [
                    "qa (hybrid + context + answer typing)",
                    fmt(qa_q["R@1"]),
                    fmt(qa_q["R@5"]),
                    fmt(qa_q["MRR"]),
                    fmt(build.get("seconds"), 1),
                    fmt(build.get("sentences_per_s"), 0),
                    fmt(build.get("peak_rss_mb"), 0),
                    fmt(warm.get("p50_ms"), 1),
                    fmt(warm.get("p95_ms"), 1),
                    "–",
                    fmt((cold.get("qa ask (cold)") or {}).get("median_s"), 2),
                    fmt((cold.get("qa ask (cold)") or {}).get("peak_rss_mb"), 0),
                ]
            )
        for kind, row in peers["peers"].items():
            if "skipped" in row:
                rows.append([kind, "skipped: " + row["skipped"]] + [""] * 10)
                continue
            c = cold.get(f"{kind} (cold query)") or {}
            w = row.get("warm") or {}
            w1 = row.get("warm_1_thread") or {}
            rows.append(
                [
                    kind,
                    fmt(row["R@1"]),
                    fmt(row["R@5"]),
                    fmt(row["MRR"]),
                    fmt(row.get("build_s"), 1),
                    fmt(row.get("sentences_per_s"), 0),
                    fmt(row.get("build_rss_mb"), 0),
                    fmt(w.get("p50_ms"), 1),
                    fmt(w.get("p95_ms"), 1),
                    fmt(w1.get("p50_ms"), 1),
                    fmt(c.get("median_s"), 2),
                    fmt(c.get("peak_rss_mb"), 0),
                ]
            )
        out.append(
            (
                f"Peers on {peers['dataset']}: {peers['sentences']:,} sentences, {peers['answerable']:,} questions, same model",
                [
                    "system",
                    "R@1",
                    "R@5",
                    "MRR",
                    "build s",
                    "build sent./s",
                    "build RSS MB",
                    "warm p50 ms",
                    "warm p95 ms",
                    "p50 ms, torch 1 thread",
                    "cold s (median)",
                    "cold RSS MB",
                ],
                rows,
            )
        )
    if speed:
        base = (speed["cold"].get('python -c "import sentence_transformers"') or {}).get("median_s")
        rows = [
            [name, fmt(c["median_s"], 2), fmt(c["min_s"], 2), fmt(benchlib.ratio(c["median_s"], base), 2), fmt(c["peak_rss_mb"], 0)]
            for name, c in speed["cold"].items()
        ]
        out.append(
            (
                f"Cold start on {speed['dataset']} (a new process, index built; median of {speed['repeats']}, interleaved)",
                ["command", "median s", "min s", "× import sentence_transformers", "peak RSS MB"],
                rows,
            )
        )
        w = speed["warm"]
        rows = [[part, fmt(w[part]["p50_ms"], 1), fmt(w[part]["p95_ms"], 1)] for part in ("ask", "embed", "search", "answer")]
        out.append(
            (
                f"Warm qa latency in one process ({w['ask']['n']} questions, {w['sentences']:,} sentences; peak RSS {fmt(w['peak_rss_mb'], 0)} MB)",
                ["part", "p50 ms", "p95 ms"],
                rows,
            )
        )
        b = speed.get("build") or {}
        dense = ((peers or {}).get("peers") or {}).get("dense") or {}
        if b:
            rows = [
                [
                    "qa build (spaCy tags + embedding + BM25 + ONNX export)",
                    fmt(b["sentences"]),
                    fmt(b["seconds"], 1),
                    fmt(b["sentences_per_s"], 0),
                    fmt(b["peak_rss_mb"], 0),
                ]
            ]
            if dense.get("encode_s"):
                n = peers["sentences"]
                rows.append(
                    [
                        "SentenceTransformer.encode of the same sentences (in process)",
                        fmt(n),
                        fmt(dense["encode_s"], 1),
                        fmt(n / dense["encode_s"], 0),
                        "–",
                    ]
                )
                rows.append(
                    [
                        "dense peer build (a process: load model, encode, FAISS)",
                        fmt(n),
                        fmt(dense["build_s"], 1),
                        fmt(dense["sentences_per_s"], 0),
                        fmt(dense["build_rss_mb"], 0),
                    ]
                )
            out.append(("Build throughput", ["build", "sentences", "seconds", "sentences/s", "peak RSS MB"], rows))
        race = speed.get("builds")
        if race:
            rows = [
                [
                    label,
                    fmt(race["sentences"]),
                    fmt(race[key]["median_s"], 1),
                    " / ".join(fmt(t, 1) for t in race[key]["runs_s"]),
                    fmt(race[key]["sentences_per_s"], 0),
                    fmt(race[key]["peak_rss_mb"], 0),
                ]
                for key, label in (("qa", "qa build"), ("dense", "dense peer build (load model, encode, FAISS)"))
            ]
            rows.append(["dense peer ÷ qa", "", fmt(race["ratio"], 2) + "×", " / ".join(fmt(r, 2) + "×" for r in race["pair_ratios"]), "", ""])
            out.append(
                (
                    f"Builds side by side ({race['pairs']} of each, alternating, each a new process)",
                    ["build", "sentences", "median s", "each run s", "sentences/s", "peak RSS MB"],
                    rows,
                )
            )
        if not res.get("quick"):
            out.append(("Speed targets", ["target", "measured", ""], speed_targets(speed, dense)))
    scale = res.get("scale")
    if scale:
        rows = []
        for p in scale["points"]:
            b, q = p["build"], p["query"]
            rows.append(
                [
                    fmt(q["sentences"]),
                    q["dense_index"],
                    fmt(q["recall_at_10"], 2),
                    fmt(b["build_s"], 1),
                    fmt(b["sentences_per_s"], 0),
                    fmt(b["max_rss_mb"], 0),
                    fmt(q["search"]["p50_ms"], 1),
                    fmt(q["search"]["p95_ms"], 1),
                    fmt(q["dense_search"]["p50_ms"], 1),
                    fmt(q["index_rss_mb"], 0),
                    fmt(q["max_rss_mb"], 0),
                ]
            )
        out.append(
            (
                f"Scale: qa.index.build + qa.retrieve.search on synthetic sentences ({scale.get('vectors', 'random')} vectors, no spaCy)",
                [
                    "sentences",
                    "dense index",
                    "recall@10",
                    "build s",
                    "build sent./s",
                    "build RSS MB",
                    "search p50 ms",
                    "search p95 ms",
                    "FAISS alone p50 ms",
                    "index in RAM MB",
                    "query RSS MB",
                ],
                rows,
            )
        )
    if scale and scale.get("dense"):
        rows = []
        for d in scale["dense"]:
            one = d["search_k100"]["threads_1"]
            rows.append(
                [
                    fmt(d["size"]),
                    d["kind"],
                    fmt(d["build_s"], 1),
                    fmt(d["index_bytes"] / 2**20, 0),
                    fmt(d["recall_at_10"], 3),
                    fmt(d["recall_at_100"], 3),
                    fmt(one["approx"]["p50_ms"], 2),
                    fmt(one["approx"]["p95_ms"], 2),
                    fmt(one["exact"]["p50_ms"], 2),
                ]
            )
        out.append(
            (
                "Dense index by size (qa.dense) on real sentence vectors grown to size, real SQuAD questions, k=100, 1 thread",
                ["vectors", "kind", "build s", "MB", "recall@10", "recall@100", "p50 ms", "p95 ms", "exact p50 ms"],
                rows,
            )
        )
    incremental = res.get("incremental")
    if incremental:
        rows = []
        for run in incremental["runs"]:
            models = "stand-ins" if run["stand_in"] else "real"
            for st in run["steps"]:
                stages = st["stages_s"]
                rows.append(
                    [
                        f"{run['articles']:,} + {run['added']:,}",
                        models,
                        st["step"],
                        fmt(st["articles"]),
                        fmt(st["embedded"]),
                        fmt(st["seconds"], 1),
                        fmt(stages.get("Reading articles"), 1),
                        fmt(stages.get("Finding names and numbers"), 1),
                        fmt(stages.get("Embedding sentences"), 1),
                        fmt(stages.get("Writing the index"), 1),
                        fmt(st["other_s"] + stages.get("Exporting the query model", 0.0), 1),
                    ]
                )
        out.append(
            (
                "Incremental: qa.index.build after adding, changing and deleting articles (SQuAD sentences as articles; "
                "tag and embed include loading their model; other: the old index loaded and checked, the query model)",
                ["index", "models", "step", "articles", "embedded", "seconds", "read s", "tag s", "embed s", "write s", "other s"],
                rows,
            )
        )
    return out


def print_tables(res: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=220)  # a file or a CI log: no wrapping of the wide tables
    for title, header, rows in tables(res):
        table = Table(title=title, title_justify="left")
        for i, h in enumerate(header):
            table.add_column(h, justify="right" if _numeric([r[i] for r in rows]) else "left")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    m = res.get("machine", {})
    console.print(
        f"machine: {m.get('cores')} cores, {m.get('cpu_model')}, {m.get('memory_gb')} GB, Python {m.get('python')}; "
        f"load at start {m.get('load_average_at_start')}; total {res.get('seconds', 0) / 60:.1f} min"
    )
    src = res.get("qa") or {}
    if src:
        changed = f", with uncommitted changes to {len(src['uncommitted_changes'])} files" if src.get("uncommitted_changes") else ""
        console.print(f"qa measured: commit {src.get('commit')} ({src.get('from')}{changed}); command: {res.get('command')}")


def _numeric(cells: list[str]) -> bool:
    """A column of figures (or dashes), to be right-aligned."""
    import re

    filled = [c for c in cells if c and c != "–"]
    return bool(filled) and all(re.fullmatch(r"-?[\d,]+(\.\d+)?( \(.*\))?", c) for c in filled)


def markdown(res: dict) -> str:
    parts = []
    for title, header, rows in tables(res):
        parts.append(f"**{title}**\n")
        parts.append("| " + " | ".join(h.replace("|", "\\|") for h in header) + " |")
        parts.append("| " + " | ".join("---:" if _numeric([r[i] for r in rows]) else "---" for i in range(len(header))) + " |")
        parts.extend("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows)
        parts.append("")
    return "\n".join(parts)


def plot(res: dict, path: Path) -> bool:
    """Query latency and memory against corpus size (log scales)."""
    scale = res.get("scale")
    if not scale or not scale["points"]:
        return False
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = scale["points"]
    n = [p["query"]["sentences"] for p in pts]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(n, [p["query"]["search"]["p50_ms"] for p in pts], "o-", label="qa search p50")
    left.plot(n, [p["query"]["search"]["p95_ms"] for p in pts], "o--", label="qa search p95")
    left.plot(n, [p["query"]["dense_search"]["p50_ms"] for p in pts], "s:", label="FAISS alone p50")
    warm = (res.get("speed") or {}).get("warm")
    if warm:
        left.plot([warm["sentences"]], [warm["search"]["p50_ms"]], "D", markersize=7, label="qa search p50, SQuAD v1.1")
        left.plot([warm["sentences"]], [warm["ask"]["p50_ms"]], "*", markersize=12, label="qa ask p50, SQuAD v1.1 (+ embedding, answer)")
    left.set(xscale="log", yscale="log", xlabel="sentences", ylabel="ms per question", title="Warm query latency")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    right.plot(n, [p["query"]["max_rss_mb"] for p in pts], "o-", label="peak RSS, load + queries")
    right.plot(n, [p["query"]["index_rss_mb"] for p in pts], "s:", label="index resident after load")
    right.plot(n, [p["build"]["max_rss_mb"] for p in pts], "^--", label="peak RSS, build")
    right.set(xscale="log", yscale="log", xlabel="sentences", ylabel="MB", title="Memory")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    m = res.get("machine", {})
    fig.suptitle(f"qa on synthetic sentences (384-d, {m.get('cores')} cores, {m.get('cpu_model')})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT.parent))
    except ValueError:
        return str(path)


def _without_work_dirs(value):
    """The results without the working folders ("dir"): they name this machine's paths, not figures."""
    if isinstance(value, dict):
        return {k: _without_work_dirs(v) for k, v in value.items() if k != "dir"}
    if isinstance(value, list):
        return [_without_work_dirs(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__
    )
    parser.add_argument("--quick", action="store_true", help="a small sample that checks the scripts (CI)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {','.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, help="results folder (default bench/results, or bench/results/tmp/quick with --quick)")
    parser.add_argument("--show", type=Path, help="print the tables of a results JSON, redraw its .md and plot beside it, and exit")
    parser.add_argument(
        "--qa-from",
        choices=("worktree", "HEAD"),
        default="worktree",
        help="measure qa/ as it is now (default) or as committed; copied once at the start",
    )
    args = parser.parse_args(argv)
    if args.show:
        res = json.loads(args.show.read_text(encoding="utf-8"))
        print_tables(res)
        # Redraw what is derived from the figures, beside them.
        args.show.with_suffix(".md").write_text(markdown(res), encoding="utf-8")
        plot(res, args.show.parent / "latency_memory.png")
        return 0
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}: choose from {','.join(SECTIONS)}")
    out = (args.out or (BENCH / "results" / "tmp" / "quick" if args.quick else BENCH / "results")).resolve()
    cfg = Config(args.quick, out)
    cfg.tmp.mkdir(parents=True, exist_ok=True)
    os.chdir(cfg.tmp)  # `python -m qa` imports from the current folder first: keep it away from the repository's qa/

    from rich.console import Console

    console = Console(stderr=True)
    started = time.perf_counter()

    def log(message: str) -> None:
        console.print(f"[dim]{time.perf_counter() - started:7.1f}s[/] {message}")

    res: dict = {
        "command": "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "quick": args.quick,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "qa": benchlib.snapshot_qa(cfg.tmp / "qa-src", args.qa_from),
        "machine": benchlib.machine(),
    }
    needs_squad = bool({"quality", "peers", "speed"} & set(only))
    data = datasets(cfg, log) if needs_squad else {}
    if "quality" not in only:
        data = {k: v for k, v in data.items() if k == "squad-v1.1-dev"}
    def save() -> None:
        """Write what is measured so far: a section that fails later does not lose the ones before it."""
        res["seconds"] = time.perf_counter() - started
        out.mkdir(parents=True, exist_ok=True)
        (out / "latest.json").write_text(json.dumps(_without_work_dirs(res), indent=1, default=str) + "\n", encoding="utf-8")
        (out / "latest.md").write_text(markdown(res), encoding="utf-8")

    builds = {name: build_index(ds, log) for name, ds in data.items()}
    if "quality" in only:
        res["quality"] = run_quality(cfg, data, builds, log)
        save()
    main_ds = data.get("squad-v1.1-dev")
    if "peers" in only and main_ds:
        res["peers"] = run_peers(cfg, main_ds, builds[main_ds.name], log)
        save()
    if "speed" in only and main_ds:
        res["speed"] = run_speed(cfg, main_ds, builds[main_ds.name], res.get("peers"), log)
        save()
    if "scale" in only:
        res["scale"] = run_scale(cfg, log)
        save()
    if "incremental" in only:
        res["incremental"] = run_incremental(cfg, log)
    save()
    plotted = plot(res, out / "latency_memory.png")
    print_tables(res)
    console.print(
        f"wrote {out / 'latest.json'}, {out / 'latest.md'}"
        + (f", {out / 'latency_memory.png'}" if plotted else " (no plot: no scale section or no matplotlib)")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
