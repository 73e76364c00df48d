"""Tests for the benchmark helpers (bench/benchlib.py, the report of bench/run.py): no timing assertions."""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import benchlib  # noqa: E402
import rank  # noqa: E402
import run  # noqa: E402
import scale  # noqa: E402

# ---------------------------------------------------------------- statistics


@pytest.mark.parametrize("q", [0, 5, 25, 50, 75, 95, 99, 100])
def test_percentile_matches_numpy(q):
    rng = random.Random(q)
    for n in (1, 2, 3, 10, 101):
        xs = [rng.random() for _ in range(n)]
        assert benchlib.percentile(xs, q) == pytest.approx(float(np.percentile(xs, q)))


def test_percentile_small_cases():
    assert benchlib.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert benchlib.percentile([1.0, 2.0], 50) == 1.5
    assert benchlib.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)
    assert math.isnan(benchlib.percentile([], 50))
    with pytest.raises(ValueError):
        benchlib.percentile([1.0], 101)


def test_latency_summary_in_milliseconds():
    summary = benchlib.latency_summary([0.010, 0.020, 0.030])
    assert summary["n"] == 3
    assert summary["p50_ms"] == pytest.approx(20.0)
    assert summary["mean_ms"] == pytest.approx(20.0)
    assert summary["p95_ms"] == pytest.approx(29.0)
    assert math.isnan(benchlib.latency_summary([])["p50_ms"])


def test_median_and_ratio():
    assert benchlib.median([5, 1, 3]) == 3
    assert math.isnan(benchlib.median([]))
    assert benchlib.ratio(3.0, 1.5) == 2.0
    for a, b in [(1.0, 0.0), (None, 1.0), (1.0, None), (float("nan"), 1.0)]:
        assert math.isnan(benchlib.ratio(a, b))


# ---------------------------------------------------------------- ranked lists


def test_first_rank_uses_the_gold_substring_rule():
    texts = ["Nothing here.", "It was held in KUALA  Lumpur.", "Kuala Lumpur again."]
    assert benchlib.first_rank(texts, ["kuala lumpur"]) == 2
    assert benchlib.first_rank(texts, ["Osaka"]) is None
    assert benchlib.first_rank([], ["x"]) is None


def test_rank_metrics():
    m = benchlib.rank_metrics([1, 2, None, 6])
    assert m["R@1"] == 0.25
    assert m["R@5"] == 0.5
    assert m["MRR"] == pytest.approx((1 + 0.5 + 1 / 6) / 4)


def test_rrf_fuses_and_breaks_ties_by_id():
    # doc 2 is second in both lists: 2/(60+2) beats 1/(60+1) for the two firsts
    assert benchlib.rrf([[1, 2, 3], [4, 2, 5]], k=60)[0] == 2
    assert benchlib.rrf([[1], [4]], k=60) == [1, 4]  # equal scores: smaller id first
    assert benchlib.rrf([[-1, 7], [7, -1]], k=60) == [7]  # FAISS's -1 padding is dropped
    assert benchlib.rrf([[1, 2, 3]], depth=2) == [1, 2]


def test_recall_at():
    assert benchlib.recall_at([[1, 2, 3]], [[1, 2, 3]], k=3) == 1.0
    assert benchlib.recall_at([[1, 9, 8], [4, 5, 6]], [[1, 2, 3], [4, 5, 6]], k=3) == pytest.approx((1 / 3 + 1) / 2)
    assert benchlib.recall_at([[-1, -1]], [[-1, -1]], k=2) == 1.0
    assert math.isnan(benchlib.recall_at([], [], k=10))


# ---------------------------------------------------------------- memory, processes, machine


def test_parse_vm_field():
    status = "Name:\tpython\nVmPeak:\t  300000 kB\nVmHWM:\t   204800 kB\nVmRSS:\t  102400 kB\n"
    assert benchlib.parse_vm_field(status, "VmHWM") == 200.0
    assert benchlib.parse_vm_field(status, "VmRSS") == 100.0
    assert math.isnan(benchlib.parse_vm_field(status, "VmSwap"))


def test_vm_status_of_this_process():
    if not Path("/proc/self/status").exists():
        pytest.skip("no /proc")
    # One reading of the file: other threads of the test process may grow it between two reads.
    status = Path("/proc/self/status").read_text(encoding="ascii", errors="replace")
    assert benchlib.parse_vm_field(status, "VmHWM") >= benchlib.parse_vm_field(status, "VmRSS") > 0
    assert benchlib.vm_status("VmHWM") > 0
    assert math.isnan(benchlib.vm_status("VmHWM", "/nonexistent/status"))


