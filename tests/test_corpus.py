"""qa.corpus: files, metadata, paragraphs and sentences whose offsets point back into the files."""

from __future__ import annotations

import hashlib
import html
import json
import re
import tempfile
from pathlib import Path

import pytest
from helpers import SEEDS, read_raw, write_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import corpus as corpus_mod
from qa.corpus import article_files, fingerprint, parse_article, parse_page, read_corpus
from qa.errors import CorpusError


def assert_round_trip(folder: Path, corpus, clean: bool = True) -> int:
    """Every sentence's offsets give back its text in the file as read with newline=""; returns the count.

    ``clean``: also check that sentences carry no surrounding whitespace and no BOM.
    """
    count = 0
    for parsed in corpus.articles:
        raw = read_raw(folder / parsed.article.path)
        assert parsed.text == raw
        previous_end = 0
        for sentence in parsed.sentences:
            assert raw[sentence.start : sentence.end] == sentence.text, parsed.article.path
            assert sentence.start >= previous_end, "sentences overlap or are out of order"
            assert sentence.line == raw.count("\n", 0, sentence.start) + 1
            if clean:
                assert sentence.text == sentence.text.strip()
                assert "\ufeff" not in sentence.text
            previous_end = sentence.end
            count += 1
    return count


def texts(folder: Path, name: str) -> list[str]:
    corpus = read_corpus(folder)
    [parsed] = [p for p in corpus.articles if p.article.path == name]
    return [s.text for s in parsed.sentences]


# ---------------------------------------------------------------- offsets


def test_seed_offsets_round_trip():
    corpus = read_corpus(SEEDS)
    assert corpus.warnings == []
    assert len(corpus.articles) == len(list(SEEDS.glob("*.txt")))
    assert assert_round_trip(SEEDS, corpus) > 50


HANDMADE = {
    "crlf": "Storm Hits The Coast\r\n\r\nThe storm hit on Monday. Power was cut.\r\n\r\nRepairs began on Tuesday.\r\n",
    "bom": "\ufeffStorm Hits The Coast\n\nThe storm hit on Monday. Power was cut.\n",
    "bom-no-title": "\ufeffThe storm hit on Monday. Power was cut.\n",
    "bom-crlf": "\ufeffStorm Hits The Coast\r\n\r\nThe storm hit on Monday.\r\nRepairs began on Tuesday.\r\n",
    "markdown": (
        "# Storm Hits The Coast\n\n## What happened\n\nThe storm hit on *Monday*. Power was cut.\n\n- Roads closed.\n- Schools shut.\n"
    ),
    "hard-wrapped": (
        "Storm Hits The Coast\n\n"
        "The storm that hit the northern coast on Monday morning cut\n"
        "power to thousands of homes and closed most of the roads\n"
        "for two days. Repairs began on Tuesday.\n\n"
        "Officials said the damage was limited.\n"
    ),
    "hard-wrapped-crlf": (
        "Storm Hits The Coast\r\n\r\n"
        "The storm that hit the northern coast on Monday morning cut\r\n"
        "power to thousands of homes and closed most of the roads\r\n"
        "for two days. Repairs began on Tuesday.\r\n"
    ),
    "abbreviations": (
        "Talks Resume\n\n"
        "The U.S. said on Oct. 4 that approx. 300 people had left. Mr. Smith agreed. "
        "Dr. Jones arrived at 5 p.m. on Jan. 3 with the U.N. team.\n"
    ),
    "quotes": (
        'Talks Resume\n\n\u201cWe will not back down,\u201d she said. He said "It was bad." Then he left. \u2018Fine,\u2019 they said.\n'
    ),
    "tabs-and-spaces": "Talks Resume\n\n   \tThe talks resumed.   \t  \n\n\n   They ended at noon.  \n",
    "unicode": (
        "Caf\u00e9 Reopens\n\nThe caf\u00e9 in Z\u00fcrich reopened \U0001f600 on Monday. "
        "\u6771\u4eac\u3067\u5730\u9707\u304c\u767a\u751f\u3057\u307e\u3057\u305f\u3002 Prices rose 5\u202f%.\n"
    ),
    "no-final-newline": "Talks Resume\n\nThe talks resumed. They ended at noon.",
    "lone-cr": "Talks Resume\r\rThe talks resumed.\rThey ended at noon.",
}


@pytest.mark.parametrize("name", sorted(HANDMADE))
def test_handmade_offsets_round_trip(tmp_path: Path, name: str):
    folder = write_corpus(tmp_path, {f"{name}.txt": HANDMADE[name]})
    corpus = read_corpus(folder)
    assert corpus.warnings == []
    assert assert_round_trip(folder, corpus) >= 1


def test_md_files_are_read_too(tmp_path: Path):
    folder = write_corpus(tmp_path, {"a.md": HANDMADE["markdown"]})
    [parsed] = read_corpus(folder).articles
    assert parsed.article.title == "Storm Hits The Coast"
    sentences = [s.text for s in parsed.sentences]
    assert "The storm hit on *Monday*." in sentences
    assert "Power was cut." in sentences
    assert not any("Storm Hits The Coast" in s for s in sentences)


