#!/usr/bin/env python3
"""qa's index and retrieval path at scale, on a synthetic corpus: generated short texts and random
384-d unit vectors, so that nothing large is stored in the repository.

Two steps, each in its own process so that its peak memory is its own:

    python bench/scale.py build --n 1000000 --dir DIR     # writes DIR/corpus and builds DIR/index
    python bench/scale.py query --dir DIR [--queries 200]  # loads the index, times qa.retrieve.search

The index is built by ``qa.index.build`` itself (whatever dense and lexical index it makes), with
two stand-ins: an embedder that returns seeded random unit vectors, and no spaCy tagging (no answer
typing is measured here). ``query`` loads it with ``qa.index.load`` and times the whole retrieval
(FAISS + BM25 + fusion + context) and the FAISS search alone; when the dense index is not exact it
also reports recall@10 against exact search. Each step prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.append(str(BENCH.parent))  # after PYTHONPATH, so that bench/run.py's copy of qa wins
sys.path.insert(0, str(BENCH))

from benchlib import latency_summary, recall_at, vm_status  # noqa: E402

DIM = 384
SENTENCES_PER_ARTICLE = 200
SENTENCES_PER_PARAGRAPH = 5
VOCABULARY = 30_000
_SYLLABLES = "ka to ri men sa lo vi du ne pra tor lis gan mo re chi fal bur den qua zo hel mar tin os ul".split()


def vocabulary(size: int, seed: int = 0) -> list[str]:
    """Distinct pronounceable pseudo-words of 2 to 4 syllables."""
    rng = np.random.default_rng(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        count = int(rng.integers(2, 5))
        words["".join(_SYLLABLES[i] for i in rng.integers(0, len(_SYLLABLES), count))] = None
    return list(words)


def generate_texts(n: int, vocab: list[str], seed: int = 0) -> list[str]:
    """n sentences of 8 to 30 words drawn from a Zipf-like law (as news text roughly is)."""
    rng = np.random.default_rng(seed + 1)
    weights = 1.0 / (np.arange(len(vocab)) + 10.0)
    weights /= weights.sum()
    lengths = rng.integers(8, 31, n)
    ids = rng.choice(len(vocab), size=int(lengths.sum()), p=weights)
    out, pos = [], 0
    for length in lengths:
        out.append(" ".join(vocab[i] for i in ids[pos : pos + length]).capitalize() + ".")
        pos += length
    return out


def write_corpus(folder: Path, texts: list[str]) -> int:
    """Articles of SENTENCES_PER_ARTICLE sentences (a title line, then paragraphs); returns the file count."""
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    for start in range(0, len(texts), SENTENCES_PER_ARTICLE):
        body = texts[start : start + SENTENCES_PER_ARTICLE]
        paragraphs = [" ".join(body[i : i + SENTENCES_PER_PARAGRAPH]) for i in range(0, len(body), SENTENCES_PER_PARAGRAPH)]
        (folder / f"{files:06d}.txt").write_text(f"Article {files}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        files += 1
    return files


class RandomEmbedder:
    """Seeded random unit vectors, in order, whatever the texts (a stand-in for the model at scale)."""

    dim = DIM

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def encode(self, texts, **_kwargs) -> np.ndarray:
        return unit_vectors(len(texts), self.seed)


def unit_vectors(n: int, seed: int, chunk: int = 100_000) -> np.ndarray:
    rng = np.random.default_rng(seed + 2)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, chunk):
        block = rng.standard_normal((min(chunk, n - start), DIM), dtype=np.float32)
        out[start : start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def no_spans(texts, **_kwargs) -> list[tuple]:
    return [() for _ in texts]


def cmd_build(n: int, folder: Path, seed: int) -> dict:
    from qa import index as index_mod

    shutil.rmtree(folder, ignore_errors=True)
    t = time.perf_counter()
    vocab = vocabulary(VOCABULARY, seed)
    texts = generate_texts(n, vocab, seed)
    files = write_corpus(folder / "corpus", texts)
    generate_s = time.perf_counter() - t
    del texts
    t = time.perf_counter()
    built, _corpus = index_mod.build(
        folder / "corpus", folder / "index", embedder=RandomEmbedder(seed), find_spans=no_spans, export_query_model=False
    )
    build_s = time.perf_counter() - t
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    size = sum(p.stat().st_size for p in built.rglob("*") if p.is_file())
    return {
        "n": n,
        "sentences": manifest["counts"]["sentences"],
        "articles": files,
        "generate_s": generate_s,
        "build_s": build_s,
        "sentences_per_s": manifest["counts"]["sentences"] / build_s,
        "index_disk_mb": size / 2**20,
        "peak_rss_mb": vm_status("VmHWM"),
    }


def cmd_query(folder: Path, queries: int, seed: int) -> dict:
    import faiss

    from qa import index as index_mod
    from qa.retrieve import Weights, search

    base = vm_status("VmRSS")
    t = time.perf_counter()
    index = index_mod.load(folder / "index", preload_query_model=False) if _has_preload_flag() else index_mod.load(folder / "index")
    load_s = time.perf_counter() - t
    loaded = vm_status("VmRSS")
    n = len(index.sentences)
    exact = type(index.dense).__name__ in ("IndexFlatIP", "IndexFlat") and index.dense.metric_type == faiss.METRIC_INNER_PRODUCT

    # A question: a few words of a target sentence and two unrelated ones; its vector a noisy copy of the target's.
    rng = np.random.default_rng(seed + 3)
    vocab = vocabulary(VOCABULARY, seed)
    targets = rng.choice(n, size=min(queries, n), replace=False)
    stored = np.asarray(index.vectors(targets.astype(np.int64)), dtype=np.float32)
    vectors = stored + rng.standard_normal(stored.shape, dtype=np.float32) * (1.3 / np.sqrt(DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    questions = []
    for i in targets:
        words = index.sentences[int(i)].text.rstrip(".").lower().split()
        picked = [words[j] for j in rng.choice(len(words), size=min(4, len(words)), replace=False)]
        questions.append("what " + " ".join(picked + [vocab[int(rng.integers(0, len(vocab)))] for _ in range(2)]) + "?")

    weights = Weights()
    search(index, vectors[0], questions[0], k=30, weights=weights)  # warm-up
    total, dense_only, first = [], [], 0
    for target, vector, question in zip(targets, vectors, questions, strict=True):
        t = time.perf_counter()
        hits = search(index, vector, question, k=30, weights=weights)
        total.append(time.perf_counter() - t)
        first += bool(hits) and hits[0].sentence == int(target)
        t = time.perf_counter()
        index.dense.search(vector.reshape(1, -1), 100)
        dense_only.append(time.perf_counter() - t)

    recall = 1.0
    if not exact:
        # The vectors are seeded: regenerate them for an exact search to compare with.
        exact_index = faiss.IndexFlatIP(DIM)
        exact_index.add(unit_vectors(index.dense.ntotal, seed))
        _, want = exact_index.search(vectors, 10)
        _, got = index.dense.search(vectors, 10)
        recall = recall_at(got.tolist(), want.tolist(), 10)
    return {
        "sentences": n,
        "queries": len(targets),
        "dense_index": type(index.dense).__name__,
        "exact": exact,
        "recall_at_10": recall,
        "target_first": first / len(targets),
        "load_s": load_s,
        "rss_before_load_mb": base,
        "rss_loaded_mb": loaded,
        "index_rss_mb": loaded - base,
        "peak_rss_mb": vm_status("VmHWM"),
        "search": latency_summary(total),
        "dense_search": latency_summary(dense_only),
    }


def _has_preload_flag() -> bool:
    import inspect

    from qa import index as index_mod

    return "preload_query_model" in inspect.signature(index_mod.load).parameters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    b = sub.add_parser("build")
    b.add_argument("--n", type=int, required=True, help="sentences")
    b.add_argument("--dir", type=Path, required=True)
    b.add_argument("--seed", type=int, default=0)
    q = sub.add_parser("query")
    q.add_argument("--dir", type=Path, required=True)
    q.add_argument("--queries", type=int, default=200)
    q.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = cmd_build(args.n, args.dir, args.seed) if args.step == "build" else cmd_query(args.dir, args.queries, args.seed)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