def test_measure_reports_the_child_and_its_peak_memory():
    grow = "b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); print('{\"ok\": 1}')"
    small = benchlib.measure([sys.executable, "-c", "print('{\"ok\": 1}')"]).check("small")
    big = benchlib.measure([sys.executable, "-c", grow]).check("big")
    assert small.last_json() == {"ok": 1} == big.last_json()
    assert big.max_rss_mb > small.max_rss_mb + 200  # the peak is the child's own, not the wrapper's
    failed = benchlib.measure([sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"])
    assert failed.returncode == 3
    with pytest.raises(RuntimeError, match="boom"):
        failed.check("failing command")


def test_cpu_model_and_machine():
    assert benchlib.cpu_model("processor\t: 0\nmodel name\t: Test CPU @ 2.0GHz\n") == "Test CPU @ 2.0GHz"
    assert benchlib.cpu_model("nothing useful") != ""
    info = benchlib.machine()
    assert info["cores"] >= 1
    assert info["packages"]["numpy"] == np.__version__


# ---------------------------------------------------------------- synthetic corpus


def test_synthetic_texts_and_corpus(tmp_path):
    vocab = scale.vocabulary(50, seed=1)
    assert len(vocab) == len(set(vocab)) == 50
    texts = scale.generate_texts(450, vocab, seed=1)
    assert texts == scale.generate_texts(450, vocab, seed=1)
    assert all(8 <= len(t.split()) <= 30 and t.endswith(".") for t in texts)
    files = scale.write_corpus(tmp_path, texts)
    assert files == 3  # 200 sentences an article
    vectors = scale.unit_vectors(10, seed=0)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, scale.RandomEmbedder(0).encode(["x"] * 10))


# ---------------------------------------------------------------- report


def _result() -> dict:
    stages = {s: {"R@1": 0.5, "R@5": 0.8, "MRR": 0.6} for s in ("dense only", "+ answer typing (qa)")}
    qa_metrics = {
        "n_questions": 10,
        "R@1": 0.75,
        "R@5": 0.9,
        "MRR": 0.8,
        "short_answer_acc": 0.4,
        "answered_rate_answerable": 0.95,
        "declined_rate_unanswerable": float("nan"),
        "AUROC_confidence": float("nan"),
        "questions_per_s": 12.0,
    }
    return {
        "quick": False,
        "machine": {"cores": 2, "cpu_model": "Test CPU"},
        "quality": {"squad-v1.1-dev": {"qa": qa_metrics, "ablation": {"stages": stages, "declining": None, "sample": 3000}}},
        "peers": {
            "dataset": "squad-v1.1-dev",
            "sentences": 100,
            "answerable": 10,
            "peers": {
                "bm25s": {
                    "R@1": 0.6,
                    "R@5": 0.8,
                    "MRR": 0.7,
                    "build_s": 1.0,
                    "sentences_per_s": 100.0,
                    "build_rss_mb": 50.0,
                    "warm": {"p50_ms": 1.0, "p95_ms": 2.0},
                },
                "txtai": {"skipped": "not installed"},
            },
        },
    }


def test_tables_and_markdown():
    res = _result()
    titles = [t for t, _, _ in run.tables(res)]
    assert any(t.startswith("Quality") for t in titles)
    assert any(t.startswith("Peers") for t in titles)
    targets = next(rows for t, _, rows in run.tables(res) if t == "Targets")
    assert targets == [["R@1 on squad-v1.1-dev ≥ 0.72", "0.750", "met"]]
    md = run.markdown(res)
    assert "| qa (hybrid + context + answer typing) | 0.750 |" in md
    assert "skipped: not installed" in md
    assert "(sample of 3,000)" in md
    json.dumps(res)  # the results stay JSON


def test_fmt():
    assert run.fmt(None) == "–"
    assert run.fmt(float("nan")) == "–"
    assert run.fmt(0.12345) == "0.123"
    assert run.fmt(12345) == "12,345"
    assert run.fmt(True) == "yes"


def test_the_build_target_is_judged_on_the_alternating_builds():
    race = {
        "sentences": 1000,
        "pairs": 3,
        "qa": {"median_s": 50.0, "runs_s": [50.0, 60.0, 40.0], "sentences_per_s": 20.0, "peak_rss_mb": 900.0},
        "dense": {"median_s": 55.0, "runs_s": [55.0, 50.0, 70.0], "sentences_per_s": 18.2, "peak_rss_mb": 800.0},
        "pair_ratios": [1.1, 50 / 60, 1.75],
        "ratio": 1.1,
    }
    # The one build before the race was slower than the peer's: the race decides, not that build.
    speed = {"cold": {}, "warm": {}, "build": {"sentences_per_s": 10.0}, "builds": race}
    dense = {"sentences_per_s": 20.0}
    row = next(r for r in run.speed_targets(speed, dense) if r[0].startswith("build at least as fast"))
    assert row[1:] == ["1.10×", "met"]
    slower = {**race, "ratio": 0.9}
    row = next(r for r in run.speed_targets({**speed, "builds": slower}, dense) if r[0].startswith("build at least as fast"))
    assert row[1:] == ["0.90×", "missed"]
    # Without a race (no dense peer), the single builds are compared as before.
    row = next(r for r in run.speed_targets({**speed, "builds": None}, dense) if r[0].startswith("build at least as fast"))
    assert row[1:] == ["0.50×", "missed"]


# ---------------------------------------------------------------- the reranker's fit


def test_the_listwise_fit_learns_which_signal_marks_the_right_sentence():
    rng = np.random.default_rng(0)
    questions, hits = 300, 6
    x = rng.normal(size=(questions, hits, 2))  # signal 0 is noise; signal 1 is higher on the right sentence
    right = rng.integers(0, hits, size=questions)
    x[np.arange(questions), right, 1] += 3.0
    y = np.zeros((questions, hits))
    y[np.arange(questions), right] = 1.0
    mask = np.ones((questions, hits), dtype=bool)
    w = rank.fit_listwise(x, y, mask, steps=300)
    assert w[1] > 1.0 and abs(w[0]) < 0.3 * w[1]
    assert rank.first_right(x, y, mask, w) > 0.8
    assert rank.first_right(x, y, mask, None) == pytest.approx(np.mean(right == 0))  # retrieval's order: the first hit
    mask[:, -1] = False  # a missing hit is never ranked first, whatever its signals
    x[:, -1, 1] = 100.0
    assert rank.first_right(x, y, mask, w) > 0.8
