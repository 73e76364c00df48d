"""The index on disk: a versioned, pickle-free folder, written aside and switched in atomically.

Layout of the index folder::

    CURRENT                 name of the active build folder (replaced atomically)
    .lock                   held while a build runs
    build-<id>/
        manifest.json       format, version, model, corpus fingerprint, counts, file checksums
        articles.jsonl      one article a line (path, title, date, hashes, ...)
        sentences.jsonl     row i = FAISS id i: article, paragraph, offsets, line, text, spans
        dense.faiss         normalized sentence embeddings, inner product = cosine
        lexical/            bm25s index (JSON + .npy, no pickle)
        query-model/        ONNX copy of the embedding model for fast queries (optional)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.corpus import Corpus, article_files, fingerprint, read_corpus
from qa.errors import CorpusError, IndexBusyError, IndexCorruptError, IndexMissingError, IndexWriteError, ModelError
from qa.lexical import LexicalIndex
from qa.types import Article, Sentence, Span

if TYPE_CHECKING:
    import numpy as np

    from qa.embed import Embedder

FORMAT = "qa-index"
VERSION = 2  # 2: sentences are matched lexically with their article's title
CURRENT = "CURRENT"
QUERY_MODEL = "query-model"
_HASHED_LIMIT = 32 * 1024 * 1024  # larger files are checked by size; their loaders reject damage

Stage = Callable[[str, int, int], None]  # (stage name, done, total)


@dataclass
class Index:
    """A loaded index: article and sentence records, the dense and the lexical index."""

    folder: Path
    manifest: dict[str, Any]
    articles: list[Article]
    sentences: list[Sentence]
    dense: Any  # faiss.Index
    lexical: LexicalIndex
    _embedder: Any = field(default=None, repr=False)
    _loader: _Background | None = field(default=None, repr=False)

    @property
    def dim(self) -> int:
        return int(self.manifest["model"]["dim"])

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored unit vectors of the given sentence rows."""
        import numpy as np

        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.dense.reconstruct_batch(rows), dtype=np.float32)

    def query_embedder(self) -> Embedder:
        """The embedder for questions: the index's ONNX copy of the model, else sentence-transformers."""
        if self._embedder is None:
            self._embedder = self._loader.result() if self._loader is not None else _open_query_model(self.folder)
            if self._embedder.dim != self.dim:
                raise IndexCorruptError(f"The query model gives {self._embedder.dim}-dimensional vectors but the index holds {self.dim}: rebuild it with qa build.")
        return self._embedder


def _open_query_model(folder: Path) -> Embedder:
    onnx_folder = folder / QUERY_MODEL
    if (onnx_folder / "model.onnx").is_file():
        from qa.onnx_embed import OnnxEmbedder

        try:
            return OnnxEmbedder(onnx_folder)
        except Exception as err:  # onnxruntime raises its own exception types for damaged files
            raise IndexCorruptError(f"The index's query model is damaged ({type(err).__name__}): rebuild it with qa build.") from err
    from qa.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


