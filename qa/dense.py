"""The dense index of sentence vectors: exact for small corpora, an inverted file (IVF) for large ones.

Vectors are L2-normalized float32 rows, so inner product is cosine. Every kind keeps the same
contract for the rest of qa: ids are row numbers 0..n-1, ``search`` returns inner products, best
first, and ``reconstruct_batch(rows)`` returns the stored vectors (exactly: nothing is quantized), so
that candidate rows can be rescored.

- Below ``EXACT_BELOW`` (50k) vectors: ``IndexFlatIP``, exact; one question scans 10k vectors in
  under 1 ms and 50k in about 3 ms on one thread.
- From ``EXACT_BELOW`` on: ``IndexIVFFlat`` with about sqrt(n) lists (``nlist_for``: 100k → 256,
  1M → 1024) over a flat inner-product quantizer, trained by spherical k-means on a seeded sample of
  64 vectors a list, with a direct map for ``reconstruct_batch``. ``nprobe_for`` lists are searched
  per question (32, or 1/16 of the lists when more: 1M → 64); ``prepare`` sets it again after
  ``faiss.read_index`` (faiss writes nprobe and the direct map with the index; prepare does not rely
  on it) from the manifest's ``describe`` entry.

Why IVF-Flat (``python bench/scale.py dense``, real all-MiniLM-L6-v2 sentence vectors grown to 1M,
real SQuAD questions as queries): at 1M it builds in about 1.5 minutes on 2 shared cores (HNSW M=32
takes 27 s already at 100k, where IVF takes 4 s), it costs no memory beyond the vectors (1.48 GB at
1M: an 8-byte id and an 8-byte direct-map entry a row), it keeps the vectors exact for rescoring, and
one question takes about 9 ms at 1M (exact: about 130 ms) with recall@10 0.98 and recall@100 0.98
against exact search (the real rows alone: 0.97 of their 10 best are reached).

Threads: a single question is searched fastest on one OpenMP thread (10k flat: 0.7 ms against 16 ms
with two threads on a busy 2-core machine), so ``prepare`` sets ``QUERY_THREADS`` (1) for the process;
``make`` builds on every core and puts the setting back.

faiss is imported inside the functions, so that importing this module costs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

EXACT_BELOW = 50_000  # vectors; below this an exact flat index (one question scans 50k in about 3 ms on one thread)
NPROBE = 32  # inverted lists searched per query, at least ...
NPROBE_SHARE = 16  # ... and at least 1/16 of the lists (1M: 64 of 1024)
TRAIN_PER_LIST = 64  # training sample: this many vectors per list (faiss warns below 39)
TRAIN_ITERATIONS = 10  # k-means iterations
SEED = 1234  # k-means sampling and initialisation: a build is reproducible
QUERY_THREADS = 1  # OpenMP threads for searching one question at a time (set by ``prepare``)
BUILD_THREADS: int | None = None  # OpenMP threads for ``make``; None: every core

KIND_FLAT = "flat"
KIND_IVF = "ivf-flat"


def nlist_for(n: int) -> int:
    """Inverted lists for ``n`` vectors: the power of two nearest sqrt(n), at most 8192, and few enough
    that each list gets 39 training vectors (faiss's minimum). 50k and 100k: 256, 1M: 1024, 10M: 4096."""
    import math

    lists = 2 ** round(math.log2(math.sqrt(max(n, 1))))
    while lists > 1 and lists * 39 > n:
        lists //= 2
    return int(min(8192, lists))


def nprobe_for(nlist: int) -> int:
    """Lists searched per query: NPROBE, or 1/NPROBE_SHARE of the lists when that is more, at most all."""
    return int(min(nlist, max(NPROBE, nlist // NPROBE_SHARE)))


def kind_for(n: int) -> str:
    """The kind of index ``make`` builds for ``n`` vectors."""
    return KIND_FLAT if n < EXACT_BELOW else KIND_IVF


def make(vectors: np.ndarray) -> Any:
    """A faiss index holding ``vectors`` (n × d, L2-normalized float32) as ids 0..n-1, ready to search."""
    import numpy as np

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {vectors.shape}")
    n, dim = vectors.shape
    with _all_threads():
        return _make(vectors, n, dim)


def _make(vectors: np.ndarray, n: int, dim: int) -> Any:
    import faiss
    import numpy as np

    if kind_for(n) == KIND_FLAT:
        flat = faiss.IndexFlatIP(dim)
        flat.add(vectors)
        return flat
    nlist = nlist_for(n)
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.spherical = True  # unit centroids: the list of a vector is that of its most similar centroid
    ivf.cp.niter = TRAIN_ITERATIONS
    ivf.cp.seed = SEED
    ivf.cp.max_points_per_centroid = TRAIN_PER_LIST
    sample = min(n, TRAIN_PER_LIST * nlist)
    rows = np.sort(np.random.default_rng(SEED).choice(n, size=sample, replace=False)) if sample < n else np.arange(n)
    ivf.train(vectors[rows])
    ivf.add(vectors)
    ivf.make_direct_map()
    return prepare(ivf)


@contextmanager
def _all_threads() -> Iterator[None]:
    """Every core for building (k-means and list assignment are matrix products), then as before."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(BUILD_THREADS or os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def prepare(index: Any, params: dict[str, Any] | None = None) -> Any:
    """Set the search-time parameters of an index (after ``faiss.read_index``); returns the index.

    ``params`` is what ``describe`` wrote in the manifest; its ``nprobe`` wins over ``nprobe_for``.
    Also sets faiss's OpenMP threads for the whole process to ``QUERY_THREADS``: a single question
    is searched fastest on one thread (a second thread costs far more to wake and join than the search
    takes, the more so on a busy machine); ``make`` still builds on every core.
    """
    import faiss

    faiss.omp_set_num_threads(QUERY_THREADS)

    ivf = faiss.try_extract_index_ivf(index) if not isinstance(index, faiss.IndexFlat) else None
    if ivf is not None:
        nprobe = int((params or {}).get("nprobe", nprobe_for(ivf.nlist)))
        ivf.nprobe = max(1, min(nprobe, ivf.nlist))
        if ivf.direct_map.no():
            ivf.make_direct_map()  # reconstruct_batch needs it (it is written with the index; this is a fallback)
    return index


def describe(index: Any) -> dict[str, Any]:
    """The index's kind and parameters, for the manifest."""
    import faiss

    info: dict[str, Any] = {"ntotal": int(index.ntotal), "dim": int(index.d)}
    info["metric"] = "inner_product" if index.metric_type == faiss.METRIC_INNER_PRODUCT else int(index.metric_type)
    if isinstance(index, faiss.IndexFlat):
        info["kind"] = KIND_FLAT
        return info
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        info.update(kind=KIND_IVF, nlist=int(ivf.nlist), nprobe=int(ivf.nprobe))
        return info
    info["kind"] = type(index).__name__
    return info


def search(index: Any, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(inner products, row ids) of the ``k`` best rows for each query, best first; ids -1 pad a short list.

    Plain ``index.search`` does the same once ``prepare`` has run; this only shapes the queries and
    caps ``k`` at the index size.
    """
    import numpy as np

    queries = np.ascontiguousarray(np.asarray(queries, dtype=np.float32).reshape(-1, index.d))
    k = max(1, min(int(k), int(index.ntotal)))
    scores, ids = index.search(queries, k)
    return scores, ids
