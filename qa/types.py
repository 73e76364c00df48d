"""Small immutable records passed between the layers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One article file of the corpus and what its text says about itself."""

    path: str  # POSIX path relative to the corpus folder
    title: str
    sha256: str
    size: int
    mtime_ns: int
    date: str | None = None
    author: str | None = None
    outlet: str | None = None
    sentences: int = 0


@dataclass(frozen=True)
class Span:
    """A typed stretch of a sentence (entity, number, name); offsets are relative to the sentence."""

    start: int
    end: int
    label: str


@dataclass(frozen=True)
class Sentence:
    """One sentence, located by character offsets in its article's text."""

    article: int
    paragraph: int
    start: int
    end: int
    line: int
    text: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Source:
    """Where a piece of evidence stands: the article and the sentence's offsets in it."""

    path: str
    title: str
    start: int
    end: int
    line: int
    outlet: str | None = None
    date: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Evidence:
    """A sentence that supports the answer, cited to every article that reports it."""

    text: str
    score: float
    sentence: int  # row of the representative sentence in the index
    answer_span: tuple[int, int] | None = None
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Answer:
    """The reply to one question."""

    question: str
    answered: bool
    answer: str | None
    short: bool  # the answer is a short span, not the whole best sentence
    confidence: float
    expected: str | None = None  # the kind of answer the question asks for
    evidence: tuple[Evidence, ...] = field(default=())
