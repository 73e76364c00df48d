"""Tests for the metric functions of bench/score.py (no qa run needed)."""
import itertools
import json
import math
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import score  # noqa: E402


def brute_auroc(scores, labels):
    pos = [s for s, y in zip(scores, labels, strict=False) if y]
    neg = [s for s, y in zip(scores, labels, strict=False) if not y]
    total = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return total / (len(pos) * len(neg))


def res(*texts, answer=None, answered=True, confidence=0.5):
    return {"question": "q", "answered": answered, "answer": answer, "confidence": confidence,
            "evidence": [{"text": t, "score": 1.0, "answer_span": None, "sources": []} for t in texts]}


# ---------------------------------------------------------------- AUROC

def test_auroc_perfect_and_reversed():
    assert score.auroc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]) == 1.0
    assert score.auroc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0]) == 0.0


def test_auroc_known_value():
    # pairs (pos, neg): (0.35, 0.1) win, (0.35, 0.4) lose, (0.8, .) win twice -> 3/4
    assert score.auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)


def test_auroc_ties_count_half():
    assert score.auroc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == pytest.approx(0.5)
    # pos {0.5, 0.9}, neg {0.5, 0.2}: 0.5 + 1 + 1 + 1 = 3.5 of 4
    assert score.auroc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1]) == pytest.approx(0.875)


def test_auroc_matches_brute_force_with_many_ties():
    rng = random.Random(7)
    for _ in range(50):
        n = rng.randint(2, 30)
        scores = [rng.choice([0.0, 0.25, 0.5, 0.75, 1.0]) for _ in range(n)]
        labels = [rng.random() < 0.5 for _ in range(n)]
        if all(labels) or not any(labels):
            continue
        assert score.auroc(scores, labels) == pytest.approx(brute_auroc(scores, labels))


def test_auroc_single_class_is_nan():
    assert math.isnan(score.auroc([0.1, 0.2], [1, 1]))
    assert math.isnan(score.auroc([0.1, 0.2], [0, 0]))
    assert math.isnan(score.auroc([], []))


def test_auroc_missing_confidence_ranks_lowest():
    assert score.auroc([None, 0.3, float("nan"), 0.9], [0, 1, 0, 1]) == 1.0


def test_average_ranks():
    assert list(score.average_ranks([3, 1, 2, 2])) == [4.0, 1.0, 2.5, 2.5]


# ---------------------------------------------------------------- matching, R@k, MRR

def test_contains_gold_case_and_whitespace():
    assert score.contains_gold("Held in KUALA   Lumpur.", ["kuala lumpur"])
    assert not score.contains_gold("Held in Osaka.", ["Kuala Lumpur"])
    assert not score.contains_gold(None, ["x"])
    assert not score.contains_gold("anything", [])
    assert not score.contains_gold("anything", [""])


def test_first_hit_rank():
    golds = ["237", "two hundred"]
    assert score.first_hit_rank(res("She won 237 votes.", "Noda had 149."), golds) == 1
    assert score.first_hit_rank(res("Noda had 149.", "x", "She won 237 votes."), golds) == 3
    assert score.first_hit_rank(res("nothing", "here"), golds) is None
    assert score.first_hit_rank({"evidence": []}, golds) is None
    assert score.first_hit_rank({"evidence": None}, golds) is None


def test_recall_and_mrr():
    ranks = [1, 2, None, 5, 6]
    assert score.recall_at_k(ranks, 1) == pytest.approx(1 / 5)
    assert score.recall_at_k(ranks, 5) == pytest.approx(3 / 5)
    assert score.mrr(ranks) == pytest.approx((1 + 1 / 2 + 0 + 1 / 5 + 1 / 6) / 5)
    assert math.isnan(score.recall_at_k([], 1))
    assert math.isnan(score.mrr([]))


# ---------------------------------------------------------------- short answer rule

def test_short_answer_rule():
    golds = ["October 25"]
    assert score.short_answer_correct("october 25", golds)
    assert score.short_answer_correct("on October 25", golds)
    assert not score.short_answer_correct("October 26", golds)
    assert not score.short_answer_correct(None, golds)
    long = "The telephone call was held on October 25 while attending summit meetings abroad."
    assert len(long) > 60
    assert not score.short_answer_correct(long, golds)
    exactly = "October 25".ljust(60, ".")
    assert score.short_answer_correct(exactly, golds)
    assert not score.short_answer_correct(exactly + ".", golds)


# ---------------------------------------------------------------- aggregate

def test_score_results():
    qs = [
        {"id": "a", "question": "q1", "answers": ["237"], "answerable": True},
        {"id": "b", "question": "q2", "answers": ["Osaka"], "answerable": True},
        {"id": "c", "question": "q3", "answers": [], "answerable": False},
        {"id": "d", "question": "q4", "answers": [], "answerable": False},
    ]
    rs = [
        res("237 votes", answer="237", confidence=0.9),
        res("Tokyo", "in Osaka", answer="in Tokyo, the capital city", confidence=0.4),
        res("unrelated", answer=None, answered=False, confidence=0.1),
        res("unrelated", answer="x", answered=True, confidence=0.6),
    ]
    m, rows = score.score_results(qs, rs)
    assert m["n_answerable"] == 2 and m["n_unanswerable"] == 2
    assert m["R@1"] == 0.5 and m["R@5"] == 1.0
    assert m["MRR"] == pytest.approx(0.75)
    assert m["short_answer_acc"] == 0.5
    assert m["answered_rate_answerable"] == 1.0
    assert m["declined_rate_unanswerable"] == 0.5
    # positives 0.9, 0.4 vs negatives 0.1, 0.6: 1 + 1 + 1 + 0 = 3 of 4
    assert m["AUROC_confidence"] == pytest.approx(0.75)
    assert [score.is_miss(r) for r in rows] == [False, True, False, True]


