"""The index on disk: a versioned, pickle-free folder, written aside and switched in atomically.

Layout of the index folder::

    CURRENT                 name of the active build folder (replaced atomically)
    .lock                   held while a build runs
    .readers                held (shared) while a process loads a build folder: it is not removed meanwhile
    build-<id>/
        manifest.json       format, version, model, corpus fingerprint, counts, file checksums
        articles.jsonl      one article a line (path, title, date, url, hashes, header lines, ...)
        sentences.jsonl     row i = FAISS id i: article, paragraph, offsets, line, text, spans
                            ([start, end, label], or [start, end, label, tagger's label] where
                            the corpus-wide vote changed it)
        dense.faiss         normalized sentence embeddings, inner product = cosine: exact below
                            50k sentences, an inverted file (IVF) above (qa.dense)
        lexical/            bm25s index (JSON + .npy, no pickle)
        query-model/        ONNX copy of the embedding model for fast queries (optional)

Builds are incremental: an article whose content is already in the active index keeps its
sentences, names and vectors; only new or changed articles are read, tagged and embedded. Every
build still writes a complete new build folder, so readers never see a half-updated index and a
deleted or changed article leaves no sentence behind.
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.corpus import SUFFIXES, article_files, fingerprint, read_corpus
from qa.errors import CorpusError, IndexBusyError, IndexCorruptError, IndexMissingError, IndexWriteError, ModelError
from qa.lexical import LexicalIndex
from qa.types import Article, Sentence, Span

if TYPE_CHECKING:
    import numpy as np

    from qa.embed import Embedder

FORMAT = "qa-index"
VERSION = 10  # 2: sentences are matched lexically with their article's title; 3: formats, tagger labels kept; 4: irregular verbs; 5: British spellings as American; 6: contractions of function words left out; 7: a sentence that opens with "He" or "She" matched with the person it speaks of; 8: also past an opening phrase; 9: where the header gives the title, author, date, outlet (Article.header); 10: prepositions made of a verb ("according") left out
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
    sentences: SentenceTable
    dense: Any  # faiss.Index
    lexical: LexicalIndex
    _embedder: Any = field(default=None, repr=False)
    _loader: _Background | None = field(default=None, repr=False)

    @property
    def dim(self) -> int:
        return int(self.manifest["model"]["dim"])

    def article_ids(self) -> np.ndarray:
        """The article of each sentence row, as an array (without making every Sentence)."""
        return self.sentences.article_ids()

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
    return _manifest_of(folder, root)


def _manifest_of(folder: Path, root: Path) -> dict[str, Any]:
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


@dataclass(frozen=True)
class BuildReport:
    """What a build did: the new build folder, what it holds, and what it had to read and embed."""

    folder: Path
    articles: int
    sentences: int
    added: int  # articles new to the index (a changed or moved article counts as removed and added)
    removed: int
    kept: int  # articles that were in the previous index as they are
    embedded: int  # sentences embedded by this build
    warnings: tuple[str, ...] = ()
    full: bool = False  # nothing could be taken over: every article was read and embedded

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.full)


@dataclass
class _Entry:
    """One article of the build being written: where its sentences, spans and vectors come from."""

    article: Article
    sentences: list[Sentence]
    spans: list[tuple[Span, ...]] | None  # the tagger's spans; None: still to tag
    old_rows: list[int] | None  # rows of the previous index holding its vectors; None: still to embed


def build(
    corpus_dir: Path,
    root: Path,
    embedder: Embedder | None = None,
    find_spans: Callable[..., list[tuple[Span, ...]]] | None = None,
    export_query_model: bool = True,
    progress: Stage | None = None,
    on_wait: Callable[[], None] | None = None,
    full: bool = False,
) -> BuildReport:
    """Bring the index up to date with the corpus folder and switch the new build in.

    Articles already in the active index (same content) are taken over; only new and changed
    ones are read, tagged and embedded. ``full`` reads and embeds everything again.
    """
    if not article_files(corpus_dir):  # also says when the folder is missing; before any waiting or writing
        raise CorpusError(f"No readable articles ({', '.join(SUFFIXES)}) in {corpus_dir}: add articles there, or point --corpus at your articles.")
    created = not root.exists()
    try:
        return _build(corpus_dir, root, embedder, find_spans, export_query_model, progress, on_wait, full)
    except CorpusError:
        if created:
            shutil.rmtree(root, ignore_errors=True)  # nothing but the lock file: leave no trace
        raise


def _build(
    corpus_dir: Path,
    root: Path,
    embedder: Embedder | None,
    find_spans: Callable[..., list[tuple[Span, ...]]] | None,
    export_query_model: bool,
    progress: Stage | None,
    on_wait: Callable[[], None] | None,
    full: bool,
) -> BuildReport:
    with build_lock(root, on_wait=on_wait):
        _clean_temporaries(root)
        model = _model_record(embedder)
        old = None if full else _reusable(root, model)
        if old is not None and status(root, corpus_dir).state == "fresh":
            noted = tuple(old.manifest.get("warnings", []))
            return BuildReport(old.folder, len(old.articles), len(old.sentences), 0, 0, len(old.articles), 0, noted)
        if progress:
            progress("Reading articles", 0, 1)
        entries, warnings, files_seen = _plan(corpus_dir, old)
        if progress:
            progress("Reading articles", 1, 1)
        if not entries:
            detail = f" ({'; '.join(warnings[:3])})" if warnings else ""
            raise CorpusError(f"No readable articles ({', '.join(SUFFIXES)}) in {corpus_dir}{detail}: add articles there, or point --corpus at your articles.")
        tmp = root / f".tmp-{os.getpid()}-{time.time_ns()}"
        try:
            tmp.mkdir()
            embedded = _write(tmp, corpus_dir, entries, old, model, embedder, find_spans, export_query_model, progress, warnings, files_seen)
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
    identity = lambda a: (a.path, a.record, a.sha256)  # noqa: E731
    before = {identity(a) for a in old.articles} if old is not None else set()
    after = {identity(e.article) for e in entries}
    return BuildReport(
        folder=final,
        articles=len(entries),
        sentences=sum(len(e.sentences) for e in entries),
        added=len(after - before),
        removed=len(before - after),
        kept=len(after & before),
        embedded=embedded,
        warnings=tuple(warnings),
        full=old is None,
    )


def _model_record(embedder: Embedder | None) -> dict[str, Any]:
    """The manifest's record of the embedding model a build would use (cheap: no model is loaded)."""
    from qa import embed

    if embedder is not None:
        return {"name": getattr(embedder, "name", type(embedder).__name__), "package": embed.MODEL_PACKAGE, "package_version": embed.model_version(), "dim": embedder.dim}
    path = embed.model_dir()
    return {"name": embed.MODEL_NAME, "package": embed.MODEL_PACKAGE, "package_version": embed.model_version(), "sha256": embed.model_hash(path)}