def test_crlf_sentences_have_the_right_line_numbers(tmp_path: Path):
    folder = write_corpus(tmp_path, {"a.txt": HANDMADE["crlf"]})
    [parsed] = read_corpus(folder).articles
    by_text = {s.text: s for s in parsed.sentences}
    assert by_text["The storm hit on Monday."].line == 3
    assert by_text["Repairs began on Tuesday."].line == 5
    assert not any("\r" in s.text for s in parsed.sentences)


def test_bom_is_not_part_of_the_title_or_sentences(tmp_path: Path):
    folder = write_corpus(tmp_path, {"a.txt": HANDMADE["bom"], "b.txt": HANDMADE["bom-no-title"]})
    corpus = read_corpus(folder)
    a, b = corpus.articles
    assert a.article.title == "Storm Hits The Coast"
    assert [s.text for s in a.sentences] == ["The storm hit on Monday.", "Power was cut."]
    assert [s.text for s in b.sentences] == ["The storm hit on Monday.", "Power was cut."]
    assert b.sentences[0].start == 1


def test_abbreviations_do_not_split_sentences(tmp_path: Path):
    folder = write_corpus(tmp_path, {"a.txt": HANDMADE["abbreviations"]})
    assert texts(folder, "a.txt") == [
        "The U.S. said on Oct. 4 that approx. 300 people had left.",
        "Mr. Smith agreed.",
        "Dr. Jones arrived at 5 p.m. on Jan. 3 with the U.N. team.",
    ]


def test_quotes_stay_with_their_sentence(tmp_path: Path):
    folder = write_corpus(tmp_path, {"a.txt": HANDMADE["quotes"]})
    assert texts(folder, "a.txt") == [
        "\u201cWe will not back down,\u201d she said.",
        'He said "It was bad."',
        "Then he left.",
        "\u2018Fine,\u2019 they said.",
    ]


def test_hard_wrapped_lines_are_one_paragraph_and_one_sentence(tmp_path: Path):
    folder = write_corpus(tmp_path, {"a.txt": HANDMADE["hard-wrapped"]})
    [parsed] = read_corpus(folder).articles
    first = parsed.sentences[0]
    assert " ".join(first.text.split()) == (
        "The storm that hit the northern coast on Monday morning cut power to thousands of homes and closed most of the roads for two days."
    )
    assert first.line == 3
    assert parsed.sentences[1].text == "Repairs began on Tuesday."
    assert parsed.sentences[1].paragraph == first.paragraph
    assert parsed.sentences[2].text == "Officials said the damage was limited."
    assert parsed.sentences[2].paragraph > first.paragraph


def test_short_lines_that_end_a_sentence_are_paragraphs(tmp_path: Path):
    folder = write_corpus(tmp_path, {"a.txt": "Talks Resume\n\nThe talks resumed.\nThey ended at noon.\nNobody spoke.\n"})
    [parsed] = read_corpus(folder).articles
    assert [s.text for s in parsed.sentences] == ["The talks resumed.", "They ended at noon.", "Nobody spoke."]
    assert len({s.paragraph for s in parsed.sentences}) == 3


# ---------------------------------------------------------------- metadata


def test_heading_like_first_line_is_the_title_not_a_sentence():
    parsed = parse_article("a.txt", "Storm Hits The Coast\n\nThe storm hit on Monday. Power was cut.\n")
    assert parsed.article.title == "Storm Hits The Coast"
    assert [s.text for s in parsed.sentences] == ["The storm hit on Monday.", "Power was cut."]


def test_markdown_heading_is_the_title_without_hashes():
    parsed = parse_article("a.md", "# Storm Hits The Coast\n\nThe storm hit on Monday.\n")
    assert parsed.article.title == "Storm Hits The Coast"
    assert all("#" not in s.text for s in parsed.sentences)


def test_without_a_heading_the_first_sentence_is_the_title():
    parsed = parse_article("a.txt", "The storm hit on Monday. Power was cut.\n")
    assert parsed.article.title == "The storm hit on Monday."
    assert [s.text for s in parsed.sentences] == ["The storm hit on Monday.", "Power was cut."]


def test_a_long_first_sentence_gives_a_shortened_title():
    first = "The storm that hit the northern coast on Monday morning cut power to thousands of homes and closed most roads."
    parsed = parse_article("a.txt", first + " Repairs began.\n")
    title = parsed.article.title
    assert title.endswith("\u2026") and len(title) <= 91
    assert first.startswith(title[:-1])
    assert parsed.sentences[0].text == first


def test_empty_text_is_titled_by_its_file_name():
    parsed = parse_article("folder/my-story.txt", "")
    assert parsed.article.title == "my-story"
    assert parsed.sentences == []


