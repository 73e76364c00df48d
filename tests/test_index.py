"""qa.index: a versioned, pickle-free index written aside, switched in atomically, and checked on load."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import TINY, ConstantEmbedder, HashEmbedder, fake_build, no_spans, number_spans, write_corpus

from qa import index as index_mod
from qa.corpus import fingerprint, read_corpus
from qa.errors import CorpusError, IndexBusyError, IndexCorruptError, IndexMissingError, ModelError
from qa.types import Span


def build_folder(root: Path) -> Path:
    folder = index_mod.active_folder(root)
    assert folder is not None
    return folder


def builds(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("build-"))


def temporaries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".tmp-"))


# ---------------------------------------------------------------- writing and loading


def test_build_writes_an_index_that_loads_with_the_same_records(tiny_corpus: Path, tmp_path: Path):
    root = tmp_path / "index"
    folder = fake_build(tiny_corpus, root).folder
    corpus = read_corpus(tiny_corpus)
    assert folder.parent == root and folder.name.startswith("build-")
    assert (root / "CURRENT").read_text(encoding="utf-8").strip() == folder.name

    loaded = index_mod.load(root)
    assert loaded.folder == folder
    expected_articles = [p.article for p in corpus.articles]
    assert loaded.articles == expected_articles
    assert [a.path for a in loaded.articles] == ["budget.md", "sport/final.txt", "volcano.txt"]

    expected = [
        (number, s.paragraph, s.start, s.end, s.line, s.text) for number, parsed in enumerate(corpus.articles) for s in parsed.sentences
    ]
    assert [(s.article, s.paragraph, s.start, s.end, s.line, s.text) for s in loaded.sentences] == expected
    # The spans found at build time come back with the sentences.
    assert [s.spans for s in loaded.sentences] == number_spans([s.text for s in loaded.sentences])
    assert any(Span(6, 11, "CARDINAL") == span for s in loaded.sentences for span in s.spans)  # "3,700"

    assert loaded.dense.ntotal == len(loaded.sentences)
    assert loaded.dim == 64
    # The dense index holds the embedder's vectors, row for row.
    vectors = loaded.vectors(np.arange(len(loaded.sentences)))
    np.testing.assert_allclose(vectors, HashEmbedder().encode([s.text for s in loaded.sentences]), atol=1e-6)
    assert loaded.vectors(np.asarray([], dtype=np.int64)).shape == (0, 64)


def test_manifest(tiny_corpus: Path, tmp_path: Path):
    root = tmp_path / "index"
    folder = fake_build(tiny_corpus, root).folder
    corpus = read_corpus(tiny_corpus)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == index_mod.read_manifest(root)
    assert manifest["format"] == "qa-index"
    assert manifest["version"] == index_mod.VERSION
    assert isinstance(manifest["qa_version"], str)
    assert manifest["model"]["dim"] == 64
    assert manifest["model"]["name"] == "HashEmbedder"
    assert manifest["model"]["package_version"]
    articles = [p.article for p in corpus.articles]
    assert manifest["corpus_fingerprint"] == fingerprint(articles) == fingerprint([p.article for p in read_corpus(tiny_corpus).articles])
    assert manifest["counts"] == {"articles": 3, "sentences": sum(a.sentences for a in articles), "skipped_files": 0}
    assert {f["path"] for f in manifest["files_seen"]} == set(TINY)

    # Every file of the build (but the manifest itself) is listed with its size and checksum.
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert sorted(manifest["files"]) == on_disk
    assert {"articles.jsonl", "sentences.jsonl", "dense.faiss"} <= set(on_disk)
    assert any(name.startswith("lexical/") for name in on_disk)
    for rel, info in manifest["files"].items():
        data = (folder / rel).read_bytes()
        assert info["size"] == len(data)
        assert info["sha256"] == hashlib.sha256(data).hexdigest()


def test_manifest_counts_skipped_files(tiny_corpus: Path, tmp_path: Path):
    (tiny_corpus / "empty.txt").write_bytes(b"")
    folder = fake_build(tiny_corpus, tmp_path / "index").folder
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["skipped_files"] == 1
    assert len(manifest["warnings"]) == 1 and "empty.txt" in manifest["warnings"][0]


def test_no_pickle_anywhere(fake_index: tuple[Path, Path]):
    _, root = fake_index
    folder = build_folder(root)
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in (".pkl", ".pickle", ".joblib")]
    npys = [p for p in files if p.suffix == ".npy"]
    assert npys, "the lexical index is expected to be stored as .npy arrays"
    for path in npys:
        array = np.load(path, allow_pickle=False)
        assert array.dtype != object
    for path in files:
        if path.suffix in (".json", ".jsonl"):
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines() if path.suffix == ".jsonl" else [text]
            for line in lines:
                if line.strip():
                    json.loads(line)


def test_one_sentence_corpus(tmp_path: Path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "The volcano erupted."})
    fake_build(corpus, tmp_path / "index")
    loaded = index_mod.load(tmp_path / "index")
    assert [s.text for s in loaded.sentences] == ["The volcano erupted."]
    assert loaded.dense.ntotal == 1


def test_build_with_constant_vectors_and_no_spans(tiny_corpus: Path, tmp_path: Path):
    fake_build(tiny_corpus, tmp_path / "index", embedder=ConstantEmbedder(), find_spans=no_spans)
    loaded = index_mod.load(tmp_path / "index")
    assert loaded.dim == ConstantEmbedder.dim
    assert all(s.spans == () for s in loaded.sentences)


def test_build_reports_progress(tiny_corpus: Path, tmp_path: Path):
    seen: list[tuple[str, int, int]] = []
    fake_build(tiny_corpus, tmp_path / "index", progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert seen
    assert all(0 <= done <= total for _, done, total in seen)


def test_no_temporary_folder_is_left(fake_index: tuple[Path, Path]):
    _, root = fake_index
    assert temporaries(root) == []
    assert len(builds(root)) == 1


def test_leftovers_of_an_interrupted_build_are_cleaned(fake_index: tuple[Path, Path]):
    corpus, root = fake_index
    leftover = root / ".tmp-1-2"
    leftover.mkdir()
    (leftover / "dense.faiss").write_bytes(b"half")
    fake_build(corpus, root)
    assert temporaries(root) == []


def test_rebuild_leaves_only_the_new_build_folder(fake_index: tuple[Path, Path]):
    corpus, root = fake_index
    old = build_folder(root)
    (corpus / "new.txt").write_text("Late News\n\nA late story arrived.\n", encoding="utf-8")
    new = fake_build(corpus, root).folder
    assert new != old
    assert builds(root) == [new.name]
    assert build_folder(root) == new
    assert temporaries(root) == []
    assert "A late story arrived." in [s.text for s in index_mod.load(root).sentences]


def test_two_builds_in_the_same_second(tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A long-running process (or a test) that rebuilds twice in one second gets IndexWriteError."""
    root = tmp_path / "index"
    frozen = time.strftime("%Y%m%d-%H%M%S")

    class SameSecond:
        """qa.index's clock, stopped at one second for naming build folders."""

        def __getattr__(self, name: str):
            return getattr(time, name)

        @staticmethod
        def strftime(fmt: str, *args):
            return frozen if fmt == "%Y%m%d-%H%M%S" else time.strftime(fmt, *args)

    monkeypatch.setattr(index_mod, "time", SameSecond())
    fake_build(tiny_corpus, root)
    fake_build(tiny_corpus, root, full=True)
    assert len(builds(root)) == 1


