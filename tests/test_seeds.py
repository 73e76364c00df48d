"""The real models on the real seeds: one index of a copy of seeds/, built once per session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import SeedIndex, check_contract, read_raw, run_qa

pytestmark = pytest.mark.model

VOTES = "how many votes did Takaichi get?"
FRANCE = "what is the capital of France?"
SEED_QUESTIONS = Path(__file__).resolve().parents[1] / "bench" / "seed_questions.jsonl"


def bench_questions(limit: int = 25) -> list[str]:
    questions = [json.loads(line)["question"] for line in SEED_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [VOTES, FRANCE, "Who is Japan's new prime minister?", "why did Trump visit Japan?", *questions[:limit]]


def test_the_seed_index(seed_index: SeedIndex, seed_bot):
    manifest = seed_bot.index.manifest
    assert manifest["model"]["dim"] == 384
    assert manifest["model"]["name"] == "all-MiniLM-L6-v2"
    assert manifest["counts"]["articles"] == 3
    assert (seed_bot.index.folder / "query-model" / "model.onnx").is_file()
    from qa import index as index_mod

    assert index_mod.status(seed_index.index, seed_index.corpus).state == "fresh"


def test_votes_question_is_answered_with_237(seed_bot):
    result = seed_bot.ask(VOTES)
    assert result.answered is True
    assert result.short is True
    assert result.expected == "number"
    assert "237" in result.answer
    assert len(result.answer) <= 20, result.answer
    first = result.evidence[0]
    assert "237" in first.text
    assert first.answer_span is not None
    start, end = first.answer_span
    assert "237" in first.text[start:end]
    # Merged across sources: the first piece of evidence is reported by more than one article.
    assert len({s.path for s in first.sources}) > 1


def test_votes_question_cli_json(seed_index: SeedIndex):
    result = run_qa("ask", "--json", VOTES, "--corpus", str(seed_index.corpus), "--index", str(seed_index.index))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    check_contract(data)
    assert data["question"] == VOTES
    assert data["answered"] is True
    assert "237" in data["answer"]
    assert "237" in data["evidence"][0]["text"]
    for evidence in data["evidence"]:
        for source in evidence["sources"]:
            path = Path(source["path"])
            assert path.parent == seed_index.corpus
            assert read_raw(path)[source["start"] : source["end"]]
    # The evidence's first source is the evidence sentence itself, in the file.
    first = data["evidence"][0]
    src = first["sources"][0]
    assert read_raw(Path(src["path"]))[src["start"] : src["end"]] == first["text"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who became Japan's first woman prime minister?", "Takaichi"),
        ("Who is the new prime minister of Japan?", "Takaichi"),
        ("How old is Takaichi?", "64"),
        ("When did Trump last visit Japan?", "2019"),
        ("What did Takaichi call Japan?", "indispensable partner"),  # her words, not a phone call
        ("Who is Yoshihiko Noda?", "leader of the Constitutional Democratic Party"),  # what the articles say he is
        ("Who is the new Japanese premier?", "Takaichi"),  # not the "President Trump" of "the Japanese premier's website"
        ("Who said the visit was an extremely meaningful opportunity?", "Kihara"),  # not the "President Trump" quoted
        ("What issues face the new prime minister?", "sluggish economy"),  # not "the challenges"
        ("What is the name of Japan's new prime minister?", "Takaichi"),  # not the "President Trump" of a sentence about her
        ("What is the new prime minister's name?", "Takaichi"),  # the same question, with whose name it is
        ("What is Truth Social?", "social media"),  # what a sentence calls it, not the words quoted after it
    ],
)
def test_plain_questions_get_their_short_answer(seed_bot, question: str, expected: str):
    result = seed_bot.ask(question)
    assert result.answered and result.short
    assert expected in result.answer
    first = result.evidence[0]
    assert first.answer_span is not None and expected in first.text[first.answer_span[0] : first.answer_span[1]]


def test_capital_of_france_is_not_answered(seed_bot):
    result = seed_bot.ask(FRANCE)
    assert result.answered is False
    assert result.answer is None
    assert result.confidence < 0.5


def test_capital_of_france_cli_exit_code_1(seed_index: SeedIndex):
    result = run_qa("ask", "--json", FRANCE, "--corpus", str(seed_index.corpus), "--index", str(seed_index.index))
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    check_contract(data)
    assert data["answered"] is False and data["answer"] is None
    assert all(e["answer_span"] is None for e in data["evidence"])


def test_capital_of_france_cli_human_output(seed_index: SeedIndex):
    result = run_qa("ask", FRANCE, "--corpus", str(seed_index.corpus), "--index", str(seed_index.index))
    assert result.returncode == 1, result.stderr
    assert "do not answer" in result.stdout
    assert "Related reading" in result.stdout
    assert "\x1b" not in result.stdout  # not a terminal: no styling


@pytest.mark.parametrize("question", bench_questions())
def test_evidence_round_trips_to_the_files(seed_index: SeedIndex, seed_bot, question: str):
    result = seed_bot.ask(question)
    assert result.evidence
    loaded = seed_bot.index
    sentences = {(loaded.articles[s.article].path, s.start): s for s in loaded.sentences}
    for evidence in result.evidence:
        places = [(s.path, s.start) for s in evidence.sources]
        assert len(places) == len(set(places)), f"evidence cites one sentence twice: {places}"
        for source in evidence.sources:
            raw = read_raw(seed_index.corpus / source.path)
            # a sentence of the index, or (an answer about the article) the header line that gives its byline or date
            said = sentences[(source.path, source.start)].text if evidence.sentence >= 0 else evidence.text
            assert raw[source.start : source.end] == said
            assert evidence.sentence < 0 or source.end == sentences[(source.path, source.start)].end
            assert source.line == raw.count("\n", 0, source.start) + 1
        first = evidence.sources[0]
        assert read_raw(seed_index.corpus / first.path)[first.start : first.end] == evidence.text
        if evidence.answer_span is not None:
            start, end = evidence.answer_span
            assert 0 <= start < end <= len(evidence.text)
    if result.answered and result.short:
        assert any(result.answer in e.text for e in result.evidence), result.answer


def test_damaged_query_model_raises_index_corrupt_error(seed_index: SeedIndex, tmp_path: Path):
    """The ONNX query model is too large to be hashed; damage that keeps its size is caught when it loads."""
    from qa import index as index_mod
    from qa.errors import IndexCorruptError

    root = tmp_path / "index"
    shutil.copytree(seed_index.index, root)
    model = index_mod.active_folder(root) / "query-model" / "model.onnx"
    size = model.stat().st_size
    with open(model, "r+b") as handle:
        handle.write(b"\x00" * 100_000)
    assert model.stat().st_size == size
    loaded = index_mod.load(root)
    with pytest.raises(IndexCorruptError, match="query model"):
        loaded.query_embedder()
    result = run_qa("ask", VOTES, "--corpus", str(seed_index.corpus), "--index", str(root))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "query model" in result.stderr


def test_a_question_about_what_the_articles_never_name_is_not_answered(seed_bot):
    # none of the seeds names China: the closest sentence (her praise for Trump's leadership) is related reading
    result = seed_bot.ask("Did she mention China?")
    assert result.answered is False and result.answer is None
    assert result.confidence < 0.5 and result.evidence
