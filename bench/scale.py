#!/usr/bin/env python3
"""qa's index and retrieval path at scale, on a synthetic corpus: generated short texts and random
384-d unit vectors, so that nothing large is stored in the repository.

Two steps, each in its own process so that its peak memory is its own:

    python bench/scale.py build --n 1000000 --dir DIR [--vectors V.npy]  # writes DIR/corpus and builds DIR/index
    python bench/scale.py query --dir DIR [--queries 200] [--vectors V.npy]  # loads the index, times qa.retrieve.search

The index is built by ``qa.index.build`` itself (whatever dense and lexical index it makes), with
two stand-ins: an embedder that returns seeded random unit vectors (or, with --vectors, the rows of a
vector file such as the realistic ones the ``dense`` step grows), and no spaCy tagging (no answer
typing is measured here). ``query`` loads it with ``qa.index.load`` and times the whole retrieval
(FAISS + BM25 + fusion + context) and the FAISS search alone; when the dense index is not exact it
also reports recall@10 against exact search. Each step prints one JSON line. (Random vectors have
no structure: they time the exact index fairly but say nothing true about an approximate one, whose
recall on them is far lower than on real embeddings. The ``dense`` step below is for that.)

The dense index alone (qa.dense: exact below a size, IVF-Flat above), on realistic vectors:

    python bench/scale.py dense --dir DIR [--n 1000000] [--sizes 10000,100000,1000000] [--generator mix]
    python bench/scale.py realism --dir DIR    # why the grown vectors can stand in for real ones

prints one JSON line per size, each measured in its own process: the kind ``qa.dense.make`` chose
and its parameters, build seconds, bytes on disk, memory (the build's peak RSS, what loading the
written index adds to RSS, the process's peak with the exact index beside it), recall@10 and @100
against exact search (qa.retrieve takes 100 dense candidates), recall@10 by nprobe, and single-query
p50/p95 for k=100 with 1 and 2 OpenMP threads, the exact flat search timed beside it, interleaved,
on the same questions (optionally HNSW as well, for comparison). DIR caches the vectors (1.5 GB at 1M);
keep it outside the repository.

The vectors. Real ones come first: every distinct sentence of the SQuAD articles in
shared/bench (split by qa.corpus as qa indexes them) and of seeds/, embedded once with the real
all-MiniLM-L6-v2 (about 10.6k distinct vectors); the 10k size is real vectors only. The queries are
real questions: SQuAD questions embedded the same way, never in the index. Larger sizes are the real
vectors plus grown ones: ``mix`` (default) recombines a real vector with two random members of its
k-means cluster (Dirichlet weights) plus a little noise shaped by the real within-cluster covariance,
i.e. new sentences on the topics of the real ones, some close to existing ones as the same news told
by several outlets is; ``gmm`` samples a Gaussian mixture fitted to the real vectors, a smoother set
with a higher intrinsic dimension, harder for approximate search (a stress test). ``realism``
checks them: it grows a quarter of the real vectors back to the full count and compares, for the
same questions, the cosine of the 1st/10th/100th neighbour, the nearest-row cosine, the local
intrinsic dimensionality and IVF and HNSW recall with the real set. On this data ``mix`` is slightly
easier than real for IVF (recall +0.01..0.02) and harder for HNSW, ``gmm`` harder for both. Since
grown vectors are not real, each size also reports, for the real rows alone, the share of each
question's 10 best real rows that lie in a probed list (what IVF reaches of them), by nprobe.
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


class FileEmbedder:
    """The rows of a saved vector file, in order, whatever the texts (realistic vectors for the scale steps)."""

    dim = DIM

    def __init__(self, path: Path) -> None:
        self.vectors = np.load(path, mmap_mode="r")
        self.used = 0

    def encode(self, texts, **_kwargs) -> np.ndarray:
        if self.used + len(texts) > len(self.vectors):
            raise SystemExit(f"the vector file has {len(self.vectors):,} rows, fewer than the sentences")
        out = np.array(self.vectors[self.used : self.used + len(texts)], dtype=np.float32)
        self.used += len(texts)
        return out


def cmd_build(n: int, folder: Path, seed: int, vectors: Path | None = None) -> dict:
    from qa import index as index_mod

    shutil.rmtree(folder, ignore_errors=True)
    t = time.perf_counter()
    vocab = vocabulary(VOCABULARY, seed)
    texts = generate_texts(n, vocab, seed)
    files = write_corpus(folder / "corpus", texts)
    generate_s = time.perf_counter() - t
    del texts
    t = time.perf_counter()
    built = index_mod.build(
        folder / "corpus",
        folder / "index",
        embedder=FileEmbedder(vectors) if vectors else RandomEmbedder(seed),
        find_spans=no_spans,
        export_query_model=False,
    ).folder
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


def cmd_query(folder: Path, queries: int, seed: int, vectors: Path | None = None) -> dict:
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
    asked = stored + rng.standard_normal(stored.shape, dtype=np.float32) * (1.3 / np.sqrt(DIM))
    asked /= np.linalg.norm(asked, axis=1, keepdims=True)
    questions = []
    for i in targets:
        words = index.sentences[int(i)].text.rstrip(".").lower().split()
        picked = [words[j] for j in rng.choice(len(words), size=min(4, len(words)), replace=False)]
        questions.append("what " + " ".join(picked + [vocab[int(rng.integers(0, len(vocab)))] for _ in range(2)]) + "?")

    weights = Weights()
    search(index, asked[0], questions[0], k=30, weights=weights)  # warm-up
    total, dense_only, first = [], [], 0
    for target, vector, question in zip(targets, asked, questions, strict=True):
        t = time.perf_counter()
        hits = search(index, vector, question, k=30, weights=weights)
        total.append(time.perf_counter() - t)
        first += bool(hits) and hits[0].sentence == int(target)
        t = time.perf_counter()
        index.dense.search(vector.reshape(1, -1), 100)
        dense_only.append(time.perf_counter() - t)

    recall = 1.0
    if not exact:
        # The vectors are a file or seeded: load or regenerate them for an exact search to compare with.
        exact_index = faiss.IndexFlatIP(DIM)
        exact_index.add(np.array(np.load(vectors, mmap_mode="r")[: index.dense.ntotal]) if vectors else unit_vectors(index.dense.ntotal, seed))
        _, want = exact_index.search(asked, 10)
        _, got = index.dense.search(asked, 10)
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


# ----------------------------------------------------------------------------- the dense index alone (qa.dense)

SHARED_BENCH = BENCH.parent.parent / "shared" / "bench"
REAL_FOLDERS = ("squad-v1.1-dev/articles", "squad-v2.0-dev-half/articles")
MIX_PER_CLUSTER = 80  # real vectors per k-means cluster when recombining ("mix")
GMM_PER_CLUSTER = 160  # real vectors per component of the fitted mixture ("gmm")
MIX_NOISE = 0.4  # scale of the shaped noise added to a recombination
GMM_SPREAD = 0.7  # scale of the fitted within-cluster covariance when sampling the mixture


def _normalized(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def real_vectors(folder: Path, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(sentences, questions): real all-MiniLM-L6-v2 vectors, embedded once and cached in ``folder``.

    Sentences: every distinct sentence of the SQuAD articles under shared/bench (split by qa.corpus,
    as qa indexes them) and of seeds/, shuffled. Questions: every SQuAD question (none is in the index).
    """
    folder.mkdir(parents=True, exist_ok=True)
    sentences_path, questions_path = folder / "real-sentences.npy", folder / "real-questions.npy"
    if not (sentences_path.is_file() and questions_path.is_file()):
        from qa.corpus import read_corpus
        from qa.embed import SentenceTransformerEmbedder

        texts: dict[str, None] = {}
        for sub in [SHARED_BENCH / f for f in REAL_FOLDERS] + [BENCH.parent / "seeds"]:
            for article in read_corpus(sub).articles:
                texts.update((" ".join(s.text.split()), None) for s in article.sentences)
        questions: dict[str, None] = {}
        for path in sorted(SHARED_BENCH.glob("*/questions.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    questions[" ".join(json.loads(line)["question"].split())] = None
        embedder = SentenceTransformerEmbedder()
        t = time.perf_counter()
        sentences = embedder.encode(list(texts))
        print(f"embedded {len(texts)} sentences in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        np.save(questions_path, embedder.encode(list(questions)))
        np.save(sentences_path, sentences[np.random.default_rng(seed).permutation(len(sentences))])
    sentences = np.load(sentences_path)
    # Texts that differ only outside what the model sees give the same vector: keep one of each.
    _, first = np.unique(sentences, axis=0, return_index=True)
    return sentences[np.sort(first)], np.load(questions_path)


def _fit_clusters(base: np.ndarray, clusters: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cluster means, assignment of each base vector, square root of the within-cluster covariance)."""
    import faiss

    kmeans = faiss.Kmeans(base.shape[1], clusters, niter=20, seed=seed + 1, spherical=True, verbose=False)
    kmeans.train(base)
    _, assign = kmeans.index.search(base, 1)
    assign = assign[:, 0]
    means = np.stack([base[assign == j].mean(0) if np.any(assign == j) else kmeans.centroids[j] for j in range(clusters)])
    residuals = base - means[assign]
    _, spectrum, axes = np.linalg.svd(residuals, full_matrices=False)
    return means.astype(np.float32), assign, ((spectrum / np.sqrt(len(base)))[:, None] * axes).astype(np.float32)


def grow(base: np.ndarray, m: int, generator: str = "mix", seed: int = 0, chunk: int = 100_000) -> np.ndarray:
    """``m`` new unit vectors shaped like ``base`` (real sentence vectors).

    mix: a real vector and two random members of its k-means cluster, weighted by Dirichlet(1, 1, 1),
         plus MIX_NOISE times Gaussian noise with the within-cluster covariance: new sentences on the
         topics of the real ones, some close to them, as news of the same story by several outlets are.
    gmm: samples of a Gaussian mixture fitted to the real vectors (cluster means and their shared
         within-cluster covariance, scaled by GMM_SPREAD): smoother, with a higher intrinsic dimension
         than real vectors, so harder for approximate search (a stress test).
    """
    rng = np.random.default_rng(seed + 4)
    per = MIX_PER_CLUSTER if generator == "mix" else GMM_PER_CLUSTER
    clusters = max(2, round(len(base) / per))
    means, assign, noise = _fit_clusters(base, clusters, seed)
    out = np.empty((m, base.shape[1]), dtype=np.float32)
    order = np.argsort(assign, kind="stable")
    sizes = np.bincount(assign, minlength=clusters)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for begin in range(0, m, chunk):
        count = min(chunk, m - begin)
        shaped = rng.standard_normal((count, noise.shape[0]), dtype=np.float32) @ noise
        if generator == "mix":
            first = rng.integers(0, len(base), count)
            home = assign[first]
            weights = rng.dirichlet([1.0, 1.0, 1.0], count).astype(np.float32)
            x = weights[:, :1] * base[first] + MIX_NOISE * shaped
            for part in (1, 2):
                other = order[starts[home] + (rng.random(count) * sizes[home]).astype(np.int64)]
                x += weights[:, part : part + 1] * base[other]
        elif generator == "gmm":
            x = means[rng.choice(clusters, count, p=sizes / sizes.sum())] + GMM_SPREAD * shaped
        else:
            raise ValueError(f"unknown generator {generator!r}")
        out[begin : begin + count] = _normalized(x)
    return out


def dense_vectors(folder: Path, n: int, generator: str, seed: int) -> Path:
    """DIR/vectors-GENERATOR-N-SEED.npy: the real sentence vectors first, then grown ones up to n rows."""
    path = folder / f"vectors-{generator}-{n}-{seed}.npy"
    if path.is_file():
        return path
    real, _questions = real_vectors(folder, seed)
    out = np.lib.format.open_memmap(path.with_suffix(".tmp.npy"), mode="w+", dtype=np.float32, shape=(n, DIM))
    first = min(n, len(real))
    out[:first] = real[:first]
    if n > first:
        out[first:] = grow(real, n - first, generator, seed)
    out.flush()
    del out
    path.with_suffix(".tmp.npy").rename(path)
    return path


def _recall(got: np.ndarray, want: np.ndarray, k: int) -> float:
    return recall_at(got[:, :k].tolist(), want[:, :k].tolist(), k)


def cmd_dense_size(folder: Path, size: int, generator: str, n: int, queries: int, timed: int, timed_exact: int, hnsw: bool, seed: int) -> dict:
    """One size in its own process: build qa.dense's index, then time it beside exact search."""
    import gc

    import faiss

    from qa import dense

    vectors = np.ascontiguousarray(np.load(dense_vectors(folder, n, generator, seed), mmap_mode="r")[:size])
    real, questions = real_vectors(folder, seed)
    rng = np.random.default_rng(seed + 5)
    q = np.ascontiguousarray(questions[rng.choice(len(questions), size=min(queries, len(questions)), replace=False)])
    threads = faiss.omp_get_max_threads()
    out: dict = {"size": size, "generator": generator, "real_rows": min(size, len(real)), "queries": len(q), "faiss": faiss.__version__}

    t = time.perf_counter()
    index = dense.make(vectors)
    out["build_s"] = time.perf_counter() - t
    out["build_peak_rss_mb"] = vm_status("VmHWM")
    info = dense.describe(index)
    out.update(kind=info["kind"], params=info)
    path = folder / f"dense-{generator}-{size}.faiss"
    faiss.write_index(index, str(path))
    out["index_bytes"] = path.stat().st_size
    del index
    gc.collect()
    before = vm_status("VmRSS")
    t = time.perf_counter()
    index = dense.prepare(faiss.read_index(str(path)), info)
    out["load_s"] = time.perf_counter() - t
    out["index_rss_mb"] = vm_status("VmRSS") - before
    path.unlink()

    exact = faiss.IndexFlatIP(DIM)
    exact.add(vectors)
    want_scores, want = exact.search(q, 100)
    _, got = dense.search(index, q, 100)
    out["recall_at_10"] = _recall(got, want, 10)
    out["recall_at_100"] = _recall(got, want, 100)  # qa.retrieve takes 100 dense candidates
    out["query_top1_cos_p50"] = float(np.median(want_scores[:, 0]))
    ivf = faiss.try_extract_index_ivf(index) if info["kind"] != dense.KIND_FLAT else None
    if ivf is not None:
        chosen = ivf.nprobe
        sweep = {}
        for nprobe in sorted({4, 8, 16, 32, 64, 128, chosen}):
            ivf.nprobe = min(nprobe, ivf.nlist)
            sweep[nprobe] = round(_recall(index.search(q, 10)[1], want, 10), 4)
        ivf.nprobe = chosen
        out["recall_at_10_by_nprobe"] = sweep
        # The real rows among the grown ones: of each question's 10 best real rows (exact), the share
        # that lies in a probed list, i.e. that the approximate search reaches.
        real_rows = out["real_rows"]
        if real_rows < size:
            real_exact = faiss.IndexFlatIP(DIM)
            real_exact.add(vectors[:real_rows])
            _, want_real = real_exact.search(q, 10)
            _, row_lists = ivf.quantizer.search(vectors[:real_rows], 1)
            _, probed = ivf.quantizer.search(q, max(sweep))
            reached = {}
            for nprobe in sweep:
                hits = [np.isin(row_lists[w, 0], p[:nprobe]).mean() for w, p in zip(want_real, probed, strict=True)]
                reached[nprobe] = round(float(np.mean(hits)), 4)
            out["real_rows_reached_at_10_by_nprobe"] = reached

    latency: dict = {}
    for count in (1, 2):
        faiss.omp_set_num_threads(count)
        approx_s, exact_s = [], []
        for i in range(min(timed, len(q)) + 10):
            one = q[i : i + 1]
            t = time.perf_counter()
            index.search(one, 100)
            a = time.perf_counter() - t
            if i < timed_exact + 10:  # exact search beside it, on fewer questions (it is slow at 1M)
                t = time.perf_counter()
                exact.search(one, 100)
                e = time.perf_counter() - t
                if i >= 10:
                    exact_s.append(e)
            if i >= 10:  # the first ones warm up
                approx_s.append(a)
        latency[f"threads_{count}"] = {"approx": latency_summary(approx_s), "exact": latency_summary(exact_s)}
    faiss.omp_set_num_threads(threads)
    out["search_k100"] = latency

    if hnsw:
        faiss.omp_set_num_threads(threads)
        t = time.perf_counter()
        graph = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = 40
        graph.add(vectors)
        entry: dict = {"M": 32, "efConstruction": 40, "build_s": time.perf_counter() - t}
        faiss.omp_set_num_threads(1)
        for ef in (64, 128, 256):
            graph.hnsw.efSearch = ef
            _, got_h = graph.search(q, 100)
            spent = []
            for i in range(min(timed, len(q))):
                t = time.perf_counter()
                graph.search(q[i : i + 1], 100)
                spent.append(time.perf_counter() - t)
            entry[f"efSearch_{ef}"] = {"recall_at_10": _recall(got_h, want, 10), "recall_at_100": _recall(got_h, want, 100), "p50_ms": latency_summary(spent)["p50_ms"]}
        faiss.omp_set_num_threads(threads)
        out["hnsw"] = entry
    out["peak_rss_mb"] = vm_status("VmHWM")
    return out


def cmd_dense(folder: Path, n: int, sizes: list[int], generator: str, queries: int, timed: int, timed_exact: int, hnsw_max: int, seed: int) -> list[dict]:
    """Prepare the vectors once, then measure each size in a fresh process (its own peak memory)."""
    import subprocess

    dense_vectors(folder, n, generator, seed)
    results = []
    for size in sizes:
        cmd = [sys.executable, str(Path(__file__).resolve()), "dense-size", "--dir", str(folder), "--n", str(n), "--size", str(size)]
        cmd += ["--generator", generator, "--queries", str(queries), "--timed", str(timed), "--timed-exact", str(timed_exact), "--seed", str(seed)]
        if size <= hnsw_max:
            cmd.append("--hnsw")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"dense-size {size} failed: {proc.stderr[-800:]}")
        line = proc.stdout.strip().splitlines()[-1]
        print(line, flush=True)
        results.append(json.loads(line))
    return results


def realism(index_vectors: np.ndarray, queries: np.ndarray, nlist: int = 64) -> dict:
    """What makes approximate search easy or hard on a set of vectors, for questions as queries."""
    import faiss

    exact = faiss.IndexFlatIP(DIM)
    exact.add(index_vectors)
    scores, want = exact.search(queries, 100)
    sample = np.random.default_rng(1).choice(len(index_vectors), 1000, replace=False)
    nearest, _ = exact.search(index_vectors[sample], 2)
    distance = np.sqrt(np.maximum(2 - 2 * scores, 1e-12))
    lid = -1 / np.mean(np.log(distance[:, :99] / distance[:, 99:100]), axis=1)  # local intrinsic dimensionality
    out = {
        "rows": len(index_vectors),
        "question_cos_top1_top10_top100": [round(float(np.median(scores[:, k])), 3) for k in (0, 9, 99)],
        "nearest_row_cos_p50_p90": [round(float(np.quantile(nearest[:, 1], p)), 3) for p in (0.5, 0.9)],
        "lid_p50": round(float(np.median(lid)), 1),
    }
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.spherical = True
    ivf.train(index_vectors)
    ivf.add(index_vectors)
    for nprobe in (4, 8):
        ivf.nprobe = nprobe
        out[f"ivf{nlist}_nprobe{nprobe}_recall_at_10"] = round(_recall(ivf.search(queries, 10)[1], want, 10), 3)
    graph = faiss.IndexHNSWFlat(DIM, 16, faiss.METRIC_INNER_PRODUCT)
    graph.add(index_vectors)
    for ef in (16, 32):
        graph.hnsw.efSearch = ef
        out[f"hnsw16_ef{ef}_recall_at_10"] = round(_recall(graph.search(queries, 10)[1], want, 10), 3)
    return out


def cmd_realism(folder: Path, queries: int, seed: int) -> list[dict]:
    """Real vectors beside sets grown by each generator from a quarter of them to the same size."""
    real, questions = real_vectors(folder, seed)
    q = np.ascontiguousarray(questions[np.random.default_rng(seed + 5).choice(len(questions), size=min(queries, len(questions)), replace=False)])
    rows = []
    for name in ("real", "mix", "gmm"):
        if name == "real":
            vectors = real
        else:
            base = real[: len(real) // 4]
            vectors = np.vstack([base, grow(base, len(real) - len(base), name, seed)])
        row = {"set": name if name == "real" else f"{name}, grown 4x from a quarter of the real", **realism(vectors, q)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


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
    b.add_argument("--vectors", type=Path, help="a .npy of unit vectors to use, row by row (e.g. the dense step's grown ones), not random ones")
    q = sub.add_parser("query")
    q.add_argument("--dir", type=Path, required=True)
    q.add_argument("--queries", type=int, default=200)
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--vectors", type=Path, help="the --vectors file of the build, for recall against exact search")
    d = sub.add_parser("dense", help="qa.dense's index beside exact search at several sizes, one JSON line each")
    d.add_argument("--dir", type=Path, required=True, help="cache of the real and grown vectors (outside the repository)")
    d.add_argument("--n", type=int, default=1_000_000, help="rows of the largest size")
    d.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated, each at most --n")
    d.add_argument("--generator", choices=("mix", "gmm"), default="mix")
    d.add_argument("--queries", type=int, default=1000, help="questions for recall")
    d.add_argument("--timed", type=int, default=300, help="questions timed one by one")
    d.add_argument("--timed-exact", type=int, default=100, help="of which also timed with exact search")
    d.add_argument("--hnsw-max", type=int, default=100_000, help="also build HNSW up to this size, for comparison")
    d.add_argument("--seed", type=int, default=0)
    ds = sub.add_parser("dense-size")  # one size of "dense", in its own process
    for name, kind in (("--dir", Path), ("--n", int), ("--size", int), ("--generator", str), ("--queries", int), ("--timed", int), ("--timed-exact", int), ("--seed", int)):
        ds.add_argument(name, type=kind, required=True)
    ds.add_argument("--hnsw", action="store_true")
    r = sub.add_parser("realism", help="statistics of the real vectors beside grown ones")
    r.add_argument("--dir", type=Path, required=True)
    r.add_argument("--queries", type=int, default=1000)
    r.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.step == "dense":
        sizes = [int(s) for s in args.sizes.split(",")]
        if max(sizes) > args.n:
            parser.error("--sizes must not exceed --n")
        cmd_dense(args.dir, args.n, sizes, args.generator, args.queries, args.timed, args.timed_exact, args.hnsw_max, args.seed)
        return 0
    if args.step == "realism":
        cmd_realism(args.dir, args.queries, args.seed)
        return 0
    if args.step == "dense-size":
        result = cmd_dense_size(args.dir, args.size, args.generator, args.n, args.queries, args.timed, args.timed_exact, args.hnsw, args.seed)
    else:
        result = cmd_build(args.n, args.dir, args.seed, args.vectors) if args.step == "build" else cmd_query(args.dir, args.queries, args.seed, args.vectors)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
