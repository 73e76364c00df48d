"""Test helpers: fakes for the models, corpus writers and a runner for qa as a real process."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa import index as index_mod
from qa.types import Span

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


# ---------------------------------------------------------------- fakes


class HashEmbedder:
    """A deterministic bag-of-words embedder: each word hashed into one of ``dim`` buckets, L2-normalized."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.calls = 0

    def encode(self, texts, progress=None) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            if not out[row].any():
                out[row, 0] = 1.0
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        if progress:
            progress(len(texts), len(texts))
        return out


class ConstantEmbedder:
    """Every text gets the same unit vector: the dense retriever carries no signal at all."""

    dim = 8

    def encode(self, texts, progress=None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def no_spans(texts, progress=None):
    """A find_spans that finds nothing."""
    return [() for _ in texts]


def number_spans(texts, progress=None):
    """A find_spans that labels every run of digits (with inner commas or dots) as a CARDINAL."""
    return [tuple(Span(m.start(), m.end(), "CARDINAL") for m in re.finditer(r"\d+(?:[.,]\d+)*", t)) for t in texts]


def name_spans(texts, progress=None):
    """number_spans, and every pair of capitalised words ("Maria Lopez") a PERSON."""
    people = [tuple(Span(m.start(), m.end(), "PERSON") for m in re.finditer(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", t)) for t in texts]
    return [tuple(sorted(n + p, key=lambda s: (s.start, s.end))) for n, p in zip(number_spans(texts), people, strict=True)]


def fake_build(corpus: Path, root: Path, embedder=None, find_spans=number_spans, **kwargs):
    """qa.index.build with the fake embedder and spans, and no ONNX export."""
    return index_mod.build(corpus, root, embedder=embedder or HashEmbedder(), find_spans=find_spans, export_query_model=False, **kwargs)


def fake_bot(folder: Path, files: dict[str, str | bytes]):
    """A Bot over an index of ``files`` (written to ``folder``/corpus) built and queried with the fake embedder; and
    that corpus folder."""
    from qa.bot import Bot

    corpus = write_corpus(folder / "corpus", files)
    fake_build(corpus, folder / "index")
    index = index_mod.load(folder / "index")
    embedder = HashEmbedder()
    index.query_embedder = lambda: embedder  # type: ignore[method-assign]
    return corpus, Bot(index)


# ---------------------------------------------------------------- corpora

TINY = {
    "volcano.txt": (
        "Volcano Erupts Near Grindavik\n"
        "2024-03-01\n"
        "\n"
        "The Fagradalsfjall volcano erupted late on Friday night. "
        "Lava flowed toward the fishing town of Grindavik.\n"
        "\n"
        "About 3,700 residents were evacuated before dawn. Officials said nobody was hurt.\n"
    ),
    "budget.md": (
        "# City Council Approves Budget\n"
        "\n"
        "The council approved a budget of 12 million dollars on Tuesday. "
        "The mayor praised the vote.\n"
        "\n"
        "Critics said the plan ignores housing and transit.\n"
    ),
    "sport/final.txt": (
        "Rovers Win The Cup\n"
        "\n"
        "The Rovers beat the Wanderers 3-1 in the final at Riverside Stadium. "
        "Thousands of fans celebrated downtown until midnight.\n"
    ),
}


def write_corpus(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text or bytes) below ``folder``; text is written byte for byte as UTF-8."""
    folder.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return folder


def read_raw(path: Path) -> str:
    """A file's text as the offsets count it."""
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


# ---------------------------------------------------------------- the real index of the seeds


@dataclass(frozen=True)
class SeedIndex:
    corpus: Path
    index: Path


def qa_env() -> dict[str, str]:
    """An environment for running qa in a subprocess: no inherited QA_* settings, no terminal width; a crash
    prints where it happened (faulthandler)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_") and k not in ("COLUMNS", "LINES")}
    env["TOKENIZERS_PARALLELISM"] = "false"
    env["PYTHONFAULTHANDLER"] = "1"
    return env


QA = (sys.executable, "-m", "qa")  # the qa command, as a real process


def run_qa(*args: str, input: str | None = None, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m qa`` as a real process, stdout and stderr captured as text."""
    return subprocess.run(
        [*QA, *args],
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=qa_env(),
        cwd=cwd,
        timeout=timeout,
    )


# ---------------------------------------------------------------- the JSON contract of qa ask --json


def check_contract(data: dict) -> None:
    assert set(data) == {"question", "answered", "answer", "confidence", "evidence"}
    assert isinstance(data["question"], str)
    assert isinstance(data["answered"], bool)
    assert data["answer"] is None or isinstance(data["answer"], str)
    assert isinstance(data["confidence"], float)
    assert isinstance(data["evidence"], list)
    for evidence in data["evidence"]:
        assert set(evidence) == {"text", "score", "answer_span", "sources"}
        assert isinstance(evidence["text"], str)
        assert isinstance(evidence["score"], float)
        span = evidence["answer_span"]
        assert span is None or (isinstance(span, list) and len(span) == 2 and all(type(x) is int for x in span))
        assert isinstance(evidence["sources"], list) and evidence["sources"]
        for src in evidence["sources"]:
            # The contract's keys always; what is known of the article (url, outlet, date, author) when it is;
            # offsets_into when the offsets do not index the file itself (a web page's text, a JSONL record's).
            assert {"path", "title", "start", "end", "line"} <= set(src) <= {
                "path", "title", "start", "end", "line", "url", "outlet", "date", "author", "offsets_into"
            }
            assert src.get("offsets_into", "extracted_text") in ("extracted_text", "record_text")
            assert isinstance(src["path"], str) and isinstance(src["title"], str)
            assert all(type(src[key]) is int for key in ("start", "end", "line"))
