"""The command line: parses options, calls the core, turns errors into one-line messages."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from qa import __version__
from qa.errors import EXIT_INTERRUPTED, QAError
from qa.settings import DEFAULT_CORPUS, DEFAULT_INDEX, DEFAULT_TOP_K, Settings

app = typer.Typer(
    name="qa",
    help="Ask questions about a folder of news articles; get the answer with the sentences that support it, cited.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: formatting it with rich costs half a second of imports
)

CorpusOption = Annotated[Path, typer.Option("--corpus", envvar="QA_CORPUS", help="Folder of articles (.txt, .md, .html, .htm, .jsonl).", show_default=True)]
IndexOption = Annotated[Path, typer.Option("--index", envvar="QA_INDEX", help="Folder of the index.", show_default=True)]
TopKOption = Annotated[int, typer.Option("--top-k", min=1, max=50, help="How many pieces of evidence to show.")]
TracebackOption = Annotated[bool, typer.Option("--traceback", envvar="QA_TRACEBACK", help="Show the full error for bug reports.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qa {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = None,  # noqa: UP045
) -> None:
    """Ask questions about a folder of news articles; get the answer with the sentences that support it, cited."""


@contextmanager
def _errors(traceback: bool = False) -> Iterator[None]:
    """Turn the core's errors into one line on standard error and an exit code."""
    from qa.render import error_console, message

    try:
        yield
    except QAError as err:
        if traceback:
            raise
        message(error_console(), f"Error: {err}", style="bold red")
        raise typer.Exit(err.exit_code) from None
    except KeyboardInterrupt:
        message(error_console(), "Interrupted.", style="yellow")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except typer.Exit:
        raise
    except Exception as err:  # the one place that catches everything: users see a line, not a traceback
        if traceback:
            raise
        message(error_console(), f"Unexpected error: {type(err).__name__}: {err}. Run again with --traceback to see where.", style="bold red")
        raise typer.Exit(2) from None


@contextmanager
def _building(console: Any, index: Path) -> Iterator[Any]:
    """Progress bars for a command that may build the index; Ctrl-C meanwhile ends the process at once.

    Raised as KeyboardInterrupt, a Ctrl-C unwinds through whatever is running: importing torch, embedding,
    exporting the query model. Those are not all safe to interrupt (one such process died of a segmentation
    fault instead of exiting). So here the signal stops the bars, removes this process's half-written build
    folder (the active index is never touched before the switch), says so and leaves with 130. The build
    lock goes with the process.
    """
    import signal
    import threading

    from qa import index as index_mod
    from qa.render import BuildProgress, message

    shown = BuildProgress(console)

    def leave(_signum: int, _frame: object) -> None:
        shown.stop()
        index_mod.discard_own_temporaries(index)
        message(console, "Interrupted.", style="yellow")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)

    # Only the main thread may set a handler; and a Ctrl-C that the process was told to ignore (started in the
    # background by a script) stays ignored.
    handles = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    previous = signal.signal(signal.SIGINT, leave) if handles else None
    try:
        with shown as progress:
            yield progress
    finally:
        if handles:
            signal.signal(signal.SIGINT, previous)


@app.command()
def build(
    corpus: CorpusOption = DEFAULT_CORPUS,
    index: IndexOption = DEFAULT_INDEX,
    full: Annotated[bool, typer.Option("--full", help="Read and embed every article again, not only new and changed ones.")] = False,
    traceback: TracebackOption = False,
) -> None:
    """Bring the index up to date with the corpus folder: new and changed articles are embedded, removed ones leave it."""
    from qa import bot
    from qa.render import error_console, message

    settings = Settings(corpus=corpus, index=index)
    console = error_console()
    with _errors(traceback):
        with _building(console, index) as progress:
            report = bot.build(settings, lambda text: message(console, text), progress, full=full)
        message(console, _built(report, corpus, index), style="green")


