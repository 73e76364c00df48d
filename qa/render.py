"""Rendering answers for the terminal and as JSON. The only module that imports rich."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from qa.types import Answer, Article, Evidence, Sentence, Source


def safe(text: str) -> str:
    """Article text made inert for a terminal: control and bidi-control characters shown as escapes."""
    out = []
    for ch in text:
        if ch in "\n\r\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u00ad\u200d":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return " ".join("".join(out).split(" ")).strip()


def source_path(corpus: Path, source: Source | Article) -> str:
    """The cited file as a path that opens from where qa runs (with the line of a JSONL record)."""
    path = (corpus / source.path).as_posix()
    return f"{path}:{source.record}" if source.record is not None else path


# What a citation's character offsets point into, where it is not the file's text itself.
OFFSETS_INTO = {"html": "extracted_text", "jsonl": "record_text"}


def _where(source: Source) -> str:
    """Where a sentence stands in its article, as a citation says it."""
    if source.kind == "html":
        return f"chars {source.start}–{source.end} of the text extracted from the page"
    if source.kind == "jsonl":
        return f"line {source.line}, chars {source.start}–{source.end} of the record's text"
    return f"line {source.line}, chars {source.start}–{source.end}"


def _location(corpus: Path, source: Source) -> str:
    """The file and line to open: the sentence's line, the JSONL record's line, or the page."""
    if source.kind == "text":
        return f"{source_path(corpus, source)}:{source.line}"
    return source_path(corpus, source)


def _article_key(source: Source) -> tuple[str, int | None]:
    return (source.path, source.record)


def cited_articles(answer: Answer) -> list[Source]:
    """The articles the evidence cites, numbered in order of first citation (one source each)."""
    seen: dict[tuple[str, int | None], Source] = {}
    for evidence in answer.shown():
        for source in evidence.sources:
            seen.setdefault(_article_key(source), source)
    return list(seen.values())


def render_answer(answer: Answer, corpus: Path, show_confidence: bool = True) -> RenderableType:
    """The answer in bold, the evidence with the answer highlighted, citations numbered by article."""
    articles = cited_articles(answer)
    number = {_article_key(s): i for i, s in enumerate(articles, start=1)}
    parts: list[RenderableType] = []
    if answer.answered:
        head = Text(safe(answer.answer or ""), style="bold green")
    else:
        head = Text("The articles do not answer this question.", style="bold yellow")
    if show_confidence:
        head.append(f"   confidence {answer.confidence:.2f}", style="dim")
    parts.append(head)
    if not answer.evidence:
        return Group(*parts)
    supporting = answer.supporting()
    related = answer.shown()[len(supporting) :]
    sections = [("Evidence", supporting), ("Related reading (not an answer)" if not supporting else "Related reading (does not state the answer)", related)]
    rank = 0
    for title, shown in sections:
        if not shown:
            continue
        parts.append(Text(""))
        parts.append(Text(title, style="bold underline"))
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", style="dim", no_wrap=True)
        table.add_column(ratio=1)
        for evidence in shown:
            rank += 1
            body = _highlighted(evidence.text, evidence.answer_span if answer.answered else None)
            refs = sorted({number[_article_key(s)] for s in evidence.sources})
            body.append(" " + "".join(f"[{n}]" for n in refs), style="cyan")
            cited = sorted(evidence.sources, key=lambda s: number[_article_key(s)])
            where = " · ".join(f"[{number[_article_key(s)]}] {_where(s)}" for s in cited)
            if len(refs) > 1:
                where = f"reported by {len(refs)} sources · {where}"
            body.append("\n" + where, style="dim")
            table.add_row(f"{rank}.", body)
        parts.append(table)
    parts.append(Text(""))
    parts.append(Text("Sources", style="bold underline"))
    listing = Table.grid(padding=(0, 1))
    listing.add_column(justify="right", style="cyan", no_wrap=True)
    listing.add_column(ratio=1)
    for i, source in enumerate(articles, start=1):
        line = _article_line(source.title, (source.author, source.outlet, source.date), source_path(corpus, source), source.url)
        listing.add_row(f"[{i}]", line)
    parts.append(listing)
    return Group(*parts)


def _article_line(title: str, meta: tuple[str | None, ...], path: str, url: str | None = None) -> Text:
    """An article as cited: its title in bold, author, outlet and date, its file and its URL."""
    line = Text(safe(title), style="bold", overflow="fold")  # a long path folds, never cut: it is there to be opened
    known = [m for m in meta if m]
    if known:
        line.append(" · " + " · ".join(safe(m) for m in known), style="dim")
    line.append("\n" + safe(path), style="magenta")
    if url:
        line.append("\n" + safe(url), style="blue")
    return line


def _highlighted(text: str, span: tuple[int, int] | None) -> Text:
    if span is None:
        return Text(safe(text))
    start, end = span
    out = Text(safe(text[:start]))
    if text[:start] and text[start - 1].isspace():
        out.append(" ")
    out.append(safe(text[start:end]), style="bold reverse")
    rest = text[end:]
    if rest and rest[0].isspace():
        out.append(" ")
    out.append(safe(rest))
    return out


def answer_json(answer: Answer, corpus: Path) -> dict[str, Any]:
    """The answer as the JSON contract of ``qa ask --json``."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.answer if answer.answered else None,
        "confidence": answer.confidence,
        "evidence": [
            {
                "text": e.text,
                "score": e.score,
                "answer_span": list(e.answer_span) if e.answer_span and answer.answered else None,
                "sources": [
                    _source_json(s, corpus)
                    for s in e.sources
                ],
            }
            for e in answer.evidence
        ],
    }


