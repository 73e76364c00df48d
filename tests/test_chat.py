"""qa.chat: follow-up rewriting, the loop driven by a scripted transcript, and `qa chat` as a real program."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import QA, SeedIndex, check_contract, qa_env, run_qa
from rich.console import Console
from typer.testing import CliRunner

from qa import chat, text
from qa import index as index_mod
from qa.answer import analyze
from qa.chat import Background, Chat, Entity, Lexicon, Library, Turn, make_turn, rewrite, run
from qa.cli import app
from qa.render import chat_banner, chat_help, chat_searched, render_paragraph, render_sources
from qa.types import Answer, Article, Evidence, Sentence, Source, Span

# ---------------------------------------------------------------- a small world: two articles, typed spans, a fake answerer


def sentence(article: int, paragraph: int, line: int, body: str, *named: tuple[str, str]) -> Sentence:
    spans = tuple(sorted((Span(body.index(name), body.index(name) + len(name), label) for name, label in named), key=lambda s: s.start))
    return Sentence(article, paragraph, 0, len(body), line, body, spans)


SENTENCES = [
    sentence(0, 0, 3, "Maria Lopez won the mayoral race in Riverton with 5,200 votes.", ("Maria Lopez", "PERSON"), ("Riverton", "GPE"), ("5,200", "CARDINAL")),
    sentence(0, 0, 3, "Her rival, Tom Reed, received 3,100 votes.", ("Tom Reed", "PERSON"), ("3,100", "CARDINAL")),
    sentence(0, 1, 5, "Lopez promised she would cut bus fares in her first year.", ("Lopez", "PERSON")),
    sentence(0, 1, 5, "Reed promised he would ask for a recount of his votes.", ("Reed", "PERSON")),
    sentence(1, 0, 3, "The Riverton Transit Authority runs the city's buses.", ("Riverton Transit Authority", "ORG")),
    sentence(1, 0, 3, "It carried 2 million riders last year.", ("2 million", "CARDINAL")),
]
ARTICLES = [
    Article("race.txt", "Lopez Wins Mayoral Race", "a" * 64, 200, 0, date="2025-05-02", sentences=4),
    Article("buses.txt", "Riverton Buses", "b" * 64, 120, 0, sentences=2),
]
KIND_LABEL = {"person": "PERSON", "number": "CARDINAL", "organization": "ORG", "place": "GPE"}


def fake_ask(question: str) -> Answer:
    """A deterministic answerer: the sentences sharing most stemmed words, the first span of the kind asked for."""
    asked = set(text.terms(question))
    rows = sorted(range(len(SENTENCES)), key=lambda i: (-len(asked & set(text.terms(SENTENCES[i].text))), i))[:2]
    kind = analyze(question).kind
    top = SENTENCES[rows[0]]
    span = next((s for s in top.spans if s.label == KIND_LABEL.get(kind or "") and top.text[s.start : s.end].lower() not in question.lower()), None)
    evidence = tuple(
        Evidence(SENTENCES[r].text, round(1.0 - 0.1 * k, 2), r, (span.start, span.end) if span and k == 0 else None,
                 (Source(ARTICLES[SENTENCES[r].article].path, ARTICLES[SENTENCES[r].article].title, 0, 10, SENTENCES[r].line),))
        for k, r in enumerate(rows)
    )
    short = top.text[span.start : span.end] if span else None
    return Answer(question, True, short or top.text, short is not None, 0.9, kind, evidence)


def library() -> Library:
    return Library.of(ARTICLES, SENTENCES)


def describe(reply: chat.Reply) -> str:
    """One line per reply: what a transcript shows."""
    if isinstance(reply, chat.Answered):
        searched = "" if reply.searched == reply.question else f" [searched: {reply.searched}]"
        return f"{reply.question}{searched} -> {reply.answer.answer}"
    if isinstance(reply, chat.Problem):
        return f"problem: {reply.message}"
    if isinstance(reply, chat.Shown):
        return f"show {reply.number}: {reply.article.path} paragraph of {len(reply.paragraph)}, sentence {reply.highlighted + 1} highlighted"
    if isinstance(reply, chat.Sources):
        return "sources: " + ", ".join(f"{a.title} ({a.sentences})" for a in reply.articles)
    if isinstance(reply, chat.Help):
        return "help: " + " ".join(c.usage for c in reply.commands)
    return type(reply).__name__.lower()


def script(lines: list[str]):
    """A ``read`` over a list of lines that records how many were read."""
    state = {"read": 0}

    def read() -> str:
        if state["read"] >= len(lines):
            raise EOFError
        state["read"] += 1
        return lines[state["read"] - 1]

    return read, state


# ---------------------------------------------------------------- the whole exchange, scripted


def test_a_scripted_transcript_with_a_fake_answerer():
    lines = [
        "",
        "Who won the mayoral race?",
        "How many votes did she get?",
        "And her rival?",
        "What about Reed?",
        "   ",
        "What did he promise?",
        "/show 1",
        "/sources",
        "/clear",
        "What did she promise?",
        "x" * 1001,
        "\x07\x1b",
        "/show 7",
        "/frobnicate",
        "/help",
        "/quit",
        "never read",
    ]
    asked: list[str] = []

    def ask(question: str) -> Answer:
        asked.append(question)
        return fake_ask(question)

    shown: list[str] = []
    read, state = script(lines)
    code = run(Chat(ask, library), read, lambda reply: shown.append(describe(reply)))
    assert code == 0
    assert state["read"] == len(lines) - 1, "nothing is read after /quit"
    assert shown == [
        "Who won the mayoral race? -> Maria Lopez",
        "How many votes did she get? [searched: How many votes did she (Maria Lopez) get?] -> 5,200",
        "And her rival? [searched: How many votes did Maria Lopez's rival get?] -> 5,200",
        "What about Reed? [searched: How many votes did Reed get?] -> 3,100",
        "What did he promise? [searched: What did he (Reed) promise?] -> Reed promised he would ask for a recount of his votes.",
        "show 1: race.txt paragraph of 2, sentence 2 highlighted",
        "sources: Lopez Wins Mayoral Race (4), Riverton Buses (2)",
        "cleared",
        "What did she promise? -> Lopez promised she would cut bus fares in her first year.",
        "problem: The question is 1,001 characters long: ask it in at most 1,000.",
        "problem: The question contains control characters: type it as plain text.",
        "problem: Say which evidence to show, from 1 to 2: e.g. /show 1.",
        "problem: Unknown command /frobnicate: type /help to see the commands.",
        "help: /help /sources /show N /clear /quit",
        "quit",
    ]
    assert asked == [
        "Who won the mayoral race?",
        "How many votes did she (Maria Lopez) get?",
        "How many votes did Maria Lopez's rival get?",
        "How many votes did Reed get?",
        "What did he (Reed) promise?",
        "What did she promise?",
    ], "bad lines and commands never reach the answerer; /clear makes the next question stand alone"


def test_the_end_of_input_ends_the_chat_with_0():
    read, _ = script(["Who won the mayoral race?"])
    assert run(Chat(fake_ask, library), read, lambda reply: None) == 0


def test_ctrl_c_abandons_the_line_and_twice_in_a_row_quits_with_130():
    events: list[object] = []
    lines = iter(["Who won the mayoral race?", KeyboardInterrupt, "How many votes did she get?", KeyboardInterrupt, KeyboardInterrupt, "unread"])

    def read() -> str:
        item = next(lines)
        if item is KeyboardInterrupt:
            raise KeyboardInterrupt
        return str(item)

    code = run(Chat(fake_ask, library), read, lambda reply: events.append(describe(reply)), lambda twice: events.append(("ctrl-c", twice)))
    assert code == chat.EXIT_INTERRUPTED == 130
    assert events == [
        "Who won the mayoral race? -> Maria Lopez",
        ("ctrl-c", False),
        "How many votes did she get? [searched: How many votes did she (Maria Lopez) get?] -> 5,200",
        ("ctrl-c", False),
        ("ctrl-c", True),
    ]


def test_ctrl_c_while_a_question_is_answered_abandons_that_question():
    def slow(question: str) -> Answer:
        raise KeyboardInterrupt

    events: list[object] = []
    read, _ = script(["Who won?", "/quit"])
    assert run(Chat(slow, library), read, lambda reply: events.append(describe(reply)), lambda twice: events.append(twice)) == 0
    assert events == [False, "quit"]


def test_errors_of_the_answerer_reach_the_caller():
    from qa.errors import IndexCorruptError

    def broken(question: str) -> Answer:
        raise IndexCorruptError("The index file sentences.jsonl is damaged: rebuild the index with qa build.")

    read, _ = script(["Who won?"])
    with pytest.raises(IndexCorruptError):
        run(Chat(broken, library), read, lambda reply: None)


def test_show_before_any_answer():
    reply = Chat(fake_ask, library).handle("/show 1")
    assert isinstance(reply, chat.Problem) and "ask a question first" in reply.message


def test_show_numbers_the_evidence_as_the_answer_showed_it():
    sentences = library().sentences
    related = Evidence(sentences[1].text, 0.9, 1, None)
    holding = Evidence(sentences[0].text, 0.8, 0, (0, 5))
    conversation = Chat(lambda q: Answer(q, True, sentences[0].text[:5], True, 0.9, "person", (related, holding)), library)
    conversation.handle("Who won?")
    shown = conversation.handle("/show 1")
    assert isinstance(shown, chat.Shown) and shown.evidence == holding  # the holding sentence is shown first
    shown = conversation.handle("/show 2")
    assert isinstance(shown, chat.Shown) and shown.evidence == related


def test_lines_of_a_byte_stream():
    read = chat.lines_of(io.BytesIO(b"first\r\nsecond \xff\n"))
    assert read() == "first"
    assert read() == "second \udcff"  # reaches check_question, which says it is not UTF-8
    with pytest.raises(EOFError):
        read()


# ---------------------------------------------------------------- rewriting


LEXICON = Lexicon.from_sentences(SENTENCES)


def turn(question: str, answer: Answer | None = None, searched: str | None = None) -> Turn:
    searched = searched or question
    return make_turn(question, searched, answer if answer is not None else fake_ask(searched), SENTENCES, LEXICON)


def test_the_lexicon_reads_labels_and_genders_from_the_spans():
    assert LEXICON.label("Maria Lopez") == "PERSON" and LEXICON.label("Lopez") == "PERSON"  # a surname alone
    assert LEXICON.label("Riverton Transit Authority") == "ORG"
    assert LEXICON.gender(Entity("Lopez", "PERSON")) == "f"
    assert LEXICON.gender(Entity("Tom Reed", "PERSON")) == "m"
    assert LEXICON.gender(Entity("Riverton", "GPE")) is None


@pytest.mark.parametrize(
    "question, names",
    [
        ("How many votes did Maria Lopez's rival get?", [("Maria Lopez", "PERSON")]),
        ("how many votes did reed get", [("reed", "PERSON")]),  # typed in lower case, yet a name: the corpus never writes it so
        ("Who runs the buses in Riverton?", [("Riverton", "GPE")]),
        ("What did the Riverton Transit Authority say?", [("Riverton Transit Authority", "ORG")]),
        ("Did Lopez meet Carla Diaz?", [("Lopez", "PERSON"), ("Carla Diaz", "PROPN")]),  # unknown names are names too
        ("Who won the race?", []),
        ("Lopez?", [("Lopez", "PERSON")]),
    ],
)
def test_names_in_a_question(question: str, names: list[tuple[str, str]]):
    assert [(m.entity.text, m.entity.label) for m in LEXICON.mentions(question)] == names


@pytest.mark.parametrize(
    "history, question, searched",
    [
        ([], "How many votes did she get?", "How many votes did she get?"),  # nothing to lean on
        (["Who won the mayoral race?"], "How many votes did Tom Reed get?", "How many votes did Tom Reed get?"),  # stands alone
        (["Who won the mayoral race?"], "How many votes did she get?", "How many votes did she (Maria Lopez) get?"),  # the last answer
        (["Who won the mayoral race?"], "What did her rival receive?", "What did her (Maria Lopez's) rival receive?"),
        (["How many votes did Tom Reed get?"], "What did he ask for?", "What did he (Tom Reed) ask for?"),  # the last question's name
        (["How many votes did Tom Reed get?"], "And Maria Lopez?", "How many votes did Maria Lopez get?"),
        (["How many votes did Tom Reed get?"], "what about lopez", "How many votes did lopez get?"),
        (["How many votes did Maria Lopez get?"], "And her rival?", "How many votes did Maria Lopez's rival get?"),
        (["Which organisation runs the city's buses?"], "How many riders did it carry?", "How many riders did it (Riverton Transit Authority) carry?"),
        (["Who won the mayoral race?"], "Is it true that turnout fell?", "Is it true that turnout fell? [Maria Lopez]"),  # "it" is no one
        (["Who won the mayoral race?"], "How many votes were cast?", "How many votes were cast? [Maria Lopez]"),  # names nothing
        (["Who won the mayoral race?"], "Who counted the ballots?", "Who counted the ballots? [Riverton]"),  # not Lopez: she may be the answer
        (["Who won the mayoral race?"], "Who came second?", "Who came second? [won the mayoral race; Maria Lopez]"),  # says little
        (["Who won the mayoral race?"], "When did he say it?", "When did he say it? [won the mayoral race; Maria Lopez]"),  # no he; "it" is what was said
        (["Who won the mayoral race?"], "When?", "When? [won the mayoral race; Maria Lopez]"),  # says little: the last question's words too
        (["Who won the mayoral race in Riverton?"], "Where did she grow up?", "Where did she (Maria Lopez) grow up?"),
        (["Who won the mayoral race in Riverton?"], "What happened there?", "What happened there (in Riverton)?"),
        (["How long did the mayoral race last?"], "What about the recount?", "How long did the recount last?"),  # a thing for a thing: its topic
        (["How long did the mayoral race last?"], "When did it start?", "When did it (the mayoral race) start?"),  # it: the last subject
        (["When was the mayoral debate?"], "How long did it last?", "How long did it (the mayoral debate) last?"),  # no verb after it
        (["When was the mayoral debate?"], "What about the recount?", "When was the recount?"),
        (["How long did the mayoral debate last?"], "Who was there?", "Who was there? [the mayoral debate; Riverton]"),  # not its lasting
        # it: the thing the last question ended on
        (["What did the candidates discuss during their first debate?"], "How long did it last?", "How long did it (their first debate) last?"),
        (["What did they promise during the mayoral race?"], "Who won it?", "Who won it (the mayoral race)?"),
        (["What did Lopez say during her visit to Tom Reed?"], "When did it end?", "When did it (her visit to Tom Reed) end?"),
        (["What did Lopez say about the mayor?"], "When did it end?", "When did it end? [Lopez say about the mayor]"),  # a person is no "it"
        # Names the last question asked about stay with its thing (another story may have a recount too).
        (["How many votes did Tom Reed get in the mayoral race?"], "When did it start?", "When did it (the mayoral race) start? [Tom Reed]"),
        (["How many votes did Tom Reed get?"], "And his age?", "What is Tom Reed's age?"),  # asked about for itself
        (["Who is Tom Reed?"], "And his party?", "What is Tom Reed's party?"),  # not "Who is Tom Reed's party?"
        (["How many votes did Tom Reed get?"], "How many were cast?", "How many votes were cast? [Tom Reed]"),  # what was counted
        (["How many votes did Tom Reed get?"], "How many people live in Riverton?", "How many people live in Riverton?"),
        (["What did Tom Reed say about Maria Lopez?"], "And about her rival?", "What did Tom Reed say about Maria Lopez's rival?"),  # one "about"
        (["Who is Tom Reed?"], "And his rival?", "Who is Tom Reed's rival?"),
        (["How many votes did Maria Lopez get?"], "And her party?", "How many votes did Maria Lopez's party get?"),
        (["Did Tom Reed debate the mayor?"], "What about the recount?", "Did Tom Reed debate the mayor? [the recount]"),  # no place for it
        (["Who won the mayoral race?"], "In what year?", "In what year? [won the mayoral race; Maria Lopez]"),  # a question, not a fragment
        (["Who won the mayoral race in Riverton?"], "Why did she go there?", "Why did she (Maria Lopez) go there (to Riverton)?"),
        (["Who won the mayoral race in Riverton?"], "Are there more races?", "Are there more races? [won the mayoral race in Riverton; Maria Lopez]"),
    ],
)
def test_rewrite(history: list[str], question: str, searched: str):
    assert rewrite(question, [turn(q) for q in history], LEXICON) == searched


def test_a_question_that_says_enough_is_not_given_the_words_of_the_last_one():
    asked = "How long did the recount take?"
    declined = [turn(asked, answer=Answer(asked, False, None, False, 0.1, "duration", ()))]  # no names to pass on
    assert rewrite("Which bus routes will be cut?", declined, LEXICON) == "Which bus routes will be cut?"
    assert rewrite("Who?", declined, LEXICON) == "Who? [the recount]"  # says little: what it was about


def test_two_pronouns_of_two_genders_are_two_people():
    turns = [turn("Who won the mayoral race?"), turn("How many votes did Tom Reed get?")]
    assert rewrite("Did she call him?", turns, LEXICON) == "Did she (Maria Lopez) call him (Tom Reed)?"


def test_a_pronoun_with_its_antecedent_in_the_question_is_left_alone():
    turns = [turn("Who won the mayoral race?")]
    assert rewrite("Did Tom Reed say he would ask for a recount?", turns, LEXICON) == "Did Tom Reed say he would ask for a recount?"
    assert rewrite("Did Tom Reed say she won?", turns, LEXICON) == "Did Tom Reed say she (Maria Lopez) won?"  # not him: she


def test_the_most_recent_person_is_preferred_and_a_contradicting_gender_is_not_used():
    turns = [turn("Who won the mayoral race?"), turn("Who received 3,100 votes?")]  # Lopez, then Reed
    assert rewrite("What did he say?", turns, LEXICON) == "What did he (Tom Reed) say?"
    assert rewrite("What did she say?", turns, LEXICON) == "What did she (Maria Lopez) say?"
    only_reed = [make_turn("Did Tom Reed concede?", "Did Tom Reed concede?", None, SENTENCES, LEXICON)]
    assert rewrite("What did she say?", only_reed, LEXICON).startswith("What did she say?")  # he is not a she


def test_who_did_it_is_whom_the_next_he_stands_for():
    def answered(question: str, name: str) -> Turn:
        return turn(question, answer=Answer(question, True, name, True, 0.9, "person", ()))

    reed = [turn("How many votes did Tom Reed get?"), turn("Did Tom Reed ask for a recount?")]
    # "Who announced Reed's defeat?" "Sam Ortiz." "What is his job?": Ortiz's, though Reed was named in every question.
    announced = answered("Who announced Tom Reed's defeat?", "Sam Ortiz")
    assert rewrite("What is his job?", [*reed, announced], LEXICON) == "What is his (Sam Ortiz's) job?"
    assert rewrite("Where did they meet?", [*reed, announced], LEXICON) == "Where did they (Tom Reed and Sam Ortiz) meet?"  # "they": both
    # Whom Reed debated is not who did what the question asks: "he" stays Reed.
    assert rewrite("What did he say?", [*reed, answered("Who did Tom Reed debate?", "Sam Ortiz")], LEXICON) == "What did he (Tom Reed) say?"
    # "Who else will he meet?" asks whom he meets.
    assert rewrite("What did he say?", [*reed, answered("Who else will Tom Reed meet?", "Sam Ortiz")], LEXICON) == "What did he (Tom Reed) say?"


def test_they_are_the_two_people_of_the_last_turn():
    turns = [turn("Did Maria Lopez debate Tom Reed?")]
    assert rewrite("When did they meet?", turns, LEXICON) == "When did they (Maria Lopez and Tom Reed) meet?"


def test_a_fragment_moves_the_focus_to_its_name():
    turns = [turn("Who won the mayoral race?")]
    searched = rewrite("And Tom Reed?", turns, LEXICON)
    assert searched == "Who won the mayoral race? [Tom Reed]"  # no name to replace: the phrase is added
    turns.append(turn("And Tom Reed?", searched=searched))
    assert turns[-1].salient[0].entity.text == "Tom Reed" and turns[-1].salient[0].role == "focus"
    assert rewrite("What did he say?", turns, LEXICON) == "What did he (Tom Reed) say?"


def test_the_rewrite_never_exceeds_the_question_limit():
    long_question = "How many votes did she get " + "really " * 135 + "?"
    assert len(long_question) <= 1000
    turns = [turn("Who won the mayoral race?")]
    searched = rewrite(long_question, turns, LEXICON)
    assert len(searched) <= 1000


def test_a_rewrite_that_cannot_be_asked_falls_back_to_the_question():
    odd = [sentence(0, 0, 1, "Ana\x07Ruiz spoke.", ("Ana\x07Ruiz", "PERSON"))]
    lexicon = Lexicon.from_sentences(odd)
    answer = Answer("Who spoke?", True, "Ana\x07Ruiz", True, 0.9, "person", (Evidence(odd[0].text, 1.0, 0, (0, 8)),))
    turns = [make_turn("Who spoke?", "Who spoke?", answer, odd, lexicon)]
    assert rewrite("What did she say?", turns, lexicon) == "What did she say?"


def test_the_code_knows_no_seed_names():
    """Follow-ups are resolved from the conversation and the index, never from names written into the code."""
    source = (Path(chat.__file__)).read_text(encoding="utf-8")
    for name in ("Takaichi", "Noda", "Trump", "Ishiba", "Kihara", "Naruhito", "Abe", "Japan", "Osaka", "Malaysia"):
        assert not re.search(rf"\b{name}\b", source), name


# ---------------------------------------------------------------- small parts


def test_history_file_location():
    assert chat.history_file({"XDG_DATA_HOME": "/data"}) == Path("/data/qa/history")
    assert chat.history_file({}) == Path.home() / ".local" / "share" / "qa" / "history"
    assert chat.history_file({"XDG_DATA_HOME": "relative"}) == Path.home() / ".local" / "share" / "qa" / "history"


def test_background_hands_over_its_result_or_its_error():
    assert Background(lambda: 42).get() == 42

    def fail() -> int:
        raise ValueError("broken")

    failing = Background(fail)
    assert failing.wait(5)
    with pytest.raises(ValueError):
        failing.check()
    with pytest.raises(ValueError):
        failing.get()


def test_library_paragraph():
    lib = library()
    assert lib.paragraph(0) == [0, 1] and lib.paragraph(3) == [2, 3] and lib.paragraph(5) == [4, 5]


def render(renderable, width: int = 100) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=True, color_system="truecolor").print(renderable)
    return buffer.getvalue()


def plain(renderable) -> str:
    return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", render(renderable)).split())


def test_render_banner_help_sources_and_paragraph():
    assert "2 articles, 6 sentences from corpus" in plain(chat_banner(2, 6, Path("corpus")))
    assert "/help" in plain(chat_banner(2, 6, Path("corpus")))
    helped = plain(chat_help([(c.usage, c.help) for c in chat.COMMANDS], chat.KEYS))
    for command in ("/help", "/sources", "/show N", "/clear", "/quit", "Ctrl-C", "Ctrl-D", "130"):
        assert command in helped
    listed = plain(render_sources(ARTICLES, Path("corpus")))
    assert "Lopez Wins Mayoral Race · 2025-05-02 corpus/race.txt · 4 sentences" in listed
    assert "2 articles, 6 sentences" in listed
    assert "searched: [x] \\x1b" in plain(chat_searched("[x] \x1b"))  # markup and escapes stay inert
    conversation = Chat(fake_ask, library)
    conversation.handle("How many votes did Tom Reed get?")  # its best evidence is the second sentence of a paragraph
    reply = conversation.handle("/show 1")
    assert isinstance(reply, chat.Shown) and reply.highlighted == 1
    out = render(render_paragraph(reply.number, reply.evidence, reply.article, reply.paragraph, reply.highlighted, Path("corpus")), width=200)
    assert "\x1b[1;7mHer rival, Tom Reed, received 3,100 votes.\x1b[0m" in out  # the sentence, bold and reversed
    assert "Maria Lopez won the mayoral race" in out and "corpus/race.txt:3" in out


# ---------------------------------------------------------------- the chat command, in process with the fake models


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def test_chat_scripted_text_transcript(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    stdin = "How many residents were evacuated?\n\nwhere did it erupt?\n/sources\n/show 1\n/clear\n/quit\nnever\n"
    result = invoke("chat", "--corpus", str(corpus), "--index", str(root), input=stdin)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "> How many residents were evacuated?" in out and "> where did it erupt?" in out
    assert "searched: where did it erupt?" in out  # "it" fits no name here: the last turn's words are added
    assert "> /sources" in out and "Volcano Erupts Near Grindavik" in out and "3 articles" in out
    assert "> /show 1" in out and "Evidence 1" in out
    assert "never" not in out
    assert "Conversation cleared" in result.stderr


def test_chat_scripted_json(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    stdin = "How many residents were evacuated?\nwhere did it erupt?\n\n" + "\x07\n" + "/clear\nwho won the final?\n"
    result = invoke("chat", "--json", "--corpus", str(corpus), "--index", str(root), input=stdin)
    assert result.exit_code == 0, result.output
    data = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(data) == 4
    for item in (data[0], data[1], data[3]):
        assert item["searched"] and isinstance(item["searched"], str)
        check_contract({k: v for k, v in item.items() if k != "searched"})
    assert data[0]["searched"] == data[0]["question"] == "How many residents were evacuated?"
    assert data[1]["question"] == "where did it erupt?" and data[1]["searched"] != data[1]["question"]
    assert set(data[2]) == {"question", "error"} and "control characters" in data[2]["error"]
    assert data[3]["searched"] == "who won the final?"


def test_chat_commands_as_json(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    result = invoke("chat", "--json", "--corpus", str(corpus), "--index", str(root), input="/help\n/sources\nvolcano\n/show 1\n/show 99\n")
    assert result.exit_code == 0, result.output
    data = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d.get("command") for d in data] == ["/help", "/sources", None, "/show", "/show 99"]
    assert len(data[1]["articles"]) == 3 and {"path", "title", "sentences"} == set(data[1]["articles"][0])
    shown = data[3]
    assert shown["paragraph"][shown["highlighted"]] == data[2]["evidence"][0]["text"]
    assert "error" in data[4]


def test_chat_on_a_damaged_index_is_a_one_line_error(fake_index: tuple[Path, Path], fake_models):
    corpus, root = fake_index
    sentences = index_mod.active_folder(root) / "sentences.jsonl"
    sentences.write_bytes(sentences.read_bytes()[:20])
    result = invoke("chat", "--corpus", str(corpus), "--index", str(root), input="volcano\n")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("Error: ") == 1 and "damaged" in result.stderr
    assert "Traceback" not in result.output


def test_chat_without_a_corpus_is_the_same_error_as_ask(tmp_path: Path):
    args = ("--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "index"))
    chatted = invoke("chat", *args, input="who won?\n")
    asked = invoke("ask", "who won?", *args)
    assert chatted.exit_code == asked.exit_code == 2
    assert chatted.stderr == asked.stderr and "does not exist" in chatted.stderr


def test_chat_builds_a_missing_index_first(tiny_corpus: Path, tmp_path: Path, fake_models):
    root = tmp_path / "index"
    result = invoke("chat", "--json", "--corpus", str(tiny_corpus), "--index", str(root), input="volcano\n")
    assert result.exit_code == 0, result.output
    assert "No index" in result.stderr
    assert index_mod.status(root, tiny_corpus).state == "fresh"


# ---------------------------------------------------------------- the real model on the seeds


@pytest.fixture(scope="module")
def seed_chat(seed_bot) -> Chat:
    index = seed_bot.index
    lib = Library.of(index.articles, index.sentences)
    return Chat(seed_bot.ask, lambda: lib)


@pytest.mark.model
def test_three_turn_follow_up_chain_on_the_seeds(seed_chat: Chat):
    seed_chat.handle("/clear")
    first = seed_chat.handle("Who became Japan's first woman prime minister?")
    second = seed_chat.handle("How many votes did she get?")
    third = seed_chat.handle("And her rival?")
    assert isinstance(first, chat.Answered) and isinstance(second, chat.Answered) and isinstance(third, chat.Answered)
    assert first.searched == first.question
    assert "Takaichi" in first.answer.evidence[0].text and "first woman prime minister" in first.answer.evidence[0].text
    # the second question is about Takaichi, without the user naming her
    assert re.search(r"\bshe \((?:Sanae )?Takaichi\)", second.searched), second.searched
    assert second.answer.answered and "237" in (second.answer.answer or "")
    assert "237" in second.answer.evidence[0].text
    # the third about her rival: the sentence that gives Noda's votes comes first
    assert "Takaichi" in third.searched and "rival" in third.searched and "votes" in third.searched
    assert "Noda" in third.answer.evidence[0].text and "149" in third.answer.evidence[0].text
    assert third.answer.answered and "149" in (third.answer.answer or "")


@pytest.mark.model
def test_a_fragment_with_a_new_name_on_the_seeds(seed_chat: Chat):
    seed_chat.handle("/clear")
    seed_chat.handle("How many votes did Takaichi get?")
    reply = seed_chat.handle("What about Noda?")
    assert isinstance(reply, chat.Answered)
    assert reply.searched == "How many votes did Noda get?"
    assert "149" in (reply.answer.answer or "")


@pytest.mark.model
def test_chat_json_as_a_real_process(seed_index: SeedIndex):
    stdin = "Who became Japan's first woman prime minister?\nHow many votes did she get?\n\n\x1b[2J\nAnd her rival?\n"
    result = run_qa("chat", "--json", "--corpus", str(seed_index.corpus), "--index", str(seed_index.index), input=stdin, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    data = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["question"] for d in data] == [
        "Who became Japan's first woman prime minister?", "How many votes did she get?", "\x1b[2J", "And her rival?",
    ]
    assert data[2] == {"question": "\x1b[2J", "error": "The question contains control characters: type it as plain text."}
    for item in (data[0], data[1], data[3]):
        check_contract({k: v for k, v in item.items() if k != "searched"})
    assert data[0]["searched"] == data[0]["question"]
    assert "Takaichi" in data[1]["searched"] and "237" in data[1]["evidence"][0]["text"]
    assert "rival" in data[3]["searched"] and "149" in data[3]["evidence"][0]["text"]


@pytest.mark.model
def test_the_interactive_program_in_a_terminal(seed_index: SeedIndex, tmp_path: Path):
    """The real program in a pseudo-terminal: banner and prompt, a cited answer, Ctrl-C abandons a line, Ctrl-D exits 0."""
    pexpect = pytest.importorskip("pexpect")
    env = dict(qa_env(), XDG_DATA_HOME=str(tmp_path / "data"), COLUMNS="100", TERM="xterm")
    args = [*QA[1:], "chat", "--corpus", str(seed_index.corpus), "--index", str(seed_index.index)]
    child = pexpect.spawn(QA[0], args, env=env, encoding="utf-8", timeout=120, dimensions=(50, 100))
    try:
        child.expect(r"3 articles, \d+ sentences from")
        child.expect("/help")
        child.expect_exact("> ")
        child.sendline("How many votes did Takaichi get?")
        child.expect("237 votes")
        child.expect(r"\[1\]")
        child.expect("Sources")
        child.expect_exact("> ")
        child.sendline("And Noda?")
        child.expect("searched: How many votes did Noda get")
        child.expect("Sources")
        child.expect_exact("> ")
        child.send("a line to abandon")
        child.expect_exact("a line to abandon")
        # A real hand pauses between the last key and Ctrl-C. CPython's readline loses a SIGINT that
        # lands while it is still drawing the keys it read, before it waits on the terminal again.
        time.sleep(0.5)
        child.sendintr()
        child.expect("Ctrl-C again")
        child.expect_exact("> ")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    history = (tmp_path / "data" / "qa" / "history").read_text(encoding="utf-8")
    assert "How many votes did Takaichi get?" in history and "a line to abandon" not in history


def test_chat_is_listed_and_qa_help_stays_light():
    result = invoke("chat", "--help")
    assert result.exit_code == 0 and "/sources" in result.stdout and "Exit code" in result.stdout
    probe = "import sys, qa.cli; print('qa.chat' in sys.modules, 'qa.bot' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=qa_env(), timeout=60, cwd=os.getcwd())
    assert done.stdout.split() == ["False", "False"]



# ---------------------------------------------------------------- bench/score_chat.py


def test_score_chat_counts_turns_right_first_and_follow_ups(tmp_path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("score_chat", Path(__file__).resolve().parents[1] / "bench" / "score_chat.py")
    assert spec and spec.loader
    score_chat = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score_chat)
    path = tmp_path / "conversations.jsonl"
    turns = [{"question": "Who won?", "answers": ["Lopez"]}, {"question": "How many votes did she get?", "answers": ["5,200"]}]
    path.write_text(json.dumps({"id": "a", "turns": turns}) + "\n\n", encoding="utf-8")
    conversations = score_chat.load_conversations(path)
    results = [[
        {"question": "Who won?", "searched": "Who won?", "answer": "Maria Lopez", "evidence": [{"text": "Maria Lopez won."}]},
        {"question": "How many votes did she get?", "searched": "How many votes did she (Maria Lopez) get?", "answer": "3,100",
         "evidence": [{"text": "Reed got 3,100."}, {"text": "Lopez got 5,200."}]},
    ]]
    summary = score_chat.score(conversations, results)
    assert summary["right_first"] == {"right": 1, "of": 2}
    assert summary["follow_up_right_first"] == {"right": 0, "of": 1}
    assert summary["in_evidence"] == {"right": 2, "of": 2}
    assert summary["short_right"] == {"right": 1, "of": 2}
    assert summary["rewritten"] == 1
    path.write_text(json.dumps({"id": "b", "turns": [{"question": "/clear", "answers": ["x"]}]}) + "\n", encoding="utf-8")
    with pytest.raises(score_chat.ConversationError):
        score_chat.load_conversations(path)


def test_a_pronoun_may_stand_for_someone_named_just_before_the_evidence():
    first = "Maria Lopez phoned Tom Reed on Monday."
    second = "The call between the two candidates lasted ten minutes."
    here = [sentence(0, 0, 1, first, ("Maria Lopez", "PERSON"), ("Tom Reed", "PERSON"), ("Monday", "DATE")), sentence(0, 0, 2, second)]
    elsewhere = [sentence(1, 0, 1, "Lopez said she would thank her staff.", ("Lopez", "PERSON")), sentence(1, 0, 2, "Reed said he would thank his staff.", ("Reed", "PERSON"))]
    lexicon = Lexicon.from_sentences(here + elsewhere)
    asked = "How long did the call last?"
    source = Source("race.txt", "Lopez Wins Mayoral Race", len(first) + 1, len(first) + 1 + len(second), 1)
    answer = Answer(asked, True, "ten minutes", True, 0.9, "duration", (Evidence(second, 1.0, 1, (42, 53), (source,)),))
    turns = [make_turn(asked, asked, answer, here, lexicon)]
    # Neither is named in the question, its answer or its evidence: the sentence before names them.
    assert rewrite("What did she ask for?", turns, lexicon) == "What did she (Maria Lopez) ask for?"
    assert rewrite("What did he say?", turns, lexicon) == "What did he (Tom Reed) say?"


def test_there_is_the_place_the_last_turn_answered_with():
    body = "Lopez grew up in Salem, a town near Riverton."
    here = [sentence(0, 0, 1, body, ("Lopez", "PERSON"), ("Salem", "GPE"), ("Riverton", "GPE"))]
    lexicon = Lexicon.from_sentences(here)
    asked = "Which town near Riverton did Lopez grow up in?"
    source = Source("race.txt", "Lopez Wins Mayoral Race", 0, len(body), 1)
    answer = Answer(asked, True, "Salem", True, 0.9, "place", (Evidence(body, 1.0, 0, (17, 22), (source,)),))
    before = "Where did Lopez win in Riverton?"
    turns = [make_turn(before, before, None, here, lexicon), make_turn(asked, asked, answer, here, lexicon)]
    # Riverton, named in both questions, is the more salient place; "there" is still the answer.
    assert rewrite("Why did she leave there?", turns, lexicon) == "Why did she (Lopez) leave there (in Salem)?"