class ExplodingEmbedder(HashEmbedder):
    def encode(self, texts, progress=None):
        raise RuntimeError("boom")


def test_failed_build_keeps_the_old_index(fake_index: tuple[Path, Path]):
    corpus, root = fake_index
    before = (root / "CURRENT").read_text(encoding="utf-8")
    old = build_folder(root)
    with pytest.raises(RuntimeError, match="boom"):
        fake_build(corpus, root, embedder=ExplodingEmbedder())
    assert (root / "CURRENT").read_text(encoding="utf-8") == before
    assert builds(root) == [old.name]
    assert temporaries(root) == []
    index_mod.load(root)


class WrongShapeEmbedder(HashEmbedder):
    def encode(self, texts, progress=None):
        return super().encode(texts)[:-1]


def test_embedder_with_wrong_output_shape_raises_model_error(tiny_corpus: Path, tmp_path: Path):
    with pytest.raises(ModelError):
        fake_build(tiny_corpus, tmp_path / "index", embedder=WrongShapeEmbedder())
    assert index_mod.active_folder(tmp_path / "index") is None
    assert temporaries(tmp_path / "index") == []


def test_empty_corpus_raises_corpus_error_and_writes_nothing(tmp_path: Path):
    (tmp_path / "corpus").mkdir()
    with pytest.raises(CorpusError, match="No readable articles"):
        fake_build(tmp_path / "corpus", tmp_path / "index")
    assert not (tmp_path / "index").exists()


