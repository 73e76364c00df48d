"""The question-time BM25 reader agrees with bm25s, which builds and saves the index."""

from __future__ import annotations

import random
import re
from pathlib import Path

import bm25s
import numpy as np
import pytest

from qa.lexical import LexicalIndex

WORDS = "vote votes party leader minister summit trade japan malaysia visit call talk peace alliance".split()


def _corpus(seed: int, docs: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [[rng.choice(WORDS) for _ in range(rng.randint(1, 12))] for _ in range(docs)]


def _saved(folder: Path, corpus: list[list[str]]) -> tuple[bm25s.BM25, LexicalIndex]:
    """bm25s's index of the corpus, saved to the folder, and ours read back from it."""
    reference = bm25s.BM25()
    reference.index(corpus, show_progress=False)
    reference.save(str(folder), show_progress=False)
    return reference, LexicalIndex(folder)


@pytest.mark.parametrize("seed", range(5))
def test_scores_match_bm25s(tmp_path: Path, seed: int):
    corpus = _corpus(seed, 60)
    reference, ours = _saved(tmp_path, corpus)
    rng = random.Random(seed + 100)
    for _ in range(20):
        query = [rng.choice(WORDS + ["unknown", "absent"]) for _ in range(rng.randint(1, 5))]
        ids = reference.get_tokens_ids(query)
        expected = reference.get_scores(ids) if ids else np.zeros(len(corpus))
        np.testing.assert_allclose(ours.scores(query), expected, rtol=1e-5, atol=1e-6)


def test_document_frequency_and_idf(tmp_path: Path):
    corpus = [["vote", "party"], ["vote"], ["summit"]]
    _, ours = _saved(tmp_path, corpus)
    assert ours.document_frequency("vote") == 2
    assert ours.document_frequency("nothing") == 0
    assert ours.idf("nothing") > ours.idf("summit") > ours.idf("vote") > 0


@pytest.mark.parametrize("seed", range(3))
def test_the_rows_of_a_term_are_the_sentences_that_hold_it(tmp_path: Path, seed: int):
    corpus = _corpus(seed, 40)
    _, ours = _saved(tmp_path, corpus)
    for word in WORDS:
        assert sorted(int(r) for r in ours.rows(word)) == [i for i, doc in enumerate(corpus) if word in doc]
    assert len(ours.rows("nothing")) == 0


def test_mismatched_arrays_are_refused(tmp_path: Path):
    index = bm25s.BM25()
    index.index([["a1", "b1"], ["b1"]], show_progress=False)
    index.save(str(tmp_path), show_progress=False)
    np.save(tmp_path / "indices.csc.index.npy", np.array([0, 9, 9], dtype=np.int32))
    with pytest.raises(ValueError):
        LexicalIndex(tmp_path)


@pytest.mark.parametrize(
    "line",
    [
        "Takaichi’s 237 votes, the U.S. and Japan's alliance: it's O'Neill's 4th visit.",
        "İstanbul, Straße and ÆON are names; I a 9 x ... __init__ don't.",
        "",
        "The Prime Minister's office said so.",
        "She won; he had written, then went and met them.",
    ],
)
def test_each_token_has_the_terms_that_terms_finds_in_it(line: str):
    from qa import text

    tokens = text.token_terms(line)
    assert [line[start:end] for start, end, _ in tokens] == re.findall(r"\w+(?:[.'’]\w+)*", line)
    assert [found for _, _, found in tokens] == [tuple(text.terms(line[start:end])) for start, end, _ in tokens]
    assert [t for _, _, found in tokens for t in found] == text.terms(line)


def test_an_irregular_verb_form_is_a_term_of_its_verb():
    from qa import text

    assert text.terms("Who won? She wins.") == ["win", "win"]
    assert text.terms("what did he write? he had written it, he wrote") == ["write", "write", "write"]
    assert text.terms("where did Trump go? Trump went") == ["trump", "go", "trump", "go"]
    assert text.stem("Won") == text.stem("win") and text.stem("met") == text.stem("meeting")
    # A form that is also another word keeps its own sense: "left" wing, the "spoke" of a wheel.
    assert text.terms("the left wing, a spoke") == ["left", "wing", "spoke"]


def test_a_preposition_made_of_a_verb_is_no_term():
    from qa import text

    # "according to" is no "accord", "concerning the vote" no "concern"; the nouns still are.
    assert text.terms("according to Kyodo, concerning the vote, despite the rain") == ["kyodo", "vote", "rain"]
    assert text.terms("the peace accord raised concerns") == ["peac", "accord", "rais", "concern"]


def test_a_british_spelling_is_a_term_of_the_american_one():
    from qa import text

    assert text.terms("the centre of defence, organised") == text.terms("the center of defense, organized")
    assert text.terms("Programmes travelled kilometres") == text.terms("programs traveled kilometers")
    assert text.stem("Colour") == text.stem("color")
    # A word both tables know is taken as its verb, as an irregular form ("dialled" as "dial").
    assert text.terms("she dialled, she dialed, she dials") == ["dial", "dial", "dial"]


def test_a_question_in_british_spelling_finds_the_american_sentence(tmp_path: Path):
    from qa import text

    sentences = ["The theater opened in 2010.", "The center opened in 2004.", "The defense ministry opened."]
    index = bm25s.BM25()
    index.index([text.terms(s) for s in sentences], show_progress=False)
    index.save(str(tmp_path), show_progress=False)
    ours = LexicalIndex(tmp_path)
    centre, theatre, defence = (ours.scores(text.terms(q)) for q in ("When did the centre open?", "the theatre", "defence"))
    assert centre[1] > max(centre[0], centre[2])
    assert theatre[0] > 0 and theatre[1] == theatre[2] == 0
    assert defence[2] > 0 and defence[0] == defence[1] == 0


def test_a_contraction_of_function_words_is_no_term():
    from qa import text

    assert text.terms("Why didn't the vote go to a second ballot?") == ["vote", "go", "second", "ballot"]
    assert text.terms("They’re sure it won’t rain; we'll see.") == ["sure", "rain", "see"]
    assert text.terms("She won, he can't") == ["win"]


def test_the_irregular_verb_table_is_the_one_lemminflect_gives():
    pytest.importorskip("lemminflect")
    from qa import irregular

    assert irregular._table() == irregular.FORMS
    assert irregular.FORMS["won"] == "win" and "left" not in irregular.FORMS
