"""Questions about the articles themselves (who wrote one, when it was published), answered from their headers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import HashEmbedder, SeedIndex, check_contract, fake_bot, read_raw, run_qa

from qa import about, chat
from qa import index as index_mod
from qa.answer import analyze, answer
from qa.bot import Bot
from qa.corpus import parse_article
from qa.retrieve import search

ARTICLES = {
    "volcano.txt": (
        "Volcano Erupts Near Grindavik\n"
        "By Jane Doe\n"
        "March 3, 2024\n"
        "\n"
        "The Fagradalsfjall volcano erupted late on Friday night. Lava flowed toward the fishing town of Grindavik.\n"
    ),
    "budget.txt": (
        "City Council Approves Budget\n"
        "Author: Sam Lee\n"
        "Date: 2024-04-09\n"
        "\n"
        "The council approved a budget of 12 million dollars on Tuesday. The mayor praised the vote.\n"
    ),
    "final.txt": (
        "Rovers Win The Cup\n"
        "\n"
        "The Rovers beat the Wanderers 3-1 in the final at Riverside Stadium. Fans celebrated downtown.\n"
    ),
}


@pytest.mark.parametrize(
    "header, field, value",
    [
        ("By Jane Doe", "author", "Jane Doe"),
        ("Author: Jane Doe", "author", "Jane Doe"),
        ("Jane Doe (670 articles)", "author", "Jane Doe"),
        ("March 3, 2024", "date", "March 3, 2024"),
        ("Source: Daily Planet", "outlet", "Daily Planet"),
    ],
)
def test_the_header_line_of_a_field_is_kept_where_it_stands(header: str, field: str, value: str):
    text = f"Storm Hits The Coast\n  {header}  \n\nThe storm hit on Monday.\n"
    parsed = parse_article("a.txt", text)
    lines = [h for h in parsed.article.header if h.field == field]
    assert len(lines) == 1
    line = lines[0]
    assert text[line.start : line.end] == line.text == header  # the line without its surrounding blanks
    assert line.line == 2 and value in line.text


@pytest.mark.parametrize("first", ["# Storm Hits The Coast", "Storm Hits The Coast"])
def test_the_headline_is_kept_where_it_stands(first: str):
    text = f"{first}\nBy Jane Doe\n\nThe storm hit on Monday.\n\nStorm Hits The Coast\n"
    parsed = parse_article("a.txt", text)
    assert [(h.field, h.text, h.line) for h in parsed.article.header] == [("title", first, 1), ("author", "By Jane Doe", 2)]


def test_a_date_that_opens_the_text_is_kept_as_its_header_line():
    text = " date 2025-10-26 Kuala Lumpur, October 26 : The talks were held on Saturday.\n"
    parsed = parse_article("a.txt", text)
    (line,) = parsed.article.header
    assert (line.field, line.text, text[line.start : line.end]) == ("date", "date 2025-10-26", "date 2025-10-26")


def test_an_article_without_a_header_has_no_header_lines():
    parsed = parse_article("a.txt", "The storm hit the coast on Monday. Thousands lost power.\n")
    assert parsed.article.header == ()


@pytest.mark.parametrize(
    "question, field",
    [
        ("Who wrote the article?", "author"),
        ("Who wrote the story about the volcano?", "author"),
        ("Which reporter's byline appears on one of the stories?", "author"),
        ("Who is the author of the budget article?", "author"),
        ("Which journalist wrote the piece on the final?", "author"),
        ("Who is the author?", "author"),
        ("When was the article published?", "date"),
        ("What day was the story about the cup final posted?", "date"),
        ("What is the publication date of the budget story?", "date"),
        ("What is the date of the article?", "date"),
        ("Who wrote it?", "author"),
        ("When was it (the phone call) published? [Jane Doe]", "date"),
        ("What is the headline of the story about the volcano?", "title"),
        ("What is the title of the article?", "title"),
        ("Which newspaper published the story?", "outlet"),
        ("Where was the article about the volcano published?", "outlet"),
    ],
)
def test_a_question_about_an_article_asks_for_its_field(question: str, field: str):
    assert about.asks(question) == field


@pytest.mark.parametrize(
    "question",
    [
        "Who wrote the Declaration of Independence?",  # a work the text speaks of, not one of the articles
        "Who wrote the report on the budget?",
        "When was the report released?",
        "When did the article say the eruption began?",
        "Which news agency is cited for the details of the vote?",
        "Who reported that the mayor praised the vote?",
        "Where is the correspondent based?",
        "How many votes did the budget get?",
        "Who wrote that song?",
        "What is the chief cabinet secretary's title?",
        "What title did the Rovers win?",
        "When was it signed?",
    ],
)
def test_a_question_about_the_news_is_not_one_about_the_articles(question: str):
    assert about.asks(question) is None


@pytest.fixture
def bot(tmp_path: Path) -> tuple[Path, Bot]:
    return fake_bot(tmp_path, ARTICLES)


def cited(corpus: Path, evidence) -> str:
    source = evidence.sources[0]
    return read_raw(corpus / source.path)[source.start : source.end]


def test_who_wrote_the_article_about_a_story_is_answered_with_its_byline(bot: tuple[Path, Bot]):
    corpus, qa_bot = bot
    result = qa_bot.ask("Who wrote the article about the volcano eruption in Grindavik?")
    assert result.answered and result.short and result.answer == "Jane Doe"
    first = result.evidence[0]
    assert first.sources[0].path == "volcano.txt" and cited(corpus, first) == first.text == "By Jane Doe"
    assert first.answer_span is not None and first.text[slice(*first.answer_span)] == "Jane Doe"
    assert result.supporting() == (first,)
    # the story that shows which article it is follows, as related reading
    assert any("volcano erupted" in e.text for e in result.evidence[1:])


def test_the_other_article_is_answered_with_its_own_byline_and_date(bot: tuple[Path, Bot]):
    _, qa_bot = bot
    assert qa_bot.ask("Who is the author of the story on the council budget?").answer == "Sam Lee"
    result = qa_bot.ask("When was the story about the council budget published?")
    assert result.answered and result.answer == "2024-04-09"
    assert result.evidence[0].text == "Date: 2024-04-09"
    assert result.evidence[0].text[slice(*result.evidence[0].answer_span)] == "2024-04-09"


def test_the_headline_of_the_story_is_its_title_line(bot: tuple[Path, Bot]):
    corpus, qa_bot = bot
    result = qa_bot.ask("What is the headline of the story about the council budget?")
    assert result.answered and result.answer == "City Council Approves Budget"
    assert cited(corpus, result.evidence[0]) == result.evidence[0].text == "City Council Approves Budget"


def test_an_article_that_gives_no_author_is_not_answered_with_another_ones(bot: tuple[Path, Bot]):
    _, qa_bot = bot
    result = qa_bot.ask("Who wrote the article about the Rovers winning the cup final?")
    assert not result.answered and result.answer is None
    assert result.confidence < 0.5
    assert "Rovers" in result.evidence[0].text  # the story is found; its article names no author


def test_a_question_that_names_no_story_is_answered_from_every_article_that_says(bot: tuple[Path, Bot]):
    corpus, qa_bot = bot
    result = qa_bot.ask("When were the articles published?")
    assert result.answered and set(result.answer.split("; ")) == {"2024-03-03", "2024-04-09"}
    assert sorted(e.text for e in result.evidence) == ["Date: 2024-04-09", "March 3, 2024"]  # the header lines only
    assert all(cited(corpus, e) == e.text for e in result.evidence)


def test_a_corpus_without_bylines_answers_as_from_the_text(fake_index: tuple[Path, Path], fake_embedder: HashEmbedder):
    _, root = fake_index
    index = index_mod.load(root)
    index.query_embedder = lambda: fake_embedder  # type: ignore[method-assign]
    question = "Who wrote the article about the volcano?"
    analysis = analyze(question)
    hits = search(index, fake_embedder.encode([analysis.query])[0], analysis.query, k=11, pool=6)  # as Bot.ask searches
    assert Bot(index).ask(question) == answer(index, analysis, hits)


def talk(qa_bot: Bot) -> chat.Chat:
    library = chat.Library.of(qa_bot.index.articles, qa_bot.index.sentences)
    return chat.Chat(qa_bot.ask, lambda: library)


def test_show_of_a_byline_shows_its_line(bot: tuple[Path, Bot]):
    conversation = talk(bot[1])
    conversation.handle("Who wrote the article about the volcano eruption in Grindavik?")
    shown = conversation.handle("/show 1")
    assert isinstance(shown, chat.Shown)
    assert shown.article.path == "volcano.txt"
    assert [s.text for s in shown.paragraph] == ["By Jane Doe"] and shown.highlighted == 0


@pytest.mark.model
def test_the_seed_byline_answers_who_wrote_one_of_the_stories(seed_index: SeedIndex):
    result = run_qa("ask", "--json", "--corpus", str(seed_index.corpus), "--index", str(seed_index.index), "Who wrote the article about the phone call?")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    check_contract(data)
    index = index_mod.load(seed_index.index)
    authors = {a.author for a in index.articles if a.author}
    assert data["answered"] and data["answer"] in authors
    first = data["evidence"][0]
    source = first["sources"][0]
    assert read_raw(Path(source["path"]))[source["start"] : source["end"]] == first["text"]
    assert first["text"][slice(*first["answer_span"])] == data["answer"]


def test_a_chat_follow_up_asks_when_that_article_was_published(bot: tuple[Path, Bot]):
    conversation = talk(bot[1])
    conversation.handle("Who is the author of the story on the council budget?")
    reply = conversation.handle("When was it published?")
    assert isinstance(reply, chat.Answered)
    assert reply.answer.answered and reply.answer.answer == "2024-04-09", reply.searched