@app.command()
def add(
    paths: Annotated[list[Path], typer.Argument(help="Article files (.txt, .md, .html, .htm, .jsonl) or folders of them.", show_default=False)],
    corpus: CorpusOption = DEFAULT_CORPUS,
    index: IndexOption = DEFAULT_INDEX,
    replace: Annotated[bool, typer.Option("--replace", help="Replace an article of the same name that differs (an updated story).")] = False,
    traceback: TracebackOption = False,
) -> None:
    """Copy articles into the corpus folder and index them (only what is new is embedded).

    A folder is copied as a folder of the corpus. A file of the same name already in the corpus is left alone
    when it is the same, and only replaced with --replace when it differs. Dropping files into the corpus folder,
    or deleting them, works too: the index follows the folder the next time it is used.
    """
    from qa import bot
    from qa.render import error_console, message

    settings = Settings(corpus=corpus, index=index)
    console = error_console()
    with _errors(traceback):
        with _building(console, index) as progress:
            copies, report = bot.add(settings, paths, replace=replace, notify=lambda text: message(console, text), progress=progress)
        states = [c.state for c in copies]
        parts = [f"{states.count('new'):,} file{'s' * (states.count('new') != 1)} added"]
        if states.count("replace"):
            parts.append(f"{states.count('replace'):,} replaced")
        if states.count("same"):
            parts.append(f"{states.count('same'):,} already there")
        message(console, f"{', '.join(parts)} in {corpus}.", style="green")
        message(console, _built(report, corpus, index), style="green")


@app.command()
def sources(
    corpus: CorpusOption = DEFAULT_CORPUS,
    index: IndexOption = DEFAULT_INDEX,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per article.")] = False,
    traceback: TracebackOption = False,
) -> None:
    """List the indexed articles: title, author, outlet, date, file, URL and sentence count."""
    from dataclasses import asdict

    from qa import bot
    from qa.render import error_console, message, output_console, render_sources, source_path

    settings = Settings(corpus=corpus, index=index)
    console = error_console()
    with _errors(traceback):
        with _building(console, index) as progress:
            loaded = bot.ensure_index(settings, lambda text: message(console, text), progress, preload_query_model=False)
        if as_json:
            for article in loaded.articles:
                record = {k: v for k, v in asdict(article).items() if v is not None and k not in ("mtime_ns", "kind")}
                record["path"] = source_path(corpus, article).rsplit(":", 1)[0] if article.record is not None else source_path(corpus, article)
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            output_console().print(render_sources(loaded.articles, corpus))


