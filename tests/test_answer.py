"""qa.answer: what a question asks for, and how evidence is assembled and cited (fake models)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import hypothesis
import numpy as np
import pytest
from helpers import HashEmbedder, fake_build, name_spans, read_raw, write_corpus
from hypothesis import strategies as st

from qa import index as index_mod
from qa import text
from qa.answer import KINDS, analyze, answer
from qa.bot import Bot
from qa.types import Span

WH_STEMS = {text.stem(w) for w in "who whom whose when where which what why how many much".split()}


@pytest.mark.parametrize(
    "question, kind",
    [
        ("how many votes did Takaichi get?", "number"),
        ("How many people died in the flood?", "number"),
        ("HOW MANY seats does the party hold", "number"),
        ("  how   many   troops were sent?  ", "number"),
        ("who won the vote?", "person"),
        ("Who is Japan's new premier?", "person"),
        ("Whom did she replace?", "person"),
        ("whose victory was historic?", "person"),
        ("when did the call happen?", "date"),
        ("When?", "date"),
        ("what year did Trump last visit Japan?", "date"),
        ("In what year was the alliance signed?", "date"),
        ("What date was the summit?", "date"),
        ("where did the leaders meet?", "place"),
        ("which city hosted the summit?", "place"),
        ("In which city did they meet?", "place"),
        ("Which country did Trump visit first?", "place"),
        ("How much did the bridge cost?", "money"),
        ("How long did the call last?", "duration"),
        ("How much time has passed since his last visit?", "duration"),
        ("How much time was left in the game?", "duration"),
        ("How old is Takaichi?", "age"),
        ("What percentage of the votes did she win?", "percent"),
        ("Which party won the election?", "organization"),
        ("What nationality is the architect?", "nationality"),
        ("Of what nationality was Martin Luther?", "nationality"),
        ("What language do most Kenyans speak?", "language"),
        ("Which river flows through Bonn?", "place"),
        ("What church did Luther belong to?", "organization"),
        ("Which book by Edward Said portrayed the east?", "work"),
        ("What film did the studio release in 1939?", "work"),
        ("What was the network's revenue in 1962?", "money"),
        ("What was the cost of the bridge?", "money"),
        ("What was the city's population in 2010?", "number"),
        ("What is the emperor's name?", "person"),  # the name of an emperor
        ("What is the agency's name?", "organization"),
        # Whose it is comes before what is asked: the noun after the possessive.
        ("What is Kenya's literacy rate?", "percent"),
        ("What was Smith's first book about?", "work"),
        ("Which country's cars sold best?", "place"),  # "which country's": whose
        ("What did Trump's visit achieve?", "thing"),
        # After "is the", the noun that ends the phrase, before its "of" or "in".
        ("What is the atomic number of oxygen?", "number"),
        ("What is the largest city in Poland?", "place"),
        ("What was the average cost of a 30-second commercial?", "money"),
        ("What is the highest court in the land?", "organization"),
        ("What was the wedding date?", "date"),
        ("What is the role of the president?", "thing"),
        ("Where does Warsaw rank by population?", "rank"),
        ("What rank does the show hold?", "rank"),
        ("How is oxygen ranked among the elements?", "rank"),
        # The noun after an auxiliary is who acts, not what the answer is.
        ("What did the two leaders discuss?", "thing"),
        ("What must a teacher show towards the course?", "thing"),
        ("Which party did Takaichi win the presidency of?", "organization"),
    ],
)
def test_kind_of_answer(question: str, kind: str):
    assert analyze(question).kind == kind


@pytest.mark.parametrize("question", ["why did Trump visit Japan?", "Why?", "Why was the vote held so early?"])
def test_why_questions_expect_a_sentence(question: str):
    assert analyze(question).kind in (None, "thing")


@pytest.mark.parametrize(
    "question, expected",
    [
        ("how many votes did Takaichi get?", {"vote", "takaichi"}),
        ("who won the vote?", {"win", "vote"}),  # "won" is a form of "win"
        ("when did the call happen?", {"call", "happen"}),
        ("what year did Trump last visit Japan?", {"trump", "visit", "japan"}),
        ("where did the leaders meet?", {"leader", "meet"}),
        ("which city hosted the summit?", {"host", "summit"}),
        ("why did Trump visit Japan?", {"trump", "visit", "japan"}),
        ("How much did the bridge cost?", {"bridg", "cost"}),
    ],
)
def test_terms_are_content_words_without_wh_words(question: str, expected: set[str]):
    terms = analyze(question).terms
    assert expected <= set(terms)
    assert not set(terms) & WH_STEMS
    assert set(terms) <= set(text.terms(question))


def test_how_many_records_the_unit():
    assert analyze("how many votes did Takaichi get?").unit == "votes"
    # The counted noun, past the words that describe it.
    assert analyze("How many party members voted for Takaichi?").unit == "members"
    assert analyze("How many Nobel prizes has he won?").unit == "prizes"


def test_names_are_the_capitalised_words_of_the_question():
    q = analyze("how many votes did Takaichi get?")
    assert q.names == (text.stem("Takaichi"),)
    assert analyze("who won the vote?").names == ()


def test_a_contracted_is_reads_as_is():
    assert analyze("What's Trump's job?").head == analyze("What is Trump's job?").head == "job"
    assert analyze("Where's the summit?").kind == "place"


@pytest.mark.parametrize(
    ("rewritten", "plain"),
    [("What is his (Minoru Kihara's) job?", "What is Minoru Kihara's job?"), ("Which party does she (Takaichi) lead?", "Which party does Takaichi lead?")],
)
def test_a_follow_up_written_out_reads_as_the_question_with_the_name(rewritten: str, plain: str):
    # The chat writes whom a pronoun stands for after it, in brackets: the question is then about that name.
    a, b = analyze(rewritten), analyze(plain)
    assert (a.kind, a.head, a.names, a.possessors, a.subject) == (b.kind, b.head, b.names, b.possessors, b.subject)


def test_analyze_keeps_the_question_text():
    assert analyze("Who won?").text == "Who won?"


# ---------------------------------------------------------------- assembling answers (fake models)


@pytest.fixture
def tiny_bot(fake_index: tuple[Path, Path], fake_models: HashEmbedder) -> Bot:
    _, root = fake_index
    return Bot(index_mod.load(root))


def assert_evidence_cites_the_files(corpus: Path, loaded: index_mod.Index, result) -> None:
    for evidence in result.evidence:
        assert evidence.sources
        places = [(s.path, s.start) for s in evidence.sources]
        assert len(places) == len(set(places)), "a piece of evidence cites one sentence twice"
        first = evidence.sources[0]
        raw = read_raw(corpus / first.path)
        assert raw[first.start : first.end] == evidence.text
        assert first.line == raw.count("\n", 0, first.start) + 1
        assert loaded.sentences[evidence.sentence].text == evidence.text
        for source in evidence.sources:
            raw = read_raw(corpus / source.path)
            cited = raw[source.start : source.end]
            assert cited and cited == cited.strip()
            assert source.title == next(a.title for a in loaded.articles if a.path == source.path)
        if evidence.answer_span is not None:
            start, end = evidence.answer_span
            assert 0 <= start < end <= len(evidence.text)


QUESTIONS = [
    "How many residents were evacuated?",
    "Where is Fagradalsfjall?",
    "what is the capital of France?",
    "who won the final?",
    "why did critics object?",
    "volcano",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_answer_is_well_formed(tiny_bot: Bot, fake_index: tuple[Path, Path], question: str):
    corpus, _ = fake_index
    result = tiny_bot.ask(question, top_k=3)
    assert result.question == question
    assert 0.0 <= result.confidence <= 1.0
    assert 1 <= len(result.evidence) <= 3
    assert result.expected == analyze(question).kind
    if result.answered:
        assert result.answer
    else:
        assert result.answer is None and not result.short
    assert_evidence_cites_the_files(corpus, tiny_bot.index, result)


def test_question_is_returned_as_asked(tiny_bot: Bot):
    assert tiny_bot.ask("  How many   residents were evacuated? ").question == "  How many   residents were evacuated? "


def test_typed_answer_is_marked_in_the_first_evidence(tiny_bot: Bot):
    result = tiny_bot.ask("How many residents were evacuated?")
    first = result.evidence[0]
    assert first.text == "About 3,700 residents were evacuated before dawn."
    assert first.answer_span is not None
    start, end = first.answer_span
    assert "3,700" in first.text[start:end]
    if result.answered:
        assert "3,700" in result.answer


def test_top_k_limits_the_evidence(tiny_bot: Bot):
    assert len(tiny_bot.ask("volcano", top_k=1).evidence) == 1
    assert len(tiny_bot.ask("volcano", top_k=50).evidence) <= len(tiny_bot.index.sentences)


def test_no_hits_is_not_an_answer(fake_index: tuple[Path, Path]):
    _, root = fake_index
    loaded = index_mod.load(root)
    result = answer(loaded, analyze("who won?"), [])
    assert result.answered is False and result.answer is None and result.evidence == ()
    assert result.confidence == 0.0


class DigitBlindEmbedder(HashEmbedder):
    """Sentences that differ only in their figures get the same vector."""

    def encode(self, texts, progress=None):
        return super().encode([re.sub(r"\d", "", t) for t in texts], progress)


SAME_CLAIM = "Takaichi won 237 votes in the lower house on Tuesday."


def test_the_same_claim_in_two_articles_is_one_piece_of_evidence_citing_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "a.txt": f"Vote Report\n\n{SAME_CLAIM} Markets were calm.\n",
            "b.txt": f"Another Vote Report\n\nThe opposition conceded. {SAME_CLAIM}\n",
            "c.txt": "Weather\n\nIt rained all day in the capital.\n",
        },
    )
    fake_build(corpus, tmp_path / "index")
    loaded = index_mod.load(tmp_path / "index")
    monkeypatch.setattr(index_mod.Index, "query_embedder", lambda self: HashEmbedder())
    result = Bot(loaded).ask("how many votes did Takaichi win in the lower house?")
    holding = [e for e in result.evidence if e.text == SAME_CLAIM]
    assert len(holding) == 1
    assert sorted(s.path for s in holding[0].sources) == ["a.txt", "b.txt"]
    assert_evidence_cites_the_files(corpus, loaded, result)


def test_alike_sentences_with_different_figures_are_not_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "a.txt": "Vote Report\n\nTakaichi won 237 votes in the lower house.\n",
            "b.txt": "Vote Report\n\nTakaichi won 149 votes in the lower house.\n",
        },
    )
    fake_build(corpus, tmp_path / "index", embedder=DigitBlindEmbedder())
    loaded = index_mod.load(tmp_path / "index")
    assert float(loaded.vectors(np.asarray([0]))[0] @ loaded.vectors(np.asarray([1]))[0]) == pytest.approx(1.0)
    monkeypatch.setattr(index_mod.Index, "query_embedder", lambda self: DigitBlindEmbedder())
    result = Bot(loaded).ask("how many votes did Takaichi win?")
    assert len(result.evidence) == 2
    assert all(len(e.sources) == 1 for e in result.evidence)


def test_a_name_the_question_calls_by_its_title_is_not_the_answer():
    from qa.answer import _titled_by_question

    question = analyze("Which official said the president would see the emperor?")
    sentence = "Secretary Minoru Kihara said President Trump is expected to meet Emperor Naruhito."
    q_terms = set(question.terms)
    assert _titled_by_question(sentence, sentence.index("Naruhito"), q_terms, question) < 1.0
    assert _titled_by_question(sentence, sentence.index("Trump"), q_terms, question) < 1.0
    assert _titled_by_question(sentence, sentence.index("Minoru"), q_terms, question) == 1.0
    # A lower-case verb before a name is not a title: "succeeding Shigeru Ishiba" answers "whom did she succeed?"
    succeed = analyze("Whom did she succeed?")
    line = "She became prime minister, succeeding Shigeru Ishiba."
    assert _titled_by_question(line, line.index("Shigeru"), set(succeed.terms), succeed) == 1.0


def test_a_possessor_is_not_whom_the_question_is_about():
    question = analyze("How many votes did Takaichi's rival get?")
    assert question.possessors == ("takaichi",)
    assert "takaichi" not in question.names
    assert analyze("How many votes did Noda get?").names == ("noda",)


def test_the_rarest_question_word_must_stand_in_the_answers_own_sentence():
    from qa.answer import _constraint

    question = analyze("How many votes did Takaichi receive in the upper house?")
    idf = {t: 1.0 for t in question.terms} | {"upper": 3.0, "takaichi": 2.0}
    said = set(text.terms("Takaichi received 237 votes in the lower house."))
    assert _constraint(question.terms, said, idf) == 0.0  # "upper", the rarest, is not there
    assert _constraint(question.terms, said | {"upper"}, idf) == 1.0
    assert _constraint(question.terms, said - {"takaichi"} | {"upper"}, idf) == pytest.approx(1 / 3)


def test_names_of_the_question_are_counted_in_the_answers_sentence():
    from qa.answer import _share

    question = analyze("Who is the prime minister of Malaysia?")
    assert question.names == ("malaysia",)
    assert _share(question.names, set(text.terms("Takaichi became Japan's first female prime minister."))) == 0.0
    assert _share(question.names, set(text.terms("Anwar is the prime minister of Malaysia."))) == 1.0


def test_a_negated_question_against_a_sentence_that_is_not():
    from qa.answer import _negation

    assert _negation("Which country did not sign the treaty?", "France and Spain signed the treaty.") == 1.0
    assert _negation("Which country didn't sign the treaty?", "Spain did not sign the treaty.") == 0.0
    assert _negation("Which country signed the treaty?", "France and Spain signed the treaty.") == 0.0


@pytest.mark.parametrize(
    "question, sentence, contrary",
    [
        ("How many votes did she receive in the upper house?", "She won 237 votes in the Lower House.", 1.0),
        ("How many votes did she receive in the lower house?", "She won 237 votes in the Lower House.", 0.0),
        ("What is the lowest point of the basin?", "The summit is the highest point of the basin.", 1.0),
        ("When did the war start?", "The war ended in 1945.", 1.0),
        ("When did the war start and end?", "The war ended in 1945.", 0.0),  # the question says both
        ("Who did she defeat?", "Her victory over Noda was decisive.", 0.0),  # a converse tells the same from the other side
        ("How long did their first call last?", "The call lasted ten minutes.", 0.0),  # "lasted" is no "last"
    ],
)
def test_a_sentence_that_says_the_opposite_of_the_question(question: str, sentence: str, contrary: float):
    from qa.answer import _contrary

    assert _contrary(analyze(question).terms, frozenset(text.terms(sentence))) == contrary


def test_every_weighted_signal_is_measured(tiny_bot: Bot):
    from qa.answer import Tuning, assess
    from qa.retrieve import search

    loaded = tiny_bot.index
    for question in ("How many votes did Takaichi receive in the upper house?", "Why did Trump visit Japan?"):
        q = analyze(question)
        vector = loaded.query_embedder().encode([q.text])[0]
        found = assess(loaded, q, search(loaded, vector, q.text, k=30))
        assert {name for name, _ in Tuning().weights} <= set(found.signals)
        assert all(math.isfinite(v) for v in found.signals.values())


def test_a_piece_of_a_hyphenated_word_is_not_an_answer():
    from qa.answer import _part_of_a_word

    line = "They want an in-person meeting and off-campus housing for the person in charge."
    assert _part_of_a_word(line, line.index("person meeting"), line.index("person meeting") + len("person"))
    assert _part_of_a_word(line, line.index("in-person") - 0, line.index("in-person") + 2)  # "in" of "in-person"
    assert _part_of_a_word(line, line.index("-campus"), line.index("-campus") + len("-campus housing"))
    assert not _part_of_a_word(line, line.index("the person"), line.index("the person") + len("the person"))


def _dates_and_numbers(texts, progress=None):
    """Digits as CARDINAL, and "<Month> <day>" as DATE (the way the tagger labels them)."""
    months = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    out = []
    for t in texts:
        spans = [Span(m.start(), m.end(), "DATE") for m in re.finditer(months + r" \d+(?:st|nd|rd|th)?", t)]
        spans += [Span(m.start(), m.end(), "CARDINAL") for m in re.finditer(r"\d+", t)]
        out.append(tuple(sorted(spans, key=lambda s: (s.start, s.end))))
    return out


def test_a_figure_the_question_gives_or_a_day_of_a_date_is_not_the_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Party Vote\n\nTakaichi won the party's leadership race on October 4th.\n"})
    fake_build(corpus, tmp_path / "index", find_spans=_dates_and_numbers)
    loaded = index_mod.load(tmp_path / "index")
    monkeypatch.setattr(index_mod.Index, "query_embedder", lambda self: HashEmbedder())
    bot = Bot(loaded)
    # The day of the month counts nothing: the article does not say how many votes she won.
    assert bot.ask("How many votes did Takaichi win in the party's leadership race?").answer not in ("4", "4th")
    # A date the question itself gives is not when it happened.
    assert bot.ask("When was the leadership race of October 4 won?").answer not in ("October 4th", "4th")


def test_a_day_of_the_month_lies_in_a_calendar_date():
    from qa.answer import _in_a_calendar_date
    from qa.types import Sentence

    line = "She won 237 votes on October 4 and served for six years."
    spans = tuple(_dates_and_numbers([line])[0]) + (Span(line.index("six"), line.index("six") + len("six years"), "DATE"),)
    sentence = Sentence(0, 0, 0, len(line), 1, line, spans)
    at = lambda word: (line.index(word), line.index(word) + len(word))  # noqa: E731
    assert _in_a_calendar_date(sentence, *at("4"))
    assert not _in_a_calendar_date(sentence, *at("237"))
    assert not _in_a_calendar_date(sentence, *at("six"))  # a duration, not a day
    assert not _in_a_calendar_date(sentence, *at("October 4"))  # the date itself


@pytest.mark.parametrize(
    ("value", "empty"),
    [
        ("place", True),  # "took place"
        ("the end", True),
        ("This upcoming visit", True),  # points to something said elsewhere
        ("those bands", True),
        ("person", True),  # of "meet her in person"
        ("the people", True),
        ("the green chloroplast lineage", False),
        ("Place de la Concorde", False),
        ("the thesis", False),
        ("time-lapse photography", False),
    ],
)
def test_a_noun_phrase_that_names_nothing_is_not_an_answer(value: str, empty: bool):
    from qa.answer import _says_nothing

    assert _says_nothing(value) is empty


def test_the_questions_own_noun_alone_is_not_the_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    line = "The league chose the field with care and laid natural grass."

    def noun_phrases(texts, progress=None):
        return [tuple(Span(t.index(np), t.index(np) + len(np), "NP") for np in ("The league", "the field", "natural grass") if np in t) for t in texts]

    corpus = write_corpus(tmp_path / "corpus", {"a.txt": f"Stadiums\n\n{line}\n"})
    fake_build(corpus, tmp_path / "index", find_spans=noun_phrases)
    loaded = index_mod.load(tmp_path / "index")
    monkeypatch.setattr(index_mod.Index, "query_embedder", lambda self: HashEmbedder())
    from qa.answer import assess
    from qa.retrieve import search

    question = analyze("What field type did the league choose?")
    hits = search(loaded, HashEmbedder().encode([question.text])[0], question.text, k=5)
    found = assess(loaded, question, hits).candidate
    assert found is not None and found.text == "natural grass"


def test_a_noun_phrase_takes_the_of_phrase_that_completes_it():
    from qa.answer import _extend_of
    from qa.types import Sentence

    line = "ABC broadcast the coronation of Queen Elizabeth II and the end of an era in the spring of 1953."
    spans = tuple(
        Span(line.index(p), line.index(p) + len(p), label)
        for p, label in (("ABC", "ORG"), ("the coronation", "NP"), ("Queen Elizabeth II", "PERSON"), ("an era", "NP"), ("1953", "DATE"))
    )
    sentence = Sentence(0, 0, 0, len(line), 1, line, spans)
    end = line.index("the coronation") + len("the coronation")
    assert line[line.index("the coronation") : _extend_of(sentence, end)] == "the coronation of Queen Elizabeth II"
    assert _extend_of(sentence, line.index("the end") + len("the end")) == line.index("an era") + len("an era")
    spring = line.index("the spring") + len("the spring")
    assert _extend_of(sentence, spring) == spring  # "of 1953" is a date, not a phrase that completes a noun
    assert _extend_of(sentence, end, limit=10) == end  # too long to stay a short answer


def test_names_listed_together_are_one_answer():
    from qa.answer import _extend_list
    from qa.types import Sentence

    line = "The midwives Shiphrah and Puah defied the pharaoh in Paris, France, with Moses, Aaron and Miriam."
    names = ("Shiphrah", "Puah", "Moses", "Aaron", "Miriam")
    spans = tuple(Span(line.index(n), line.index(n) + len(n), "PERSON") for n in names)
    spans += tuple(Span(line.index(p), line.index(p) + len(p), "GPE") for p in ("Paris", "France"))
    sentence = Sentence(0, 0, 0, len(line), 1, line, spans)

    def listed(name: str) -> str:
        span = next(s for s in spans if line[s.start : s.end] == name)
        return line[span.start : _extend_list(sentence, span, span.end)]

    assert listed("Shiphrah") == "Shiphrah and Puah"
    assert listed("Moses") == "Moses, Aaron and Miriam"
    assert listed("Paris") == "Paris"  # a comma alone is an apposition, not a list
    assert listed("Puah") == "Puah"  # the last of its list


def test_reranking_reads_each_sentence_for_what_the_question_asks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from helpers import ConstantEmbedder

    from qa.answer import Tuning, _idf, _Reader, _rerank
    from qa.retrieve import search

    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "a.txt": "Praise\n\nTakaichi thanked everyone for the votes Takaichi won, and the votes Takaichi won were celebrated.\n",
            "b.txt": "Count\n\nTakaichi won 237 votes.\n",
            "c.txt": "Weather\n\nIt rained all day in the capital.\n",
        },
    )
    fake_build(corpus, tmp_path / "index", embedder=ConstantEmbedder())
    loaded = index_mod.load(tmp_path / "index")
    question = analyze("How many votes did Takaichi win?")
    hits = search(loaded, ConstantEmbedder().encode([question.text])[0], question.text, k=3)
    # Retrieval alone (no dense signal here) prefers the sentence that repeats the question's words...
    assert loaded.sentences[hits[0].sentence].text.startswith("Takaichi thanked")
    reranked = _rerank(loaded, question, hits, _Reader(loaded, question, _idf(loaded, question.terms)), Tuning())
    # ...reading them finds the one that holds a number of votes.
    assert loaded.sentences[reranked[0].sentence].text == "Takaichi won 237 votes."
    assert sorted(h.sentence for h in reranked) == sorted(h.sentence for h in hits)
    scores = [h.score for h in reranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 < s < 1.0 for s in scores)  # the probability that the sentence holds the answer


def test_a_sentence_of_only_the_questions_words_is_reranked_last(tmp_path: Path):
    from qa.answer import Tuning, _idf, _Reader, _rerank
    from qa.retrieve import search

    corpus = write_corpus(
        tmp_path / "corpus",
        {"a.txt": "Markets\n\nStocks fell on Monday. He covers the stock market from Dubai.\n\nJane Doe\n\nJane Doe writes for us.\n"},
    )
    fake_build(corpus, tmp_path / "index")
    loaded = index_mod.load(tmp_path / "index")
    question = analyze("What does Jane Doe cover?")
    hits = search(loaded, HashEmbedder().encode([question.text])[0], question.text, k=4)
    texts = [loaded.sentences[h.sentence].text for h in hits]
    assert texts.index("Jane Doe") < texts.index("He covers the stock market from Dubai.")  # alike, by its words
    reranked = _rerank(loaded, question, hits, _Reader(loaded, question, _idf(loaded, question.terms)), Tuning())
    # A byline's bare name says nothing the question does not: it cannot answer it.
    assert loaded.sentences[reranked[-1].sentence].text == "Jane Doe"
    scores = [h.score for h in reranked]
    assert scores == sorted(scores, reverse=True)


def test_every_ranking_signal_is_measured(tiny_bot: Bot):
    from qa.answer import Tuning, _idf, _Reader, question_pairs, ranking_signals
    from qa.retrieve import search

    loaded = tiny_bot.index
    for question in ("How many residents were evacuated?", "What did the council approve?", "Why did the mayor praise the vote?"):
        q = analyze(question)
        hits = search(loaded, loaded.query_embedder().encode([q.text])[0], q.text, k=5)
        reader = _Reader(loaded, q, _idf(loaded, q.terms))
        for hit in hits:
            signals = ranking_signals(loaded, q, hit, reader, question_pairs(q))
            assert set(signals) == {name for name, _ in Tuning().ranking}
            assert all(math.isfinite(v) for v in signals.values())


def test_a_day_is_not_an_age_and_how_long_it_lasted_asks_no_word_last():
    from qa.answer import _fits

    assert _fits("64-year-old", "age") and _fits("64", "age")
    assert not _fits("October 25", "age") and not _fits("Monday 3", "age") and not _fits("2017", "age")
    assert "last" not in analyze("How long did Trump's visit to Japan last?").terms
    assert "last" in analyze("When did Trump last visit Japan?").terms  # here it narrows the question


def test_an_age_is_a_number_said_to_be_one():
    from qa.answer import _said_as_an_age

    def said(line: str, value: str) -> bool:
        return _said_as_an_age(line, line.index(value), line.index(value) + len(value))

    assert said("As per reports, 64-year-old Takaichi secured 237 of the 465 votes.", "64-year-old")
    assert not said("As per reports, 64-year-old Takaichi secured 237 of the 465 votes.", "465")
    assert said("The mayor, aged 51, resigned.", "51") and said("Smith (72) retired.", "72") and said("She is 40 years old.", "40")
    assert not said("Takaichi won 237 votes in the lower house.", "237")


def test_words_of_the_same_clause_stand_closer():
    from qa.answer import _proximity

    line = "Trump, who began a second term in January, last visited Japan in 2019 for a summit."
    terms = ("last", "visit", "japan")
    idf = dict.fromkeys(terms, 1.0)

    def near(value: str) -> float:
        return _proximity(line, line.index(value), line.index(value) + len(value), terms, idf)

    assert near("2019") > near("January")
    unbroken = line.replace("January,", "January")  # without the comma, "last visited" may be January's
    assert _proximity(unbroken, unbroken.index("January"), unbroken.index("January") + 7, terms, idf) > near("January")
    assert 0.0 < _proximity(line, len(line) - 1, len(line), terms, idf) <= 1.0  # a span after the last word


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who is Yoshihiko Noda?", None),
        ("who was Shinzo Abe", None),
        ("Who is he (Yoshihiko Noda)?", None),  # as a chat searches "Who is he?"
        ("Who is he?", "person"),
        ("Who is Japan's new premier?", "person"),
        ("Who is the new prime minister?", "person"),
    ],
)
def test_who_is_a_name_asks_what_the_articles_say_of_them(question: str, kind: str | None):
    assert analyze(question).kind == kind


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("Who became Japan's first woman prime minister?", True),
        ("Which official said the president would meet the emperor?", True),
        ("What party won the election?", True),
        ("Who did Takaichi beat?", False),
        ("Which party does Takaichi lead?", False),
        ("Who is the new prime minister?", False),
        ("How many votes did she get?", False),
        # A passive question asks for whom it befell, who the sentence says became it ("Takaichi became premier").
        ("Who was elected prime minister on Tuesday?", True),
        ("Who was given the award?", True),
        ("Which party was founded in 1955?", True),
        ("Who was Shinzo Abe?", False),
        ("Who was the best man?", False),
    ],
)
def test_a_question_may_ask_who_does_what_it_says(question: str, subject: bool):
    assert analyze(question).subject is subject


def _people(texts, progress=None):
    """The capitalised names below as PERSON."""
    names = r"Sanae Takaichi|Takaichi|Shigeru Ishiba|Ishiba|Minoru Kihara|Trump|Naruhito"
    return [tuple(Span(m.start(), m.end(), "PERSON") for m in re.finditer(names, t)) for t in texts]


def test_whom_the_question_calls_by_a_title(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "b.txt": (
                "Visit\n\nAccording to Chief Cabinet Secretary Minoru Kihara, President Trump will meet Emperor Naruhito. "
                "Trump said he would meet the emperor. Trump will meet the emperor on Monday.\n"
            ),
        },
    )
    fake_build(corpus, tmp_path / "index", find_spans=_people)
    monkeypatch.setattr(index_mod.Index, "query_embedder", lambda self: HashEmbedder())
    bot = Bot(index_mod.load(tmp_path / "index"))
    # "The president" is Trump wherever he stands, titled or not: the official is someone else.
    assert bot.ask("Which official said the president would meet the emperor?").answer == "Minoru Kihara"
    # A question that describes whom it asks for by a title names the answer's title.
    assert bot.ask("Who is the chief cabinet secretary?").answer == "Minoru Kihara"


def test_who_does_what_the_question_says_stands_before_its_words():
    from qa.answer import _Nearness

    line = "Takaichi became prime minister, succeeding Ishiba."
    terms = ("becam", "prime", "minist")
    idf = dict.fromkeys(terms, 1.0)
    takaichi, ishiba = (line.index("Takaichi"), line.index("Takaichi") + 8), (line.index("Ishiba"), line.index("Ishiba") + 6)
    asks_the_subject, asks_otherwise = _Nearness(line, terms, idf, subject=True), _Nearness(line, terms, idf)
    assert asks_the_subject.of(*takaichi) > asks_otherwise.of(*takaichi)  # "Who became prime minister?"
    assert asks_the_subject.of(*ishiba) < asks_otherwise.of(*ishiba)


def test_a_figure_belongs_to_the_nearest_person_before_it():
    from qa.answer import _agreement
    from qa.types import Sentence

    line = "Takaichi won in the Lower House, amassing 237 votes, while Yoshihiko Noda received 149 votes."
    names = {"Takaichi": "PERSON", "Lower House": "PROPN", "Yoshihiko Noda": "PERSON", "237": "CARDINAL", "149": "CARDINAL"}
    spans = tuple(sorted((Span(line.index(k), line.index(k) + len(k), v) for k, v in names.items()), key=lambda s: s.start))
    sentence = Sentence(0, 0, 0, len(line), 1, line, spans)
    figure = {v: next(s for s in spans if line[s.start : s.end] == v) for v in ("237", "149")}

    def tied(asked: str, value: str) -> float:
        return _agreement(sentence, figure[value], analyze(asked))

    # A place named between her and her figure does not take it from her.
    assert tied("How many votes did Takaichi receive?", "237") > tied("How many votes did Takaichi receive?", "149")
    assert tied("How many votes did Noda receive?", "149") > tied("How many votes did Noda receive?", "237")
    # A name in a relative clause is not whose figure is asked for.
    assert tied("How many votes were cast in the chamber that elected Takaichi?", "237") == 1.0
    assert tied("How many votes were cast in the chamber that elected Takaichi?", "149") == 1.0


@pytest.mark.parametrize(
    "asked", ["How many votes did the loser get?", "How much support did her main challenger get?", "How many votes did the runner-up receive?"]
)
def test_whoever_lost_is_asked_for_the_figure_of_the_person_named_after_the_winner(asked: str):
    from qa.answer import _agreement
    from qa.types import Sentence

    line = "Takaichi won in the Lower House, amassing 237 votes, while Yoshihiko Noda received 149 votes."
    names = {"Takaichi": "PERSON", "Lower House": "PROPN", "Yoshihiko Noda": "PERSON", "237": "CARDINAL", "149": "CARDINAL"}
    spans = tuple(sorted((Span(line.index(k), line.index(k) + len(k), v) for k, v in names.items()), key=lambda s: s.start))
    sentence = Sentence(0, 0, 0, len(line), 1, line, spans)
    figure = {v: next(s for s in spans if line[s.start : s.end] == v) for v in ("237", "149")}
    question = analyze(asked)

    assert question.against
    assert _agreement(sentence, figure["149"], question) > 1.0 > _agreement(sentence, figure["237"], question)
    # With one person named, no figure is anyone else's.
    alone = "Yoshihiko Noda received 149 votes."
    one = Sentence(0, 0, 0, len(alone), 1, alone, (Span(0, 14, "PERSON"), Span(24, 27, "CARDINAL")))
    assert _agreement(one, one.spans[1], question) == 1.0
    # The winner's own question is not read so.
    assert not analyze("How many votes did the winner get?").against


def test_the_winner_and_the_total_are_told_apart_from_the_other_figures(tmp_path: Path):
    body = "Lopez won the vote with 237 ballots, while Reed received 149 ballots. Lopez won 237 of 465 ballots cast."
    labels = {"Lopez": "PERSON", "Reed": "PERSON", "237": "CARDINAL", "149": "CARDINAL", "465": "CARDINAL"}
    loaded = _labelled_index(tmp_path / "vote", "Lopez wins", body, labels)
    assert analyze("How many ballots did the winner receive?").winner and not analyze("How many ballots did the loser receive?").winner
    assert _short_answer(loaded, "How many ballots did the winner receive?").startswith("237")
    assert _short_answer(loaded, "How many ballots did the loser receive?").startswith("149")
    assert _short_answer(loaded, "How many ballots were cast in total in the vote Lopez won?").startswith("465")  # not hers
    assert _short_answer(loaded, "How many ballots were cast in the vote?").startswith("465")  # all cast: the total
    assert _short_answer(loaded, "How many ballots were cast for Lopez?").startswith("237")  # those cast for her: a part


def test_a_question_about_what_will_happen_is_not_answered_with_a_year_before_the_article(tmp_path: Path):
    from qa.answer import _before_the_article

    assert _before_the_article("2019", "2025-10-26") and _before_the_article("in 2017", "2025")
    assert not _before_the_article("2026", "2025-10-26") and not _before_the_article("Monday", "2025-10-26")
    assert not _before_the_article("2019", None) and not _before_the_article("2,019", "2025")
    line = "Trump, who last traveled to Japan in 2019, is scheduled to arrive on Monday."
    labels = {"2019": "DATE", "Monday": "DATE", "Trump": "PERSON", "Japan": "GPE"}
    dated = _labelled_index(tmp_path / "dated", "Trump to visit Japan", f"Date: 2025-10-26\n\n{line}", labels)
    assert dated.articles[0].date == "2025-10-26"
    assert _short_answer(dated, "When will Trump arrive in Japan?") == "Monday"
    assert _short_answer(dated, "When did Trump last travel to Japan?") == "2019"


def test_what_they_discussed_is_answered_by_a_sentence_that_says_what_something_focused_on(tmp_path: Path):
    from qa.answer import assess
    from qa.retrieve import search

    body = "The phone call between the two leaders took place on Monday in the capital. The call focused on trade and security."
    labels = {"The phone call": "NP", "the two leaders": "NP", "Monday": "DATE", "the capital": "NP", "The call": "NP", "trade": "NP", "security": "NP"}
    loaded = _labelled_index(tmp_path / "topic", "Leaders talk", body, labels)
    asked = "What did the two leaders discuss during the phone call?"
    found = assess(loaded, analyze(asked), search(loaded, HashEmbedder().encode([asked])[0], asked, k=5))
    assert loaded.sentences[found.groups[0].rows[0]].text == "The call focused on trade and security."
    assert found.candidate is not None and found.candidate.text.startswith("trade")
    # A question that asks something else keeps the order of the evidence.
    asked = "When did the two leaders hold the phone call?"
    found = assess(loaded, analyze(asked), search(loaded, HashEmbedder().encode([asked])[0], asked, k=5))
    assert loaded.sentences[found.groups[0].rows[0]].text.startswith("The phone call")


def test_a_question_about_what_did_happen_is_not_answered_with_a_date_yet_to_come(tmp_path: Path):
    from qa.answer import _in_a_future_clause

    line = "Trump is scheduled to begin a visit on Monday, his first since a term that began in 2017."
    assert _in_a_future_clause(line, line.index("Monday")) and not _in_a_future_clause(line, line.index("2017"))
    assert not _in_a_future_clause("Trump, who will arrive on Monday, visited in 2019.", 44)
    body = "Trump is scheduled to begin his first visit to Japan on Monday. Abe was close to Trump during his first term starting in 2017."
    labels = {"Monday": "DATE", "2017": "DATE", "Trump": "PERSON", "Abe": "PERSON", "Japan": "GPE"}
    loaded = _labelled_index(tmp_path / "future", "Trump to visit", body, labels)
    assert _short_answer(loaded, "When did his first spell in office begin?") == "2017"
    assert _short_answer(loaded, "When will Trump begin his first visit?") == "Monday"
    # What was planned is asked in the past and answered with what is yet to come.
    assert _short_answer(loaded, "When was Trump scheduled to begin his visit?") == "Monday"


@pytest.mark.parametrize(
    ("term", "words", "credit"),
    [
        ("resolv", "the immediate resolution of the issue", 1.0),
        ("resolut", "she asked him to resolve it", 1.0),
        ("decis", "they decided to stay", 1.0),
        ("includ", "with the inclusion of two", 1.0),
        ("phone", "a telephone call", 1.0),
        ("hous", "the White House", 0.0),  # the word itself: no partial credit needed
        ("trade", "a long tradition", 0.0),
        ("light", "in the spotlight", 1.0),
        ("lead", "a lease", 0.0),  # too short to have a family
    ],
)
def test_a_question_word_partly_stands_in_another_of_its_family(term: str, words: str, credit: float):
    from qa.answer import _partial

    assert _partial(term, set(text.terms(words))) == credit


@pytest.mark.parametrize(
    ("sentence", "key", "expected"),
    [
        ("Takaichi won, while Yoshihiko Noda, leader of the Constitutional Democratic Party, received 149.", "Noda", "leader of the Constitutional Democratic Party"),
        ("Austin Collins is our Europe, Asia, & Middle East Correspondent.", "Collins", "our Europe, Asia, & Middle East Correspondent"),
        ("In a briefing, Chief Cabinet Secretary Minoru Kihara said so.", "Kihara", "Chief Cabinet Secretary"),
        ("It echoes the late former Prime Minister Shinzo Abe.", "Abe", "the late former Prime Minister"),
        ("She leads the ruling Liberal Democratic Party (LDP) now.", "LDP", "Liberal Democratic Party"),
        ("Plasmodium is the malaria parasite.", "Plasmodium", "the malaria parasite"),
        ("He had written on his social media ‘Truth Social’, “Leaving the vibrant nation.", "Social", "his social media"),
        ('She wrote in the newspaper "Le Monde" that it was over.', "Monde", "the newspaper"),
    ],
)
def test_what_a_sentence_says_a_name_is(sentence: str, key: str, expected: str):
    from qa.answer import _descriptions

    found = _descriptions(sentence, key)
    assert found and found[0][1] == expected
    assert sentence[found[0][2] : found[0][2] + len(expected)] == expected  # where it stands, to highlight


@pytest.mark.parametrize(
    ("sentence", "key"),
    [
        ("Takaichi, who won the vote, became prime minister.", "Takaichi"),  # a relative clause says what she did
        ("Noda, 68, said he would stay.", "Noda"),
        ("The IEEE, from 1892 to 1894, grew.", "IEEE"),
        ("Noda received 149 votes.", "Noda"),
        ("Reporters asked Kihara about it.", "Kihara"),  # "asked" is no title
        ('He said "Monde is great" to them.', "Monde"),  # words quoted, no name called
        ('She wrote in the newspaper "Le Monde is" that it was over.', "Monde"),  # the quote goes on past the name
    ],
)
def test_what_does_not_say_what_a_name_is(sentence: str, key: str):
    from qa.answer import _descriptions

    assert _descriptions(sentence, key) == []


def test_who_is_a_name_is_answered_with_what_the_articles_say_it_is(tmp_path: Path):
    line = "Takaichi won, while Yoshihiko Noda, leader of the Constitutional Democratic Party, received 149 votes."
    labels = {"Takaichi": "PERSON", "Yoshihiko Noda": "PERSON", "the Constitutional Democratic Party": "ORG", "149": "CARDINAL"}
    loaded = _labelled_index(tmp_path, "Vote", line, labels)
    assert _short_answer(loaded, "Who is Yoshihiko Noda?") == "leader of the Constitutional Democratic Party"
    assert _short_answer(loaded, "who's Noda?") == "leader of the Constitutional Democratic Party"
    assert _short_answer(loaded, "Who is he (Noda)?") == "leader of the Constitutional Democratic Party"
    assert _short_answer(loaded, "What is Noda's job?") == "leader of the Constitutional Democratic Party"
    assert _short_answer(loaded, "Who is the Chief Cabinet Secretary?") != "leader of the Constitutional Democratic Party"


def test_an_age_is_answered_with_its_number(tmp_path: Path):
    loaded = _labelled_index(tmp_path, "Vote", "The 64-year-old Takaichi won the vote.", {"64-year-old": "DATE", "Takaichi": "PERSON"})
    assert _short_answer(loaded, "How old is Takaichi?") == "64"


@pytest.mark.parametrize(
    ("question", "head"),
    [
        ("What is Takaichi known for?", None),  # the question says something of a name: no noun is asked for
        ("What was Tugh Temur known for?", None),
        ("What is Kenya a founding member of?", None),
        ("What was Apple Talk", None),
        ("What is the Latin name for Black Death?", "latin"),  # a capitalised word before the noun stays as it was
        ("What is the Canal in Wesel?", "canal"),
        # A known noun that says "that" is the question's verb, not its noun.
        ("Which articles state that the rights may not be obstructed?", "articl"),
        ("Which theory states that slow processes still occur?", "theori"),
        ("Which US states border Canada?", "state"),
    ],
)
def test_a_name_the_question_says_something_of_is_not_its_noun(question: str, head: str | None):
    assert analyze(question).head == head


@pytest.mark.parametrize(
    ("question", "head", "kind", "described"),
    [
        ("What is Minoru Kihara's job?", "job", "thing", False),  # whose job: a name, then its noun
        ("What is the new prime minister's name?", "name", "person", True),  # the name of a prime minister: who is it?
        ("What is the emperor's name?", "name", "person", True),
        ("What was ABC's revenue in 1962?", "revenu", "money", False),
    ],
)
def test_the_noun_past_whose_it_is(question: str, head: str, kind: str, described: bool):
    asked = analyze(question)
    assert (asked.head, asked.kind, asked.described) == (head, kind, described)


def test_a_name_that_ends_in_another_kind_of_body_is_not_what_which_party_asks_for():
    from qa.answer import _names_another_kind

    party = analyze("Which party does Takaichi lead?")
    assert _names_another_kind("Kyodo News", party) and _names_another_kind("the Lower House", party)
    assert not any(_names_another_kind(v, party) for v in ("Liberal Democratic Party", "LDP", "the Constitutional Democratic Party of Japan"))
    assert not _names_another_kind("Kyodo News", analyze("Which news agency reported the vote?"))
    chamber = analyze("In which chamber was she elected?")  # a house is a chamber; a party is not
    assert not _names_another_kind("the Lower House", chamber) and _names_another_kind("the Liberal Democratic Party", chamber)
    body = analyze("With which body must a pharmacist register?")  # any body: a council, a court, a party
    assert not any(_names_another_kind(v, body) for v in ("the General Pharmaceutical Council", "the Court", "Kyodo News"))


def test_a_name_that_ends_in_a_body_or_an_event_is_not_what_which_city_asks_for():
    from qa.answer import _names_another_kind

    city = analyze("In which Japanese city will Trump and Takaichi hold their talks?")
    assert all(_names_another_kind(v, city) for v in ("US Alliance", "Kyodo News", "the Group of 20 summit", "the Prime Minister"))
    assert not any(_names_another_kind(v, city) for v in ("Osaka", "Kuala Lumpur", "the White House", "Wittenberg"))


def test_an_acronym_is_of_the_kind_of_the_name_it_stands_for(tmp_path: Path):
    from qa.answer import _spelled_out

    line = "Votes in the Lower House went to the Liberal Democratic Party (LDP), which won a majority."
    assert _spelled_out("LDP", line, line.index("LDP")) == "Liberal Democratic Party"
    assert _spelled_out("LDP", "The LDP won.", 4) == "LDP"  # not spelled out here
    assert _spelled_out("NHK", "the broadcaster (NHK)", 17) == "NHK"  # letters that do not spell it
    loaded = _labelled_index(tmp_path, "Vote", line, {"the Lower House": "ORG", "Liberal Democratic Party": "ORG", "LDP": "ORG"})
    assert _short_answer(loaded, "In which chamber did it win a majority?") == "the Lower House"  # a party is no chamber


@pytest.mark.parametrize(
    "office, named, other",
    [
        ("Which emperor did the president meet?", "Naruhito", "Trump"),
        ("Which president did the emperor meet?", "Trump", "Naruhito"),
        ("Which premier met the emperor?", "Takaichi", "Naruhito"),  # a prime minister is a premier
    ],
)
def test_an_office_asked_for_is_not_answered_by_someone_the_sentence_gives_another(office: str, named: str, other: str):
    from qa.answer import _holds_another_office

    line = "Prime Minister Sanae Takaichi said that US President Donald Trump would meet Emperor Naruhito in Tokyo."
    head = analyze(office).head
    assert _holds_another_office(line, line.index(other), head) and not _holds_another_office(line, line.index(named), head)


def test_which_emperor_is_not_answered_by_the_president_the_sentence_says_it_of(tmp_path: Path):
    line = "Emperor Naruhito received the guests; President Donald Trump reigned over the state banquet that followed."
    loaded = _labelled_index(tmp_path, "Banquet", line, {"Naruhito": "PERSON", "Donald Trump": "PERSON"})
    assert _short_answer(loaded, "Which emperor reigned?") == "Naruhito"


@pytest.mark.parametrize(
    "question", ["Who is the new Japanese premier?", "Who is the Japanese prime minister?", "What is the name of the Japanese prime minister?"]
)
def test_who_is_an_office_is_not_answered_by_someone_the_sentence_gives_another(tmp_path: Path, question: str):
    # "President Donald Trump" stands nearer "Japanese premier"; he holds another office than the one asked about.
    line = "The new Japanese premier's guest, US President Donald Trump, was welcomed by Prime Minister Sanae Takaichi."
    loaded = _labelled_index(tmp_path, "Visit", line, {"Sanae Takaichi": "PERSON", "Donald Trump": "PERSON"})
    assert _short_answer(loaded, question) == "Sanae Takaichi"


@pytest.mark.parametrize(
    "question, answer",
    [("Who is the foreign minister?", "Toshimitsu Motegi"), ("Who is the prime minister?", "Sanae Takaichi"), ("Who is the minister?", None)],
)
def test_an_office_qualified_otherwise_is_another(question: str, answer: str | None):
    from qa.answer import _holds_another_office, _Reader

    line = "Prime Minister Sanae Takaichi greeted the guests; Foreign Minister Toshimitsu Motegi then spoke to them."
    q = analyze(question)
    reader = _Reader(None, q, dict.fromkeys(q.terms, 1.0))  # type: ignore[arg-type]  # what it asks: no sentence read
    assert reader.office is not None
    held = {name for name in ("Sanae Takaichi", "Toshimitsu Motegi") if _holds_another_office(line, line.index(name), reader.office, reader.qualifier)}
    assert held == ({"Sanae Takaichi", "Toshimitsu Motegi"} - {answer} if answer else set())


def test_a_name_completed_by_of_and_a_number(tmp_path: Path):
    line = "He last visited Japan in May to attend talks of the Group of 20 in Osaka."
    loaded = _labelled_index(tmp_path, "Trip", line, {"Group": "ORG", "20": "CARDINAL", "Osaka": "GPE", "Japan": "GPE"})
    assert _short_answer(loaded, "Which organization held talks in Osaka?") == "Group of 20"


@pytest.mark.parametrize(
    "line, labels",
    [
        ("The call was held on October 25 while attending ASEAN-related Summit meetings in Kuala Lumpur.", {"ASEAN": "ORG", "Summit": "ORG", "Kuala Lumpur": "GPE", "October 25": "DATE"}),
        ("During the conference of Asian nations (ASEAN Summit) on October 25, the president held a call.", {"ASEAN Summit": "ORG", "October 25": "DATE"}),
    ],
)
def test_who_is_not_answered_by_a_name_that_modifies_or_an_event(tmp_path: Path, line: str, labels: dict[str, str]):
    loaded = _labelled_index(tmp_path, "Call", line, labels)
    assert _short_answer(loaded, "Who did the president talk to on the phone on October 25?") is None  # neither is anyone


def test_where_is_not_answered_by_whose_title_it_is(tmp_path: Path):
    line = "Japan's newly elected Prime Minister Sanae Takaichi held talks with the president."
    loaded = _labelled_index(tmp_path, "Call", line, {"Japan": "GPE", "Sanae Takaichi": "PERSON"})
    assert _short_answer(loaded, "Where were they during the talks with Takaichi?") is None  # her country is not where they were


@pytest.mark.parametrize(
    "line, labels, answer",
    [
        ("He last came in 2019 for the Group of 20 summit.", {"Group of 20": "ORG", "2019": "DATE"}, None),  # an event's name
        ("He last came in 2019 for the Paris conference.", {"Paris": "GPE", "2019": "DATE"}, "Paris"),  # a city's
    ],
)
def test_where_is_not_answered_by_the_name_of_an_event(tmp_path: Path, line: str, labels: dict[str, str], answer: str | None):
    loaded = _labelled_index(tmp_path, "Trip", line, labels)
    assert _short_answer(loaded, "Where was he in 2019?") == answer


@pytest.mark.parametrize(
    "line, name, completed",
    [
        ("The principle is recognised in Article 5 of the treaty.", "Article", "Article 5"),
        ("The Soviets sent tortoises around the Moon on Zond 5, an unmanned craft.", "Zond", "Zond 5"),
        ("Its powers are set out in the Scotland Act 1998.", "Scotland Act", "Scotland Act 1998"),
        ("The Broncos 24–10 win ended the season.", "Broncos", "Broncos"),  # a score
        ("Voters in Germany 1990 were asked.", "Germany", "Germany"),  # a year
        ("Japan 237 votes to 149.", "Japan", "Japan"),  # a count of what follows
        ("She won the race on October 4th and took office.", "October", "October"),  # an ordinal, not cut to "4t"
        ("The crew of Apollo 8a was the first.", "Apollo", "Apollo 8a"),  # a letter of the number still is
    ],
)
def test_a_name_completed_by_its_number(line: str, name: str, completed: str):
    from qa.answer import _numbered

    start = line.index(name)
    assert line[start : _numbered(line, start, start + len(name))] == completed


def test_who_is_not_answered_by_a_month(tmp_path: Path):
    # The month of a date that spaCy also tags as a proper noun ("October" in "October 4th") is no one.
    line = "She won the leadership of the party on October 4th, ahead of the party's old guard."
    loaded = _labelled_index(tmp_path, "Vote", line, {"October": "PROPN", "October 4th": "DATE"})
    assert _short_answer(loaded, "Who came first in the leadership race?") != "October"


@pytest.mark.parametrize("quote", ["“{}”", '"{}"'])
def test_who_said_it_is_not_answered_by_a_name_inside_the_words_said(tmp_path: Path, quote: str):
    said = quote.format("President Jones's visit is an extremely meaningful opportunity to strengthen the alliance,")
    line = f"{said} Secretary Maria Smith added on Wednesday."
    loaded = _labelled_index(tmp_path, "Briefing", line, {"Jones": "PERSON", "Maria Smith": "PERSON"})
    assert _short_answer(loaded, "Who said the visit was an extremely meaningful opportunity?") == "Maria Smith"


def test_evidence_past_the_reranked_hits_fills_top_k_and_scores_below_them(tiny_bot: Bot):
    from qa.answer import Tuning

    bot = Bot(tiny_bot.index, tuning=Tuning(evidence_pool=2))
    result = bot.ask("What happened in the town?", top_k=5)
    assert len(result.evidence) == 5
    scores = [e.score for e in result.evidence]
    read, rest = scores[:2], scores[2:]
    assert rest == sorted(rest, reverse=True) and max(rest) <= min(read)
    assert all(0.0 <= s <= 1.0 for s in scores)


def _one_sentence_index(tmp_path: Path, title: str, line: str, phrases: tuple[str, ...]) -> index_mod.Index:
    """A small index of one article holding ``line``, its noun phrases those of ``phrases`` it contains."""

    def noun_phrases(texts, progress=None):
        return [tuple(Span(t.index(np), t.index(np) + len(np), "NP") for np in phrases if np in t) for t in texts]

    corpus = write_corpus(tmp_path / "corpus", {"a.txt": f"{title}\n\n{line}\n"})
    fake_build(corpus, tmp_path / "index", find_spans=noun_phrases)
    return index_mod.load(tmp_path / "index")


def _labelled_index(tmp_path: Path, title: str, body: str, labels: dict[str, str]) -> index_mod.Index:
    """A small index of one article holding ``body``, each name of ``labels`` tagged with its label where it stands."""

    def tagged(texts, progress=None):
        return [tuple(sorted((Span(t.index(k), t.index(k) + len(k), v) for k, v in labels.items() if k in t), key=lambda s: s.start)) for t in texts]

    corpus = write_corpus(tmp_path / "corpus", {"a.txt": f"{title}\n\n{body}\n"})
    fake_build(corpus, tmp_path / "index", find_spans=tagged)
    return index_mod.load(tmp_path / "index")


def _short_answer(loaded: index_mod.Index, asked: str) -> str | None:
    """The short answer found in the evidence retrieved for ``asked``, before the decision to give it."""
    from qa.answer import assess
    from qa.retrieve import search

    candidate = assess(loaded, analyze(asked), search(loaded, HashEmbedder().encode([asked])[0], asked, k=5)).candidate
    return candidate.text if candidate else None


@pytest.mark.parametrize(
    "question, kind",
    [
        ("What did Kihara say about the visit?", "quote"),
        ("What did she say?", "quote"),
        ("And what did he (Kihara) say about it?", "quote"),
        ("How did Takaichi describe Japan's importance to the US?", "quote"),
        ("How did the secretary characterise the visit?", "quote"),
        ("What did Trump write on social media?", "quote"),
        ("What words did Trump use to describe Malaysia?", "quote"),
        ("What did she call Japan?", "quote"),
        ("Who did Trump call on Saturday?", "person"),
        # The answer is inside what was said, or a name, or someone's works: not their words.
        ("What did the court say Steymann was entitled to?", "thing"),
        ("What is the term used to describe the output?", "thing"),
        ("What has physics made to describe forces?", "thing"),
        ("What did Tesla write?", "thing"),
        ("What is the stadium called?", "thing"),
    ],
)
def test_a_question_may_ask_for_someones_words(question: str, kind: str):
    assert analyze(question).kind == kind


@pytest.mark.parametrize(
    "sentence, quoted",
    [
        ("Takaichi said Japan is “an indispensable partner for the US” and thanked him.", ["an indispensable partner for the US"]),
        # Apostrophes inside curly single quotes do not end them.
        ("He called it a ‘historic moment for Japan’s alliance’.", ["historic moment for Japan’s alliance"]),
        ('"The visit is extremely meaningful," Kihara said.', ["The visit is extremely meaningful,"]),
        # A quotation that runs on into the next sentence, and what something was described as.
        ("He wrote: “Leaving the vibrant nation of Malaysia.", ["Leaving the vibrant nation of Malaysia."]),
        ("Trump described Japan as a key ally and praised its leader.", ["a key ally"]),
        ("Critics described the summers as hot and dry, officials said.", ["hot and dry"]),
        ("It's the rock 'n' roll era, said the singer's manager.", []),
    ],
)
def test_someones_words_in_a_sentence(sentence: str, quoted: list[str]):
    from qa.answer import _quoted

    assert [sentence[s.start : s.end] for s in _quoted(sentence)] == quoted


def test_the_words_of_whom_the_question_asks_about(tmp_path: Path):
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "a.txt": (
                "Talks\n\nTakaichi said the talks were “a new chapter for the alliance” on Tuesday. "
                "Noda said the talks were “a missed chance for the alliance” on Tuesday.\n"
            ),
        },
    )
    fake_build(corpus, tmp_path / "index", find_spans=lambda texts, progress=None: [() for _ in texts])
    loaded = index_mod.load(tmp_path / "index")
    # Both sentences quote someone on the talks: the one the question names is who said it.
    assert _short_answer(loaded, "What did Noda say about the talks?") == "a missed chance for the alliance"
    assert _short_answer(loaded, "How did Takaichi describe the talks?") == "a new chapter for the alliance"


def test_a_question_that_asks_for_a_name_prefers_one(tmp_path: Path):
    line = "After the merger the network launched a single cable channel, later called Arts Channel."
    phrases = ("the network", "a single cable channel", "Arts Channel")
    loaded = _one_sentence_index(tmp_path, "Channels", line, phrases)
    assert _short_answer(loaded, "What was the name of the channel the merger launched?") == "Arts Channel"


@pytest.mark.parametrize(
    "line, answer",
    [
        ("The official Japanese news agency, Kyodo News, said the vote was close.", "Kyodo News"),
        # Whoever else is named, elsewhere, is barely an answer: no guess is made.
        ("The official Japanese news agency said the vote was close.\n\nKyodo News covers politics in Tokyo.", None),
    ],
)
def test_a_word_that_describes_what_is_asked_for_is_not_its_name(tmp_path: Path, line: str, answer: str | None):
    loaded = _labelled_index(tmp_path, "Vote", line, {"Japanese": "NORP", "Kyodo News": "ORG"})
    assert _short_answer(loaded, "Which news agency said the vote was close?") == answer  # not "Japanese"


def test_a_question_word_in_the_articles_title_counts_for_its_sentences(tmp_path: Path):
    from qa.answer import _coverage, _idf

    corpus = write_corpus(
        tmp_path / "corpus",
        {"a.txt": "Lopez Wins the Mayoral Race\n\nThe new mayor promised cheaper fares.\n", "b.txt": "Buses\n\nThe new mayor promised cheaper fares.\n"},
    )
    fake_build(corpus, tmp_path / "index")
    loaded = index_mod.load(tmp_path / "index")
    question = analyze("What did Lopez promise?")
    idf = _idf(loaded, question.terms)
    rows = {loaded.articles[s.article].title: i for i, s in enumerate(loaded.sentences)}
    titled, untitled = (_coverage(loaded, rows[t], question.terms, idf) for t in ("Lopez Wins the Mayoral Race", "Buses"))
    assert 0 < untitled < titled < 1  # found in the title counts, but less than in the sentence


def test_what_they_discussed_is_what_a_topic_verb_says(tmp_path: Path):
    line = "The ministers of both countries met in the capital, and the talks focused on the fishing quota, an aide said."
    phrases = ("The ministers", "both countries", "the capital", "the talks", "the fishing quota", "an aide")
    loaded = _one_sentence_index(tmp_path, "Talks", line, phrases)
    assert _short_answer(loaded, "What did the ministers discuss at their meeting?") == "the fishing quota"


def test_a_rank_is_answered_with_an_ordinal(tmp_path: Path):
    line = "With 1.7 million people, Warsaw is the 9th most populous city in the union."
    loaded = _labelled_index(tmp_path, "Warsaw", line, {"1.7 million": "CARDINAL", "9th": "ORDINAL", "Warsaw": "GPE"})
    assert _short_answer(loaded, "Where does Warsaw rank by population in the union?") == "9th"


def test_a_short_answer_keeps_the_bracket_it_opens():
    from qa.answer import _closed

    line = "The ban is in Article 101(1) of the treaty (as amended)."
    assert _closed(line, line.index("Article"), "Article 101(1") == "Article 101(1)"
    assert _closed(line, line.index("(as"), "(as amended") == "(as amended)"
    assert _closed(line, 0, "The ban") == "The ban"  # nothing to close


def test_which_city_is_not_answered_with_a_country_a_state_or_a_continent(tmp_path: Path):
    from qa.answer import _larger_than_a_town

    assert all(_larger_than_a_town(v) for v in ("Japan", "the U.S.", "the United States", "USA", "Ohio", "Asia"))
    assert all(_larger_than_a_town(v) for v in ("West Asia", "Southeast Asia", "Southern California", "North-East India"))
    assert not any(_larger_than_a_town(v) for v in ("Osaka", "Kuala Lumpur", "Tokyo", "Paris", "East London", "Westminster"))
    line = "The summit talks were held in Japan, in the port of Osaka, over two days."
    loaded = _labelled_index(tmp_path, "Summit", line, {"Japan": "GPE", "Osaka": "GPE"})
    assert _short_answer(loaded, "In which city were the summit talks held?") == "Osaka"
    assert _short_answer(loaded, "In which country were the summit talks held?") == "Japan"


@pytest.mark.parametrize(
    "question, query",
    [
        ("What did she call Japan?", "What did she say about Japan?"),  # not about a phone call
        ("And what did he (Kihara) call the visit?", "And what did he (Kihara) say about the visit?"),
        ("What did Luther call for?", "What did Luther call for?"),
        ("Who did Trump call on Saturday?", "Who did Trump call on Saturday?"),
        ("How many votes did she get?", "How many votes did she get?"),
    ],
)
def test_what_someone_called_something_is_searched_as_what_they_said_of_it(question: str, query: str):
    assert analyze(question).query == query


def test_where_after_a_place_is_not_that_place_nor_a_city_in_it(tmp_path: Path):
    from qa.answer import _lies_in

    assert analyze("Where did the minister go after Malaysia?").elsewhere == ("Malaysia",)
    assert analyze("Which country besides the Philippines did it annex?").elsewhere == ("Philippines",)
    assert analyze("Where did the minister stay in Malaysia?").elsewhere == ()
    assert analyze("Who did she meet after Malaysia?").elsewhere == ()  # a person is asked for, not a place
    assert _lies_in("Kuala Lumpur", ("Malaysia",)) and _lies_in("Osaka", ("Japan",)) and _lies_in("the Philippines", ("Philippines",))
    assert not _lies_in("Tokyo", ("Malaysia",)) and not _lies_in("Japan", ("Malaysia",))
    line = "The minister went to Kuala Lumpur and, three days later, on to Japan."
    loaded = _labelled_index(tmp_path, "Tour", line, {"Kuala Lumpur": "GPE", "Japan": "GPE"})
    assert _short_answer(loaded, "Where did the minister go after Malaysia?") == "Japan"
    assert _short_answer(loaded, "Where did the minister go in Malaysia?") == "Kuala Lumpur"


def test_which_region_is_answered_with_a_location_before_a_country(tmp_path: Path):
    line = "The minister praised the peace deal in Thailand and across West Asia."
    loaded = _labelled_index(tmp_path, "Peace", line, {"Thailand": "GPE", "West Asia": "LOC"})
    assert _short_answer(loaded, "In which region did the minister praise the peace deal?") == "West Asia"
    assert _short_answer(loaded, "In which country did the minister praise the peace deal?") == "Thailand"


def test_a_proper_noun_phrase_that_holds_a_person_answers_no_where(tmp_path: Path):
    line = "Prime Minister Ana Ruiz held talks with the governor about the port."
    labels = {"Prime Minister Ana Ruiz": "PROPN", "Ana Ruiz": "PERSON"}
    loaded = _labelled_index(tmp_path, "Talks", line, labels)
    assert _short_answer(loaded, "Where did the prime minister hold talks?") is None
    assert _short_answer(loaded, "Which party held talks with the governor?") is None
    assert _short_answer(loaded, "Who held talks with the governor?") == "Ana Ruiz"


def test_where_a_building_stands_is_answered_with_its_town_too(tmp_path: Path):
    line = "The bishop was buried in the Castle Church in Wittenberg, beneath the pulpit, near Berlin."
    loaded = _labelled_index(tmp_path, "Bishop", line, {"Castle Church": "FAC", "Wittenberg": "ORG", "Berlin": "GPE"})
    assert _short_answer(loaded, "Where was the bishop buried?") == "Castle Church in Wittenberg"


def test_a_name_is_answered_with_its_epithet(tmp_path: Path):
    line = "The castle was taken by William the Lion, and the king gave Robert Bruce the Royal Charter."
    loaded = _labelled_index(tmp_path, "Castle", line, {"William": "PERSON", "Robert Bruce": "PERSON"})
    assert _short_answer(loaded, "Who took the castle?") == "William the Lion"
    assert _short_answer(loaded, "Who was given a charter by the king?") == "Robert Bruce"  # "the Royal Charter" is no epithet


def test_of_two_names_the_tagger_found_at_one_place_the_longer_answers(tmp_path: Path):
    line = "The regiments fought for William of Orange in the war in Ireland."
    loaded = _labelled_index(tmp_path, "War", line, {"William": "PERSON", "William of Orange": "PERSON", "Ireland": "GPE"})
    assert _short_answer(loaded, "For whom did the regiments fight?") == "William of Orange"


def test_a_longer_span_cut_at_a_small_word_is_not_preferred():
    from qa.answer import _typed_spans

    sentence = "He went to the Group of 20 summit."
    spans = (Span(15, 20, "ORG"), Span(15, 23, "ORG"))  # "Group", "Group of"
    assert [(s.start, s.end) for s in _typed_spans(spans, {"ORG": 1.0}, sentence)] == [(15, 20)]
    spans = (Span(15, 20, "ORG"), Span(15, 26, "ORG"))  # "Group", "Group of 20"
    assert [(s.start, s.end) for s in _typed_spans(spans, {"ORG": 1.0}, sentence)] == [(15, 26)]


def test_a_place_before_a_title_says_whose_title_not_where(tmp_path: Path):
    line = "The talks were warm, the US President told reporters after the meeting in Geneva."
    loaded = _labelled_index(tmp_path, "Talks", line, {"US": "GPE", "Geneva": "GPE"})
    assert _short_answer(loaded, "Where were the talks warm?") == "Geneva"


@pytest.mark.parametrize(
    "sentence, speaker",
    [
        ("Takaichi further stated that Japan is “a partner” and thanked him.", "Takaichi"),
        ("“We will win,” said Prime Minister Takaichi.", "Prime Minister Takaichi"),
        ('"The visit is meaningful," Chief Cabinet Secretary Minoru Kihara said.', "Chief Cabinet Secretary Minoru Kihara"),
        ("According to Minoru Kihara, the visit is “meaningful”.", "Minoru Kihara"),
        # The subject of a sentence whose saying verb is far from it, past an opening phrase.
        ("Trump extended his congratulations to Takaichi, emphasizing that “the alliance comes first”.", "Trump"),
        ("In response, Prime Minister Takaichi described the ties as a ‘partnership’.", "Prime Minister Takaichi"),
        # Nobody named: a pronoun or a common noun.
        ("He described this occasion as a ‘historic moment’.", None),
        ("The official said the visit was “historic”.", None),
    ],
)
def test_who_spoke_the_words_a_sentence_quotes(sentence: str, speaker: str | None):
    from qa.answer import _quoted, _speaker

    quoted = _quoted(sentence)[0]
    assert _speaker(sentence, quoted.start, quoted.end) == speaker


@pytest.mark.parametrize(
    "sentence, source",
    [
        ("According to Chief Cabinet Secretary Minoru Kihara, President Trump will meet Emperor Naruhito.", "Chief Cabinet Secretary Minoru Kihara"),
        ("Kyodo News reported that Trump will visit.", "Kyodo News"),
        ("They agreed to meet, according to the Japanese premier's office.", "the Japanese premier's office"),
        ("The visit is historic, said Minoru Kihara.", "Minoru Kihara."),
        ("He said it was fine.", None),
        ("The official news agency said that Takaichi won.", None),
    ],
)
def test_whom_a_sentence_gives_as_its_source(sentence: str, source: str | None):
    from qa.answer import _source

    where = _source(sentence)
    assert (sentence[where[0] : where[1]] if where else None) == source


def test_who_announced_it_is_whom_the_sentence_gives_as_its_source(tmp_path: Path):
    corpus = write_corpus(
        tmp_path / "corpus",
        {"b.txt": "Visit\n\nAccording to Chief Cabinet Secretary Minoru Kihara, President Trump will meet Emperor Naruhito on his visit.\n"},
    )
    fake_build(corpus, tmp_path / "index", find_spans=_people)
    loaded = index_mod.load(tmp_path / "index")
    assert _short_answer(loaded, "Who announced the meeting with the emperor?") == "Minoru Kihara"


def _parties(texts, progress=None):
    names = {"Maria Lopez": "PERSON", "Tom Reed": "PERSON", "Lopez": "PERSON", "Democratic Party": "ORG", "Civic Party": "ORG"}
    out = []
    for t in texts:
        spans: list[Span] = []
        for name, label in names.items():
            for m in re.finditer(name, t):
                if not any(s.start <= m.start() < s.end for s in spans):
                    spans.append(Span(m.start(), m.end(), label))
        out.append(tuple(sorted(spans, key=lambda s: s.start)))
    return out


@pytest.mark.parametrize(
    "line",
    [
        "Maria Lopez beat Democratic Party leader Tom Reed, and the Civic Party she leads gained seats.",
        "Maria Lopez beat Tom Reed, leader of the Democratic Party, and the Civic Party she leads gained seats.",
    ],
)
def test_a_party_said_to_be_another_persons_is_not_hers(tmp_path: Path, line: str):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": f"Vote\n\n{line}\n"})
    fake_build(corpus, tmp_path / "index", find_spans=_parties)
    loaded = index_mod.load(tmp_path / "index")
    assert _short_answer(loaded, "Which party does Lopez lead?") == "Civic Party"
    assert _short_answer(loaded, "Which party does Reed lead?") == "Democratic Party"


def test_whom_the_question_names_is_not_its_answer_by_title_either(tmp_path: Path):
    line = "Prime Minister Lopez and Prime Minister Reed said the problems include a budget gap."
    phrases = ("Prime Minister Lopez", "Prime Minister Reed", "the problems", "a budget gap")
    loaded = _one_sentence_index(tmp_path, "Budget", line, phrases)
    from qa.answer import _idf, _Reader

    question = analyze("What problems does Lopez face?")
    row = next(i for i in range(len(loaded.sentences)) if loaded.sentences[i].text == line)
    read = [r.value for r in _Reader(loaded, question, _idf(loaded, question.terms)).read(row)]
    assert read == ["Prime Minister Reed", "a budget gap"]


@pytest.mark.parametrize("value, fits", [("three days", True), ("17 seconds", True), ("3:08", True), ("hundreds of years", True), ("Monday", False), ("20", False)])
def test_a_length_of_time(value: str, fits: bool):
    from qa.answer import _fits

    assert _fits(value, "duration") is fits


@pytest.mark.parametrize("value, fits", [("237", True), ("Millions", True), ("hundreds", True), ("dozens of them", True), ("a million", True), ("Milliner", False), ("the lives", False)])
def test_a_count_in_figures_or_in_words(value: str, fits: bool):
    from qa.answer import _fits

    assert _fits(value, "number") is fits


@pytest.mark.parametrize("value, fits", [("51", True), ("51%", True), ("237 percent", True), ("three-fourths", True), ("over half", True), ("237", False), ("1,500", False)])
def test_a_share_is_no_count_past_a_hundred(value: str, fits: bool):
    from qa.answer import _fits

    assert _fits(value, "percent") is fits


def test_what_percentage_is_not_answered_by_a_count_an_age_or_a_length_of_time(tmp_path: Path):
    line = "The 64-year-old leader won 237 of 465 votes after a 10-minute count, and 9 minutes of applause."
    loaded = _labelled_index(tmp_path, "Vote", line, {"64-year-old": "DATE", "237": "CARDINAL", "465": "CARDINAL", "10-minute": "TIME", "9 minutes": "TIME"})
    assert _short_answer(loaded, "What percentage of the votes did the leader win?") is None
    assert _short_answer(loaded, "How many votes did the leader win?") == "237"  # the count it does give


@pytest.mark.parametrize("value, date", [("October", True), ("October 25", True), ("Sept. 3", True), ("early October", True), ("Monday", True), ("8 June", True), ("4th of July", True), ("8 Mile", False), ("Marches", False), ("the Mayflower", False)])
def test_a_date_alone_is_when_not_what(value: str, date: bool):
    from qa.answer import _DATE_ONLY

    assert bool(_DATE_ONLY.fullmatch(value)) is date


@pytest.mark.parametrize(
    "question, head",
    [
        ("What type of numbers are always multiples of 2?", "number"),
        ("What kind of company is it?", "compani"),  # a kind of company, not a company's name
        ("Which sort of engine did Woolf build?", "engin"),
    ],
)
def test_a_question_for_a_kind_of_thing_asks_for_the_thing_of_that_kind(question: str, head: str):
    asked = analyze(question)
    assert (asked.kind, asked.head) == ("thing", head)


@pytest.mark.parametrize(
    "question, head",
    [("What famous physicist worked at Princeton?", "physicist"), ("What two rivers meet at Koblenz?", "river"), ("What main language is spoken?", "languag")],
)
def test_the_noun_a_question_asks_for_comes_past_its_adjectives(question: str, head: str):
    assert analyze(question).head == head


@pytest.mark.parametrize(
    "question, head, kind",
    [
        ("Which news agency reported the vote result?", "agenc", "organization"),
        ("Which television network aired the debate?", "network", "organization"),
        ("Which party leader conceded?", "leader", "person"),
        # A known noun that is the question's verb ends the noun ("which theorem states that ...?").
        ("Which theorem states that every even number is a sum of two primes?", "theorem", "thing"),
    ],
)
def test_two_nouns_in_a_row_are_one_named_by_the_second(question: str, head: str, kind: str):
    asked = analyze(question)
    assert (asked.head, asked.kind) == (head, kind)


def test_a_short_answer_barely_read_as_the_kind_asked_for_is_not_given(tmp_path: Path):
    from qa.answer import Tuning, assess
    from qa.retrieve import search

    body = "Trump arrived in Japan after a long flight across the Pacific, and the emperor spoke with officials and members of the press at length during his visit."
    loaded = _labelled_index(tmp_path, "Trip", body, {"Trump": "PERSON", "Japan": "GPE", "his visit": "NP"})
    asked = "When will Trump arrive in Japan?"
    hits = search(loaded, HashEmbedder().encode([asked])[0], asked, k=5)
    kept = assess(loaded, analyze(asked), hits, Tuning(least_answer=0.0))
    assert kept.candidate is not None and kept.candidate.text == "his visit"  # a time only as "during" puts it
    dropped = assess(loaded, analyze(asked), hits, Tuning(least_answer=kept.candidate.score * 1.01))
    assert dropped.candidate is None
    assert dropped.signals == kept.signals  # the evidence is as strong as before: only the guess is not shown
    assert dropped.groups[0].rows == kept.groups[0].rows


@pytest.mark.parametrize(
    "line, value, question, otherwise",
    [
        ("She won the leadership of the ruling Liberal Democratic Party (LDP) on October 4th.", "Liberal Democratic Party", "Which opposition party does Noda lead?", True),
        ("She won the leadership of the ruling Liberal Democratic Party (LDP) on October 4th.", "LDP", "Which opposition party does Noda lead?", True),  # as its name does
        ("Noda, leader of the Constitutional Democratic Party of Japan, came second.", "Constitutional Democratic Party of Japan", "Which opposition party does Noda lead?", False),
        ("The bill passed the Lower House on Monday.", "Lower House", "Which upper chamber passed the bill?", True),
        ("The bill passed the Lower House on Monday.", "Lower House", "Which chamber passed the bill?", False),
        # "Government" is no "governing" party, though the two words share a stem.
        ("The bill was blocked by the opposition in parliament.", "opposition", "Which branch of the government blocked the bill?", False),
        # The question says both: no side is taken.
        ("The ruling party beat the opposition.", "ruling party", "Did the ruling party or the opposition win?", False),
    ],
)
def test_a_span_qualified_the_other_way_is_told_apart(line: str, value: str, question: str, otherwise: bool):
    from qa.answer import _qualified_otherwise

    start = line.index(value)
    assert _qualified_otherwise(line, start, start + len(value), analyze(question).terms) is otherwise


def test_a_news_agency_is_the_agency_not_the_news(tmp_path: Path):
    loaded = _labelled_index(
        tmp_path,
        "Election night",
        "The vote result was reported by Reuters, a news agency, and printed by The Evening News at dawn.",
        {"The Evening News": "ORG", "Reuters": "ORG"},
    )
    assert _short_answer(loaded, "Which news agency reported the vote result?") == "Reuters"


@pytest.mark.parametrize(
    "line, phrases, question, answer",
    [
        # A kind of thing is the words that describe it.
        ("The multiples of two, a famous set, are the even numbers.", ("The multiples", "two", "a famous set", "the even numbers"),
         "What type of numbers are the multiples of two?", "the even numbers"),
        # Who may be people named by what they are.
        ("In most schools, the teachers are responsible for discipline, with comments from parents.",
         ("most schools", "the teachers", "discipline", "comments", "parents"), "Who is responsible for discipline in most schools?", "the teachers"),
        # Where may be a place without a name: only a noun phrase after "in", "at", "on"... says where, not "most plants".
        ("Cacti keep their chloroplasts in the stems, unlike most plants and trees.", ("Cacti", "their chloroplasts", "the stems", "most plants", "trees"),
         "Where do cacti keep their chloroplasts?", "the stems"),
        # When may be a time without a date: only a noun phrase after "during", "after", "since"... says when.
        ("The monks left the abbey during the Reformation, and scholars later studied the city.",
         ("The monks", "the abbey", "the Reformation", "scholars", "the city"), "When did the monks leave the abbey?", "the Reformation"),
    ],
)
def test_a_noun_phrase_answers_when_what_it_says_fits(tmp_path: Path, line: str, phrases: tuple[str, ...], question: str, answer: str):
    loaded = _one_sentence_index(tmp_path, "Article", line, phrases)
    assert _short_answer(loaded, question) == answer


@pytest.mark.parametrize(
    ("line", "phrase", "answer"),
    [
        ("The first system of education was introduced by British colonists.", "British colonists", "British colonists"),
        ("The plastome was sequenced by two Japanese research teams.", "two Japanese research teams", "two Japanese research teams"),
        ("Japanese officials said so.", "Japanese officials", "Japanese officials"),
        ("The British Museum holds it.", "The British Museum", "British"),  # a name, not people
        ("It was a British invention.", "a British invention", "British"),
    ],
)
def test_who_is_answered_with_the_people_a_nationality_describes(line: str, phrase: str, answer: str):
    from qa.answer import _the_people
    from qa.types import Sentence

    nationality = next(w for w in ("British", "Japanese") if w in line)
    start = line.index(nationality)
    spans = sorted([Span(line.index(phrase), line.index(phrase) + len(phrase), "NP"), Span(start, start + len(nationality), "NORP")], key=lambda s: s.start)
    begin, end = _the_people(Sentence(0, 0, 0, len(line), 1, line, tuple(spans)), start, start + len(nationality))
    assert line[begin:end] == answer


def test_who_introduced_it_is_answered_with_the_people_not_their_nationality(tmp_path: Path):
    line = "The first system of education was introduced by British colonists in 1788."
    labels = {"The first system": "NP", "education": "NP", "British colonists": "NP", "British": "NORP", "1788": "DATE"}
    loaded = _labelled_index(tmp_path / "people", "Schools", line, labels)
    assert _short_answer(loaded, "Who introduced the first system of education?") == "British colonists"


@pytest.mark.parametrize("value, people", [("the teachers", True), ("the accountants", True), ("the town council", True), ("comments", False), ("the stems", False)])
def test_a_noun_phrase_that_names_people(value: str, people: bool):
    from qa.answer import _names_people

    assert _names_people(value) is people




@pytest.mark.parametrize(
    "value, asked, named",
    [
        ("Saxon Garden", "garden", True),
        ("the G-20 summit", "summit", True),
        ("the Institute of Radio Engineers", "institute", True),  # a name, though nothing comes before its noun
        ("greenhouse gas emissions", "emissions", True),
        ("several challenges", "challenges", False),  # which challenges, it does not say
        ("Important agreements", "agreements", False),
        ("the 20 summit", "summit", False),
        ("the garden's walls", "garden", False),  # walls, not a garden
        ("the mouth of the river", "river", False),
    ],
)
def test_an_answer_named_by_the_noun_asked_for_says_which_one(value: str, asked: str, named: bool):
    from qa.answer import _named_as_asked
    from qa.text import stem

    assert _named_as_asked(value, stem(asked)) is named


def test_which_thing_is_answered_by_one_named_so_before_what_stands_nearer(tmp_path: Path):
    # "the area" stands nearer the question's words; weighed the same, it would be the answer.
    line = "Only royalty could enter the area, which later became the Saxon Garden."
    loaded = _labelled_index(tmp_path, "Parks", line, {"Only royalty": "NP", "the area": "NP", "the Saxon Garden": "NP"})
    assert _short_answer(loaded, "What garden could only royalty enter?") == "the Saxon Garden"


def test_the_questions_noun_with_words_that_say_not_which_one_is_no_answer(tmp_path: Path):
    # "Important agreements" stands first and holds the noun asked for; it says no more than the question does.
    line = "Important agreements were signed on trade and rare earth elements in Malaysia."
    labels = {"Important agreements": "NP", "trade": "NP", "rare earth elements": "NP", "Malaysia": "GPE"}
    loaded = _labelled_index(tmp_path, "Deals", line, labels)
    assert _short_answer(loaded, "What agreements were signed in Malaysia?") in ("trade", "rare earth elements")


@pytest.mark.parametrize(
    "question",
    ["What issues does the new leader face?", "What problems does the new leader face?", "Which difficulties await the new leader?"],
)
def test_the_questions_noun_said_another_way_is_no_answer(tmp_path: Path, question: str):
    # "the challenges" stands nearest the question's words; it is what the question asks about, not which ones.
    line = "Among the challenges the new leader faces are a sluggish economy and a divided party."
    labels = {"the challenges": "NP", "the new leader": "NP", "a sluggish economy": "NP", "a divided party": "NP"}
    loaded = _labelled_index(tmp_path, "Challenges", line, labels)
    assert _short_answer(loaded, question) in ("a sluggish economy", "a divided party")


@pytest.mark.parametrize(
    "line, tagged, whole",
    [
        ("Walt wanted ABC to invest $500,000 in the park.", "500,000", "$500,000"),
        ("BSkyB was paying £304m for the rights.", "304", "£304m"),
        ("Sky bid £4.2bn for a package of games.", "4.2bn", "£4.2bn"),
        ("The fund paid US$ 20 a share.", "20", "US$ 20"),
        ("She ran the 100m in 11 seconds.", "100", "100"),  # no currency: metres, and nothing added
        ("She won 237 votes.", "237", "237"),
        ("Services make up 61% of the economy.", "61", "61%"),
        ("Outbreaks came every 5 to 15 years.", "5", "5 to 15"),
        ("Prices rose by 20% to 25% a year.", "20", "20% to 25%"),
        ("The grains are 300–600 nanometers across.", "300", "300–600"),
        ("Denver outgained Carolina 315 to 194.", "315", "315"),  # a score, not a range
        ("The match ended 3-1.", "3", "3"),
    ],
)
def test_a_figure_keeps_what_the_tagger_left_out_of_it(line: str, tagged: str, whole: str):
    from qa.answer import _whole_figure

    start = line.index(tagged)
    begin, end = _whole_figure(line, start, start + len(tagged))
    assert line[begin:end] == whole


def test_how_much_is_answered_with_the_currency(tmp_path: Path):
    line = "Walt wanted ABC to invest $500,000 in the new park."
    loaded = _labelled_index(tmp_path, "Parks", line, {"500,000": "MONEY", "ABC": "ORG"})
    assert _short_answer(loaded, "How much did Walt want ABC to invest in the park?") == "$500,000"


def test_a_name_cut_at_its_of_is_answered_whole(tmp_path: Path):
    line = "In 1517 the archbishop was Albert of Mainz, who sold indulgences across the land."
    loaded = _labelled_index(tmp_path, "Indulgences", line, {"Albert": "PERSON", "Mainz": "GPE", "the land": "NP"})
    assert _short_answer(loaded, "Who was the archbishop in 1517?") == "Albert of Mainz"
    line = "The archbishop met Pope Leo of the Medici family in 1517."  # "the Medici family" does not name him
    loaded = _labelled_index(tmp_path / "b", "Indulgences", line, {"Pope Leo": "PERSON", "the Medici family": "NP"})
    assert _short_answer(loaded, "Whom did the archbishop meet in 1517?") == "Pope Leo"


@pytest.mark.parametrize(
    "question, kind",
    [
        ("What is the name of the Japanese news agency?", "organization"),  # the name of an agency
        ("What is the name of the river that flows through Warsaw?", "place"),
        ("What was the name of his wife?", "person"),
        ("What is the name of the prize she won?", "thing"),
        ("What is Takaichi's age?", "age"),
        ("At what age did she enter politics?", "age"),
    ],
)
def test_what_is_the_name_of_a_thing_asks_for_that_kind_of_name(question: str, kind: str):
    assert analyze(question).kind == kind


def test_what_is_her_age_is_answered_with_an_age(tmp_path: Path):
    line = "The 64-year-old Takaichi won 237 of the 465 votes."
    loaded = _labelled_index(tmp_path, "Vote", line, {"64": "CARDINAL", "237": "CARDINAL", "465": "CARDINAL", "Takaichi": "PERSON"})
    assert _short_answer(loaded, "What is Takaichi's age?") == "64"


def test_a_name_of_several_words_weighs_as_one_in_the_ranking():
    from qa.answer import _one_weight_a_name

    idf = {"rock": 3.0, "liber": 2.0, "democrat": 2.0, "parti": 1.0}
    shared = _one_weight_a_name(idf, "What has rocked the Liberal Democratic Party?")
    assert shared["rock"] == 3.0 and sum(shared[t] for t in ("liber", "democrat", "parti")) == pytest.approx(2.0)
    assert _one_weight_a_name(idf, "Liberal views rocked which party?") == idf  # one capitalised word, the first


def test_what_is_said_of_a_name_outranks_the_name_said_again(tmp_path: Path):
    from qa.answer import assess
    from qa.retrieve import search

    body = (
        "She won the leadership of the ruling Liberal Democratic Party on October 4.\n\n"
        "The Liberal Democratic Party chose her after a long race.\n\n"
        "The economy is weak, and the ruling party has been rocked by scandals."
    )
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": f"Japan\n\n{body}\n"})
    fake_build(corpus, tmp_path / "index")
    loaded = index_mod.load(tmp_path / "index")
    asked = "What has rocked the Liberal Democratic Party?"
    found = assess(loaded, analyze(asked), search(loaded, HashEmbedder().encode([asked])[0], asked, k=5))
    assert "rocked" in loaded.sentences[found.groups[0].rows[0]].text


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.text(alphabet=st.sampled_from(list("0123456789 ,.%-–to$£mbnkKAB")), min_size=1, max_size=40), st.data())
def test_a_figure_made_whole_stays_within_its_sentence_and_holds_the_tagged_part(sentence: str, data: st.DataObject):
    from qa.answer import _whole_figure

    start = data.draw(st.integers(0, len(sentence) - 1))
    end = data.draw(st.integers(start + 1, len(sentence)))
    begin, stop = _whole_figure(sentence, start, end)
    assert 0 <= begin <= start and end <= stop <= len(sentence)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.text(max_size=80), st.text(max_size=12))
def test_any_text_is_a_question_to_analyze_and_a_phrase_to_name(question: str, head: str):
    from qa.answer import _named_as_asked

    analyzed = analyze(question)
    assert isinstance(_named_as_asked(question, head), bool)
    assert all(w in question for w in text.naming_words(question))
    assert analyzed.kind is None or analyzed.kind in KINDS


def test_a_name_completed_by_its_of_needs_a_name_on_both_sides():
    from qa.answer import _named_of
    from qa.types import Sentence

    line = "Albert of Mainz met   of Rome and the king of Spain."
    spans = (Span(0, 6, "PERSON"), Span(10, 15, "GPE"), Span(19, 22, "PERSON"), Span(26, 30, "GPE"), Span(35, 43, "NP"), Span(47, 52, "GPE"))
    sentence = Sentence(0, 0, 0, len(line), 1, line, spans)
    assert line[: _named_of(sentence, spans[0], 6)] == "Albert of Mainz"
    assert _named_of(sentence, spans[2], 22) == 22  # a span of blanks names nothing
    assert _named_of(sentence, spans[4], 43) == 43  # "the king" is no name


def test_the_person_a_sentence_opening_with_she_speaks_of_counts_as_named_there(tmp_path: Path):
    """"She lives in Lisbon" after "Maria Lopez is ..." holds every word of "where does Maria Lopez live?": nothing
    the question narrows by is missing from it."""
    from qa.answer import _constraint, _coverage, _idf, _sentence_terms

    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Staff\n\nMaria Lopez is the chief economist. She lives in Lisbon.\n"})
    fake_build(corpus, tmp_path / "index", find_spans=name_spans)
    loaded = index_mod.load(tmp_path / "index")
    question = analyze("Where does Maria Lopez live?")
    row = next(i for i, s in enumerate(loaded.sentences) if s.text == "She lives in Lisbon.")
    idf = _idf(loaded, question.terms)
    assert _coverage(loaded, row, question.terms, idf) == 1.0
    assert _constraint(question.terms, _sentence_terms(loaded, row), idf) == 1.0


def test_who_does_what_a_he_or_she_does_is_the_person_named_before_cited_where_named(tmp_path: Path):
    """"Who covers the bond market?" of "She covers the bond market." after "Maria Lopez is ...": Maria Lopez, shown at the
    "She" and cited to the sentence that names her; a question that names her is not answered with her."""
    from qa.retrieve import search

    body = "Maria Lopez is the chief economist of the bank. Furthermore, she covers the bond market for the weekly letter.\n\nRates rose in May."
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": f"Staff\n\n{body}\n"})
    fake_build(corpus, tmp_path / "index", find_spans=name_spans)
    loaded = index_mod.load(tmp_path / "index")
    asked = "Who covers the bond market?"
    reply = answer(loaded, analyze(asked), search(loaded, HashEmbedder().encode([asked])[0], asked, k=5))
    assert reply.answer == "Maria Lopez"
    first, second = reply.evidence[:2]
    assert first.text.startswith("Furthermore, she covers") and first.answer_span is not None
    assert first.text[first.answer_span[0] : first.answer_span[1]] == "she"
    assert second.text.startswith("Maria Lopez is") and second.answer_span == (0, len("Maria Lopez"))
    asked = "Who covers the bond market with Maria Lopez?"
    reply = answer(loaded, analyze(asked), search(loaded, HashEmbedder().encode([asked])[0], asked, k=5))
    assert reply.answer != "Maria Lopez"


def test_a_surname_and_the_full_name_it_ends_are_one_answer():
    from qa.answer import _Candidate, _join_full_names

    candidates = {
        "takaichi": _Candidate("Takaichi", by_group={1: 0.25}, spans={7: (0, 8)}),
        "sanae takaichi": _Candidate("Sanae Takaichi", by_group={2: 0.2}, spans={3: (10, 24)}),
        "asean": _Candidate("ASEAN", by_group={0: 0.3}, spans={1: (5, 10)}),
    }
    _join_full_names(candidates)
    assert set(candidates) == {"sanae takaichi", "asean"}
    joined = candidates["sanae takaichi"]
    assert joined.score == pytest.approx(0.25 + 0.5 * 0.2) and joined.spans == {3: (10, 24), 7: (0, 8)}
    # A surname that two full names end in is neither of them.
    two = {k: _Candidate(t, by_group={0: 0.1}) for k, t in (("smith", "Smith"), ("john smith", "John Smith"), ("jane smith", "Jane Smith"))}
    _join_full_names(two)
    assert set(two) == {"smith", "john smith", "jane smith"}
    listed = {k: _Candidate(t, by_group={0: 0.1}) for k, t in (("noble", "Noble"), ("goldenson and noble", "Goldenson and Noble"))}
    _join_full_names(listed)
    assert set(listed) == {"noble", "goldenson and noble"}  # two people, not Noble's full name


def test_evidence_that_shares_none_of_the_questions_words_answers_nothing():
    from qa.answer import Tuning, confidence

    t = Tuning()
    signals = {name: 0.0 for name, _ in t.weights} | {"cosine": 0.9, "probability": 0.9, "dense_rank": 1.0}

    def logistic(covered: float) -> float:
        z = t.bias + sum(w * (signals | {"coverage_answer": covered})[name] for name, w in t.weights)
        return 1 / (1 + math.exp(-z))

    for covered in (1.0, t.unrelated):  # enough of its words: the logistic model's probability
        assert confidence(signals | {"coverage_answer": covered}, t) == pytest.approx(logistic(covered), abs=1e-4) and logistic(covered) > t.threshold
    half = t.unrelated / 2
    assert confidence(signals | {"coverage_answer": half}, t) == pytest.approx(logistic(half) / 2, abs=1e-4)
    assert confidence(signals | {"coverage_answer": 0.0}, t) == 0.0