def test_corpus_of_only_unreadable_files_names_the_reason(tmp_path: Path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": b"\x00\x01", "b.txt": b""})
    with pytest.raises(CorpusError, match="binary"):
        fake_build(corpus, tmp_path / "index")


# ---------------------------------------------------------------- status


def test_status_missing(tiny_corpus: Path, tmp_path: Path):
    assert index_mod.status(tmp_path / "index", tiny_corpus).state == "missing"
    with pytest.raises(IndexMissingError):
        index_mod.load(tmp_path / "index")


def test_status_fresh_after_build(fake_index: tuple[Path, Path]):
    corpus, root = fake_index
    assert index_mod.status(root, corpus) == index_mod.Status("fresh")


def bump_mtime(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def add_file(corpus: Path) -> None:
    (corpus / "new.txt").write_text("Late News\n\nA late story arrived.\n", encoding="utf-8")


def add_hidden_file(corpus: Path) -> None:
    (corpus / ".draft.txt").write_text("Draft\n\nNot ready.\n", encoding="utf-8")


def add_other_suffix(corpus: Path) -> None:
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.4")


def remove_file(corpus: Path) -> None:
    (corpus / "budget.md").unlink()


def edit_file(corpus: Path) -> None:
    path = corpus / "volcano.txt"
    path.write_text(path.read_text(encoding="utf-8") + "A second eruption followed.\n", encoding="utf-8")


def edit_same_size(corpus: Path) -> None:
    path = corpus / "volcano.txt"
    data = path.read_bytes()
    edited = data.replace(b"3,700", b"4,800")
    assert edited != data and len(edited) == len(data)
    path.write_bytes(edited)
    bump_mtime(path)


def touch_file(corpus: Path) -> None:
    bump_mtime(corpus / "volcano.txt")


def rename_file(corpus: Path) -> None:
    (corpus / "volcano.txt").rename(corpus / "volcano2.txt")


@pytest.mark.parametrize(
    "change, state, reason",
    [
        (add_file, "stale", "new file"),
        (remove_file, "stale", "removed file"),
        (edit_file, "stale", "volcano.txt changed"),
        (edit_same_size, "stale", "volcano.txt changed"),
        (rename_file, "stale", "new file"),
        (touch_file, "fresh", ""),
        (add_hidden_file, "fresh", ""),
        (add_other_suffix, "fresh", ""),
    ],
    ids=lambda v: v.__name__ if callable(v) else None,
)
def test_status_follows_the_corpus(fake_index: tuple[Path, Path], change, state: str, reason: str):
    corpus, root = fake_index
    change(corpus)
    status = index_mod.status(root, corpus)
    assert status.state == state, status
    assert reason in status.reason


@pytest.mark.parametrize("bad", [b"", b"\x00\x01binary", b"\xff\xfe not utf-8", b"---\n"], ids=["empty", "binary", "latin", "no-sentences"])
def test_status_fresh_after_building_a_corpus_with_a_skipped_file(tiny_corpus: Path, tmp_path: Path, bad: bytes):
    """Otherwise every qa ask rebuilds the whole index (15 s with the real model) and warns again."""
    (tiny_corpus / "bad.txt").write_bytes(bad)
    report = fake_build(tiny_corpus, tmp_path / "index")
    assert len(report.warnings) == 1
    assert index_mod.status(tmp_path / "index", tiny_corpus).state == "fresh"


def test_status_compares_corpus_content_not_its_location(fake_index: tuple[Path, Path], tmp_path: Path):
    """A corpus moved or copied with its index keeps it; another folder with other articles does not."""
    corpus, root = fake_index
    same = tmp_path / "copy"
    shutil.copytree(corpus, same)
    assert index_mod.status(root, same).state == "fresh"
    other = tmp_path / "other"
    shutil.copytree(corpus, other)
    first = sorted(other.glob("*.txt"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nOne more sentence was added.\n", encoding="utf-8")
    assert index_mod.status(root, other).state == "stale"


@pytest.mark.parametrize(
    "edit, reason",
    [
        (lambda m: m.update(qa_version="0.0.1"), "qa 0.0.1"),
        (lambda m: m["model"].update(package_version="0.0.0-old"), "model changed"),
    ],
    ids=["qa-version", "model-version"],
)
def test_status_stale_when_qa_or_the_model_changed(fake_index: tuple[Path, Path], edit, reason: str):
    corpus, root = fake_index
    path = build_folder(root) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    status = index_mod.status(root, corpus)
    assert status.state == "stale"
    assert reason in status.reason


def test_status_of_a_missing_corpus_raises(fake_index: tuple[Path, Path]):
    corpus, root = fake_index
    shutil.rmtree(corpus)
    with pytest.raises(CorpusError):
        index_mod.status(root, corpus)


def test_status_fresh_again_after_rebuild(fake_index: tuple[Path, Path]):
    corpus, root = fake_index
    add_file(corpus)
    assert index_mod.status(root, corpus).state == "stale"
    fake_build(corpus, root)
    assert index_mod.status(root, corpus).state == "fresh"


# ---------------------------------------------------------------- the build lock


def test_build_lock_excludes_a_second_holder(tmp_path: Path):
    root = tmp_path / "index"
    waited: list[bool] = []
    with index_mod.build_lock(root):
        with pytest.raises(IndexBusyError):
            with index_mod.build_lock(root, wait=0.3, on_wait=lambda: waited.append(True)):
                pass
    assert waited == [True]
    with index_mod.build_lock(root, wait=0.3):
        pass


def test_build_waits_for_a_build_in_progress(tiny_corpus: Path, tmp_path: Path):
    root = tmp_path / "index"
    told = threading.Event()
    done: list[Path] = []
    with index_mod.build_lock(root):
        worker = threading.Thread(target=lambda: done.append(fake_build(tiny_corpus, root, on_wait=told.set).folder))
        worker.start()
        assert told.wait(10), "the waiting build says that it waits"
        assert not done and index_mod.active_folder(root) is None
    worker.join(30)
    assert done and index_mod.active_folder(root) == done[0]


# ---------------------------------------------------------------- damage


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] = (data[middle] + 1) % 256
    if data[middle] in b"\r\n":
        data[middle] = ord("x")
    path.write_bytes(bytes(data))


def index_files(root: Path) -> list[str]:
    folder = build_folder(root)
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")


DAMAGED_FILES = ["articles.jsonl", "sentences.jsonl", "dense.faiss", "lexical/data.csc.index.npy", "lexical/vocab.index.json"]


@pytest.mark.parametrize("rel", DAMAGED_FILES)
@pytest.mark.parametrize("damage", [truncate, flip_byte, Path.unlink], ids=["truncated", "edited", "deleted"])
def test_damaged_index_file_raises_index_corrupt_error(fake_index: tuple[Path, Path], rel: str, damage):
    _, root = fake_index
    assert rel in index_files(root)
    damage(build_folder(root) / rel)
    with pytest.raises(IndexCorruptError):
        index_mod.load(root)


def test_every_index_file_is_checked(fake_index: tuple[Path, Path]):
    _, root = fake_index
    folder = build_folder(root)
    for rel in index_files(root):
        path = folder / rel
        original = path.read_bytes()
        truncate(path)
        with pytest.raises(IndexCorruptError):
            index_mod.load(root)
        path.write_bytes(original)
    index_mod.load(root)


def test_missing_build_folder_raises_index_corrupt_error(fake_index: tuple[Path, Path]):
    corpus, root = fake_index
    shutil.rmtree(build_folder(root))
    with pytest.raises(IndexCorruptError):
        index_mod.load(root)
    with pytest.raises(IndexCorruptError):
        index_mod.status(root, corpus)


@pytest.mark.parametrize("pointer", ["", "garbage\n", "../outside\n", "build-does-not-exist\n", "build-x/../../etc\n"])
def test_bad_current_pointer_raises_index_corrupt_error(fake_index: tuple[Path, Path], pointer: str):
    _, root = fake_index
    (root / "CURRENT").write_text(pointer, encoding="utf-8")
    with pytest.raises(IndexCorruptError):
        index_mod.load(root)


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.update(version=index_mod.VERSION + 1),
        lambda m: m.update(format="something-else"),
        lambda m: m["counts"].update(sentences=m["counts"]["sentences"] + 1),
        lambda m: m["model"].update(dim=m["model"]["dim"] + 1),
        lambda m: m["files"]["sentences.jsonl"].update(size=1),
    ],
    ids=["version", "format", "counts", "dim", "file-size"],
)
def test_inconsistent_manifest_raises_index_corrupt_error(fake_index: tuple[Path, Path], edit):
    _, root = fake_index
    path = build_folder(root) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorruptError):
        index_mod.load(root)