@pytest.mark.parametrize(
    "line, iso",
    [
        ("2024-03-01", "2024-03-01"),
        ("2025-10-04T10:00:00Z", "2025-10-04"),
        ("March 3, 2024", "2024-03-03"),
        ("Oct. 4, 2025", "2025-10-04"),
        ("3 March 2024", "2024-03-03"),
        ("Sun Oct 26 2025", "2025-10-26"),
        ("Tuesday, Oct. 4, 2025", "2025-10-04"),
        ("Published: 2024-03-01", "2024-03-01"),
        ("Updated Jan 5, 2024 at 10:30 a.m. EST", "2024-01-05"),
        ("Sept. 26, 2025", "2025-09-26"),
    ],
)
def test_date_line_is_read_as_an_iso_date(line: str, iso: str):
    parsed = parse_article("a.txt", f"Storm Hits The Coast\n{line}\n\nThe storm hit on Monday.\n")
    assert parsed.article.date == iso
    assert [s.text for s in parsed.sentences] == ["The storm hit on Monday."]


def test_author_and_outlet_fields():
    parsed = parse_article("a.txt", "Storm Hits The Coast\nAuthor: Jane Doe\nSource: Daily Planet\n\nThe storm hit on Monday.\n")
    assert parsed.article.author == "Jane Doe"
    assert parsed.article.outlet == "Daily Planet"
    assert [s.text for s in parsed.sentences] == ["The storm hit on Monday."]


def test_lower_case_byline_is_the_author():
    parsed = parse_article("a.txt", "Storm Hits The Coast\nby Jane Doe\nMarch 3, 2024\n\nThe storm hit on Monday.\n")
    assert parsed.article.author == "Jane Doe"
    assert parsed.article.date == "2024-03-03"
    assert [s.text for s in parsed.sentences] == ["The storm hit on Monday."]


@pytest.mark.parametrize("byline", ["By Jane Doe", "By Jane Doe, Reuters"])
def test_capitalised_byline_is_the_author(byline: str):
    text = f"Storm Hits The Coast\n{byline}\nMarch 3, 2024\n\nTOKYO (Reuters) - The storm hit on Monday.\n"
    parsed = parse_article("a.txt", text)
    assert parsed.article.author == "Jane Doe"
    assert parsed.article.date == "2024-03-03"
    assert [s.text for s in parsed.sentences] == ["The storm hit on Monday."]


@pytest.mark.parametrize(
    "dateline",
    [
        "TOKYO (Reuters) - ",
        "WASHINGTON (AP) \u2014 ",
        "KUALA LUMPUR - ",
        "LONDON, Oct 4 (AP) \u2014 ",
        "Kuala Lumpur [Malaysia], October 26 : ",
    ],
)
def test_dateline_is_not_part_of_the_first_sentence(dateline: str):
    parsed = parse_article("a.txt", f"Talks Resume\n2025-10-26\n\n{dateline}The talks resumed on Monday. They ended at noon.\n")
    assert [s.text for s in parsed.sentences] == ["The talks resumed on Monday.", "They ended at noon."]
    assert parsed.article.date == "2025-10-26"


def test_dateline_on_the_first_line_without_a_title():
    parsed = parse_article("a.txt", "TOKYO (Reuters) - The talks resumed on Monday. They ended at noon.\n")
    assert parsed.sentences[0].text == "The talks resumed on Monday."


def test_a_dash_inside_an_ordinary_sentence_is_not_a_dateline():
    parsed = parse_article("a.txt", "Talks Resume\n\nPresident Biden said - at length - that it passed. More came.\n")
    assert parsed.sentences[0].text == "President Biden said - at length - that it passed."


def test_hard_wrapped_first_paragraph_without_a_title_keeps_its_first_line():
    text = (
        "The storm that hit the northern coast on Monday morning cut\n"
        "power to thousands of homes and closed most of the roads\n"
        "for two days. Repairs began on Tuesday.\n"
    )
    parsed = parse_article("a.txt", text)
    assert parsed.sentences[0].text.startswith("The storm that hit")
    assert parsed.sentences[0].start == 0


def test_seed_metadata():
    corpus = read_corpus(SEEDS)
    by_path = {p.article.path: p for p in corpus.articles}
    collins = by_path["001_a46ff7c85a80f485.txt"]
    assert collins.article.title == "Japan\u2019s PM Takaichi and Trump Discuss Strengthening US-Japan Alliance"
    assert collins.article.date == "2025-10-26"
    assert collins.article.author == "Austin Collins"
    # The repeated headline and the byline are not sentences.
    assert not any("Austin Collins (670" in s.text for s in collins.sentences)
    assert collins.sentences[0].text.startswith("Japan\u2019s newly elected Prime Minister")

    dated = by_path["000_42601e7ae9adc338.txt"]
    assert dated.article.date == "2025-10-26"
    # " date 2025-10-26 Kuala Lumpur [Malaysia], October 26 : " is a date and a dateline, not text.
    assert dated.sentences[0].text.startswith("Japan's newly elected Prime Minister Sanae Takaichi")
    assert dated.article.title.startswith("Japan's newly elected")


