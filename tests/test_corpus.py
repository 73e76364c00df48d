"""qa.corpus: files, metadata, paragraphs and sentences whose offsets point back into the files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from helpers import SEEDS, read_raw, write_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.corpus import article_files, fingerprint, parse_article, read_corpus
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
