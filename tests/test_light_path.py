"""Answering from a built index loads neither torch nor sentence-transformers, nor the build-time libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import SeedIndex, qa_env

HEAVY = ("torch", "transformers", "sentence_transformers", "spacy", "bm25s", "scipy")

PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.__stderr__.write("MODULES " + json.dumps(sorted(m for m in {heavy} if m in sys.modules)) + "\\n"))
sys.argv = ["qa", *{args}]
from qa.cli import main
main()
"""


def _modules_after(*args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    code = PROBE.format(heavy=repr(HEAVY), args=repr(list(args)))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=qa_env(), stdin=subprocess.DEVNULL, timeout=300)
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    return done, json.loads(line.removeprefix("MODULES "))


@pytest.mark.model
def test_ask_loads_no_heavy_module(seed_index: SeedIndex):
    done, loaded = _modules_after("ask", "--json", "How many votes did Takaichi get?", "--corpus", str(seed_index.corpus), "--index", str(seed_index.index))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["answered"] is True
    assert loaded == []


def test_help_loads_no_heavy_module():
    done, loaded = _modules_after("ask", "--help")
    assert done.returncode == 0, done.stderr
    assert loaded == []
