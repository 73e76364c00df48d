"""Interrupted and read-only situations, created for real: a signal mid-build, a killed build, a read-only index."""

from __future__ import annotations

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


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
def test_a_read_only_index_still_answers(seed_index: SeedIndex, tmp_path: Path):
    corpus, root = _copy_index(seed_index, tmp_path)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        answer = run_qa("ask", "--json", "How many votes did Takaichi get?", "--corpus", str(corpus), "--index", str(root))
        assert answer.returncode == 0, answer.stderr
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