@pytest.mark.parametrize("damage", [truncate, Path.unlink], ids=["truncated", "deleted"])
def test_damaged_manifest_raises_index_corrupt_error(fake_index: tuple[Path, Path], damage):
    _, root = fake_index
    damage(build_folder(root) / "manifest.json")
    with pytest.raises(IndexCorruptError):
        index_mod.load(root)


# ---------------------------------------------------------------- incremental builds


class CountingEmbedder(HashEmbedder):
    """The fake embedder, remembering every text it was asked to embed."""

    name = "HashEmbedder"  # the same model: an index built by the fake embedder is taken over

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts, progress=None):
        self.seen.extend(texts)
        return super().encode(texts, progress)


def comparable(root: Path) -> tuple:
    """Everything an index answers from, in a form two builds can be compared by."""
    loaded = index_mod.load(root, preload_query_model=False)
    articles = [(a.path, a.title, a.sha256, a.date, a.sentences, a.kind, a.record) for a in loaded.articles]
    sentences = [(loaded.articles[s.article].path, s.paragraph, s.start, s.end, s.line, s.text, s.spans) for s in loaded.sentences]
    vectors = loaded.vectors(np.arange(len(loaded.sentences))).round(5).tolist()
    lexical = [loaded.lexical.scores(["lava", "ferri", "budget", "late"]).round(5).tolist()]
    return articles, sentences, vectors, lexical


