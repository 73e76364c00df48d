"""qa.render: answers for the terminal (article text made inert) and as the JSON contract."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from pathlib import Path

import pytest
from helpers import check_contract
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from qa.render import answer_json, render_answer, safe
from qa.types import Answer, Evidence, Source

SGR = re.compile(r"\x1b\[[0-9;]*m")

HOSTILE = [
    "Markup [bold red]x[/] stays literal.",
    "Screen \x1b[2J is not cleared.",
    "Title \x1b]0;title\x07 is not set.",
    "Emoji :smile: stays a code.",
    "Bidi \u202eevil\u202c override.",
]


def render(answer: Answer, corpus: Path = Path("corpus"), **kwargs) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=True, color_system="truecolor")
    console.print(render_answer(answer, corpus, **kwargs))
    return buffer.getvalue()


def source(path: str = "a.txt", title: str = "Vote Report", start: int = 0, end: int = 10, line: int = 1, **kwargs) -> Source:
    return Source(path, title, start, end, line, **kwargs)


def evidence(text: str, *sources: Source, span: tuple[int, int] | None = None, score: float = 0.5, row: int = 0) -> Evidence:
    return Evidence(text=text, score=score, sentence=row, answer_span=span, sources=sources or (source(),))


def answered(*found: Evidence, text: str = "237 votes") -> Answer:
    question = "how many votes did Takaichi get?"
    return Answer(question=question, answered=True, answer=text, short=True, confidence=0.93, expected="number", evidence=found)


def not_answered(*found: Evidence, question: str = "q?", confidence: float = 0.01) -> Answer:
    return Answer(question=question, answered=False, answer=None, short=False, confidence=confidence, expected=None, evidence=found)


def hostile_answer() -> Answer:
    return answered(*(evidence(t, source(start=10 * i, end=10 * i + 5), row=i) for i, t in enumerate(HOSTILE)))


def test_article_text_cannot_drive_the_terminal():
    out = render(hostile_answer())
    plain = SGR.sub("", out)
    assert "\x1b" not in plain, "only rich's own SGR styling may put ESC on the terminal"
    assert "\x07" not in out
    assert "\u202e" not in out and "\u202c" not in out
    assert "[bold red]x[/]" in plain
    assert ":smile:" in plain
    assert "\U0001f604" not in out
    # The neutralised characters are shown, not dropped.
    assert "\\x1b[2J" in plain
    assert "\\u202e" in plain


def test_hostile_titles_paths_outlets_and_answers_are_inert_too():
    evil = "\x1b]0;pwned\x07\x1b[2J\u202e[red]r[/red]"
    src = source(path=f"dir/{evil}.txt", title=f"Title {evil}", outlet=f"Outlet {evil}", date="2025-10-26")
    out = render(answered(evidence(f"Text {evil}.", src), text=f"Answer {evil}"))
    plain = SGR.sub("", out)
    assert "\x1b" not in plain
    assert "\x07" not in out and "\u202e" not in out
    assert "[red]r[/red]" in plain


def test_the_answer_is_bold():
    out = render(answered(evidence("Takaichi won 237 votes.", span=(13, 22))))
    position = out.index("237 votes")
    codes = SGR.findall(out[:position])
    assert codes, "the answer is styled"
    assert "1" in codes[-1][2:-1].split(";"), f"the answer is not bold: {codes[-1]!r}"
    assert "Evidence" in out


def test_the_answer_span_is_highlighted_in_the_evidence():
    text = "Takaichi won 237 votes on Tuesday."
    out = render(answered(evidence(text, span=(13, 22)), text="zzz"))
    plain = SGR.sub("", out)
    assert "Takaichi won 237 votes on Tuesday." in plain
    before = out[: out.index("237 votes")]
    assert SGR.findall(before)[-1] != "\x1b[0m"


def test_not_answered_shows_related_reading():
    result = not_answered(evidence("He is based in Dubai."), question="what is the capital of France?")
    plain = SGR.sub("", render(result))
    assert "do not answer" in plain
    assert "Related reading" in plain
    assert "He is based in Dubai." in plain


def test_evidence_that_does_not_state_the_short_answer_is_related_reading():
    holding = evidence("Takaichi won 237 votes.", source(start=0, end=23), span=(13, 22), row=0)
    other = evidence("The vote was held on Tuesday.", source(start=30, end=59), row=1)
    also = evidence("She secured 237 of 465 votes.", source(start=60, end=89), span=(12, 15), row=2)
    result = answered(holding, other, also)
    assert result.supporting() == (holding, also)
    assert result.shown() == (holding, also, other)
    plain = SGR.sub("", render(result))
    evidence_at, related_at = plain.index("Evidence"), plain.index("Related reading (does not state the answer)")
    assert evidence_at < plain.index("1. Takaichi won") < plain.index("2. She secured") < related_at < plain.index("3. The vote was held")


def test_a_sentence_for_an_answer_keeps_all_its_evidence():
    first, second = evidence("Takaichi won 237 votes.", row=0), evidence("The vote was held on Tuesday.", row=1)
    result = Answer("why?", True, first.text, False, 0.8, None, (first, second))
    assert result.supporting() == (first, second)
    plain = SGR.sub("", render(result))
    assert "Related reading" not in plain and "2. The vote was held" in plain


def test_an_unanswered_question_supports_nothing():
    result = not_answered(evidence("He is based in Dubai.", span=(15, 20)))
    assert result.supporting() == () and result.shown() == result.evidence


def test_not_answered_without_evidence():
    plain = SGR.sub("", render(not_answered(confidence=0.0)))
    assert "do not answer" in plain
    assert "Related reading" not in plain


def test_sources_are_cited_with_title_path_outlet_and_date():
    a = source("a.txt", "Report A", 0, 10, 1)
    b = source("sub/b.txt", "Report B", 5, 30, 2, outlet="Daily Planet", date="2025-10-26")
    result = answered(evidence("First claim here.", a, b), evidence("Second claim here.", b, row=1))
    plain = SGR.sub("", render(result, Path("news")))
    assert "First claim here." in plain and "Second claim here." in plain
    assert "reported by 2 sources" in plain
    assert "Report A" in plain and "Report B" in plain
    assert "news/a.txt" in plain and "news/sub/b.txt" in plain
    assert "Daily Planet" in plain and "2025-10-26" in plain
    assert "[1]" in plain and "[2]" in plain


def test_one_source_is_not_reported_by_several():
    plain = SGR.sub("", render(answered(evidence("Only claim here."))))
    assert "reported by" not in plain


def test_confidence_can_be_hidden():
    result = answered(evidence("Takaichi won 237 votes."))
    assert "confidence" in render(result)
    assert "confidence" not in render(result, show_confidence=False)


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("plain text", "plain text"),
        ("tab\tand\nnew\r\nline", "tab and new  line"),
        ("esc\x1b[31m", "esc\\x1b[31m"),
        ("nul\x00", "nul\\x00"),
        ("c1\x9b2J", "c1\\x9b2J"),
        ("rtl\u202eltr\u202d", "rtl\\u202eltr\\u202d"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("soft\u00adhyphen", "soft\u00adhyphen"),
        ("family \U0001f468\u200d\U0001f469", "family \U0001f468\u200d\U0001f469"),
    ],
)
def test_safe(raw: str, shown: str):
    assert safe(raw) == shown


ALLOWED_FORMAT = {"\u00ad", "\u200d"}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_safe_leaves_no_control_characters(raw: str):
    shown = safe(raw)
    for ch in shown:
        category = unicodedata.category(ch)
        assert category != "Cc"
        assert category != "Cf" or ch in ALLOWED_FORMAT


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=120), st.text(max_size=40))
def test_any_article_text_renders_inert(text: str, title: str):
    span = (0, 1) if len(text) > 1 else None
    out = render(answered(evidence(text, source(title=title), span=span), text=text[:30]))
    assert "\x1b" not in SGR.sub("", out)
    assert not any(unicodedata.category(ch) == "Cf" and ch not in ALLOWED_FORMAT for ch in out)


# ---------------------------------------------------------------- JSON contract


def test_answer_json_contract():
    a = source("sub/a.txt", "Report A", 10, 33, 3, outlet="Outlet", date="2025-10-26")
    b = source("b.md", "Report B", 0, 23, 1)
    result = answered(evidence("Takaichi won 237 votes.", a, b, span=(13, 22), score=0.91, row=4), evidence("Noda got 149.", b, row=7))
    data = answer_json(result, Path("/data/news"))
    check_contract(data)
    assert data == json.loads(json.dumps(data))
    assert data == {
        "question": "how many votes did Takaichi get?",
        "answered": True,
        "answer": "237 votes",
        "confidence": 0.93,
        "evidence": [
            {
                "text": "Takaichi won 237 votes.",
                "score": 0.91,
                "answer_span": [13, 22],
                "sources": [
                    {"path": "/data/news/sub/a.txt", "title": "Report A", "start": 10, "end": 33, "line": 3, "outlet": "Outlet", "date": "2025-10-26"},
                    {"path": "/data/news/b.md", "title": "Report B", "start": 0, "end": 23, "line": 1},
                ],
            },
            {
                "text": "Noda got 149.",
                "score": 0.5,
                "answer_span": None,
                "sources": [{"path": "/data/news/b.md", "title": "Report B", "start": 0, "end": 23, "line": 1}],
            },
        ],
    }


@pytest.mark.parametrize("corpus", [Path("seeds"), Path("/abs/corpus"), Path("./rel/corpus"), Path("a b/c")])
def test_answer_json_path_is_the_corpus_folder_joined_with_the_article_path(corpus: Path):
    result = answered(evidence("Text.", source("sub/a.txt")))
    [src] = answer_json(result, corpus)["evidence"][0]["sources"]
    assert src["path"] == (corpus / "sub" / "a.txt").as_posix()
    assert Path(src["path"]) == corpus / "sub/a.txt"


def test_answer_json_when_not_answered():
    result = not_answered(evidence("Text.", span=(0, 4)))
    data = answer_json(result, Path("c"))
    check_contract(data)
    assert data["answered"] is False
    assert data["answer"] is None
    assert data["evidence"][0]["answer_span"] is None


def test_answer_json_keeps_article_text_as_is():
    """JSON is for programs: the text is not escaped for a terminal, json.dumps escapes it."""
    result = answered(evidence(HOSTILE[1], source(title=HOSTILE[2])))
    data = answer_json(result, Path("c"))
    assert data["evidence"][0]["text"] == HOSTILE[1]
    line = json.dumps(data, ensure_ascii=False)
    assert "\x1b" not in line and "\n" not in line