def test_article_record(tmp_path: Path):
    folder = write_corpus(tmp_path, {"sub/a.txt": "Storm Hits The Coast\n\nThe storm hit. Power was cut.\n"})
    [parsed] = read_corpus(folder).articles
    article = parsed.article
    raw = (folder / "sub" / "a.txt").read_bytes()
    assert article.path == "sub/a.txt"
    assert article.size == len(raw)
    assert article.sentences == len(parsed.sentences) == 2
    assert article.mtime_ns == (folder / "sub" / "a.txt").stat().st_mtime_ns
    import hashlib

    assert article.sha256 == hashlib.sha256(raw).hexdigest()


# ---------------------------------------------------------------- files and folders


@pytest.mark.parametrize(
    "content, why",
    [
        (b"", "empty"),
        (b"   \n\t\r\n  ", "empty"),
        (b"Title\n\nSome \x00binary\x00 data.", "binary"),
        ("Caf\u00e9 news.\n\nThe caf\u00e9 opened.".encode("latin-1"), "UTF-8"),
        ("\ufeffTitle\n\nText.".encode("utf-16"), "binary"),
        (b"---\n***\n...\n", "no sentences"),
    ],
    ids=["empty", "whitespace", "nul", "latin-1", "utf-16", "no-sentences"],
)
def test_unreadable_files_are_skipped_with_a_warning(tmp_path: Path, content: bytes, why: str):
    folder = write_corpus(tmp_path, {"bad.txt": content, "good.txt": "Good News\n\nThe sun came out. Everyone smiled.\n"})
    corpus = read_corpus(folder)
    assert [p.article.path for p in corpus.articles] == ["good.txt"]
    assert len(corpus.warnings) == 1
    assert "bad.txt" in corpus.warnings[0]
    assert why.lower() in corpus.warnings[0].lower()


def test_files_found_sorted_hidden_and_other_suffixes_left_out(tmp_path: Path):
    body = "Good News\n\nThe sun came out.\n"
    folder = write_corpus(
        tmp_path,
        {
            "b.txt": body,
            "a.md": body,
            "Upper.TXT": body,
            "sub/deeper/c.txt": body,
            ".hidden.txt": body,
            ".git/d.txt": body,
            "notes.pdf": b"%PDF",
            "data.json": "{}",
        },
    )
    names = [p.relative_to(folder).as_posix() for p in article_files(folder)]
    assert names == ["Upper.TXT", "a.md", "b.txt", "sub/deeper/c.txt"]
    corpus = read_corpus(folder)
    assert [p.article.path for p in corpus.articles] == names
    assert corpus.warnings == []


def test_missing_folder_raises_corpus_error(tmp_path: Path):
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nope")