def sentences_of(root: Path, path: str) -> list[str]:
    loaded = index_mod.load(root, preload_query_model=False)
    return [s.text for s in loaded.sentences if loaded.articles[s.article].path == path]


LATE = "Late Ferry News\n\nA late ferry left the harbour at midnight.\nIt carried 240 passengers.\n"


def test_adding_an_article_embeds_only_its_sentences(fake_index: tuple[Path, Path], tmp_path: Path):
    corpus, root = fake_index
    (corpus / "late.txt").write_text(LATE, encoding="utf-8")
    embedder = CountingEmbedder()
    report = fake_build(corpus, root, embedder=embedder)
    assert embedder.seen == ["A late ferry left the harbour at midnight.", "It carried 240 passengers."]
    assert (report.added, report.removed, report.kept, report.embedded, report.full) == (1, 0, 3, 2, False)
    assert sentences_of(root, "late.txt") == embedder.seen
    # The index is the one a build from scratch makes: rows, spans, vectors and lexical scores.
    fake_build(corpus, tmp_path / "scratch")
    assert comparable(root) == comparable(tmp_path / "scratch")


def test_a_changed_article_is_embedded_again_and_its_old_sentences_leave(fake_index: tuple[Path, Path], tmp_path: Path):
    corpus, root = fake_index
    before = sentences_of(root, "volcano.txt")
    (corpus / "volcano.txt").write_text("Volcano Quiet Again\n\nThe eruption ended on Monday.\n", encoding="utf-8")
    embedder = CountingEmbedder()
    report = fake_build(corpus, root, embedder=embedder)
    assert embedder.seen == ["The eruption ended on Monday."]
    assert (report.added, report.removed, report.kept) == (1, 1, 2)
    assert sentences_of(root, "volcano.txt") == ["The eruption ended on Monday."]
    loaded = index_mod.load(root, preload_query_model=False)
    assert not set(before) & {s.text for s in loaded.sentences}
    fake_build(corpus, tmp_path / "scratch")
    assert comparable(root) == comparable(tmp_path / "scratch")