def _built(report: Any, corpus: Path, index: Path) -> str:
    """What a build did, in one line."""
    held = f"{report.sentences:,} sentences from {report.articles:,} article{'s' * (report.articles != 1)}"
    if not report.changed:
        return f"The index {index} of {corpus} is up to date: {held}."
    if report.full:
        return f"Indexed {held} of {corpus} into {index}."
    changes = [f"{report.added:,} new or changed", f"{report.removed:,} removed", f"{report.kept:,} unchanged"]
    return f"Updated the index {index}: {', '.join(changes)} ({report.embedded:,} sentences embedded); it holds {held}."


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help='The question, in quotes; "-" reads one question per line from standard input.')],
    corpus: CorpusOption = DEFAULT_CORPUS,
    index: IndexOption = DEFAULT_INDEX,
    top_k: TopKOption = DEFAULT_TOP_K,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per question.")] = False,
    traceback: TracebackOption = False,
) -> None:
    """Answer a question from the articles, citing the sentences that support the answer.

    Exit code: 0 when the articles answer (every question, with "-"), 1 when they do not, 2 on an error.
    """
    from qa import bot
    from qa.render import answer_json, error_console, message, output_console, render_answer

    settings = Settings(corpus=corpus, index=index, top_k=top_k)
    err_console = error_console()
    with _errors(traceback):
        if question != "-":
            bot.check_question(question)
        with _building(err_console, index) as progress:
            loaded = bot.ensure_index(settings, lambda text: message(err_console, text), progress)
        qa_bot = bot.Bot(loaded)
        if question != "-":
            result = qa_bot.ask(question, top_k=top_k)
            if as_json:
                sys.stdout.write(json.dumps(answer_json(result, corpus), ensure_ascii=False) + "\n")
            else:
                output_console().print(render_answer(result, corpus))
            raise typer.Exit(0 if result.answered else 1)
        code = 0
        out = output_console()
        for number, raw in enumerate(sys.stdin.buffer, start=1):
            # Undecodable bytes become lone surrogates, which check_question rejects for that line alone.
            line = raw.decode("utf-8", errors="surrogateescape").rstrip("\r\n")
            if not line.strip():
                continue
            try:
                result = qa_bot.ask(line, top_k=top_k)
            except QAError as err:
                code = 2
                if as_json:
                    shown = line.encode("utf-8", errors="replace").decode("utf-8")
                    sys.stdout.write(json.dumps({"question": shown, "error": str(err)}, ensure_ascii=False) + "\n")
                else:
                    message(err_console, f"Line {number}: {err}", style="bold red")
                continue
            if not result.answered:
                code = max(code, 1)
            if as_json:
                sys.stdout.write(json.dumps(answer_json(result, corpus), ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                out.print(render_answer(result, corpus))
                out.rule()
        raise typer.Exit(code)


@app.command()
def chat(
    corpus: CorpusOption = DEFAULT_CORPUS,
    index: IndexOption = DEFAULT_INDEX,
    top_k: TopKOption = DEFAULT_TOP_K,
    as_json: Annotated[bool, typer.Option("--json", help='One JSON object per question: the "ask --json" object plus "searched".')] = False,
    traceback: TracebackOption = False,
) -> None:
    """Talk with the articles: ask, then follow up ("how many votes did she get?", "and her rival?").

    A follow-up is completed from the last questions and answers before it is searched; the search is shown.
    Commands: /help, /sources, /show N, /clear, /quit. When standard input is not a terminal, reads one question
    per line and answers each in turn, keeping the conversation.

    Exit code: 0 at the end (/quit, Ctrl-D, end of input), 2 on an error, 130 after Ctrl-C twice in a row.
    """
    from qa import bot
    from qa import chat as chat_mod
    from qa import index as index_mod
    from qa.render import error_console, message

    settings = Settings(corpus=corpus, index=index, top_k=top_k)
    err_console = error_console()
    interactive = sys.stdin.isatty()
    with _errors(traceback):

        def say(text: str) -> None:
            message(err_console, text)

        loaded = None
        if index_mod.status(index, corpus).state != "fresh":
            with _building(err_console, index) as progress:
                loaded = bot.ensure_index(settings, say, progress)

        def load() -> tuple[bot.Bot, chat_mod.Library]:
            ready = loaded or bot.ensure_index(settings, say)
            ready.query_embedder()  # the model opens now, not at the first question
            return bot.Bot(ready), chat_mod.Library.of(ready.articles, ready.sentences)

        # The index and the model load while the user types the first question.
        background = chat_mod.Background(load)
        try:
            counts = index_mod.read_manifest(index)["counts"]
            conversation = chat_mod.Chat(lambda q: background.get()[0].ask(q, top_k=top_k), lambda: background.get()[1])
            view = _ChatView(corpus, as_json, interactive)
            if interactive:
                view.banner(counts["articles"], counts["sentences"])
                code = _interactive(conversation, view, background)
                background.wait(timeout=60)
                background.check()  # a damaged index is reported even if no question was asked
            else:
                code = chat_mod.run(conversation, chat_mod.lines_of(sys.stdin.buffer), view.show)
        finally:
            background.wait(timeout=60)  # a model half-opened on a thread may abort the interpreter as it exits
        raise typer.Exit(code)


def _interactive(conversation: Any, view: _ChatView, background: Any) -> int:
    """The chat at a terminal: line editing and history (readline), Ctrl-C abandons the line."""
    from qa import chat as chat_mod

    history = chat_mod.history_file()
    try:
        import readline
    except ImportError:  # no line editing on this platform: plain input() still works
        readline = None  # type: ignore[assignment]
    if readline is not None:
        readline.set_history_length(1000)
        try:
            readline.read_history_file(history)
        except (OSError, UnicodeDecodeError):
            pass  # no history yet, or unreadable: start afresh
    prompt = "> " if sys.stdout.isatty() else ""

    def read() -> str:
        background.check()  # the load failed while the user was typing: say so now
        return input(prompt)

    try:
        return chat_mod.run(conversation, read, view.show, view.interrupted)
    finally:
        if sys.stdout.isatty():
            sys.stdout.write("\n")
        if readline is not None:
            try:
                history.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(history)
            except OSError:
                pass  # history is a convenience: never fail the chat for it


class _ChatView:
    """Shows the chat's replies: rich text at a terminal or from a script, JSON lines with --json."""

    def __init__(self, corpus: Path, as_json: bool, interactive: bool) -> None:
        from qa.render import error_console, output_console

        self.corpus = corpus
        self.as_json = as_json
        self.interactive = interactive
        self.out = output_console()
        self.err = error_console()

    def banner(self, articles: int, sentences: int) -> None:
        from qa.render import chat_banner

        (self.err if self.as_json else self.out).print(chat_banner(articles, sentences, self.corpus))

    def interrupted(self, twice: bool) -> None:
        from qa.render import message

        self.err.print()
        if not twice:
            message(self.err, "(Ctrl-C again to quit, or Ctrl-D; /help for the commands)")

    def show(self, reply: Any) -> None:
        from qa import chat as chat_mod

        if self.as_json:
            data = self._as_json(reply)
            if data is not None:
                sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            return
        from qa import render

        if not self.interactive and not isinstance(reply, chat_mod.Problem | chat_mod.Cleared | chat_mod.Quit):
            # A script's output reads as a transcript: each line it sent, then the reply.
            said = reply.question if isinstance(reply, chat_mod.Answered) else f"/show {reply.number}" if isinstance(reply, chat_mod.Shown) else "/help" if isinstance(reply, chat_mod.Help) else "/sources"
            self.out.print(render.chat_question(said))
        if isinstance(reply, chat_mod.Answered):
            if reply.searched != reply.question:
                self.out.print(render.chat_searched(reply.searched))
            self.out.print(render.render_answer(reply.answer, self.corpus))
        elif isinstance(reply, chat_mod.Problem):
            render.message(self.err, reply.message, style="bold red")
        elif isinstance(reply, chat_mod.Help):
            self.out.print(render.chat_help([(c.usage, c.help) for c in reply.commands], reply.keys))
        elif isinstance(reply, chat_mod.Sources):
            self.out.print(render.render_sources(reply.articles, self.corpus))
        elif isinstance(reply, chat_mod.Shown):
            self.out.print(render.render_paragraph(reply.number, reply.evidence, reply.article, reply.paragraph, reply.highlighted, self.corpus))
        elif isinstance(reply, chat_mod.Cleared):
            render.message(self.out if self.interactive else self.err, "Conversation cleared: the next question starts afresh.")
        if isinstance(reply, chat_mod.Answered | chat_mod.Shown | chat_mod.Sources | chat_mod.Help):
            if self.interactive:
                self.out.print()
            else:
                self.out.rule()

    def _as_json(self, reply: Any) -> dict[str, Any] | None:
        """One line of ``--json`` output: a question's answer is the ``ask --json`` object plus "searched"."""
        from qa import chat as chat_mod
        from qa.render import answer_json

        if isinstance(reply, chat_mod.Answered):
            data = answer_json(reply.answer, self.corpus)
            data["question"] = reply.question
            data["searched"] = reply.searched
            return data
        if isinstance(reply, chat_mod.Problem):
            shown = reply.line.encode("utf-8", errors="replace").decode("utf-8")
            return {"command" if shown.startswith("/") else "question": shown, "error": reply.message}
        if isinstance(reply, chat_mod.Help):
            return {"command": "/help", "commands": {c.usage: c.help for c in reply.commands}}
        if isinstance(reply, chat_mod.Sources):
            articles = [{"path": (self.corpus / a.path).as_posix(), "title": a.title, "sentences": a.sentences} for a in reply.articles]
            return {"command": "/sources", "articles": articles}
        if isinstance(reply, chat_mod.Shown):
            sentence = reply.paragraph[reply.highlighted]
            return {
                "command": "/show", "evidence": reply.number, "path": (self.corpus / reply.article.path).as_posix(),
                "line": sentence.line, "start": sentence.start, "end": sentence.end,
                "paragraph": [s.text for s in reply.paragraph], "highlighted": reply.highlighted,
            }
        return None  # /clear and /quit print nothing: the output stays one object per question


def main() -> None:
    """Entry point of the ``qa`` command."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        app()
    except SystemExit as done:
        if done.code == EXIT_INTERRUPTED:
            # A Ctrl-C that lands while torch is being imported can leave CPython set to end the process
            # by SIGINT on the way out, even once caught here: status -2, not 130. Everything is cleaned
            # up and said by now; leave with 130 before that can happen.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        raise