def test_a_file_instead_of_a_folder_raises_corpus_error(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text("The sun came out.", encoding="utf-8")
    with pytest.raises(CorpusError, match="not a folder"):
        read_corpus(path)


def test_empty_folder_gives_no_articles_and_no_error(tmp_path: Path):
    corpus = read_corpus(tmp_path)
    assert corpus.articles == [] and corpus.warnings == []


def test_fingerprint_follows_content_not_order(tmp_path: Path):
    a = parse_article("a.txt", "The sun came out.").article
    b = parse_article("b.txt", "The rain came.").article
    b2 = parse_article("b.txt", "The rain came!").article
    assert fingerprint([a, b]) == fingerprint([b, a])
    assert fingerprint([a, b]) != fingerprint([a, b2])
    assert fingerprint([a]) != fingerprint([a, b])


# ---------------------------------------------------------------- properties

NEWSY = st.sampled_from(
    [
        "U.S.",
        "Oct. 4",
        "approx. ",
        "Mr. ",
        "Dr. ",
        '"',
        "\u201c",
        "\u201d",
        "'",
        "\u2019",
        "(",
        ")",
        " - ",
        " \u2014 ",
        ".",
        "!",
        "?",
        "...",
        "\u2026",
        ":",
        ";",
        ",",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "\n\n",
        "\r\n\r\n",
        "\ufeff",
        "# ",
        "## Heading\n",
        "By Jane Doe\n",
        "by Jane Doe\n",
        "Author: Jane Doe\n",
        "TOKYO (Reuters) - ",
        "KUALA LUMPUR - ",
        "March 3, 2024\n",
        "2024-03-01\n",
        "Sept. 26, 2025",
        "The",
        "storm",
        "hit",
        "Takaichi",
        "237",
        "3,700",
        "12.5",
        "caf\u00e9",
        "\u6771\u4eac",
        "\U0001f600",
        "\u202e",
        "\u200b",
        "\x0c",
        "\x0b",
        "\x85",
        "\u2028",
    ]
)
ARTICLE_TEXT = st.one_of(st.text(max_size=400), st.lists(st.one_of(NEWSY, st.text(max_size=5)), max_size=60).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARTICLE_TEXT)
def test_parse_article_never_raises_and_offsets_round_trip(text: str):
    parsed = parse_article("a.txt", text)
    assert parsed.text == text
    assert parsed.article.title
    assert parsed.article.sentences == len(parsed.sentences)
    previous_end = 0
    for sentence in parsed.sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert 0 <= sentence.start < sentence.end <= len(text)
        assert sentence.start >= previous_end
        assert sentence.line == text.count("\n", 0, sentence.start) + 1
        assert any(ch.isalnum() for ch in sentence.text)
        previous_end = sentence.end


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARTICLE_TEXT)
def test_read_corpus_offsets_round_trip_through_files(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_corpus(Path(tmp), {"a.txt": text})
        corpus = read_corpus(folder)
        assert len(corpus.articles) + len(corpus.warnings) == 1
        assert_round_trip(folder, corpus, clean=False)


# ---------------------------------------------------------------- saved web pages

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Storm Hits The Coast | Daily Planet</title>
<meta property="og:title" content="Storm Hits The Coast">
<meta property="og:url" content="https://example.com/news/storm-hits-the-coast">
<meta property="og:site_name" content="Daily Planet">
<link rel="canonical" href="https://example.com/news/storm-hits-the-coast">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-01T09:30:00Z">
</head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news menu</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<main><article>
<h1>Storm Hits The Coast</h1>
<p>The storm that hit the northern coast on Monday morning cut power to thousands of homes. Repairs began on Tuesday.</p>
<p>About 3,700 residents were evacuated before dawn, officials said. Nobody was hurt in the village of Grindavik.</p>
<p>The mayor said the damage was limited and that schools would reopen on Thursday, once the roads are cleared.</p>
</article>
<section class="comments"><h2>Comments</h2><p>Great article, thanks for sharing this with everyone!</p></section>
</main>
<footer><p>Copyright 2024 Daily Planet. All rights reserved. Privacy policy and cookie settings.</p></footer>
</body></html>
"""

BOILERPLATE_ONLY = """<html><head><title>Menu</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">About</a></li></ul></nav><footer>Copyright 2024</footer>
</body></html>"""


def assert_text_round_trip(parsed) -> None:
    """Offsets and lines index ``parsed.text`` (the extracted text or the record's text)."""
    previous_end = 0
    for sentence in parsed.sentences:
        assert parsed.text[sentence.start : sentence.end] == sentence.text
        assert 0 <= sentence.start < sentence.end <= len(parsed.text)
        assert sentence.start >= previous_end
        previous_end = sentence.end
    assert parsed.article.sentences == len(parsed.sentences)


def test_html_page_main_text_without_boilerplate(tmp_path: Path):
    folder = write_corpus(tmp_path, {"news/storm.html": PAGE})
    corpus = read_corpus(folder)
    assert corpus.warnings == []
    [parsed] = corpus.articles
    sentences = [s.text for s in parsed.sentences]
    assert sentences == [
        "The storm that hit the northern coast on Monday morning cut power to thousands of homes.",
        "Repairs began on Tuesday.",
        "About 3,700 residents were evacuated before dawn, officials said.",
        "Nobody was hurt in the village of Grindavik.",
        "The mayor said the damage was limited and that schools would reopen on Thursday, once the roads are cleared.",
    ]
    for boilerplate in ("menu", "Home", "Copyright", "cookie", "Great article", "Comments"):
        assert boilerplate not in parsed.text
    # Paragraphs are apart by blank lines in the extracted text, and the headline is not a sentence.
    assert [s.paragraph for s in parsed.sentences] == [0, 0, 1, 1, 2]
    assert "\n\n" in parsed.text and "<" not in parsed.text
    assert_text_round_trip(parsed)
    for sentence in parsed.sentences:
        assert sentence.line == parsed.text.count("\n", 0, sentence.start) + 1
    assert [s.line for s in parsed.sentences] == [3, 3, 5, 5, 7]


def test_html_page_metadata(tmp_path: Path):
    folder = write_corpus(tmp_path, {"news/storm.html": PAGE})
    [parsed] = read_corpus(folder).articles
    article = parsed.article
    raw = (folder / "news" / "storm.html").read_bytes()
    assert article.path == "news/storm.html"
    assert article.kind == "html" and article.record is None
    assert article.title == "Storm Hits The Coast"
    assert article.date == "2024-03-01"
    assert article.author == "Jane Doe"
    assert article.url == "https://example.com/news/storm-hits-the-coast"
    assert article.outlet == "Daily Planet"
    assert article.sha256 == hashlib.sha256(raw).hexdigest()
    assert article.size == len(raw)
    assert article.mtime_ns == (folder / "news" / "storm.html").stat().st_mtime_ns


def test_html_canonical_link_is_the_url_and_htm_suffix_is_read(tmp_path: Path):
    page = PAGE.replace('<meta property="og:url" content="https://example.com/news/storm-hits-the-coast">\n', "").replace(
        'href="https://example.com/news/storm-hits-the-coast"', 'href="https://example.com/canonical/storm"'
    )
    folder = write_corpus(tmp_path, {"STORM.HTM": page})
    [parsed] = read_corpus(folder).articles
    assert parsed.article.url == "https://example.com/canonical/storm"
    assert parsed.article.kind == "html"


def test_html_in_a_declared_legacy_charset_is_decoded(tmp_path: Path):
    page = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=iso-8859-1'><title>Caf\u00e9 Reopens</title></head>"
        "<body><article><p>The caf\u00e9 in Z\u00fcrich reopened on Monday after the storm, the owner said. Prices rose by 5 \u20ac.</p>"
        "</article></body></html>"
    )
    folder = write_corpus(tmp_path, {"cafe.html": page.encode("cp1252")})
    [parsed] = read_corpus(folder).articles
    assert parsed.article.title == "Caf\u00e9 Reopens"
    assert [s.text for s in parsed.sentences] == [
        "The caf\u00e9 in Z\u00fcrich reopened on Monday after the storm, the owner said.",
        "Prices rose by 5 \u20ac.",
    ]


def test_html_line_breaks_and_dateline(tmp_path: Path):
    page = (
        "<html><body><div>TOKYO (Reuters) - The storm hit the coast on Monday.<br>Power was cut to thousands of homes."
        "<br><br>Repairs began on Tuesday.</div></body></html>"
    )
    parsed = parse_page("a.html", page.encode())
    assert parsed is not None
    assert [s.text for s in parsed.sentences] == [
        "The storm hit the coast on Monday.",
        "Power was cut to thousands of homes.",
        "Repairs began on Tuesday.",
    ]
    assert_text_round_trip(parsed)


@pytest.mark.parametrize(
    "content, why", [(BOILERPLATE_ONLY, "no article text"), ("", "empty"), (" \n ", "empty")], ids=["boilerplate", "empty", "blank"]
)
def test_html_page_without_article_text_is_skipped(tmp_path: Path, content: str, why: str):
    folder = write_corpus(tmp_path, {"menu.html": content, "good.txt": "Good News\n\nThe sun came out.\n"})
    corpus = read_corpus(folder)
    assert [p.article.path for p in corpus.articles] == ["good.txt"]
    [warning] = corpus.warnings
    assert "menu.html" in warning and why in warning
    assert [f["path"] for f in corpus.files] == ["good.txt"]
    assert [s["path"] for s in corpus.skipped] == ["menu.html"]


# ---------------------------------------------------------------- JSONL exports


def jsonl(*records: object) -> str:
    """A JSONL file: dicts as JSON, strings as they are (broken or blank lines)."""
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records)


