"""qa.dense: the exact or approximate sentence index chosen by size (small synthetic data, no model)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import faiss
import numpy as np
import pytest

from qa import dense

DIM = 32


def clustered(n: int, seed: int = 0, centres: int = 40, spread: float = 0.35) -> np.ndarray:
    """Unit vectors around random centres: structured like sentence embeddings, unlike uniform noise."""
    rng = np.random.default_rng(seed)
    middle = rng.standard_normal((centres, DIM)).astype(np.float32)
    middle /= np.linalg.norm(middle, axis=1, keepdims=True)
    x = middle[rng.integers(0, centres, n)] + spread * rng.standard_normal((n, DIM)).astype(np.float32) / np.sqrt(DIM) * 2
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(autouse=True)
def one_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One OpenMP thread: on a busy machine faiss's threads wait on each other far longer than this work takes."""
    monkeypatch.setattr(dense, "BUILD_THREADS", 1)
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(dense, "EXACT_BELOW", 2000)
    return 2000


def recall_at_10(index: faiss.Index, vectors: np.ndarray, queries: np.ndarray) -> float:
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, want = exact.search(queries, 10)
    _, got = dense.search(index, queries, 10)
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got.tolist(), want.tolist(), strict=True)]))


def test_exact_below_the_threshold(small_threshold: int) -> None:
    vectors = clustered(small_threshold - 1)
    index = dense.make(vectors)
    assert isinstance(index, faiss.IndexFlatIP)
    assert dense.describe(index)["kind"] == dense.KIND_FLAT
    assert recall_at_10(index, vectors, clustered(50, seed=9)) == 1.0


def test_approximate_from_the_threshold_on(small_threshold: int) -> None:
    vectors = clustered(small_threshold * 3)
    index = dense.make(vectors)
    info = dense.describe(index)
    assert info["kind"] == dense.KIND_IVF and info["ntotal"] == len(vectors) and info["dim"] == DIM
    assert info["nlist"] == dense.nlist_for(len(vectors)) and info["nprobe"] == dense.nprobe_for(info["nlist"])
    assert info["metric"] == "inner_product"
    assert recall_at_10(index, vectors, clustered(200, seed=9)) >= 0.95


def test_search_returns_inner_products_and_row_ids(small_threshold: int) -> None:
    vectors = clustered(small_threshold * 2)
    index = dense.make(vectors)
    scores, ids = dense.search(index, vectors[17], 5)
    assert ids[0, 0] == 17 and scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(scores[0], vectors[ids[0]] @ vectors[17], atol=1e-5)
    assert np.all(np.diff(scores[0]) <= 1e-6)
    _, many = dense.search(index, vectors[:2], 100)  # k above the lists' reach still fills up
    assert many.shape == (2, 100) and (many >= 0).all()


def test_reconstruct_batch_returns_the_stored_vectors(small_threshold: int) -> None:
    for n in (small_threshold // 2, small_threshold * 2):
        vectors = clustered(n)
        index = dense.make(vectors)
        rows = np.array([0, 5, n - 1, 5], dtype=np.int64)
        assert np.array_equal(index.reconstruct_batch(rows), vectors[rows])


def test_write_read_keeps_the_search_parameters(small_threshold: int, tmp_path: Path) -> None:
    vectors = clustered(small_threshold * 2)
    index = dense.make(vectors)
    info = dense.describe(index)
    path = str(tmp_path / "dense.faiss")
    faiss.write_index(index, path)
    loaded = dense.prepare(faiss.read_index(path), info)
    assert dense.describe(loaded) == info
    queries = clustered(20, seed=5)
    assert np.array_equal(dense.search(loaded, queries, 10)[1], dense.search(index, queries, 10)[1])
    assert np.array_equal(loaded.reconstruct_batch(np.array([3, 1], dtype=np.int64)), vectors[[3, 1]])
    # The manifest's parameters win over the module's defaults, within the index's lists.
    assert faiss.extract_index_ivf(dense.prepare(loaded, {"nprobe": 3})).nprobe == 3
    assert faiss.extract_index_ivf(dense.prepare(loaded, {"nprobe": 10**6})).nprobe == info["nlist"]


def test_flat_round_trip(small_threshold: int, tmp_path: Path) -> None:
    vectors = clustered(small_threshold // 2)
    index = dense.make(vectors)
    path = str(tmp_path / "dense.faiss")
    faiss.write_index(index, path)
    loaded = dense.prepare(faiss.read_index(path), dense.describe(index))
    assert dense.describe(loaded) == dense.describe(index) and dense.describe(loaded)["kind"] == dense.KIND_FLAT
    assert np.array_equal(loaded.reconstruct_batch(np.arange(3, dtype=np.int64)), vectors[:3])


def test_threads_one_for_questions_all_for_building(small_threshold: int, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    real_train = faiss.IndexIVFFlat.train
    monkeypatch.setattr(faiss.IndexIVFFlat, "train", lambda self, x: (seen.append(faiss.omp_get_max_threads()), real_train(self, x))[1])
    monkeypatch.setattr(dense, "BUILD_THREADS", 2)
    faiss.omp_set_num_threads(3)
    index = dense.make(clustered(small_threshold))
    assert seen == [2] and faiss.omp_get_max_threads() == 3  # built on BUILD_THREADS, then as before
    dense.prepare(index)
    assert faiss.omp_get_max_threads() == dense.QUERY_THREADS


def test_build_is_reproducible(small_threshold: int) -> None:
    vectors = clustered(small_threshold * 2)
    queries = clustered(20, seed=5)
    first, second = dense.make(vectors), dense.make(vectors)
    assert np.array_equal(dense.search(first, queries, 10)[1], dense.search(second, queries, 10)[1])


def test_nlist_grows_with_the_corpus() -> None:
    sizes = [1_000, 10_000, 100_000, 1_000_000, 10_000_000]
    lists = [dense.nlist_for(n) for n in sizes]
    assert lists == sorted(lists) and all(n >= 39 * c for n, c in zip(sizes, lists, strict=True))


def test_import_does_not_load_faiss() -> None:
    code = "import sys, qa.dense; print('faiss' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
