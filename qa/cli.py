"""The command line: parses options, calls the core, turns errors into one-line messages."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from qa import __version__
from qa.errors import QAError
from qa.settings import DEFAULT_CORPUS, DEFAULT_INDEX, DEFAULT_TOP_K, Settings

app = typer.Typer(
    name="qa",
    help="Ask questions about a folder of news articles; get the answer with the sentences that support it, cited.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: formatting it with rich costs half a second of imports
)

CorpusOption = Annotated[Path, typer.Option("--corpus", envvar="QA_CORPUS", help="Folder of articles (.txt, .md).", show_default=True)]
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
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as err:  # the one place that catches everything: users see a line, not a traceback
        if traceback:
            raise
        message(error_console(), f"Unexpected error: {type(err).__name__}: {err}. Run again with --traceback to see where.", style="bold red")
        raise typer.Exit(2) from None


@app.command()
def build(
    corpus: CorpusOption = DEFAULT_CORPUS,
    index: IndexOption = DEFAULT_INDEX,
    traceback: TracebackOption = False,
) -> None:
    """Build (or rebuild) the index of the articles in the corpus folder."""
    from qa import bot
    from qa.render import BuildProgress, error_console, message

    settings = Settings(corpus=corpus, index=index)
    console = error_console()
    with _errors(traceback):
        with BuildProgress(console) as progress:
            folder = bot.build(settings, lambda text: message(console, text), progress)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        counts = manifest["counts"]
        message(console, f"Indexed {counts['sentences']:,} sentences from {counts['articles']:,} articles of {corpus} into {index}.", style="green")


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
    from qa.render import BuildProgress, answer_json, error_console, message, output_console, render_answer

    settings = Settings(corpus=corpus, index=index, top_k=top_k)
    err_console = error_console()
    with _errors(traceback):
        if question != "-":
            bot.check_question(question)
        with BuildProgress(err_console) as progress:
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


def main() -> None:
    """Entry point of the ``qa`` command."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app()
