"""Shared fixtures: a tiny corpus, a deterministic fake embedder, and one real index of the seeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.register_assert_rewrite("helpers")

from helpers import SEEDS, TINY, HashEmbedder, SeedIndex, fake_build, number_spans, run_qa, write_corpus  # noqa: E402

from qa import index as index_mod  # noqa: E402


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", TINY)


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def fake_index(tiny_corpus: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(corpus folder, index folder) of the tiny corpus, built with the fake embedder."""
    root = tmp_path / "index"
    fake_build(tiny_corpus, root)
    return tiny_corpus, root


@pytest.fixture
def fake_models(monkeypatch: pytest.MonkeyPatch) -> HashEmbedder:
    """Make every build (qa.bot, the CLI) use the fake embedder and spans, and every query the fake embedder."""
    embedder = HashEmbedder()
    real_build = index_mod.build

    def build(corpus_dir, root, **kwargs):
        kwargs.update(embedder=embedder, find_spans=number_spans, export_query_model=False)
        return real_build(corpus_dir, root, **kwargs)

    monkeypatch.setattr(index_mod, "build", build)
    monkeypatch.setattr(index_mod.Index, "query_embedder", lambda self: embedder)
    return embedder


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> SeedIndex:
    """ONE index of a copy of seeds/, built with the real models by ``qa build``; tests must not modify it."""
    base = tmp_path_factory.mktemp("seeds")
    corpus = base / "seeds"
    shutil.copytree(SEEDS, corpus)
    root = base / "index"
    result = run_qa("build", "--corpus", str(corpus), "--index", str(root))
    assert result.returncode == 0, result.stderr
    return SeedIndex(corpus, root)


@pytest.fixture(scope="session")
def seed_bot(seed_index: SeedIndex):
    """A Bot over the real seed index (the ONNX query model, loaded once)."""
    from qa.bot import Bot

    return Bot(index_mod.load(seed_index.index))