def test_score_results_length_mismatch():
    with pytest.raises(ValueError):
        score.score_results([{"id": "a", "question": "q", "answers": [], "answerable": False}], [])


# ---------------------------------------------------------------- loading, sampling

def test_load_both_formats(tmp_path):
    p = tmp_path / "q.jsonl"
    p.write_text(
        json.dumps({"id": "s1", "question": "How many?", "answers": ["237"], "answerable": True}) + "\n\n"
        + json.dumps({"article": "X", "id": "5725", "question": "Who\nis it?", "answers": [],
                      "answerable": False}) + "\n"
        + json.dumps({"question": "no flag", "answers": ["y"]}) + "\n",
        encoding="utf-8")
    qs = score.load_questions(p)
    assert [q["id"] for q in qs][:2] == ["s1", "5725"]
    assert qs[0]["answerable"] and not qs[1]["answerable"]
    assert qs[1]["article"] == "X" and qs[1]["question"] == "Who is it?"
    assert qs[2]["answerable"] is True


def test_select_sample_and_limit():
    qs = [{"id": str(i)} for i in range(100)]
    a = score.select(qs, 10, 3, None)
    assert a == score.select(qs, 10, 3, None) and len(a) == 10
    assert [int(q["id"]) for q in a] == sorted(int(q["id"]) for q in a)
    assert score.select(qs, None, 0, 5) == qs[:5]
    assert len(score.select(qs, 10, 3, 4)) == 4


def test_seed_questions_file_golds_in_seeds():
    path = ROOT / "bench" / "seed_questions.jsonl"
    if not path.exists():
        pytest.skip("no seed questions")
    qs = score.load_questions(path)
    assert len({q["id"] for q in qs}) == len(qs)
    assert sum(q["answerable"] for q in qs) >= 45
    assert sum(not q["answerable"] for q in qs) >= 15
    assert all(q["answers"] for q in qs if q["answerable"])
    assert all(not q["answers"] for q in qs if not q["answerable"])
    assert score.check_answers(qs, ROOT / "seeds") == []


# ---------------------------------------------------------------- subprocess protocol (fake qa)

FAKE = r"""
import json, sys
for line in sys.stdin:
    q = line.rstrip("\n")
    print(json.dumps({"question": q, "answered": True, "answer": q.upper(), "confidence": 0.5,
                      "evidence": [{"text": q, "score": 1.0, "answer_span": None, "sources": []}]}),
          flush=True)
"""


def test_run_qa_protocol_with_fake():
    out, timing = score.run_qa(["a b", "c"], [sys.executable, "-c", FAKE])
    assert [o["answer"] for o in out] == ["A B", "C"]
    assert timing["wall_s"] >= timing["first_result_s"] >= 0


def test_run_qa_failure_shows_stderr():
    code = "import sys; sys.stdin.read(); sys.stderr.write('boom: no index\\n'); sys.exit(3)"
    with pytest.raises(score.QaError, match=r"status 3.*boom: no index"):
        score.run_qa(["q"], [sys.executable, "-c", code])


def test_run_qa_short_output_is_error():
    code = "import sys; sys.stdin.read(); print('{}')"
    with pytest.raises(score.QaError, match="1 results for 2 questions"):
        score.run_qa(["q1", "q2"], [sys.executable, "-c", code])


def test_run_qa_non_json_is_error():
    code = "import sys; sys.stdin.read(); print('Traceback oops')"
    with pytest.raises(score.QaError, match="non-JSON"):
        score.run_qa(["q1"], [sys.executable, "-c", code])


def test_run_qa_exit_1_with_declined_answer_is_ok():
    code = ("import sys, json; sys.stdin.read(); "
            "print(json.dumps({'answered': False, 'answer': None, 'confidence': 0.1, 'evidence': []})); "
            "sys.exit(1)")
    out, _ = score.run_qa(["q1"], [sys.executable, "-c", code])
    assert out[0]["answered"] is False


def test_run_qa_exit_1_without_declined_answer_is_error():
    code = ("import sys, json; sys.stdin.read(); "
            "print(json.dumps({'answered': True, 'answer': 'a', 'confidence': 0.9, 'evidence': []})); "
            "sys.stderr.write('bad\\n'); sys.exit(1)")
    with pytest.raises(score.QaError, match="status 1"):
        score.run_qa(["q1"], [sys.executable, "-c", code])


def test_run_qa_exit_2_is_error_even_with_full_output():
    code = ("import sys, json; sys.stdin.read(); "
            "print(json.dumps({'answered': False, 'answer': None, 'confidence': 0.1, 'evidence': []})); "
            "sys.exit(2)")
    with pytest.raises(score.QaError, match="status 2"):
        score.run_qa(["q1"], [sys.executable, "-c", code])
