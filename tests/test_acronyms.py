"""Questions about what an abbreviation stands for, answered from where an article defines it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import check_contract, fake_bot, read_raw, run_qa

from qa import acronyms
from qa.acronyms import Asked
from qa.bot import Bot


@pytest.mark.parametrize(
    "sentence, short, long",
    [
        ("She spoke of realizing a free and open Indo-Pacific (FOIP) with the US.", "FOIP", "free and open Indo-Pacific"),
        ("She won the leadership of the ruling Liberal Democratic Party (LDP) on October 4th.", "LDP", "Liberal Democratic Party"),
        ("The design of the modern alternating current (AC) electricity supply system.", "AC", "alternating current"),
        ("Detailed design began of a Command/Service Module (CSM) for the crew.", "CSM", "Command/Service Module"),
        ("Since 1963, the Festival of the Arts (FOTA) takes over campus.", "FOTA", "Festival of the Arts"),
        ('Since 2000 the network ran a comedy block ("TGIF"), Thank Goodness, on Fridays.', "TGIF", None),
        ("The main group was the FIS or Front Islamique de Salut (the Islamic Salvation Front) in Algeria.", "FIS", "Front Islamique de Salut"),
        ('He fled in a stolen TARDIS – "Time and Relative Dimension in Space" – time machine.', "TARDIS", "Time and Relative Dimension in Space"),
        ("The council (NYC) met on Tuesday.", "NYC", None),  # the words before it do not spell it
        ("Fans of the Nexus (NX) cheered.", "NX", None),  # one word is no long form
        ("The American Football Conference (AFC) champion Denver Broncos won.", "AFC", "American Football Conference"),
    ],
)
def test_the_long_form_is_found_beside_the_abbreviation(sentence: str, short: str, long: str | None):
    spans = acronyms.long_forms(sentence, short)
    assert [sentence[a:b] for a, b in spans] == ([long] if long else [])


@pytest.mark.parametrize(
    "question, asked",
    [
        ("What does FOIP stand for?", Asked(short="FOIP")),
        ('What does "TGIF" stand for?', Asked(short="TGIF")),
        ("What does the acronym LEM stand for?", Asked(short="LEM")),
        ("What did the LMP acronym stand for regarding the Block II launch positions?", Asked(short="LMP")),
        ("what does vBNS stand for", Asked(short="vBNS")),
        ("What is FOIP?", Asked(short="FOIP")),
        ("What is the LDP?", Asked(short="LDP")),
        ("What is LDP short for?", Asked(short="LDP")),
        ("What is the full name of the LDP?", Asked(short="LDP")),
        ("What does it (FOIP) stand for? [Takaichi]", Asked(short="FOIP")),
        ("What is the abbreviation for the Liberal Democratic Party?", Asked(long="Liberal Democratic Party")),
        ("What is chloroplast DNA abbreviated as?", Asked(long="chloroplast DNA")),
        ("What is Southern California often abbreviated as?", Asked(long="Southern California")),
    ],
)
def test_a_question_about_an_abbreviation(question: str, asked: Asked):
    assert acronyms.asks(question) == asked


@pytest.mark.parametrize(
    "question",
    [
        "What is Nexus?",  # a name, not an abbreviation
        "What is the capital of France?",
        "What does Takaichi stand for?",  # one capital: what she stands for politically
        "What is the LDP known for?",  # what it is known for, not what its letters stand for
        "what is the ldp?",  # written without its capitals, it may be a word
    ],
)
def test_a_question_about_something_else_is_not_about_an_abbreviation(question: str):
    assert acronyms.asks(question) is None


ARTICLES = {
    "pact.txt": (
        "Leaders Sign Pact\n\nThe leaders backed a Free and Open Indo-Pacific (FOIP) at the summit. "
        "The Liberal Democratic Party (LDP) welcomed it on Tuesday.\n"
    ),
    "talks.txt": "Talks Continue\n\nBoth sides want a free and open Indo-Pacific (FOIP), officials said. Trade was discussed.\n",
    "power.txt": "Power Grid\n\nThe grid runs on alternating current (AC) at 50 hertz. The Atlantic Coast (AC) line was closed.\n",
}


@pytest.fixture
def bot(tmp_path: Path) -> tuple[Path, Bot]:
    return fake_bot(tmp_path, ARTICLES)


def test_the_long_form_answers_cited_to_every_article_that_defines_it(bot):
    corpus, b = bot
    result = b.ask("What does FOIP stand for?")
    assert result.answered and result.short
    assert result.answer in ("Free and Open Indo-Pacific", "free and open Indo-Pacific")
    first = result.evidence[0]
    assert {s.path for s in first.sources} == {"pact.txt", "talks.txt"}  # one definition, reported by two articles
    for source in first.sources:
        assert "(FOIP)" in read_raw(corpus / source.path)[source.start : source.end]
    start, end = first.answer_span
    assert first.text[start:end] == result.answer


def test_the_abbreviation_answers_the_reverse_question(bot):
    corpus, b = bot
    result = b.ask("What is the Liberal Democratic Party abbreviated as?")
    assert result.answered and result.answer == "LDP"
    start, end = result.evidence[0].answer_span
    assert result.evidence[0].text[start:end] == "LDP"


def test_two_long_forms_of_one_abbreviation_the_second_is_shown_not_given(bot):
    _, b = bot
    result = b.ask("What does AC stand for?")
    assert result.answered and result.answer in ("alternating current", "Atlantic Coast")
    assert len(result.evidence) == 2
    assert result.evidence[1].answer_span is None  # related reading
    assert [e.text for e in result.supporting()] == [result.evidence[0].text]


def test_an_abbreviation_no_article_defines_is_answered_as_any_question(bot):
    _, b = bot
    result = b.ask("What does NATO stand for?")
    assert result.answer is None or "NATO" not in (result.answer or "")
    assert result.confidence != acronyms.CONFIDENCE


def test_the_seed_articles_define_foip(seed_index):
    done = run_qa("ask", "--json", "--corpus", str(seed_index.corpus), "--index", str(seed_index.index), "What is FOIP?")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    check_contract(data)
    assert data["answer"].lower() == "free and open indo-pacific"
    first = data["evidence"][0]
    assert len(first["sources"]) == 2
    for source in first["sources"]:
        cited = read_raw(Path(source["path"]))[source["start"] : source["end"]]
        assert cited == first["text"] or "(FOIP)" in cited