def test_a_deleted_article_leaves_the_dense_and_the_lexical_index(fake_index: tuple[Path, Path], tmp_path: Path):
    corpus, root = fake_index
    gone = sentences_of(root, "volcano.txt")
    (corpus / "volcano.txt").unlink()
    embedder = CountingEmbedder()
    report = fake_build(corpus, root, embedder=embedder)
    assert embedder.seen == [] and (report.removed, report.kept, report.embedded) == (1, 2, 0)
    loaded = index_mod.load(root, preload_query_model=False)
    assert "volcano.txt" not in {a.path for a in loaded.articles}
    assert not set(gone) & {s.text for s in loaded.sentences}
    assert loaded.dense.ntotal == loaded.lexical.num_docs == len(loaded.sentences)
    # No sentence is found by the words only the deleted article had, by either retriever.
    assert not loaded.lexical.scores(["lava", "grindavik"]).any()
    query = HashEmbedder().encode(["Lava flowed toward the fishing town of Grindavik."])
    _, ids = loaded.dense.search(query, len(loaded.sentences))
    assert {loaded.articles[loaded.sentences[i].article].path for i in ids[0] if i >= 0} <= {"budget.md", "sport/final.txt"}
    fake_build(corpus, tmp_path / "scratch")
    assert comparable(root) == comparable(tmp_path / "scratch")


def test_an_up_to_date_index_is_left_as_it_is(fake_index: tuple[Path, Path]):
    corpus, root = fake_index
    folder = build_folder(root)
    embedder = CountingEmbedder()
    report = fake_build(corpus, root, embedder=embedder)
    assert report.folder == folder == build_folder(root) and not report.changed
    assert embedder.seen == [] and report.kept == report.articles == 3


def test_full_embeds_everything_again(fake_index: tuple[Path, Path]):
    corpus, root = fake_index
    embedder = CountingEmbedder()
    report = fake_build(corpus, root, embedder=embedder, full=True)
    assert report.full and report.embedded == report.sentences == len(embedder.seen)


def test_a_moved_file_keeps_its_vectors(fake_index: tuple[Path, Path], tmp_path: Path):
    corpus, root = fake_index
    (corpus / "archive").mkdir()
    (corpus / "volcano.txt").rename(corpus / "archive" / "volcano.txt")
    embedder = CountingEmbedder()
    report = fake_build(corpus, root, embedder=embedder)
    assert embedder.seen == [] and (report.added, report.removed) == (1, 1)
    assert sentences_of(root, "archive/volcano.txt") and not sentences_of(root, "volcano.txt")
    fake_build(corpus, tmp_path / "scratch")
    assert comparable(root) == comparable(tmp_path / "scratch")


def test_a_damaged_index_is_built_again_from_the_articles(fake_index: tuple[Path, Path]):
    corpus, root = fake_index
    (build_folder(root) / "dense.faiss").write_bytes(b"damaged")
    (corpus / "late.txt").write_text(LATE, encoding="utf-8")
    embedder = CountingEmbedder()
    report = fake_build(corpus, root, embedder=embedder)
    assert report.full and report.embedded == report.sentences
    index_mod.load(root)


def test_the_tagger_labels_are_kept_so_that_names_are_voted_again(tiny_corpus: Path, tmp_path: Path):
    """One label per name across the corpus, old articles and new: the vote is taken again on each build."""

    def tagger(texts, progress=None):
        # "Jones" alone is an organisation to this tagger; "Jones said" a person.
        return [tuple(Span(m.start(), m.end(), "PERSON" if t[m.end():].startswith(" said") else "ORG") for m in re.finditer("Jones", t)) for t in texts]

    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Talks\n\nJones left early.\n"})
    root = tmp_path / "index"
    fake_build(corpus, root, find_spans=tagger)
    label = lambda: [p.label for s in index_mod.load(root, preload_query_model=False).sentences for p in s.spans if s.text.startswith("Jones left")]  # noqa: E731
    assert label() == ["ORG"]
    (corpus / "b.txt").write_text("More Talks\n\nJones said no. Then Jones said yes.\n", encoding="utf-8")
    fake_build(corpus, root, find_spans=tagger)
    assert label() == ["PERSON"], "outvoted by the new article"
    (corpus / "b.txt").unlink()
    fake_build(corpus, root, find_spans=tagger)
    assert label() == ["ORG"], "the tagger's own label again once the votes are gone"


