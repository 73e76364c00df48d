#!/usr/bin/env python3
"""Adding articles to a built index, against building it from scratch, with qa's real build.

    python bench/incremental.py --articles 10000 --add 100 --dir DIR [--stand-in]

A corpus of ``--articles`` distinct articles is made of real sentences (the SQuAD article files of
the benchmark data, split by qa's own reader): each article is a numbered title and
``--sentences`` sentences drawn at random, in paragraphs. Then, in one process (imports paid once):

1. full build     ``qa.index.build`` of the whole corpus from nothing;
2. add            ``--add`` new articles copied in, then ``qa.index.build`` (what ``qa add`` does);
3. change         as many articles edited in place, then a build;
4. delete         as many articles deleted, then a build;
5. unchanged      a build with nothing to do.

Each step prints the seconds per stage (reading, tagging, embedding, writing), the sentences it
embedded and the peak memory so far. By default the real models run (spaCy and all-MiniLM-L6-v2, as
``qa build`` does); ``--stand-in`` swaps both for instant stand-ins, which isolates the part of an
update that grows with the index (reading the old index, copying vectors, the lexical index, writing)
and so lets it be measured at larger sizes. The last line is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.append(str(BENCH.parent))  # after PYTHONPATH, so that bench/run.py's copy of qa wins
sys.path.insert(0, str(BENCH))

from benchlib import vm_status  # noqa: E402

DATA = BENCH.parent.parent / "shared" / "bench"
SENTENCES_PER_PARAGRAPH = 4


def sentence_pool(data: Path) -> list[str]:
    """Every sentence of the benchmark's article files, as qa's reader splits them."""
    from qa.corpus import read_corpus

    pool: list[str] = []
    for folder in sorted(data.glob("*/articles")):
        pool.extend(s.text for parsed in read_corpus(folder).articles for s in parsed.sentences)
    if not pool:
        raise SystemExit(f"no article files under {data}: give the benchmark data folder with --data")
    return pool


def write_articles(folder: Path, pool: list[str], first: int, count: int, sentences: int, seed: int) -> None:
    """Articles ``first`` .. ``first + count - 1``: distinct by their number and their random sentences."""
    rng = np.random.default_rng(seed + first)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(first, first + count):
        picked = [pool[i] for i in rng.choice(len(pool), size=sentences, replace=False)]
        paragraphs = [" ".join(picked[i : i + SENTENCES_PER_PARAGRAPH]) for i in range(0, len(picked), SENTENCES_PER_PARAGRAPH)]
        (folder / f"{number:06d}.txt").write_text(f"Report {number}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


class Stages:
    """A build's progress callback that clocks the time spent in each stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stage: str | None = None
        self._since = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage != self._stage:
            self._close(now)
            self._stage, self._since = stage, now
        if done >= total:
            self._close(now)

    def _close(self, now: float) -> None:
        if self._stage is not None:
            self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + now - self._since
            self._stage = None


def step(name: str, build: Callable[[Stages], object]) -> dict:
    stages = Stages()
    started = time.perf_counter()
    report = build(stages)
    seconds = time.perf_counter() - started
    row = {
        "step": name,
        "seconds": round(seconds, 3),
        "embedded": report.embedded,  # type: ignore[attr-defined]
        "articles": report.articles,  # type: ignore[attr-defined]
        "sentences": report.sentences,  # type: ignore[attr-defined]
        "added": report.added,  # type: ignore[attr-defined]
        "removed": report.removed,  # type: ignore[attr-defined]
        "stages_s": {k: round(v, 3) for k, v in stages.seconds.items()},
        "peak_rss_mb": round(vm_status("VmHWM"), 1),
    }
    row["other_s"] = round(seconds - sum(stages.seconds.values()), 3)
    print(json.dumps(row), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles in the index before the update")
    parser.add_argument("--add", type=int, default=100, help="articles added (and then changed, and deleted)")
    parser.add_argument("--sentences", type=int, default=8, help="sentences per article")
    parser.add_argument("--dir", type=Path, required=True, help="working folder (emptied first)")
    parser.add_argument("--data", type=Path, default=DATA, help="the benchmark data folder (SQuAD article files)")
    parser.add_argument("--stand-in", action="store_true", help="instant stand-ins for spaCy and the embedding model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the summary here too")
    args = parser.parse_args(argv)

    from qa import index as index_mod

    shutil.rmtree(args.dir, ignore_errors=True)
    corpus, root, inbox = args.dir / "corpus", args.dir / "index", args.dir / "inbox"
    pool = sentence_pool(args.data)
    write_articles(corpus, pool, 0, args.articles, args.sentences, args.seed)
    write_articles(inbox, pool, args.articles, args.add, args.sentences, args.seed)

    options: dict = {}
    if args.stand_in:
        from scale import RandomEmbedder, no_spans

        options = {"embedder": RandomEmbedder(args.seed), "find_spans": no_spans, "export_query_model": False}
    else:
        # Imported before the clock starts, so that the full build does not carry the import alone: a
        # qa add or qa build process pays it (about 8 s) once on top of the figures here.
        import sentence_transformers  # noqa: F401

    def build(stages: Stages) -> object:
        return index_mod.build(corpus, root, progress=stages, **options)

    rows = [step("full build", build)]
    for path in sorted(inbox.iterdir()):
        shutil.copy2(path, corpus / path.name)
    rows.append(step("add", build))
    changed = sorted(corpus.iterdir())[: args.add]
    for path in changed:
        path.write_text(path.read_text(encoding="utf-8") + "\nA correction was appended to this report.\n", encoding="utf-8")
    rows.append(step("change", build))
    for path in changed:
        path.unlink()
    rows.append(step("delete", build))
    rows.append(step("unchanged", build))

    full, add = rows[0], rows[1]
    summary = {
        "articles": args.articles,
        "added": args.add,
        "sentences_per_article": args.sentences,
        "stand_in": args.stand_in,
        "full_build_s": full["seconds"],
        "add_s": add["seconds"],
        "full_over_add": round(full["seconds"] / add["seconds"], 1) if add["seconds"] else None,
        "full_s_per_article": full["seconds"] / args.articles,
        "add_s_per_added_article": add["seconds"] / args.add,
        "steps": rows,
    }
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