def _source_json(source: Source, corpus: Path) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": (corpus / source.path).as_posix(),
        "title": source.title,
        "start": source.start,
        "end": source.end,
        "line": source.line,
    }
    if source.kind != "text":  # the offsets index the page's extracted text, or the record's text field
        out["offsets_into"] = OFFSETS_INTO[source.kind]
    for key in ("url", "outlet", "date", "author"):
        value = getattr(source, key)
        if value:
            out[key] = value
    return out


def error_console() -> Console:
    """The console for messages and progress: standard error."""
    return Console(stderr=True, highlight=False)


def output_console() -> Console:
    """The console for answers: standard output, no automatic highlighting of article text."""
    return Console(highlight=False, emoji=False)


def message(console: Console, text: str, style: str = "dim") -> None:
    """One line of status on the console, shown literally and never wrapped."""
    console.print(Text(safe(text), style=style), soft_wrap=True)


class BuildProgress:
    """A progress bar for each stage of a build, on standard error."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=False,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Callable[[str, int, int], None]:
        return self.update

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Leave the bars as they are and give the terminal back (its cursor shown); again does nothing."""
        if self.tasks:
            self.progress.stop()
            self.tasks = {}

    def update(self, stage: str, done: int, total: int) -> None:
        if not self.tasks:
            self.progress.start()  # only once there is something to show: no blank line otherwise
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


# ---------------------------------------------------------------- chat


def chat_banner(articles: int, sentences: int, corpus: Path) -> RenderableType:
    """What the chat knows and how to get help."""
    head = Text("qa chat", style="bold")
    head.append(f" · {articles:,} article{'s' * (articles != 1)}, {sentences:,} sentences from {safe(corpus.as_posix())}", style="")
    tail = Text("Ask a question, then follow it up (\"and her rival?\"). /help for the commands, Ctrl-D to quit.", style="dim")
    return Group(head, tail)


def chat_searched(searched: str) -> Text:
    """The question as it was searched, when the conversation completed it: dimmed."""
    return Text(f"searched: {safe(searched)}", style="dim italic")


def chat_question(question: str) -> Text:
    """A question read from a script, shown above its answer."""
    return Text(f"> {safe(question)}", style="bold")


def chat_help(commands: Sequence[tuple[str, str]], keys: Sequence[tuple[str, str]]) -> RenderableType:
    """The chat's commands and keys."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="cyan", no_wrap=True)
    table.add_column()
    for usage, text in commands:
        table.add_row(usage, text)
    table.add_row("", "")
    for key, text in keys:
        table.add_row(key, text)
    intro = Text("Ask in plain words. A follow-up (\"how many votes did she get?\", \"and her rival?\") is completed from the last "
                 "questions and answers; the question as searched is shown dimmed.", style="dim")
    return Group(intro, Text(""), table)


def render_sources(articles: Sequence[Article], corpus: Path) -> RenderableType:
    """The articles of the corpus: number, title, date and outlet, file, how many sentences."""
    if not articles:
        return Text("The index holds no articles.", style="yellow")
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right", style="cyan", no_wrap=True)
    table.add_column(ratio=1)
    for number, article in enumerate(articles, start=1):
        line = _article_line(article.title, (article.author, article.outlet, article.date), source_path(corpus, article), article.url)
        line.append(f" · {article.sentences:,} sentence{'s' * (article.sentences != 1)}", style="dim")
        table.add_row(f"{number}.", line)
    total = sum(a.sentences for a in articles)
    return Group(table, Text(f"{len(articles):,} article{'s' * (len(articles) != 1)}, {total:,} sentences", style="dim"))


def render_paragraph(
    number: int, evidence: Evidence, article: Article, paragraph: Sequence[Sentence], highlighted: int, corpus: Path
) -> RenderableType:
    """Evidence ``number`` in its paragraph, its sentence highlighted, with where it stands."""
    head = Text(f"Evidence {number}", style="bold underline")
    where = Text(safe(article.title), style="bold")
    sentence = paragraph[highlighted]
    cited = Source(article.path, article.title, sentence.start, sentence.end, sentence.line, kind=article.kind, record=article.record)
    where.append(f"\n{safe(_location(corpus, cited))}", style="magenta")
    where.append(f"  {_where(cited)}", style="dim")
    if article.url:
        where.append(f"\n{safe(article.url)}", style="blue")
    body = Text()
    for i, part in enumerate(paragraph):
        if i:
            body.append(" ")
        body.append(safe(part.text), style="bold reverse" if i == highlighted else "")
    parts: list[RenderableType] = [head, where, Text(""), body]
    others = [s for s in evidence.sources if not (_article_key(s) == (article.path, article.record) and s.start == sentence.start)]
    if others:
        also = Text("\nAlso reported by:", style="dim")
        for source in others:
            also.append(f"\n  {safe(_location(corpus, source))}  {safe(source.title)}", style="dim")
        parts.append(also)
    return Group(*parts)
