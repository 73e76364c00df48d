"""qa.bot: question checks and keeping the index fresh (fake models)."""

from __future__ import annotations

from pathlib import Path

import hypothesis
import pytest
from helpers import HashEmbedder
from hypothesis import strategies as st

from qa import bot
from qa import index as index_mod
from qa.errors import CorpusError, IndexCorruptError, IndexWriteError, QuestionError
from qa.settings import Settings


@pytest.mark.parametrize(
    "question, match",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\n\t \r\n", "empty"),
        ("who\x00 won?", "control"),
        ("who\x1b[2J won?", "control"),
        ("who\x07 won?", "control"),
        ("who\x7f won?", "control"),
        ("who\x85 won?", "control"),
        ("who \ufffd won?", "UTF-8"),
        ("???", "no words"),
        ("... !!! ---", "no words"),
        ("a" * 1001, "1,001 characters"),
    ],
    ids=repr,
)
def test_check_question_rejects(question: str, match: str):
    with pytest.raises(QuestionError, match=match) as info:
        bot.check_question(question)
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value)


def test_check_question_rejects_undecodable_bytes():
    """Python decodes bad UTF-8 in argv and stdin to lone surrogates (surrogateescape), not to U+FFFD."""
    question = b"who won\xff the vote?".decode("utf-8", "surrogateescape")
    with pytest.raises(QuestionError, match="UTF-8"):
        bot.check_question(question)


@pytest.mark.parametrize(
    "question, folded",
    [
        ("who won?", "who won?"),
        ("  who\n\twon?  ", "who won?"),
        ("qui a gagn\u00e9 ?", "qui a gagn\u00e9 ?"),
        ("\u6771\u4eac?", "\u6771\u4eac?"),
        ("a" * 1000, "a" * 1000),
        ("1", "1"),
    ],
)
def test_check_question_folds_whitespace(question: str, folded: str):
    assert bot.check_question(question) == folded


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.text(max_size=1200))
def test_check_question_returns_folded_text_or_raises_question_error(question: str):
    try:
        folded = bot.check_question(question)
    except QuestionError:
        return
    assert folded == " ".join(folded.split()) and folded
    assert len(folded) <= bot.MAX_QUESTION_CHARS
    assert any(ch.isalnum() for ch in folded)


def settings_for(fake_index: tuple[Path, Path]) -> Settings:
    corpus, root = fake_index
    return Settings(corpus=corpus, index=root)


def test_ensure_index_builds_a_missing_index_and_says_so(tiny_corpus: Path, tmp_path: Path, fake_models: HashEmbedder):
    said: list[str] = []
    loaded = bot.ensure_index(Settings(corpus=tiny_corpus, index=tmp_path / "index"), said.append)
    assert len(loaded.articles) == 3
    assert any("building" in line for line in said)
    assert index_mod.status(tmp_path / "index", tiny_corpus).state == "fresh"


def test_ensure_index_uses_a_fresh_index_as_is(fake_index: tuple[Path, Path], fake_models: HashEmbedder):
    settings = settings_for(fake_index)
    before = index_mod.active_folder(settings.index)
    said: list[str] = []
    loaded = bot.ensure_index(settings, said.append)
    assert loaded.folder == before
    assert said == []
    assert fake_models.calls == 0


def test_ensure_index_rebuilds_a_stale_index(fake_index: tuple[Path, Path], fake_models: HashEmbedder):
    settings = settings_for(fake_index)
    before = index_mod.active_folder(settings.index)
    (settings.corpus / "new.txt").write_text("Late News\n\nA zeppelin landed in the square.\n", encoding="utf-8")
    said: list[str] = []
    loaded = bot.ensure_index(settings, said.append)
    assert loaded.folder != before
    assert any("out of date" in line and "new file" in line for line in said)
    assert "A zeppelin landed in the square." in [s.text for s in loaded.sentences]


def test_ensure_index_answers_from_the_old_index_when_it_cannot_rebuild(
    fake_index: tuple[Path, Path], fake_models: HashEmbedder, monkeypatch: pytest.MonkeyPatch
):
    settings = settings_for(fake_index)
    before = index_mod.active_folder(settings.index)
    (settings.corpus / "new.txt").write_text("Late News\n\nA zeppelin landed.\n", encoding="utf-8")

    def cannot_write(*args, **kwargs):
        raise IndexWriteError("Cannot write the index: disk full.")

    monkeypatch.setattr(index_mod, "build", cannot_write)
    said: list[str] = []
    loaded = bot.ensure_index(settings, said.append)
    assert loaded.folder == before
    assert any("Cannot rebuild" in line and "disk full" in line for line in said)


def test_ensure_index_reports_skipped_files(tiny_corpus: Path, tmp_path: Path, fake_models: HashEmbedder):
    (tiny_corpus / "broken.txt").write_bytes(b"\xff\xfe\x00\x00")
    said: list[str] = []
    bot.ensure_index(Settings(corpus=tiny_corpus, index=tmp_path / "index"), said.append)
    assert any(line.startswith("Warning:") and "broken.txt" in line for line in said)


def test_ensure_index_does_not_rebuild_for_a_skipped_file(tiny_corpus: Path, tmp_path: Path, fake_models: HashEmbedder):
    (tiny_corpus / "broken.txt").write_bytes(b"")
    settings = Settings(corpus=tiny_corpus, index=tmp_path / "index")
    bot.ensure_index(settings)
    said: list[str] = []
    bot.ensure_index(settings, said.append)
    assert said == []


def test_ensure_index_on_an_empty_corpus_leaves_the_old_index(fake_index: tuple[Path, Path], fake_models: HashEmbedder):
    settings = settings_for(fake_index)
    pointer = (settings.index / "CURRENT").read_text(encoding="utf-8")
    for path in list(settings.corpus.rglob("*.txt")) + list(settings.corpus.rglob("*.md")):
        path.unlink()
    with pytest.raises(CorpusError):
        bot.ensure_index(settings)
    assert (settings.index / "CURRENT").read_text(encoding="utf-8") == pointer
    index_mod.load(settings.index)


def test_ensure_index_on_a_damaged_index_raises(fake_index: tuple[Path, Path], fake_models: HashEmbedder):
    settings = settings_for(fake_index)
    folder = index_mod.active_folder(settings.index)
    (folder / "sentences.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(IndexCorruptError):
        bot.ensure_index(settings)


def test_bot_ask_checks_the_question(fake_index: tuple[Path, Path], fake_models: HashEmbedder):
    qa_bot = bot.Bot(index_mod.load(settings_for(fake_index).index))
    with pytest.raises(QuestionError):
        qa_bot.ask("   ")