def _reusable(root: Path, model: dict[str, Any]) -> Index | None:
    """The active index when its articles can be taken over: same format, qa and model; else None."""
    from qa import __version__

    try:
        manifest = read_manifest(root)
    except (IndexMissingError, IndexCorruptError):
        return None
    same_model = all(manifest["model"].get(k) == v for k, v in model.items())
    if manifest.get("qa_version") != __version__ or not same_model:
        return None
    try:
        return load(root, preload_query_model=False)
    except IndexCorruptError:
        return None  # a damaged index is rebuilt from the articles


def _same_file(path: Path, seen: dict[str, Any]) -> bool:
    try:
        stat = path.stat()
        if stat.st_size != seen["size"]:
            return False
        return stat.st_mtime_ns == seen["mtime_ns"] or _sha256(path) == seen["sha256"]
    except OSError:
        return False


def _plan(corpus_dir: Path, old: Index | None) -> tuple[list[_Entry], list[str], list[dict[str, Any]]]:
    """The articles of the new build, in path order, each with what can be taken over from ``old``."""
    current = {p.relative_to(corpus_dir).as_posix(): p for p in article_files(corpus_dir)}
    seen = {f["path"]: f for f in old.manifest.get("files_seen", [])} if old is not None else {}
    unchanged = {rel for rel, path in current.items() if rel in seen and _same_file(path, seen[rel])}
    corpus = read_corpus(corpus_dir, only=sorted(set(current) - unchanged))

    entries: list[_Entry] = []
    warnings = [w for w in (old.manifest.get("warnings", []) if old is not None else []) if _warning_path(w) in unchanged]
    warnings += corpus.warnings
    files_seen = [seen[rel] for rel in sorted(unchanged)] + corpus.files + corpus.skipped
    by_content: dict[tuple[str, str], int] = {}
    rows_of: dict[int, list[int]] = {}
    if old is not None:
        for number, article in enumerate(old.articles):
            by_content.setdefault((article.kind, article.sha256), number)
        for row, number in enumerate(old.article_ids().tolist()):
            rows_of.setdefault(number, []).append(row)
        for number, article in enumerate(old.articles):
            if article.path in unchanged:
                rows = rows_of.get(number, [])
                entries.append(_Entry(article, [old.sentences[r] for r in rows], [old.sentences.tagger_spans(r) for r in rows], rows))
    for parsed in corpus.articles:
        entry = _Entry(parsed.article, parsed.sentences, None, None)
        match = by_content.get((parsed.article.kind, parsed.article.sha256))
        if old is not None and match is not None:
            rows = rows_of.get(match, [])
            # Same content, same reader: the same sentences. Their names and vectors are taken over;
            # the records are the new ones (a moved file or JSONL line has a new path or line).
            if [old.sentences[r].text for r in rows] == [s.text for s in parsed.sentences]:
                entry.spans = [old.sentences.tagger_spans(r) for r in rows]
                entry.old_rows = rows
        entries.append(entry)
    entries.sort(key=lambda e: (e.article.path, e.article.record or 0))
    return entries, warnings, files_seen