def test_a_build_leaves_the_folder_a_reader_is_loading(fake_index: tuple[Path, Path]):
    """A process that read CURRENT just before a build switched it in keeps its build folder to load."""
    corpus, root = fake_index
    old = build_folder(root)
    with index_mod.reading(root):
        (corpus / "late.txt").write_text(LATE, encoding="utf-8")
        new = fake_build(corpus, root).folder
        assert build_folder(root) == new and old.is_dir(), "not removed while a reader holds it"
        assert [s.text for s in index_mod._load(old, index_mod._manifest_of(old, root), None).sentences]
    (corpus / "late.txt").unlink()
    newest = fake_build(corpus, root).folder
    assert builds(root) == [newest.name], "removed by the next build once no reader holds it"


def test_a_large_corpus_gets_an_inverted_file_that_updates_like_the_flat_index(tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Above qa.dense.EXACT_BELOW sentences the dense index is approximate (IVF); incremental builds take its vectors over."""
    from qa import dense

    monkeypatch.setattr(dense, "EXACT_BELOW", 5)
    root = tmp_path / "index"
    fake_build(tiny_corpus, root)
    loaded = index_mod.load(root, preload_query_model=False)
    assert loaded.manifest["dense"]["kind"] == dense.KIND_IVF and loaded.manifest["dense"]["ntotal"] == len(loaded.sentences)
    np.testing.assert_allclose(loaded.vectors(np.arange(len(loaded.sentences))), HashEmbedder().encode([s.text for s in loaded.sentences]), atol=1e-6)
    (tiny_corpus / "late.txt").write_text(LATE, encoding="utf-8")
    embedder = CountingEmbedder()
    fake_build(tiny_corpus, root, embedder=embedder)
    assert len(embedder.seen) == 2
    fake_build(tiny_corpus, tmp_path / "scratch")
    assert comparable(root) == comparable(tmp_path / "scratch")


def test_the_sentence_table_reads_rows_when_used_and_checks_them():
    from qa.errors import IndexCorruptError
    from qa.index import SentenceTable

    lines = [
        json.dumps([0, 0, 0, 10, 1, "Jones won.", [[0, 5, "PERSON"]]]),
        json.dumps([1, 0, 0, 12, 1, "Smith lost.", [[0, 5, "PERSON", "ORG"]]]),
        json.dumps([0, 0, 0, 5, 1, "Oops.", []]),  # says article 0, but the counts put it in article 1
        "{not json",
    ]
    table = SentenceTable(lines, [1, 3])
    assert len(table) == 4 and table.article_ids().tolist() == [0, 1, 1, 1]
    assert table[0].text == "Jones won." and table[0].spans == (Span(0, 5, "PERSON"),)
    assert table[-3].article == 1
    for damaged in (2, 3):
        with pytest.raises(IndexCorruptError, match="rebuild"):
            table[damaged]
    assert table.tagger_spans(1) == (Span(0, 5, "ORG"),)  # the tagger's label, not the vote's
    assert table.tagger_spans(0) == table[0].spans
    with pytest.raises(IndexCorruptError, match="rebuild"):
        table.tagger_spans(3)
    with pytest.raises(IndexCorruptError, match="articles count"):
        SentenceTable(lines, [1, 1])


# ---------------------------------------------------------------- the query model


@pytest.mark.parametrize("export", [None, 1, "current"])
def test_a_build_links_the_old_query_model_only_when_it_is_exported_as_this_qa_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: object) -> None:
    from types import SimpleNamespace

    from qa import onnx_embed

    old_folder = tmp_path / "old"
    (old_folder / index_mod.QUERY_MODEL).mkdir(parents=True)
    config = {"dim": 8, "max_seq_length": 16}
    if export is not None:
        config["export"] = onnx_embed.EXPORT_VERSION if export == "current" else export
    (old_folder / index_mod.QUERY_MODEL / "onnx_config.json").write_text(json.dumps(config))
    (old_folder / index_mod.QUERY_MODEL / "model.onnx").write_bytes(b"old graph")
    old = SimpleNamespace(folder=old_folder, manifest={"model": {"sha256": "same"}})
    exported: list[Path] = []
    monkeypatch.setattr(onnx_embed, "export_onnx", lambda model_dir, out: exported.append(out) or out.mkdir(parents=True))
    new_folder = tmp_path / "new"
    new_folder.mkdir()

    index_mod._query_model(new_folder, old, {"sha256": "same"}, None)  # type: ignore[arg-type]

    if export == "current":
        assert exported == [] and (new_folder / index_mod.QUERY_MODEL / "model.onnx").read_bytes() == b"old graph"
    else:
        assert exported == [new_folder / index_mod.QUERY_MODEL]