class _Background:
    """A value computed on a thread; ``result`` waits for it and re-raises its error."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._value = work()
            except BaseException as err:  # handed to the caller of result()
                self._error = err

        # Not a daemon: a process that ends while onnxruntime is still opening the model waits for it,
        # instead of aborting in the runtime's C++ teardown.
        self._thread = threading.Thread(target=run, name="qa-query-model", daemon=False)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


@dataclass(frozen=True)
class Status:
    """Whether an index can answer for a corpus as it is now."""

    state: str  # "fresh", "stale" or "missing"
    reason: str = ""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def active_folder(root: Path) -> Path | None:
    """The build folder that CURRENT names, or None when there is no index."""
    pointer = root / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise IndexCorruptError(f"The index pointer {pointer} cannot be read ({err}): rebuild with qa build.") from err
    if not name.startswith("build-") or "/" in name or not (root / name).is_dir():
        raise IndexCorruptError(f"The index in {root} is incomplete (its build folder is missing): rebuild it with qa build.")
    return root / name


class IndexOutdatedError(IndexCorruptError):
    """The index was written in an older format; building it again brings it up to date."""


def read_manifest(root: Path) -> dict[str, Any]:
    """The manifest of the active build; IndexMissingError when there is none."""
    folder = active_folder(root)
    if folder is None:
        raise IndexMissingError(f"There is no index in {root}: build it with qa build.")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IndexCorruptError(f"The index manifest in {folder} cannot be read: rebuild it with qa build.") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexCorruptError(f"{folder} is not a qa index: rebuild it with qa build.")
    if manifest.get("version") != VERSION:
        raise IndexOutdatedError(f"The index in {root} is of format version {manifest.get('version')}, this qa reads version {VERSION}: rebuild it with qa build.")
    return manifest


def status(root: Path, corpus: Path) -> Status:
    """Compare the index with the corpus folder as it is now (cheap: rehashes only changed files)."""
    try:
        manifest = read_manifest(root)
    except IndexMissingError:
        return Status("missing", f"there is no index in {root}")
    except IndexOutdatedError:
        return Status("stale", "it was written in an older format")
    from qa import __version__
    from qa.embed import model_version

    if manifest.get("qa_version") != __version__:
        return Status("stale", f"it was built by qa {manifest.get('qa_version')}, this is qa {__version__}")
    if manifest["model"].get("package_version") != model_version():
        return Status("stale", "the embedding model changed")
    # The corpus is compared by content (relative paths and hashes), so a project moved or copied
    # together with its index keeps it.
    known = {a["path"]: a for a in manifest.get("files_seen", [])}
    current = {p.relative_to(corpus).as_posix(): p for p in article_files(corpus)}
    added = sorted(set(current) - set(known))
    removed = sorted(set(known) - set(current))
    if added or removed:
        parts = []
        if added:
            parts.append(f"{len(added)} new file{'s' * (len(added) != 1)}")
        if removed:
            parts.append(f"{len(removed)} removed file{'s' * (len(removed) != 1)}")
        return Status("stale", " and ".join(parts) + " in the corpus")
    for rel, path in current.items():
        seen = known[rel]
        try:
            stat = path.stat()
            if stat.st_size == seen["size"] and stat.st_mtime_ns == seen["mtime_ns"]:
                continue
            changed = stat.st_size != seen["size"] or _sha256(path) != seen["sha256"]
        except OSError:
            changed = seen["size"] != -1  # unreadable now; unchanged if it was unreadable at build time
        if changed:
            return Status("stale", f"{rel} changed")
    return Status("fresh")


@contextmanager
def build_lock(root: Path, wait: float = 600.0, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the index folder's build lock; wait for another build to finish, up to ``wait`` seconds."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / ".lock", "a+")
    except OSError as err:
        raise IndexWriteError(f"Cannot write the index in {root} ({err.strerror}): choose a writable folder with --index.") from err
    with handle:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexBusyError(f"Another qa process has been building the index in {root} for too long: try again when it is done.") from None
                if on_wait and not told:
                    on_wait()
                    told = True
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(
    corpus_dir: Path,
    root: Path,
    embedder: Embedder | None = None,
    find_spans: Callable[..., list[tuple[Span, ...]]] | None = None,
    export_query_model: bool = True,
    progress: Stage | None = None,
    on_wait: Callable[[], None] | None = None,
) -> tuple[Path, Corpus]:
    """Read the corpus, embed and index every sentence, and switch the new index in."""
    corpus = read_corpus(corpus_dir)
    if not corpus.articles:
        detail = f" ({'; '.join(corpus.warnings[:3])})" if corpus.warnings else ""
        raise CorpusError(f"No readable articles (.txt or .md) in {corpus_dir}{detail}: add UTF-8 text files there, or point --corpus at your articles.")
    with build_lock(root, on_wait=on_wait):
        _clean_temporaries(root)
        tmp = root / f".tmp-{os.getpid()}-{time.time_ns()}"
        try:
            tmp.mkdir()
            _write(tmp, corpus, embedder, find_spans, export_query_model, progress)
            final = root / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(4)}"
            os.replace(tmp, final)
            pointer = root / f".{CURRENT}.tmp"
            pointer.write_text(final.name + "\n", encoding="utf-8")
            os.replace(pointer, root / CURRENT)
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            raise IndexWriteError(f"Cannot write the index in {root} ({err.strerror or err}): free some space or choose another folder with --index.") from err
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _remove_old_builds(root, keep={final.name})
    return final, corpus


def _clean_temporaries(root: Path) -> None:
    """Remove the half-written folders of builds that were interrupted (we hold the lock)."""
    for path in root.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)


def _remove_old_builds(root: Path, keep: set[str]) -> None:
    for path in root.glob("build-*"):
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _write(
    folder: Path,
    corpus: Corpus,
    embedder: Embedder | None,
    find_spans: Callable[..., list[tuple[Span, ...]]] | None,
    export_query_model: bool,
    progress: Stage | None,
) -> None:
    import bm25s
    import faiss
    import numpy as np

    from qa import __version__, embed, text

    articles: list[Article] = []
    sentences: list[Sentence] = []
    for number, parsed in enumerate(corpus.articles):
        articles.append(parsed.article)
        sentences.extend(Sentence(number, s.paragraph, s.start, s.end, s.line, s.text) for s in parsed.sentences)
    texts = [s.text for s in sentences]

    def stage(name: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: progress(name, done, total)) if progress else None

    if find_spans is None:
        from qa.nlp import find_spans as spacy_spans

        find_spans = spacy_spans
    spans = find_spans(texts, progress=stage("Finding names and numbers"))
    sentences = [Sentence(s.article, s.paragraph, s.start, s.end, s.line, s.text, sp) for s, sp in zip(sentences, spans, strict=True)]

    model_path = None
    if embedder is None:
        model_path = embed.model_dir()
        embedder = embed.SentenceTransformerEmbedder(model_path)
    vectors = embedder.encode(texts, progress=stage("Embedding sentences"))  # type: ignore[call-arg]
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.shape != (len(texts), embedder.dim):
        raise ModelError(f"The embedder returned vectors of shape {vectors.shape} for {len(texts)} sentences.")
    dense = faiss.IndexFlatIP(embedder.dim)
    dense.add(vectors)
    faiss.write_index(dense, str(folder / "dense.faiss"))

    lexical = bm25s.BM25()
    # A sentence is matched with its article's title as well: the title says what "she" or "the visit" is about.
    title_terms = [text.terms(a.title) for a in articles]
    lexical.index([text.terms(s.text) + title_terms[s.article] or [""] for s in sentences], show_progress=False)
    lexical.save(str(folder / "lexical"), show_progress=False)

    if export_query_model and model_path is not None:
        from qa.onnx_embed import export_onnx

        if progress:
            progress("Exporting the query model", 0, 1)
        export_onnx(model_path, folder / QUERY_MODEL)
        if progress:
            progress("Exporting the query model", 1, 1)

    with open(folder / "articles.jsonl", "w", encoding="utf-8") as handle:
        for article in articles:
            handle.write(json.dumps(asdict(article), ensure_ascii=False) + "\n")
    with open(folder / "sentences.jsonl", "w", encoding="utf-8") as handle:
        for s in sentences:
            row = [s.article, s.paragraph, s.start, s.end, s.line, s.text, [[p.start, p.end, p.label] for p in s.spans]]
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    model: dict[str, Any] = {"name": embed.MODEL_NAME, "package": embed.MODEL_PACKAGE, "package_version": embed.model_version(), "dim": embedder.dim}
    if model_path is not None:
        model["sha256"] = embed.model_hash(model_path)
    else:
        model["name"] = type(embedder).__name__
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        size = path.stat().st_size
        files[rel] = {"size": size, "sha256": _sha256(path) if size <= _HASHED_LIMIT else None}
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "qa_version": __version__,
        "model": model,
        "corpus": str(corpus.folder),
        "corpus_fingerprint": fingerprint(articles),
        "counts": {"articles": len(articles), "sentences": len(sentences), "skipped_files": len(corpus.warnings)},
        "files_seen": [{"path": a.path, "size": a.size, "mtime_ns": a.mtime_ns, "sha256": a.sha256} for a in articles] + corpus.skipped,
        "warnings": corpus.warnings,
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load(root: Path, preload_query_model: bool = True) -> Index:
    """Load the active index, checking it against its manifest.

    The query model (the slowest part to open) is opened on a thread meanwhile, unless told not to.
    """
    import faiss

    manifest = read_manifest(root)
    folder = active_folder(root)
    assert folder is not None
    loader = _Background(lambda: _open_query_model(folder)) if preload_query_model else None
    for rel, info in manifest.get("files", {}).items():
        path = folder / rel
        if not path.is_file():
            raise IndexCorruptError(f"The index file {rel} is missing: rebuild the index with qa build.")
        if path.stat().st_size != info["size"] or (info.get("sha256") and _sha256(path) != info["sha256"]):
            raise IndexCorruptError(f"The index file {rel} is damaged (it does not match its checksum): rebuild the index with qa build.")
    try:
        articles = [Article(**json.loads(line)) for line in _read_lines(folder / "articles.jsonl")]
        sentences = [
            Sentence(r[0], r[1], r[2], r[3], r[4], r[5], tuple(Span(*p) for p in r[6]))
            for r in (json.loads(line) for line in _read_lines(folder / "sentences.jsonl"))
        ]
        dense = faiss.read_index(str(folder / "dense.faiss"))
        lexical = LexicalIndex(folder / "lexical")
    except (OSError, ValueError, TypeError, IndexError, KeyError, RuntimeError) as err:
        raise IndexCorruptError(f"The index in {folder} cannot be read ({type(err).__name__}): rebuild it with qa build.") from err
    counts = manifest["counts"]
    if len(articles) != counts["articles"] or len(sentences) != counts["sentences"] or dense.ntotal != len(sentences) or lexical.num_docs != len(sentences) or dense.d != manifest["model"]["dim"]:
        raise IndexCorruptError(f"The index files in {folder} do not match each other: rebuild the index with qa build.")
    if any(not 0 <= s.article < len(articles) for s in sentences):
        raise IndexCorruptError(f"The sentence table in {folder} names unknown articles: rebuild the index with qa build.")
    return Index(folder, manifest, articles, sentences, dense, lexical, _loader=loader)


def _read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