def _warning_path(warning: str) -> str:
    """The file a corpus warning is about ("skipped PATH: reason" or "skipped PATH:LINE: reason")."""
    rest = warning.removeprefix("skipped ")
    path = rest.split(": ", 1)[0]
    head, _, line = path.rpartition(":")
    return head if head and line.isdigit() else path


def discard_own_temporaries(root: Path) -> None:
    """Remove the half-written folder of this process's build, if any (it is never the active index)."""
    for path in root.glob(f".tmp-{os.getpid()}-*"):
        shutil.rmtree(path, ignore_errors=True)


def _clean_temporaries(root: Path) -> None:
    """Remove the half-written folders of builds that were interrupted (we hold the lock)."""
    for path in root.glob(".tmp-*"):
        shutil.rmtree(path, ignore_errors=True)


READERS = ".readers"


@contextmanager
def reading(root: Path) -> Iterator[None]:
    """Hold the index folder's readers lock (shared) while reading a build folder, so that no build removes it meanwhile."""
    try:
        handle = open(root / READERS, "a+")
    except OSError:  # a read-only index folder: no build can remove anything there either
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_SH)  # waits only while a build removes old build folders
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_old_builds(root: Path, keep: set[str]) -> None:
    """Remove the build folders no longer current, unless a reader is loading one (the next build removes them)."""
    with open(root / READERS, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        try:
            for path in root.glob("build-*"):
                if path.name not in keep:
                    shutil.rmtree(path, ignore_errors=True)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(
    folder: Path,
    corpus_dir: Path,
    entries: list[_Entry],
    old: Index | None,
    model: dict[str, Any],
    embedder: Embedder | None,
    find_spans: Callable[..., list[tuple[Span, ...]]] | None,
    export_query_model: bool,
    progress: Stage | None,
    warnings: list[str],
    files_seen: list[dict[str, Any]],
) -> int:
    """Write a complete index of ``entries`` into ``folder``; returns how many sentences were embedded."""
    import bm25s
    import faiss
    import numpy as np

    from qa import __version__, embed, text
    from qa import dense as dense_index
    from qa.nlp import consistent_labels, referent

    def stage(name: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: progress(name, done, total)) if progress else None

    articles: list[Article] = []
    sentences: list[Sentence] = []
    tagged: list[tuple[Span, ...] | None] = []
    old_rows: list[int] = []  # per sentence: its row in the old index, or -1
    for number, entry in enumerate(entries):
        articles.append(entry.article)
        for k, s in enumerate(entry.sentences):
            sentences.append(Sentence(number, s.paragraph, s.start, s.end, s.line, s.text))
            tagged.append(entry.spans[k] if entry.spans is not None else None)
            old_rows.append(entry.old_rows[k] if entry.old_rows is not None else -1)
    texts = [s.text for s in sentences]
    new = [i for i, r in enumerate(old_rows) if r < 0]

    untagged = [i for i, t in enumerate(tagged) if t is None]
    background = None
    if untagged and find_spans is None:
        from qa.nlp import SpansInBackground

        # spaCy tags in a child process on one core while this one embeds on the other.
        background = SpansInBackground([texts[i] for i in untagged])
    try:
        dim = int(model.get("dim") or (old.dim if old is not None else 0))
        vectors = np.zeros((len(texts), dim), dtype=np.float32) if dim else None
        if new:
            if progress:
                progress("Embedding sentences", 0, len(new))  # the embedding model loads from here
            if embedder is None:
                embedder = embed.SentenceTransformerEmbedder(embed.model_dir())
            fresh = np.ascontiguousarray(embedder.encode([texts[i] for i in new], progress=stage("Embedding sentences")), dtype=np.float32)  # type: ignore[call-arg]
            if fresh.shape != (len(new), embedder.dim):
                raise ModelError(f"The embedder returned vectors of shape {fresh.shape} for {len(new)} sentences.")
            if vectors is None or vectors.shape[1] != embedder.dim:
                vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
            vectors[new] = fresh
        if untagged:
            if progress:
                progress("Finding names and numbers", 0, len(untagged))  # the language model loads from here
            if background is not None:
                found_spans = background.result(progress=stage("Finding names and numbers"))
            else:
                assert find_spans is not None
                found_spans = find_spans([texts[i] for i in untagged], progress=stage("Finding names and numbers"))
            for i, found in zip(untagged, found_spans, strict=True):
                tagged[i] = found
    finally:
        if background is not None:
            background.close()
    raw = [t or () for t in tagged]
    voted = consistent_labels(texts, raw)  # one label per name across the whole corpus, old and new
    sentences = [Sentence(s.article, s.paragraph, s.start, s.end, s.line, s.text, v) for s, v in zip(sentences, voted, strict=True)]

    assert vectors is not None
    if export_query_model and "sha256" in model:
        _query_model(folder, old, model, stage("Exporting the query model"))
    if progress:
        progress("Writing the index", 0, 1)
    reused = [i for i, r in enumerate(old_rows) if r >= 0]
    if reused and old is not None:
        vectors[reused] = old.vectors(np.asarray([old_rows[i] for i in reused], dtype=np.int64))
    dense = dense_index.make(vectors)  # exact while small, an inverted file from 50k sentences
    faiss.write_index(dense, str(folder / "dense.faiss"))
    dense_info = dense_index.describe(dense)
    dim = int(vectors.shape[1])
    del dense, vectors  # about 3 GB at 1M sentences, no longer needed for the lexical index

    lexical = bm25s.BM25()
    # A sentence is matched with its article's title as well: the title says what "she" or "the visit" is about;
    # and one that opens with "He" or "She" with the name of the person it speaks of.
    title_terms = [text.terms(a.title) for a in articles]
    referents = [referent(sentences, row) for row in range(len(sentences))]
    lexical.index([text.terms(s.text) + title_terms[s.article] + (text.terms(r) if r else []) or [""] for s, r in zip(sentences, referents, strict=True)], show_progress=False)
    lexical.save(str(folder / "lexical"), show_progress=False)

    with open(folder / "articles.jsonl", "w", encoding="utf-8") as handle:
        for article in articles:
            handle.write(json.dumps(asdict(article), ensure_ascii=False) + "\n")
    with open(folder / "sentences.jsonl", "w", encoding="utf-8") as handle:
        for s, r in zip(sentences, raw, strict=True):
            spans = [[p.start, p.end, p.label] if p.label == q.label else [p.start, p.end, p.label, q.label] for p, q in zip(s.spans, r, strict=True)]
            handle.write(json.dumps([s.article, s.paragraph, s.start, s.end, s.line, s.text, spans], ensure_ascii=False) + "\n")

    record = {**model, "dim": dim}
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
        "model": record,
        "dense": dense_info,
        "corpus": str(corpus_dir),
        "corpus_fingerprint": fingerprint(articles),
        "counts": {"articles": len(articles), "sentences": len(sentences), "skipped_files": sum(1 for f in files_seen if f.get("reason"))},
        "files_seen": sorted(files_seen, key=lambda f: str(f["path"])),
        "warnings": warnings,
        "files": files,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if progress:
        progress("Writing the index", 1, 1)
    return len(new)


def _link_or_copy(source: str, target: str) -> None:
    """A hard link where the file system allows it (the old build folder goes, the file stays), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _query_model(folder: Path, old: Index | None, model: dict[str, Any], progress: Callable[[int, int], None] | None) -> None:
    """The ONNX copy of the model for questions: linked from the previous build when it is the same model."""
    from qa import embed
    from qa.onnx_embed import export_onnx, is_current

    source = old.folder / QUERY_MODEL if old is not None and old.manifest["model"].get("sha256") == model["sha256"] else None
    if source is not None and is_current(source):
        shutil.copytree(source, folder / QUERY_MODEL, copy_function=_link_or_copy)
        return

    if progress:
        progress(0, 1)
    export_onnx(embed.model_dir(), folder / QUERY_MODEL)
    if progress:
        progress(1, 1)


def load(root: Path, preload_query_model: bool = True) -> Index:
    """Load the active index, checking it against its manifest.

    The query model (the slowest part to open) is opened on a thread meanwhile, unless told not to.
    """
    with reading(root):
        folder = active_folder(root)
        if folder is None:
            raise IndexMissingError(f"There is no index in {root}: build it with qa build.")
        manifest = _manifest_of(folder, root)
        loader = _Background(lambda: _open_query_model_of(root, folder)) if preload_query_model else None
        return _load(folder, manifest, loader)


def _open_query_model_of(root: Path, folder: Path) -> Embedder:
    with reading(root):  # a build that finishes meanwhile leaves this folder in place
        return _open_query_model(folder)


def _load(folder: Path, manifest: dict[str, Any], loader: _Background | None) -> Index:
    import faiss

    from qa import dense as dense_index

    for rel, info in manifest.get("files", {}).items():
        path = folder / rel
        if not path.is_file():
            raise IndexCorruptError(f"The index file {rel} is missing: rebuild the index with qa build.")
        if path.stat().st_size != info["size"] or (info.get("sha256") and _sha256(path) != info["sha256"]):
            raise IndexCorruptError(f"The index file {rel} is damaged (it does not match its checksum): rebuild the index with qa build.")
    try:
        articles = [Article(**json.loads(line)) for line in _read_lines(folder / "articles.jsonl")]
        sentences = SentenceTable(_read_lines(folder / "sentences.jsonl"), [a.sentences for a in articles])
        dense = dense_index.prepare(faiss.read_index(str(folder / "dense.faiss")), manifest.get("dense"))
        lexical = LexicalIndex(folder / "lexical")
    except (OSError, ValueError, TypeError, IndexError, KeyError, RuntimeError) as err:
        raise IndexCorruptError(f"The index in {folder} cannot be read ({type(err).__name__}): rebuild it with qa build.") from err
    counts = manifest["counts"]
    if len(articles) != counts["articles"] or len(sentences) != counts["sentences"] or dense.ntotal != len(sentences) or lexical.num_docs != len(sentences) or dense.d != manifest["model"]["dim"]:
        raise IndexCorruptError(f"The index files in {folder} do not match each other: rebuild the index with qa build.")
    return Index(folder, manifest, articles, sentences, dense, lexical, _loader=loader)


def _read_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class SentenceTable(Sequence[Sentence]):
    """The lines of sentences.jsonl, each read and made a Sentence the first time it is used.

    A question reads a few dozen sentences. Parsing all of them (ten spans each) cost a cold ``ask``
    more than its search: at 10k sentences, 0.1 s of JSON and 0.15 s of spans. A build writes each
    article's sentences together, in the order of articles.jsonl, so the article of every row is
    known from the articles' sentence counts without reading the rows.
    """

    def __init__(self, lines: list[str], counts: Sequence[int]) -> None:
        import numpy as np

        if sum(counts) != len(lines) or any(c < 0 for c in counts):
            raise IndexCorruptError("The sentence table does not hold the sentences its articles count: rebuild the index with qa build --full.")
        self._lines = lines
        self._made: list[Sentence | None] = [None] * len(lines)
        self._articles = np.repeat(np.arange(len(counts), dtype=np.int64), np.asarray(counts, dtype=np.int64))

    def __len__(self) -> int:
        return len(self._lines)

    def row(self, i: int) -> list[Any]:
        """Row ``i`` as written: article, paragraph, start, end, line, text, spans ([start, end, label(, tagger's label)])."""
        try:
            r = json.loads(self._lines[i])
            if type(r) is not list or len(r) != 7 or r[0] != self._articles[i] or type(r[6]) is not list:
                raise ValueError("not a sentence row of this article")
        except ValueError as err:
            raise IndexCorruptError(f"Sentence {i} of the index cannot be read ({err}): rebuild it with qa build --full.") from err
        return r

    def _make(self, i: int) -> Sentence:
        made = self._made[i]
        if made is None:
            r = self.row(i)
            try:
                made = Sentence(r[0], r[1], r[2], r[3], r[4], r[5], tuple(Span(p[0], p[1], p[2]) for p in r[6]))
            except (TypeError, IndexError, KeyError) as err:
                raise IndexCorruptError(f"Sentence {i} of the index cannot be read ({type(err).__name__}): rebuild it with qa build --full.") from err
            self._made[i] = made
        return made

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self._make(j) for j in range(*i.indices(len(self._lines)))]
        if i < 0:
            i += len(self._lines)
        if not 0 <= i < len(self._lines):
            raise IndexError(i)
        return self._make(i)

    def __iter__(self) -> Iterator[Sentence]:
        return (self._make(i) for i in range(len(self._lines)))

    def article_ids(self) -> np.ndarray:
        """Each row's article number."""
        return self._articles

    def tagger_spans(self, i: int) -> tuple[Span, ...]:
        """Row ``i``'s spans with the tagger's own labels, where the corpus-wide vote changed them (read by builds)."""
        try:
            return tuple(Span(p[0], p[1], p[3] if len(p) > 3 else p[2]) for p in self.row(i)[6])
        except (TypeError, IndexError, KeyError) as err:
            raise IndexCorruptError(f"Sentence {i} of the index cannot be read ({type(err).__name__}): rebuild it with qa build --full.") from err
