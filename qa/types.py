"""Small immutable records passed between the layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class HeaderLine(NamedTuple):
    """A line of an article's header that gives its title, author, date or outlet, located in its text."""

    field: str  # "title", "author", "date" or "outlet"
    start: int
    end: int
    line: int
    text: str


@dataclass(frozen=True)
class Article:
    """One article of the corpus and what it says about itself.

    A text or Markdown file, or a saved web page, is one article; a JSONL export holds one a line.
    Sentence offsets index the article's text: the file itself (``kind`` "text"), the text extracted
    from the page ("html"), or the record's ``text`` field ("jsonl", whose ``record`` is its line).
    """

    path: str  # POSIX path relative to the corpus folder
    title: str
    sha256: str  # of the article's content: the file's text, the page, or the record's line
    size: int
    mtime_ns: int
    date: str | None = None
    author: str | None = None
    outlet: str | None = None
    sentences: int = 0
    url: str | None = None
    kind: str = "text"  # "text", "html" or "jsonl": what the sentence offsets point into
    record: int | None = None  # JSONL: the line of the file that holds the article
    header: tuple[HeaderLine, ...] = ()  # where a text file's header gives the title, author, date or outlet

    def __post_init__(self) -> None:
        if type(self.header) is not tuple or not all(type(h) is HeaderLine for h in self.header):  # read back from JSON as lists
            object.__setattr__(self, "header", tuple(HeaderLine(*h) for h in self.header))


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
    url: str | None = None
    kind: str = "text"  # as Article.kind: what start and end point into
    record: int | None = None  # JSONL: the line of the file that holds the article

    @classmethod
    def of(cls, article: Article, start: int, end: int, line: int) -> Source:
        """The citation of ``article`` at ``start:end`` (on ``line``), with what the article says about itself."""
        a = article
        return cls(a.path, a.title, start, end, line, a.outlet, a.date, a.author, a.url, a.kind, a.record)


@dataclass(frozen=True)
class Evidence:
    """A sentence that supports the answer, cited to every article that reports it."""

    text: str
    score: float
    sentence: int  # row of the representative sentence in the index; -1 for a header line (a byline, a date line)
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

    def supporting(self) -> tuple[Evidence, ...]:
        """The evidence that states the answer: with a short answer, the sentences that hold it; with a sentence for
        an answer, all of it; none when the question is not answered."""
        if not self.answered:
            return ()
        if self.short and any(e.answer_span is not None for e in self.evidence):
            return tuple(e for e in self.evidence if e.answer_span is not None)
        return self.evidence

    def shown(self) -> tuple[Evidence, ...]:
        """The evidence in the order it is shown and numbered: what states the answer, then the related reading."""
        first = self.supporting()
        return first + tuple(e for e in self.evidence if e not in first)