FEED = jsonl(
    {
        "title": "Storm Hits The Coast",
        "text": "TOKYO (Reuters) - The storm hit on Monday. Power was cut.\n\nRepairs began on Tuesday.",
        "url": "https://example.com/a",
        "date": "March 3, 2024",
        "source": "Daily Planet",
        "author": "Jane Doe",
    },
    "",
    '{"title": "Broken", "text": "The line ends',
    {"title": "No text here", "url": "https://example.com/b"},
    {
        "title": "Caf\u00e9 Reopens",
        "text": "The caf\u00e9 in Z\u00fcrich reopened \U0001f600 on Monday. \u6771\u4eac\u3067\u5730\u9707\u304c\u767a\u751f\u3057\u307e\u3057\u305f\u3002",
        "outlet": "Z\u00fcri News",
        "date": "2025-10-04T10:00:00Z",
    },
    '["not", "an", "object"]',
    {"title": "   ", "text": "A title of blanks."},
    {"title": "Budget Approved", "text": "The council approved a budget of 12 million dollars on Tuesday.", "date": "not a date"},
)


def test_jsonl_records_are_articles(tmp_path: Path):
    folder = write_corpus(tmp_path, {"feeds/export.jsonl": FEED})
    corpus = read_corpus(folder)
    by_line = {p.article.record: p for p in corpus.articles}
    assert sorted(by_line) == [1, 5, 8]
    lines = (folder / "feeds" / "export.jsonl").read_bytes().split(b"\n")
    for number, parsed in by_line.items():
        article = parsed.article
        assert article.path == "feeds/export.jsonl" and article.kind == "jsonl"
        assert article.sha256 == hashlib.sha256(lines[number - 1]).hexdigest()
        assert article.size == len(lines[number - 1])
        assert parsed.text == json.loads(lines[number - 1])["text"]
        assert all(s.line == number for s in parsed.sentences)
        assert_text_round_trip(parsed)

    storm = by_line[1].article
    assert (storm.title, storm.date, storm.author, storm.outlet, storm.url) == (
        "Storm Hits The Coast",
        "2024-03-03",
        "Jane Doe",
        "Daily Planet",
        "https://example.com/a",
    )
    assert [s.text for s in by_line[1].sentences] == ["The storm hit on Monday.", "Power was cut.", "Repairs began on Tuesday."]
    assert [s.paragraph for s in by_line[1].sentences] == [0, 0, 1]
    cafe = by_line[5]
    assert (cafe.article.title, cafe.article.outlet, cafe.article.date) == ("Caf\u00e9 Reopens", "Z\u00fcri News", "2025-10-04")
    assert [s.text for s in cafe.sentences] == [
        "The caf\u00e9 in Z\u00fcrich reopened \U0001f600 on Monday.",
        "\u6771\u4eac\u3067\u5730\u9707\u304c\u767a\u751f\u3057\u307e\u3057\u305f\u3002",
    ]
    assert by_line[8].article.date == "not a date"  # kept as given when it does not parse


