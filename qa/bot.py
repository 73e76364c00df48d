"""The question-answering core: keeps the index fresh and answers questions with cited evidence."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from qa import about, acronyms, adding
from qa import index as index_mod
from qa.adding import Copy
from qa.answer import Tuning, analyze, answer
from qa.corpus import SUFFIXES, article_files
from qa.errors import CorpusError, IndexWriteError, QuestionError
from qa.index import BuildReport, Index, Stage
from qa.retrieve import Weights, search
from qa.settings import Settings
from qa.types import Answer

MAX_QUESTION_CHARS = 1000

Notify = Callable[[str], None]


def check_question(question: str) -> str:
    """The question with its whitespace folded; QuestionError when it cannot be asked."""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in question):
        raise QuestionError("The question contains control characters: type it as plain text.")
    if "\ufffd" in question or any("\ud800" <= ch <= "\udfff" for ch in question):
        raise QuestionError("The question is not valid UTF-8 text: type it again as plain text.")
    folded = " ".join(question.split())
    if not folded:
        raise QuestionError('The question is empty: ask something, e.g. qa ask "who won the vote?"')
    if len(folded) > MAX_QUESTION_CHARS:
        raise QuestionError(f"The question is {len(folded):,} characters long: ask it in at most {MAX_QUESTION_CHARS:,}.")
    if not any(ch.isalnum() for ch in folded):
        raise QuestionError("The question has no words: ask it in words.")
    return folded


def ensure_index(settings: Settings, notify: Notify | None = None, progress: Stage | None = None, preload_query_model: bool = True) -> Index:
    """Load the index, building or rebuilding it first when the corpus has changed."""
    say = notify or (lambda _message: None)
    if not article_files(settings.corpus):  # also says when the folder is missing
        raise CorpusError(f"No readable articles ({', '.join(SUFFIXES)}) in {settings.corpus}: add articles there (qa add), or point --corpus at your articles.")
    state = index_mod.status(settings.index, settings.corpus)
    if state.state == "missing":
        say(f"No index in {settings.index} yet: building it from {settings.corpus} (once).")
        build(settings, say, progress)
    elif state.state == "stale":
        say(f"The index is out of date ({state.reason}): updating it.")
        try:
            build(settings, say, progress)
        except IndexWriteError as err:
            say(f"Cannot rebuild the index, answering from the old one: {err}")
    return index_mod.load(settings.index, preload_query_model=preload_query_model)


def build(settings: Settings, notify: Notify | None = None, progress: Stage | None = None, full: bool = False) -> BuildReport:
    """Bring the index up to date with the corpus (only new and changed articles are embedded)."""
    say = notify or (lambda _message: None)
    report = index_mod.build(
        settings.corpus,
        settings.index,
        progress=progress,
        on_wait=lambda: say(f"Another qa process is building the index in {settings.index}: waiting for it."),
        full=full,
    )
    for warning in report.warnings:
        say(f"Warning: {warning}")
    return report


def add(settings: Settings, paths: list[Path], replace: bool = False, notify: Notify | None = None, progress: Stage | None = None) -> tuple[list[Copy], BuildReport]:
    """Copy articles (files or folders) into the corpus folder, then bring the index up to date."""
    copies = adding.plan(paths, settings.corpus, replace=replace)
    settings.corpus.mkdir(parents=True, exist_ok=True)
    adding.copy(copies)
    return copies, build(settings, notify, progress)


class Bot:
    """Answers questions over one loaded index."""

    def __init__(self, index: Index, weights: Weights | None = None, tuning: Tuning | None = None) -> None:
        self.index = index
        self.weights = weights or Weights()
        self.tuning = tuning or Tuning()

    def ask(self, question: str, top_k: int = 5) -> Answer:
        """The answer to one question, with up to ``top_k`` pieces of evidence."""
        folded = check_question(question)
        analysis = analyze(folded)
        vector = self.index.query_embedder().encode([analysis.query])[0]
        # Past the hits that are read again, enough to show top_k pieces of evidence when paraphrases merge.
        hits = search(self.index, vector, analysis.query, k=self.tuning.evidence_pool + top_k, weights=self.weights, pool=self.tuning.evidence_pool)
        result = None
        abbreviation = acronyms.asks(folded)
        if abbreviation is not None:  # "What does FOIP stand for?": where an article defines it
            result = acronyms.answer(self.index, abbreviation, hits, folded, analysis.kind, top_k)
        field = about.asks(folded) if result is None else None
        if field is not None:
            # "Who wrote the article about the call?": the byline of the article that tells the evidence best (read
            # as a question about the call, in the reranker's order) answers it, not a name in the text.
            told = answer(self.index, replace(analysis, kind=None), hits, top_k=top_k, tuning=self.tuning)
            result = about.answer(self.index, field, told, top_k)
        if result is None:  # a question about the news, or no article gives the field it asks for
            result = answer(self.index, analysis, hits, top_k=top_k, tuning=self.tuning)
        return result if result.question == question else _with_question(result, question)


def _with_question(result: Answer, question: str) -> Answer:
    return replace(result, question=question)
