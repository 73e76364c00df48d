"""The qa command: in-process with CliRunner (fake models), and as real processes where exit codes matter."""

from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main
from helpers import QA, SeedIndex, check_contract, fake_build, qa_env, run_qa, write_corpus
from typer.testing import CliRunner

from qa import __version__, bot
from qa import index as index_mod
from qa.cli import app


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), input=input, env=env)


def folded(text: str) -> str:
    return " ".join(text.split())


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file below the index folder with its mtime, size and content."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size, p.read_bytes()) for p in files}


# ---------------------------------------------------------------- version and help


def test_version_in_process():
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"qa {__version__}"


def test_version_of_the_installed_command():
    qa = shutil.which("qa")
    assert qa, "the qa script is installed by pip install -e ."
    result = subprocess.run([qa, "--version"], capture_output=True, text=True, env=qa_env(), stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"qa {__version__}"


def test_version_with_python_m():
    result = run_qa("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"qa {__version__}"


COMMANDS = sorted(typer.main.get_command(app).commands)


def test_the_commands():
    assert COMMANDS == ["add", "ask", "build", "chat", "sources"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_command(command: str):
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout
    assert "--corpus" in result.stdout and "--index" in result.stdout


def test_help_of_the_app_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    for command in COMMANDS:
        assert command in result.stdout


def test_ask_help_documents_the_exit_codes():
    result = invoke("ask", "--help")
    assert "Exit code" in result.stdout and "--json" in result.stdout


# ---------------------------------------------------------------- errors, in process


@pytest.mark.parametrize(
    "question, phrase",
    [
        ("", "The question is empty"),
        ("   \t  ", "The question is empty"),
        ("who\x1b[2J won?", "control characters"),
        ("who\x07 won?", "control characters"),
        ("who\x00 won?", "control characters"),
        ("???", "no words"),
        ("a" * 1001, "1,001 characters"),
        ("why " * 25_600, "102,399 characters"),  # 100 KB
    ],
    ids=["empty", "whitespace", "escape", "bell", "nul", "no-words", "too-long", "100-kb"],
)
def test_bad_questions_in_process(tmp_path: Path, question: str, phrase: str):
    result = invoke("ask", question, "--corpus", str(tmp_path / "none"), "--index", str(tmp_path / "index"))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert phrase in folded(result.stderr)
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output
    assert not (tmp_path / "index").exists(), "a bad question is rejected before the index is touched"


@pytest.mark.parametrize(
    "args",
    [
        ["ask"],
        ["ask", "who won?", "--top-k", "0"],
        ["ask", "who won?", "--top-k", "51"],
        ["ask", "who won?", "--top-k", "many"],
        ["ask", "who won?", "--bogus"],
        ["frobnicate"],
    ],
    ids=["no-question", "top-k-0", "top-k-51", "top-k-word", "unknown-option", "unknown-command"],
)
def test_usage_errors_exit_2(args: list[str]):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_unexpected_errors_are_one_line_without_traceback(fake_index: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch):
    corpus, root = fake_index

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bot, "ensure_index", broken)
    result = invoke("ask", "who won?", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 2
    assert "Unexpected error: RuntimeError: disk on fire" in folded(result.stderr)
    assert "--traceback" in result.stderr
    assert "Traceback (most recent call last)" not in result.output
    with_traceback = invoke("ask", "who won?", "--corpus", str(corpus), "--index", str(root), "--traceback")
    assert isinstance(with_traceback.exception, RuntimeError)


# ---------------------------------------------------------------- errors, as real processes


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    phrase: str  # what the message says


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Case, subprocess.CompletedProcess, Path]]:
    """Each error case run once as ``python -m qa``, two at a time."""
    base = tmp_path_factory.mktemp("cli-errors")
    good = write_corpus(base / "good", {"a.txt": "Good News\n\nThe sun came out.\n"})
    empty = base / "empty"
    empty.mkdir()
    not_folder = good / "a.txt"

    truncated_corpus = write_corpus(base / "truncated-corpus", {"a.txt": "Good News\n\nThe sun came out.\n"})
    fake_build(truncated_corpus, base / "truncated-index")
    sentences = index_mod.active_folder(base / "truncated-index") / "sentences.jsonl"
    sentences.write_bytes(sentences.read_bytes()[:10])

    no_build_corpus = write_corpus(base / "no-build-corpus", {"a.txt": "Good News\n\nThe sun came out.\n"})
    fake_build(no_build_corpus, base / "no-build-index")
    shutil.rmtree(index_mod.active_folder(base / "no-build-index"))

    q = "who won the vote?"
    i1 = str(base / "i1")
    cases = {
        "empty-question": Case(("ask", "", "--corpus", str(good), "--index", i1), "The question is empty"),
        "whitespace-question": Case(("ask", "  \t  ", "--corpus", str(good), "--index", i1), "The question is empty"),
        "control-characters": Case(("ask", "who\x1b[2J won?", "--corpus", str(good), "--index", i1), "control characters"),
        "missing-corpus": Case(("ask", q, "--corpus", str(base / "nope"), "--index", str(base / "i2")), "does not exist"),
        "corpus-is-a-file": Case(("ask", q, "--corpus", str(not_folder), "--index", str(base / "i3")), "is not a folder"),
        "empty-corpus": Case(("ask", q, "--corpus", str(empty), "--index", str(base / "i4")), "No readable articles"),
        "truncated-index": Case(("ask", q, "--corpus", str(truncated_corpus), "--index", str(base / "truncated-index")), "damaged"),
        "missing-build-folder": Case(("ask", q, "--corpus", str(no_build_corpus), "--index", str(base / "no-build-index")), "incomplete"),
        "index-is-a-file": Case(("ask", q, "--corpus", str(good), "--index", str(not_folder)), "cannot be read"),
        "build-missing-corpus": Case(("build", "--corpus", str(base / "nope"), "--index", str(base / "i5")), "does not exist"),
        "build-index-is-a-file": Case(("build", "--corpus", str(good), "--index", str(not_folder)), "Cannot write the index"),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(cases, pool.map(lambda case: run_qa(*case.args, timeout=120), cases.values()), strict=True))
    return {name: (case, runs[name], base) for name, case in cases.items()}


ERROR_CASES = [
    "empty-question",
    "whitespace-question",
    "control-characters",
    "missing-corpus",
    "corpus-is-a-file",
    "empty-corpus",
    "truncated-index",
    "missing-build-folder",
    "index-is-a-file",
    "build-missing-corpus",
    "build-index-is-a-file",
]


@pytest.mark.parametrize("name", ERROR_CASES)
def test_errors_exit_2_with_a_message_and_no_traceback(error_runs, name: str):
    case, result, _ = error_runs[name]
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "Unexpected error" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(error_lines) == 1, result.stderr
    assert case.phrase in folded(result.stderr[result.stderr.index("Error: ") :])


# The question errors fit in 80 columns; the others name a path or a file and are longer.


@pytest.mark.parametrize("name", ERROR_CASES)
def test_error_message_is_one_line(error_runs, name: str):
    """The error is the last line of standard error, whole, however long it is."""
    _, result, _ = error_runs[name]
    lines = result.stderr.rstrip("\n").split("\n")
    assert lines[-1].startswith("Error: "), result.stderr


def test_missing_corpus_creates_no_index(error_runs):
    _, _, base = error_runs["missing-corpus"]
    assert not (base / "i2").exists()


def test_empty_corpus_leaves_an_existing_index_untouched(tmp_path: Path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Good News\n\nThe sun came out.\n", "b.md": "# More\n\nRain followed.\n"})
    root = tmp_path / "index"
    fake_build(corpus, root)
    before = snapshot(root)
    for path in list(corpus.iterdir()):
        path.unlink()
    result = run_qa("ask", "who won?", "--corpus", str(corpus), "--index", str(root))
    assert result.returncode == 2, result.stderr
    assert "No readable articles" in folded(result.stderr)
    assert "Traceback" not in result.stderr
    assert snapshot(root) == before
    other = tmp_path / "other-empty"
    other.mkdir()
    result = run_qa("build", "--corpus", str(other), "--index", str(root))
    assert result.returncode == 2, result.stderr
    assert snapshot(root) == before


# ---------------------------------------------------------------- adding articles and listing them


def test_build_again_updates_only_what_changed(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    result = invoke("build", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 0, result.output
    assert "is up to date: 9 sentences from 3 articles" in folded(result.stderr)
    (corpus / "volcano.txt").unlink()
    (corpus / "late.txt").write_text("Late Ferry\n\nA late ferry left at midnight.\n", encoding="utf-8")
    result = invoke("build", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 0, result.output
    assert "1 new or changed, 1 removed, 2 unchanged (1 sentences embedded)" in folded(result.stderr)
    result = invoke("build", "--full", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 0 and "Indexed 6 sentences from 3 articles" in folded(result.stderr), result.output


def test_add_copies_files_and_folders_in_and_indexes_them(fake_index: tuple[Path, Path], tmp_path: Path, fake_models):
    corpus, root = fake_index
    inbox = write_corpus(tmp_path / "inbox", {
        "ferry.txt": "Late Ferry\n\nA late ferry left the harbour at midnight.\n",
        "feeds/zeppelin.md": "# Zeppelin Lands\n\nA zeppelin landed in the market square.\n",
        "feeds/notes.pdf": "not an article",
        "feeds/.hidden.txt": "Hidden\n\nA hidden file stays out.\n",
    })
    result = invoke("add", str(inbox / "ferry.txt"), str(inbox / "feeds"), "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 0, result.output
    assert (corpus / "ferry.txt").read_bytes() == (inbox / "ferry.txt").read_bytes()
    assert (corpus / "feeds" / "zeppelin.md").is_file()
    assert not (corpus / "feeds" / "notes.pdf").exists() and not (corpus / "feeds" / ".hidden.txt").exists()
    assert "2 files added" in folded(result.stderr) and "2 new or changed, 0 removed, 3 unchanged" in folded(result.stderr)
    assert index_mod.status(root, corpus).state == "fresh"
    assert not list(corpus.rglob("*.qa-partial"))
    result = invoke("ask", "--json", "where did the zeppelin land?", "--corpus", str(corpus), "--index", str(root))
    assert json_lines(result.stdout)[0]["evidence"][0]["sources"][0]["path"] == (corpus / "feeds" / "zeppelin.md").as_posix()
    # The same files again: nothing to copy, nothing to embed.
    result = invoke("add", str(inbox / "ferry.txt"), "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 0 and "1 already there" in folded(result.stderr) and "is up to date" in folded(result.stderr), result.output


def test_add_never_overwrites_a_different_article_unless_told(fake_index: tuple[Path, Path], tmp_path: Path, fake_models):
    corpus, root = fake_index
    original = (corpus / "volcano.txt").read_bytes()
    update = tmp_path / "volcano.txt"
    update.write_text("Volcano Quiet Again\n\nThe eruption ended on Monday.\n", encoding="utf-8")
    result = invoke("add", str(update), "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 2 and "--replace" in folded(result.stderr) and "Traceback" not in result.stderr
    assert (corpus / "volcano.txt").read_bytes() == original
    result = invoke("add", str(update), "--replace", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 0, result.output
    assert "1 replaced" in folded(result.stderr)
    texts = [s.text for s in index_mod.load(root, preload_query_model=False).sentences]
    assert "The eruption ended on Monday." in texts and not any("Grindavik" in t for t in texts)


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda tmp: tmp / "missing.txt", "does not exist"),
        (lambda tmp: write_corpus(tmp / "x", {"a.pdf": "pdf"}) / "a.pdf", "not an article file"),
        (lambda tmp: write_corpus(tmp / "y", {"a.pdf": "pdf"}), "holds no articles"),
    ],
    ids=["missing", "foreign-file", "folder-without-articles"],
)
def test_add_refuses_what_it_cannot_add(fake_index: tuple[Path, Path], tmp_path: Path, fake_models, make, phrase: str):
    corpus, root = fake_index
    before = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*"))
    result = invoke("add", str(make(tmp_path)), "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 2 and phrase in folded(result.stderr) and "Traceback" not in result.stderr, result.output
    assert sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*")) == before


def test_add_of_a_file_already_in_the_corpus(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    result = invoke("add", str(corpus / "volcano.txt"), "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 2 and "already in the corpus" in folded(result.stderr)


def test_sources_lists_the_articles(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    result = invoke("sources", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 0, result.output
    out = folded(result.stdout)
    assert "Volcano Erupts Near Grindavik" in out and "3 articles, 9 sentences" in out
    assert (corpus / "sport" / "final.txt").as_posix() in "".join(result.stdout.split()), "paths fold, and are never cut short"
    result = invoke("sources", "--json", "--corpus", str(corpus), "--index", str(root))
    rows = json_lines(result.stdout)
    assert [r["path"] for r in rows] == [(corpus / p).as_posix() for p in ("budget.md", "sport/final.txt", "volcano.txt")]
    assert sum(r["sentences"] for r in rows) == 9 and all(r["title"] for r in rows)
    volcano = rows[2]
    assert volcano["date"] == "2024-03-01" and "sha256" in volcano


def test_sources_follows_the_corpus(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    (corpus / "volcano.txt").unlink()
    result = invoke("sources", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 0 and "Volcano" not in result.stdout and "out of date" in folded(result.stderr), result.output


# ---------------------------------------------------------------- each format: add, change, delete, and the citations


def _page(passengers: int) -> str:
    return (
        "<html><head><title>Zeppelin Lands | Harwick Herald</title>"
        '<meta property="og:url" content="https://example.com/zeppelin"><meta property="og:site_name" content="Harwick Herald">'
        '<meta name="author" content="Jane Doe"><meta property="article:published_time" content="2024-05-02T08:00:00Z"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/world'>World news menu</a></nav><article><h1>Zeppelin Lands</h1>"
        f"<p>A zeppelin landed in the market square of Harwick on Sunday. It carried {passengers} passengers from the coast.</p>"
        "<p>The crowd cheered as the crew tied the ship to the old church tower.</p></article>"
        "<footer><p>Copyright 2024 Harwick Herald. Privacy policy.</p></footer></body></html>"
    )


def _record(passengers: int) -> str:
    text = f"A zeppelin landed in the market square of Harwick on Sunday. It carried {passengers} passengers from the coast."
    return json.dumps({"title": "Zeppelin Lands", "text": text, "url": "https://example.com/zeppelin", "source": "Harwick Herald"})


OTHER_RECORD = json.dumps({"title": "Ferry Late", "text": "The ferry arrived three hours late on Monday."})
FORMATS = {
    "zeppelin.txt": lambda n: f"Zeppelin Lands\n\nA zeppelin landed in the market square of Harwick on Sunday. It carried {n} passengers from the coast.\n",
    "zeppelin.md": lambda n: f"# Zeppelin Lands\n\nA zeppelin landed in the market square of Harwick on Sunday. It carried {n} passengers from the coast.\n",
    "zeppelin.html": _page,
    "feed.jsonl": lambda n: OTHER_RECORD + "\n" + _record(n) + "\n",
}


def _cited_text(corpus: Path, source: dict) -> str:
    """What a citation's offsets point into, read the way its "offsets_into" says."""
    from qa.corpus import parse_page

    path = Path(source["path"])
    kind = source.get("offsets_into")
    if kind == "extracted_text":
        parsed = parse_page(path.relative_to(corpus).as_posix(), path.read_bytes())
        assert parsed is not None
        return parsed.text
    if kind == "record_text":
        return json.loads(path.read_text(encoding="utf-8").splitlines()[source["line"] - 1])["text"]
    return path.read_text(encoding="utf-8")


def _ask_passengers(corpus: Path, root: Path) -> dict:
    result = invoke("ask", "--json", "How many passengers did the zeppelin carry?", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code in (0, 1), result.output
    [data] = json_lines(result.stdout)
    check_contract(data)
    return data


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_added_changed_and_deleted(fake_index: tuple[Path, Path], tmp_path: Path, fake_models, name: str):
    corpus, root = fake_index
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_text(FORMATS[name](57), encoding="utf-8")
    result = invoke("add", str(inbox / name), "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code == 0, result.output

    data = _ask_passengers(corpus, root)
    top = data["evidence"][0]
    assert "57 passengers" in top["text"]
    [source] = [s for s in top["sources"] if s["path"] == (corpus / name).as_posix()]
    assert _cited_text(corpus, source)[source["start"] : source["end"]] == top["text"], "the offsets point at the cited sentence"
    if name.endswith(".html"):
        assert source["offsets_into"] == "extracted_text" and source["url"] == "https://example.com/zeppelin"
        assert source["title"] == "Zeppelin Lands" and source["outlet"] == "Harwick Herald"
    elif name.endswith(".jsonl"):
        assert source["offsets_into"] == "record_text" and source["line"] == 2 and source["url"] == "https://example.com/zeppelin"
    else:
        assert "offsets_into" not in source and source["line"] == 3

    # Changed in place (the story was corrected): the new figure is cited, the old sentence never again.
    (corpus / name).write_text(FORMATS[name](64), encoding="utf-8")
    data = _ask_passengers(corpus, root)
    assert "64 passengers" in data["evidence"][0]["text"]
    assert not any("57 passengers" in e["text"] for e in data["evidence"])

    # Deleted (for the export, the record's line): none of its sentences is found again.
    if name.endswith(".jsonl"):
        (corpus / name).write_text(OTHER_RECORD + "\n", encoding="utf-8")
    else:
        (corpus / name).unlink()
    data = _ask_passengers(corpus, root)
    assert not any("zeppelin" in e["text"].lower() for e in data["evidence"])
    texts = [s.text for s in index_mod.load(root, preload_query_model=False).sentences]
    assert not any("zeppelin" in t.lower() for t in texts)
    if name.endswith(".jsonl"):
        assert "The ferry arrived three hours late on Monday." in texts


def test_citations_of_pages_and_records_say_what_their_offsets_index(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    (corpus / "zeppelin.html").write_text(_page(57), encoding="utf-8")
    result = invoke("ask", "How many passengers did the zeppelin carry?", "--corpus", str(corpus), "--index", str(root))
    out = folded(result.stdout)
    assert "of the text extracted from the page" in out and "https://example.com/zeppelin" in out, out
    (corpus / "zeppelin.html").unlink()
    (corpus / "feed.jsonl").write_text(OTHER_RECORD + "\n" + _record(57) + "\n", encoding="utf-8")
    result = invoke("ask", "How many passengers did the zeppelin carry?", "--corpus", str(corpus), "--index", str(root))
    out = folded(result.stdout)
    assert "line 2, chars" in out and "of the record's text" in out and (corpus / "feed.jsonl").as_posix() + ":2" in "".join(result.stdout.split()), out


# ---------------------------------------------------------------- building and asking, in process with fake models


def test_build_command(tiny_corpus: Path, tmp_path: Path, fake_models):
    result = invoke("build", "--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Indexed 9 sentences from 3 articles" in folded(result.stderr)
    assert index_mod.status(tmp_path / "index", tiny_corpus).state == "fresh"


def test_ask_without_an_index_builds_it_first_and_says_so(tiny_corpus: Path, tmp_path: Path, fake_models):
    root = tmp_path / "index"
    result = invoke("ask", "--json", "How many residents were evacuated?", "--corpus", str(tiny_corpus), "--index", str(root))
    assert result.exit_code in (0, 1), result.output
    assert "No index" in result.stderr and "building it" in folded(result.stderr)
    [data] = json_lines(result.stdout)
    check_contract(data)
    assert index_mod.status(root, tiny_corpus).state == "fresh"


def test_ask_with_a_fresh_index_does_not_rebuild(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    before = index_mod.active_folder(root)
    result = invoke("ask", "--json", "volcano", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code in (0, 1), result.output
    assert "building" not in result.stderr and "rebuilding" not in result.stderr
    assert index_mod.active_folder(root) == before


def test_ask_after_a_file_is_added_rebuilds(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    before = index_mod.active_folder(root)
    (corpus / "zeppelin.txt").write_text("Zeppelin Lands\n\nA zeppelin landed in the market square.\n", encoding="utf-8")
    result = invoke("ask", "--json", "where did the zeppelin land?", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code in (0, 1), result.output
    assert "out of date" in folded(result.stderr) and "new file" in folded(result.stderr)
    assert index_mod.active_folder(root) != before
    [data] = json_lines(result.stdout)
    assert data["evidence"][0]["sources"][0]["path"] == (corpus / "zeppelin.txt").as_posix()


def test_ask_reads_settings_from_the_environment(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    result = invoke("ask", "--json", "volcano", env={"QA_CORPUS": str(corpus), "QA_INDEX": str(root)})
    assert result.exit_code in (0, 1), result.output
    [data] = json_lines(result.stdout)
    assert data["evidence"][0]["sources"][0]["path"].startswith(corpus.as_posix() + "/")


def test_ask_top_k(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    result = invoke("ask", "--json", "volcano", "--top-k", "2", "--corpus", str(corpus), "--index", str(root))
    [data] = json_lines(result.stdout)
    assert len(data["evidence"]) == 2


def test_ask_human_output(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    result = invoke("ask", "How many residents were evacuated?", "--corpus", str(corpus), "--index", str(root))
    assert result.exit_code in (0, 1), result.output
    assert ("Evidence" if result.exit_code == 0 else "Related reading") in result.stdout
    assert "Sources" in result.stdout
    assert "volcano.txt" in result.stdout


def test_exit_code_follows_answered(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    for question in ("How many residents were evacuated?", "what is the capital of France?"):
        result = invoke("ask", "--json", question, "--corpus", str(corpus), "--index", str(root))
        [data] = json_lines(result.stdout)
        assert result.exit_code == (0 if data["answered"] else 1)


def test_ask_stdin_json_one_line_per_question_in_order(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    questions = ["How many residents were evacuated?", "what is the capital of France?", "who won the final?"]
    result = invoke("ask", "--json", "-", "--corpus", str(corpus), "--index", str(root), input="\n".join(questions) + "\n")
    assert result.exit_code in (0, 1), result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    data = [json.loads(line) for line in lines]
    assert [d["question"] for d in data] == questions
    for d in data:
        check_contract(d)
    assert result.exit_code == (0 if all(d["answered"] for d in data) else 1)


def test_ask_stdin_skips_blank_lines_and_reports_bad_ones(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    stdin = "volcano\n\n   \nwho\x07 won?\r\nbudget\r\n"
    result = invoke("ask", "--json", "-", "--corpus", str(corpus), "--index", str(root), input=stdin)
    assert result.exit_code == 2, result.output
    data = json_lines(result.stdout)
    assert len(data) == 3
    assert data[0]["question"] == "volcano"
    assert set(data[1]) == {"question", "error"} and "control characters" in data[1]["error"]
    assert data[2]["question"].strip() == "budget"
    check_contract(data[2])


def test_ask_stdin_human_output(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    result = invoke("ask", "-", "--corpus", str(corpus), "--index", str(root), input="volcano\nbudget\n")
    assert result.exit_code in (0, 1), result.output
    assert result.stdout.count("Sources") == 2


# ---------------------------------------------------------------- the real model, as real processes


@pytest.mark.model
def test_ask_stdin_json_real(seed_index: SeedIndex):
    questions = ["how many votes did Takaichi get?", "what is the capital of France?", "Who is Japan's new prime minister?"]
    args = ("ask", "--json", "-", "--corpus", str(seed_index.corpus), "--index", str(seed_index.index))
    result = run_qa(*args, input="\n".join(questions) + "\n")
    assert result.returncode == 1, result.stderr  # France is not answered
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    data = [json.loads(line) for line in lines]
    assert [d["question"] for d in data] == questions
    for d in data:
        check_contract(d)
    assert data[0]["answered"] and "237" in data[0]["answer"]
    assert data[1]["answered"] is False


@pytest.mark.model
def test_ask_stdin_invalid_utf8_line_is_reported_and_the_rest_answered(seed_index: SeedIndex):
    stdin = b"how many votes did Takaichi get?\nwho won\xff the vote?\nwhat is the capital of France?\n"
    result = subprocess.run(
        [*QA, "ask", "--json", "-", "--corpus", str(seed_index.corpus), "--index", str(seed_index.index)],
        input=stdin,
        capture_output=True,
        env=qa_env(),
        timeout=120,
    )
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Unexpected error" not in stderr
    assert result.returncode == 2
    data = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(data) == 3
    assert set(data[1]) == {"question", "error"}
    assert data[2]["question"] == "what is the capital of France?"


@pytest.mark.model
def test_ask_invalid_utf8_argument_is_a_question_error(seed_index: SeedIndex):
    result = subprocess.run(
        [*QA, "ask", b"who won\xff the vote?", "--corpus", str(seed_index.corpus), "--index", str(seed_index.index)],
        capture_output=True,
        env=qa_env(),
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2
    assert "Unexpected error" not in stderr
    assert "UTF-8" in stderr


@pytest.mark.model
def test_qa_add_with_the_real_models_embeds_only_the_new_article(seed_index: SeedIndex, tmp_path: Path):
    corpus, root = tmp_path / "seeds", tmp_path / "index"
    shutil.copytree(seed_index.corpus, corpus)
    shutil.copytree(seed_index.index, root)
    page = tmp_path / "visit.html"
    page.write_text(
        "<html><head><title>Takaichi Visits Seoul | Example News</title>"
        '<link rel="canonical" href="https://example.com/takaichi-seoul"></head><body><nav>Home · World · Sport</nav><article>'
        "<p>Prime Minister Sanae Takaichi will visit Seoul on November 14 for talks with the South Korean president.</p>"
        "<p>The two leaders are expected to discuss trade and security in the region.</p></article></body></html>",
        encoding="utf-8",
    )
    added = run_qa("add", str(page), "--corpus", str(corpus), "--index", str(root))
    assert added.returncode == 0, added.stderr
    assert "1 new or changed, 0 removed, 3 unchanged (2 sentences embedded)" in folded(added.stderr)
    result = run_qa("ask", "--json", "When will Takaichi visit Seoul?", "--corpus", str(corpus), "--index", str(root))
    assert result.returncode == 0, result.stderr
    [data] = json_lines(result.stdout)
    assert "November 14" in data["answer"]
    [source] = data["evidence"][0]["sources"]
    assert source["offsets_into"] == "extracted_text" and source["url"] == "https://example.com/takaichi-seoul"
    # The seeds still answer as before.
    result = run_qa("ask", "--json", "How many votes did Takaichi get?", "--corpus", str(corpus), "--index", str(root))
    assert "237" in json_lines(result.stdout)[0]["evidence"][0]["text"]


def test_an_interrupted_command_leaves_with_130_whatever_the_interpreter_was_told(monkeypatch: pytest.MonkeyPatch):
    """A Ctrl-C during torch's import can leave CPython set to end itself by SIGINT at exit (status -2);
    qa's entry point leaves with 130 before that can happen."""
    from qa import cli

    left: list[int] = []

    def interrupted() -> None:
        raise SystemExit(130)

    monkeypatch.setattr(cli, "app", interrupted)
    monkeypatch.setattr(cli.os, "_exit", left.append)  # records the exit; the real one never returns
    with pytest.raises(SystemExit):
        cli.main()
    assert left == [130]

    def failed() -> None:
        raise SystemExit(2)

    monkeypatch.setattr(cli, "app", failed)
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 2 and left == [130]
