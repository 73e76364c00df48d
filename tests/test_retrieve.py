"""qa.retrieve: dense and lexical scores fused, each sentence lifted by its neighbours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import ConstantEmbedder, HashEmbedder, fake_build, name_spans, write_corpus

from qa import index as index_mod
from qa.retrieve import Weights, search


def load_built(corpus: Path, root: Path, embedder=None) -> index_mod.Index:
    fake_build(corpus, root, embedder=embedder)
    return index_mod.load(root)


def ask(loaded: index_mod.Index, question: str, embedder, k: int = 10, weights: Weights | None = None):
    return search(loaded, embedder.encode([question])[0], question, k=k, weights=weights)


def text_of(loaded: index_mod.Index, hit) -> str:
    return loaded.sentences[hit.sentence].text


def path_of(loaded: index_mod.Index, hit) -> str:
    return loaded.articles[loaded.sentences[hit.sentence].article].path


@pytest.fixture
def lexical_only(tiny_corpus: Path, tmp_path: Path) -> index_mod.Index:
    """The tiny corpus with a dense index that cannot tell sentences apart."""
    return load_built(tiny_corpus, tmp_path / "index", ConstantEmbedder())


@pytest.fixture
def hashed(tiny_corpus: Path, tmp_path: Path) -> index_mod.Index:
    return load_built(tiny_corpus, tmp_path / "index", HashEmbedder())


RARE_WORD_QUESTIONS = [
    ("Where is Fagradalsfjall?", "The Fagradalsfjall volcano erupted late on Friday night."),
    ("How many residents were evacuated?", "About 3,700 residents were evacuated before dawn."),
    ("Who did the Wanderers play in the final?", "The Rovers beat the Wanderers 3-1 in the final at Riverside Stadium."),
    ("what did critics say about housing", "Critics said the plan ignores housing and transit."),
    ("BUDGET of the COUNCIL?", "The council approved a budget of 12 million dollars on Tuesday."),
]


@pytest.mark.parametrize("question, expected", RARE_WORD_QUESTIONS)
def test_rare_shared_words_rank_the_sentence_first_lexically(lexical_only: index_mod.Index, question: str, expected: str):
    hits = ask(lexical_only, question, ConstantEmbedder())
    assert text_of(lexical_only, hits[0]) == expected
    assert hits[0].lexical == max(h.lexical for h in hits) > 0
    assert hits[0].score > hits[1].score


@pytest.mark.parametrize("question, expected", RARE_WORD_QUESTIONS)
def test_rare_shared_words_rank_the_sentence_first_hybrid(hashed: index_mod.Index, question: str, expected: str):
    hits = ask(hashed, question, HashEmbedder())
    assert text_of(hashed, hits[0]) == expected


def test_dense_alone_finds_a_sentence(hashed: index_mod.Index):
    """A question with no word in the corpus is found by its vector alone."""
    row = 4
    hits = search(hashed, hashed.vectors(np.asarray([row]))[0], "zzyzx qwerty", k=3)
    assert hits[0].sentence == row
    assert hits[0].dense == pytest.approx(1.0, abs=1e-5)
    assert all(h.lexical == 0.0 for h in hits)


def test_hits_are_sorted_unique_and_well_formed(hashed: index_mod.Index):
    hits = ask(hashed, "Lava flowed toward the town after the volcano erupted", HashEmbedder(), k=50)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.sentence for h in hits}) == len(hits)
    for h in hits:
        assert 0 <= h.sentence < len(hashed.sentences)
        assert -1.0 - 1e-5 <= h.dense <= 1.0 + 1e-5
        assert 0.0 <= h.lexical <= 1.0 + 1e-6
        assert h.score >= h.own - 1e-9  # context only ever lifts


@pytest.mark.parametrize("k", [1, 2, 5])
def test_k_limits_the_hits(hashed: index_mod.Index, k: int):
    assert len(ask(hashed, "volcano", HashEmbedder(), k=k)) == k


@pytest.mark.parametrize("k", [9, 10, 100, 10_000])
def test_k_is_clamped_to_the_number_of_sentences(hashed: index_mod.Index, k: int):
    n = len(hashed.sentences)
    assert n == 9
    hits = ask(hashed, "volcano", HashEmbedder(), k=k)
    assert len(hits) == n
    assert sorted(h.sentence for h in hits) == list(range(n))


def test_k_smaller_than_the_candidate_pool_gives_the_top_of_the_full_ranking(hashed: index_mod.Index):
    full = ask(hashed, "fans celebrated the final", HashEmbedder(), k=100)
    top = ask(hashed, "fans celebrated the final", HashEmbedder(), k=3)
    assert [h.sentence for h in top] == [h.sentence for h in full[:3]]


@pytest.mark.parametrize("pool", [1, 2, 3])
def test_the_closest_sentence_in_meaning_is_always_in_the_pool(hashed: index_mod.Index, pool: int):
    """The question's words stand in other sentences, the sentence its vector is closest to says none of them: the
    reranker that reads the first ``pool`` hits must still see that one, and the others keep their order."""
    question = "Lava flowed toward the town after the volcano erupted"
    vector = hashed.vectors(np.asarray([8]))[0]  # the last sentence of the corpus: it shares no word with the question
    lexical = Weights(dense=0.01, lexical=1.0)
    fused = search(hashed, vector, question, k=6, weights=lexical)
    assert 8 not in [h.sentence for h in fused[:3]]
    kept = search(hashed, vector, question, k=6, weights=lexical, pool=pool)
    assert kept[pool - 1].sentence == 8 and kept[pool - 1].dense == pytest.approx(1.0, abs=1e-5)
    others = [h.sentence for h in kept if h.sentence != 8]
    assert others == [h.sentence for h in fused if h.sentence != 8][: len(others)]
    assert len(kept) == 6 and len(set(h.sentence for h in kept)) == 6


@pytest.mark.parametrize("question", ["The volcano erupted.", "something else entirely", "what is it?", "?"])
def test_corpus_of_one_sentence(tmp_path: Path, question: str):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "The volcano erupted."})
    loaded = load_built(corpus, tmp_path / "index")
    hits = ask(loaded, question, HashEmbedder(), k=5)
    assert [h.sentence for h in hits] == [0]
    assert np.isfinite(hits[0].score)


def test_question_of_stopwords_only_still_ranks_by_dense(hashed: index_mod.Index):
    hits = ask(hashed, "what is the", HashEmbedder(), k=5)
    assert len(hits) == 5
    assert all(h.lexical == 0.0 for h in hits)


# ---------------------------------------------------------------- context

CONTEXT = {
    "harbour.txt": "Morning Bulletin\n\nThe harbour museum reopened after long repairs. The agreement was signed.\n",
    "council.txt": "Evening Bulletin\n\nOfficials met on a rainy Monday. The agreement was signed.\n",
}
QUESTION = "harbour museum agreement signed"


@pytest.fixture
def context_index(tmp_path: Path) -> index_mod.Index:
    corpus = write_corpus(tmp_path / "corpus", CONTEXT)
    return load_built(corpus, tmp_path / "index")


def twin_hits(loaded: index_mod.Index, weights: Weights | None):
    """The hits of the two identical sentences "The agreement was signed.", by article path."""
    hits = ask(loaded, QUESTION, HashEmbedder(), k=10, weights=weights)
    twins = {path_of(loaded, h): h for h in hits if text_of(loaded, h) == "The agreement was signed."}
    assert set(twins) == set(CONTEXT)
    return hits, twins


def test_a_matching_neighbour_lifts_a_sentence(context_index: index_mod.Index):
    _, alone = twin_hits(context_index, Weights(context=0))
    _, lifted = twin_hits(context_index, None)
    # Without context the twins score the same; the sentence is scored by itself.
    assert alone["harbour.txt"].score == pytest.approx(alone["council.txt"].score)
    assert alone["harbour.txt"].score == pytest.approx(alone["harbour.txt"].own)
    # With context, the one whose neighbour matches the question scores higher than alone, and than its twin.
    assert lifted["harbour.txt"].score > alone["harbour.txt"].score
    assert lifted["harbour.txt"].own == pytest.approx(alone["harbour.txt"].own)
    assert lifted["harbour.txt"].score > lifted["council.txt"].score


def test_context_lifts_the_ranking(context_index: index_mod.Index):
    hits, twins = twin_hits(context_index, None)
    order = [h.sentence for h in hits]
    assert order.index(twins["harbour.txt"].sentence) < order.index(twins["council.txt"].sentence)


def test_context_does_not_cross_articles(tmp_path: Path):
    """The last sentence of one article is not the neighbour of the first sentence of the next."""
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "a.txt": "First Story\n\nWeather was calm. The harbour museum reopened.\n",
            "b.txt": "Second Story\n\nWeather was calm. Nothing else happened.\n",
        },
    )
    loaded = load_built(corpus, tmp_path / "index", ConstantEmbedder())
    weights = Weights(dense=0.0, lexical=1.0)
    hits = ask(loaded, "weather harbour museum", ConstantEmbedder(), weights=weights)
    by_place = {(path_of(loaded, h), text_of(loaded, h)): h for h in hits}
    lifted = by_place[("a.txt", "Weather was calm.")]  # followed by the museum sentence
    not_lifted = by_place[("b.txt", "Weather was calm.")]  # preceded by the museum sentence, but in another article
    assert lifted.score > lifted.own
    assert not_lifted.score == pytest.approx(not_lifted.own)
    assert lifted.own == pytest.approx(not_lifted.own)


def test_the_article_title_counts_for_lexical_matching(tmp_path: Path):
    """Of two identical sentences, the one whose article's title names the question's subject ranks first."""
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "a.txt": "Volcano Erupts In Iceland\n\nThe eruption began on Friday. Flights were delayed.\n",
            "b.txt": "Storm Reaches The Coast\n\nThe eruption began on Friday. Roads were closed.\n",
        },
    )
    loaded = load_built(corpus, tmp_path / "index")
    hits = ask(loaded, "when did the Iceland eruption begin", HashEmbedder(), k=4, weights=Weights(dense=0, lexical=1, context=0))
    assert text_of(loaded, hits[0]) == "The eruption began on Friday."
    assert path_of(loaded, hits[0]) == "a.txt"
    assert hits[0].score > hits[1].score


def test_a_sentence_that_opens_with_a_pronoun_is_matched_with_the_person_it_speaks_of(tmp_path: Path):
    """"She lives in Lisbon" after "Maria Lopez is ..." matches a question that names Maria Lopez; the same sentence
    after another person does not."""
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "a.txt": "Staff\n\nAna Silva joined the paper in May. She lives in Porto.\n",
            "b.txt": "Staff\n\nMaria Lopez is the chief economist. She lives in Lisbon.\n",
        },
    )
    fake_build(corpus, tmp_path / "index", find_spans=name_spans)
    loaded = index_mod.load(tmp_path / "index")
    hits = ask(loaded, "where does Maria Lopez live", HashEmbedder(), k=4, weights=Weights(dense=0, lexical=1, context=0))
    lives = [h for h in hits if text_of(loaded, h).startswith("She lives")]
    assert [path_of(loaded, h) for h in lives] == ["b.txt", "a.txt"]
    assert lives[0].lexical > lives[1].lexical


def test_the_referent_is_the_first_person_named_nearest_before_in_the_same_article():
    from qa.nlp import referent
    from qa.types import Sentence

    texts = [
        (0, "Maria Lopez met Ana Silva."),
        (0, "The meeting was short."),
        (0, "She left at noon."),
        (0, "“He said no,” a clerk added."),
        (1, "She arrived later."),
        (1, "Shelters opened."),
        (1, "Ana Silva came too."),
        (1, "In the end, she stayed."),
    ]
    sentences = [Sentence(a, 0, 0, len(t), 1, t, name_spans([t])[0]) for a, t in texts]
    assert referent(sentences, 2) == "Maria Lopez"
    assert referent(sentences, 3) == "Maria Lopez"  # an opening quote does not hide the pronoun
    assert referent(sentences, 2, reach=1) is None  # too far back
    assert referent(sentences, 4) is None  # nobody named before it in its article
    assert referent(sentences, 5) is None  # "Shelters" is no pronoun
    assert referent(sentences, 0) is None
    assert referent(sentences, 7) == "Ana Silva"  # past a short opening phrase


def test_an_opening_he_or_she_is_found_where_it_stands():
    from qa.nlp import opening_pronoun

    assert opening_pronoun("He said no.") == (0, 2)
    assert opening_pronoun("“She won,” they said.") == (1, 4)
    assert opening_pronoun("In 2019, he left.") == (9, 11)
    assert opening_pronoun("His view won.") is None  # whose, not who
    assert opening_pronoun("Takaichi, who won on October 4, became premier.") is None
    assert opening_pronoun("Shelters opened.") is None
