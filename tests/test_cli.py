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
    assert COMMANDS == ["ask", "build", "chat"]


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
    ],
    ids=["empty", "whitespace", "escape", "bell", "nul", "no-words", "too-long"],
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