def test_jsonl_bad_lines_are_warnings_naming_file_and_line(tmp_path: Path):
    folder = write_corpus(tmp_path, {"export.jsonl": FEED})
    corpus = read_corpus(folder)
    assert corpus.warnings == [
        "skipped export.jsonl:3: not valid JSON (Unterminated string starting at)",
        'skipped export.jsonl:4: no "text": a non-empty string is needed',
        "skipped export.jsonl:6: not a JSON object but an array",
        'skipped export.jsonl:7: "title" is not a non-empty string',
    ]
    # The file was read: it is in files (whole-file hash), not in skipped.
    raw = (folder / "export.jsonl").read_bytes()
    assert corpus.files == [
        {
            "path": "export.jsonl",
            "size": len(raw),
            "mtime_ns": (folder / "export.jsonl").stat().st_mtime_ns,
            "sha256": hashlib.sha256(raw).hexdigest(),
        }
    ]
    assert corpus.skipped == []


def test_jsonl_editing_one_record_changes_only_its_hash(tmp_path: Path):
    before = {p.article.record: p.article.sha256 for p in read_corpus(write_corpus(tmp_path / "a", {"e.jsonl": FEED})).articles}
    edited = FEED.replace("Budget Approved", "Budget Passed")
    after = {p.article.record: p.article.sha256 for p in read_corpus(write_corpus(tmp_path / "b", {"e.jsonl": edited})).articles}
    assert before[1] == after[1] and before[5] == after[5]
    assert before[8] != after[8]


def test_jsonl_bom_crlf_and_no_final_newline(tmp_path: Path):
    content = (
        "\ufeff"
        + json.dumps({"title": "One", "text": "The first story."})
        + "\r\n"
        + json.dumps({"title": "Two", "text": "The second story."})
    )
    folder = write_corpus(tmp_path, {"e.jsonl": content})
    corpus = read_corpus(folder)
    assert corpus.warnings == []
    assert [(p.article.record, p.article.title, [s.text for s in p.sentences]) for p in corpus.articles] == [
        (1, "One", ["The first story."]),
        (2, "Two", ["The second story."]),
    ]


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty file"),
        (b"\n\n  \n", "empty file"),
        (b"not json\n[1]\n", "no valid records (2 bad lines)"),
        (b"\x00\x01\x02", "no valid records (1 bad lines)"),
    ],
    ids=["empty", "blank-lines", "all-bad", "binary"],
)
def test_jsonl_without_any_article_is_skipped(tmp_path: Path, content: bytes, reason: str):
    folder = write_corpus(tmp_path, {"e.jsonl": content})
    corpus = read_corpus(folder)
    assert corpus.articles == [] and corpus.files == []
    assert corpus.warnings[-1] == f"skipped e.jsonl: {reason}"
    [skipped] = corpus.skipped
    assert (skipped["path"], skipped["size"], skipped["sha256"]) == ("e.jsonl", len(content), hashlib.sha256(content).hexdigest())


def test_jsonl_invalid_utf8_line_is_skipped_and_the_rest_read(tmp_path: Path):
    good = json.dumps({"title": "One", "text": "The first story."}).encode()
    folder = write_corpus(tmp_path, {"e.jsonl": b'{"title": "Caf\xe9", "text": "Bad bytes."}\n' + good + b"\n"})
    corpus = read_corpus(folder)
    assert [p.article.record for p in corpus.articles] == [2]
    assert corpus.warnings == ["skipped e.jsonl:1: not valid UTF-8 (byte 14)"]


def test_jsonl_many_bad_lines_are_counted_not_all_listed(tmp_path: Path):
    content = "oops\n" * 30 + jsonl({"title": "One", "text": "The first story."})
    corpus = read_corpus(write_corpus(tmp_path, {"e.jsonl": content}))
    assert len(corpus.articles) == 1
    assert len(corpus.warnings) == corpus_mod.MAX_LINE_WARNINGS + 1
    assert (
        corpus.warnings[-1]
        == f"skipped e.jsonl: {30 - corpus_mod.MAX_LINE_WARNINGS} more bad lines (the first {corpus_mod.MAX_LINE_WARNINGS} are listed)"
    )


def test_size_limits_are_per_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    record = jsonl({"title": "One", "text": "The first story is long enough to pass the text limit."})
    folder = write_corpus(tmp_path, {"a.txt": "Good News\n\nThe sun came out over the town.\n", "e.jsonl": record})
    monkeypatch.setattr(corpus_mod, "MAX_FILE_BYTES", 20)
    corpus = read_corpus(folder)
    assert [p.article.path for p in corpus.articles] == ["e.jsonl"]
    assert corpus.warnings == ["skipped a.txt: larger than 0 MB"]
    assert corpus.skipped[0]["size"] == (folder / "a.txt").stat().st_size
    monkeypatch.setattr(corpus_mod, "MAX_JSONL_BYTES", 20)
    assert read_corpus(folder).articles == []


# ---------------------------------------------------------------- files, only=, url header


def test_files_lists_every_file_read_once(tmp_path: Path):
    folder = write_corpus(
        tmp_path,
        {"a.txt": "Good News\n\nThe sun came out.\n", "b.html": PAGE, "c.jsonl": FEED, "d.txt": b"\x00binary", "e.md": "# Title Only\n"},
    )
    corpus = read_corpus(folder)
    assert [f["path"] for f in corpus.files] == ["a.txt", "b.html", "c.jsonl"]
    for entry in corpus.files:
        path = folder / str(entry["path"])
        assert entry == {
            "path": entry["path"],
            "size": path.stat().st_size,
            "mtime_ns": path.stat().st_mtime_ns,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    assert [s["path"] for s in corpus.skipped] == ["d.txt", "e.md"]
    assert {p.article.kind for p in corpus.articles} == {"text", "html", "jsonl"}


def test_only_reads_just_the_listed_files(tmp_path: Path):
    folder = write_corpus(
        tmp_path,
        {"a.txt": "Good News\n\nThe sun came out.\n", "b.html": PAGE, "sub/c.jsonl": FEED, "bad.txt": b"", "bad2.txt": b""},
    )
    corpus = read_corpus(folder, only=["sub/c.jsonl", "bad.txt", "gone.txt"])
    assert {p.article.path for p in corpus.articles} == {"sub/c.jsonl"}
    assert [f["path"] for f in corpus.files] == ["sub/c.jsonl"]
    assert [s["path"] for s in corpus.skipped] == ["bad.txt"]
    assert all("b.html" not in w and "bad2.txt" not in w and "a.txt" not in w for w in corpus.warnings)
    empty = read_corpus(folder, only=[])
    assert empty.articles == [] and empty.files == [] and empty.warnings == []


def test_url_header_of_a_text_file():
    parsed = parse_article("a.txt", "Storm Hits The Coast\nURL: https://example.com/storm\n\nThe storm hit on Monday.\n")
    assert parsed.article.url == "https://example.com/storm"
    assert parsed.article.kind == "text" and parsed.article.record is None
    assert [s.text for s in parsed.sentences] == ["The storm hit on Monday."]


def test_fingerprint_tells_jsonl_records_apart(tmp_path: Path):
    corpus = read_corpus(write_corpus(tmp_path, {"e.jsonl": FEED}))
    articles = [p.article for p in corpus.articles]
    assert fingerprint(articles) == fingerprint(list(reversed(articles)))
    moved = [a if a.record != 8 else type(a)(**{**a.__dict__, "record": 9}) for a in articles]
    assert fingerprint(moved) != fingerprint(articles)


# ---------------------------------------------------------------- properties of the other readers

RECORD = st.fixed_dictionaries({"title": st.one_of(st.text(max_size=20), st.just("A Title")), "text": ARTICLE_TEXT})
LINE = st.one_of(RECORD, st.text(max_size=20), st.sampled_from(["", "{}", "[]", "null", '{"title": 1, "text": 2}']))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=8))
def test_jsonl_reader_never_raises_and_offsets_round_trip(lines: list):
    content = "".join((json.dumps(line) if isinstance(line, dict) else line.replace("\n", " ").replace("\r", " ")) + "\n" for line in lines)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_corpus(Path(tmp), {"e.jsonl": content})
        corpus = read_corpus(folder)
    physical = content.encode("utf-8").split(b"\n")
    for parsed in corpus.articles:
        record = json.loads(physical[parsed.article.record - 1])
        assert parsed.text == record["text"]
        assert parsed.article.title == " ".join(record["title"].split())
        assert all(s.line == parsed.article.record for s in parsed.sentences) and parsed.sentences
        assert_text_round_trip(parsed)
    # Every non-blank line is an article or a warning naming its line (or the file, when there are too many).
    non_blank = sum(1 for line in physical if line.strip())
    line_warnings = [w for w in corpus.warnings if re.match(r"skipped e\.jsonl:\d+: ", w)]
    assert len(corpus.articles) + len(line_warnings) == non_blank
    assert (corpus.files != []) == bool(corpus.articles) and (corpus.skipped != []) == (not corpus.articles)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ARTICLE_TEXT, min_size=1, max_size=5))
def test_html_reader_never_raises_and_offsets_round_trip(paragraphs: list[str]):
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = f"<html><head><title>T</title></head><body><nav><a href='/'>Home</a></nav><article>{body}</article></body></html>"
    parsed = parse_page("a.html", page.encode("utf-8"))
    if parsed is not None:
        assert_text_round_trip(parsed)
        assert "<p>" not in parsed.text
        for sentence in parsed.sentences:
            assert sentence.line == parsed.text.count("\n", 0, sentence.start) + 1
