"""Reading the corpus: article files, their metadata, paragraphs and sentences with offsets.

Four kinds of file are read (``SUFFIXES``):

- ``.txt`` and ``.md``: one article each. Offsets are character offsets into the file's text decoded
  as UTF-8 with no newline translation (what ``open(path, encoding="utf-8", newline="")`` returns).
- ``.html`` and ``.htm`` (saved web pages): one article each, its main text extracted by trafilatura
  (menus, footers and comments dropped), one paragraph per block separated by blank lines. Offsets
  and lines index that extracted text (``ParsedArticle.text``), not the HTML.
- ``.jsonl`` (feed-reader exports): one article per line, a JSON object with ``title`` and ``text``
  and optionally ``url``, ``date``, ``source`` or ``outlet``, ``author``. Offsets index the record's
  ``text`` string; a sentence's line is the record's line in the file.

``Article.kind`` ("text", "html" or "jsonl") says which of these the offsets point into.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from qa.errors import CorpusError
from qa.types import Article, HeaderLine, Sentence

SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")
HTML_SUFFIXES = (".html", ".htm")
MAX_FILE_BYTES = 20 * 1024 * 1024  # .txt, .md, .html: read whole
MAX_JSONL_BYTES = 512 * 1024 * 1024  # .jsonl: read line by line
MAX_LINE_WARNINGS = 20  # bad lines of one JSONL file named one by one; the rest are counted
HEADER_LINES = 8

_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_WEEKDAY = r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?"
_TIME = r"(?:[,\s]+(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[AaPp]\.?[Mm]\.?)?(?:\s*[A-Z]{2,4})?)?"
_DATE_FORMS = (
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?",
    _WEEKDAY + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}" + _TIME,
    _WEEKDAY + r"\d{1,2}\s+" + _MONTHS + r",?\s+\d{4}" + _TIME,
)
_DATE_LINE = re.compile(r"^\s*(?:(?:date|published|updated|posted)\s*[:\-]?\s*)?(" + "|".join(_DATE_FORMS) + r")\s*$", re.I)
_DATE_PREFIX = re.compile(r"^\s*(?:date|published|updated|posted)\s*[:\-]?\s*(\d{4}-\d{2}-\d{2})\s+", re.I)
_FIELD = re.compile(r"^\s*(author|by|source|outlet|publisher|publication|site|url|link)\s*:\s*(.+?)\s*$", re.I)
_BYLINE = re.compile(r"^\s*(?:[Bb]y|BY)\s+([A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|de|van|von|al))*)\s*(?:[,|–—-].*)?$")
_AUTHOR_COUNT = re.compile(r"^\s*([A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3})\s*\(\d[\d,]*\s+(?:articles?|posts?|stories)\)\s*$")
_DATELINE = re.compile(
    r"[A-Z][A-Za-z.'’\- ]{1,40}(?:\s*[\[(][^\])\n]{1,40}[\])])?"  # place, with a country or agency in brackets
    r"(?:\s*,\s*(?:" + _MONTHS + r"\s+\d{1,2}(?:,\s*\d{4})?|\d{1,2}\s+" + _MONTHS + r"(?:\s+\d{4})?))?"  # date
    r"(?:\s*\([A-Za-z .&]{2,40}\))?"  # agency
    r"\s*[:–—-]{1,2}\s+(?=[A-Z\"“‘'])"
)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_PARA_BREAK = re.compile(r"\n[ \t\f\v]*\n\s*")
_TERMINAL = ("." , "!", "?", '"', "”", "’", "'", ")", ":", ";")


@dataclass
class ParsedArticle:
    """An article read from disk: its record, its text and its sentences (article index unset)."""

    article: Article
    text: str
    sentences: list[Sentence] = field(default_factory=list)


@dataclass
class Corpus:
    """All readable articles of a folder, the files they came from, and warnings about what was skipped."""

    folder: Path
    articles: list[ParsedArticle]
    warnings: list[str] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)  # path, size, mtime_ns, sha256, reason
    files: list[dict[str, object]] = field(default_factory=list)  # path, size, mtime_ns, sha256 of each file read

    def skip(self, rel: str, reason: str, data: bytes | None = None, mtime_ns: int = 0, size: int | None = None) -> None:
        """Record a file that is not indexed, so that it neither counts as new nor goes unmentioned.

        ``size`` is the file's size when its bytes were not read (``data`` None); -1 when unknown.
        """
        self.warnings.append(f"skipped {rel}: {reason}")
        digest = hashlib.sha256(data).hexdigest() if data is not None else ""
        length = len(data) if data is not None else (size if size is not None else -1)
        self.skipped.append({"path": rel, "size": length, "mtime_ns": mtime_ns, "sha256": digest, "reason": reason})

    def _read(self, rel: str, size: int, mtime_ns: int, sha256: str) -> None:
        self.files.append({"path": rel, "size": size, "mtime_ns": mtime_ns, "sha256": sha256})


def article_files(folder: Path) -> list[Path]:
    """The article files below ``folder`` (``SUFFIXES``, any case), sorted, hidden files and folders left out."""
    if not folder.exists():
        raise CorpusError(f"The corpus folder {folder} does not exist: give an existing folder with --corpus.")
    if not folder.is_dir():
        raise CorpusError(f"{folder} is not a folder: give the folder of articles with --corpus.")
    found = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() in SUFFIXES and path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def read_corpus(folder: Path, only: Collection[str] | None = None) -> Corpus:
    """Read and split every article of ``folder``; unreadable files and JSONL lines become warnings.

    ``only``: relative POSIX paths; when given, just those of the article files are read (the others
    are neither read nor listed in ``files`` or ``skipped``; paths that are not article files are ignored).
    """
    corpus = Corpus(folder=folder, articles=[])
    wanted = None if only is None else set(only)
    for path in article_files(folder):
        rel = path.relative_to(folder).as_posix()
        if wanted is not None and rel not in wanted:
            continue
        try:
            stat = path.stat()
        except OSError as err:
            corpus.skip(rel, f"cannot be read ({err.strerror})")
            continue
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            _read_jsonl(corpus, path, rel, stat.st_size, stat.st_mtime_ns)
            continue
        if stat.st_size > MAX_FILE_BYTES:
            corpus.skip(rel, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", mtime_ns=stat.st_mtime_ns, size=stat.st_size)
            continue
        try:
            data = path.read_bytes()
        except OSError as err:
            corpus.skip(rel, f"cannot be read ({err.strerror})", mtime_ns=stat.st_mtime_ns, size=stat.st_size)
            continue
        if suffix in HTML_SUFFIXES:
            problem = "empty file" if not data.strip() else None
            parsed = None if problem else parse_page(rel, data, stat.st_mtime_ns)
            if parsed is None:
                problem = problem or "no article text found (only menus, links or other boilerplate)"
        else:
            problem = _unreadable(data)
            parsed = None if problem else parse_article(rel, data.decode("utf-8"), stat.st_mtime_ns)
        if parsed is not None and not parsed.sentences:
            problem, parsed = "no sentences found", None
        if parsed is None:
            corpus.skip(rel, problem or "no sentences found", data, stat.st_mtime_ns)
            continue
        corpus.articles.append(parsed)
        corpus._read(rel, len(data), stat.st_mtime_ns, hashlib.sha256(data).hexdigest())
    return corpus


def _unreadable(data: bytes) -> str | None:
    if not data.strip():
        return "empty file"
    if len(data) > MAX_FILE_BYTES:
        return f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"
    if b"\x00" in data:
        return "binary file"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"not valid UTF-8 (byte {err.start}); save it as UTF-8 text"
    return None


def parse_article(path: str, text: str, mtime_ns: int = 0) -> ParsedArticle:
    """Find the metadata, paragraphs and sentences of one article's text (a .txt or .md file)."""
    meta, body_start, header = _header(text)
    sentences = _sentences(text, body_start)
    title = meta.get("title") or _title_from(sentences, path)
    article = Article(
        path=path,
        title=title,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        size=len(text.encode("utf-8")),
        mtime_ns=mtime_ns,
        date=meta.get("date"),
        author=meta.get("author"),
        outlet=meta.get("outlet"),
        sentences=len(sentences),
        url=meta.get("url"),
        header=tuple(header),
    )
    return ParsedArticle(article, text, sentences)


def _sentences(text: str, start: int = 0, line: int | None = None, title: str | None = None, dateline: bool = False) -> list[Sentence]:
    """The sentences of ``text`` from ``start``, numbered by paragraph.

    ``line``: the line of every sentence (a JSONL record); by default the line of ``text`` it starts on.
    ``title``: a first paragraph that only repeats it is not a sentence (a page's headline).
    ``dateline``: a dateline opening the first paragraph is not part of its first sentence.
    """
    spans = paragraphs(text, start)
    if title and spans and _same_words(text[spans[0][0] : spans[0][1]], title):
        spans = spans[1:]
    if dateline and spans:
        spans[0] = (_after_dateline(text, spans[0][0]), spans[0][1])
    sentences: list[Sentence] = []
    for number, (p_start, p_end) in enumerate(spans):
        for s_start, s_end in split_sentences(text, p_start, p_end):
            at = line if line is not None else text.count("\n", 0, s_start) + 1
            sentences.append(Sentence(-1, number, s_start, s_end, at, text[s_start:s_end]))
    return sentences


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _after_dateline(text: str, start: int) -> int:
    """Where the text goes on after a dateline at ``start`` ("TOKYO (Reuters) - "), else ``start``."""
    dateline = _DATELINE.match(text, start)
    if dateline and "\n" not in dateline.group(0) and _dateline_has_marker(dateline.group(0)):
        return dateline.end()
    return start


# ---------------------------------------------------------------- saved web pages

_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii"}  # as browsers read them
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_PAGE_BLOCKS = {"p", "head", "list", "item", "quote", "table", "row", "code", "div", "section", "note", "figure", "graphic", "body"}


def parse_page(path: str, data: bytes, mtime_ns: int = 0) -> ParsedArticle | None:
    """The article of a saved web page (the file's bytes), or None when it holds no article text.

    trafilatura finds the main text (menus, footers, comments dropped) and the title, date, author,
    URL (canonical link or og:url) and site name. The text is one paragraph per block (paragraph,
    heading, list item, table row, <br><br>) with a blank line between them; offsets index it.

    Decoding: a byte-order mark wins, then UTF-8 when the bytes are valid UTF-8, then the charset the
    page declares in a <meta> tag (ISO-8859-1 and ASCII read as Windows-1252, as browsers do) when
    the bytes decode with it; otherwise the bytes go to trafilatura, which guesses the encoding
    (charset_normalizer) and, failing that, decodes as UTF-8 with U+FFFD for the undecodable bytes.
    """
    try:
        import trafilatura
    except ImportError as err:  # a dependency of qa; missing only from a broken install
        raise CorpusError(f"Reading saved web pages ({path}) needs trafilatura ({err}): run pip install trafilatura lxml_html_clean.") from err

    try:
        doc = trafilatura.bare_extraction(
            _decode_page(data),
            with_metadata=True,
            include_comments=False,
            favor_precision=True,  # a news page: rather drop a doubtful block than index a menu
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    except Exception:  # a parser failure on a malformed page is a page without text, not a crash
        return None
    if doc is None or isinstance(doc, dict):
        return None
    body = getattr(doc, "body", None)
    text = _page_text(body) if body is not None else "\n\n".join(_clean_lines(doc.text or ""))
    if not text:
        return None
    title = _clean(doc.title)
    sentences = _sentences(text, 0, title=title, dateline=True)
    date = _clean(doc.date)
    article = Article(
        path=path,
        title=title or _title_from(sentences, path),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mtime_ns=mtime_ns,
        date=(_iso_date(date) or date) if date else None,
        author=_clean(doc.author),
        outlet=_clean(doc.sitename),
        sentences=len(sentences),
        url=_clean(doc.url),
        kind="html",
    )
    return ParsedArticle(article, text, sentences)


def _decode_page(data: bytes) -> str | bytes:
    """The page's text when its encoding is known (BOM, UTF-8, declared charset), else its bytes for trafilatura."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        for codec in (["cp1252"] if name in _WINDOWS_1252 else []) + [name]:
            try:
                return data.decode(codec)
            except (LookupError, UnicodeDecodeError):
                continue
    return data


def _page_text(body: Any) -> str:
    """The text of trafilatura's extracted tree: blocks apart by blank lines, <br> as a line break."""
    out: list[str] = []

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""  # comments and processing instructions
        if tag == "lb":
            out.append("\n")
        elif tag:
            block = tag in _PAGE_BLOCKS
            if block:
                out.append("\n\n")
            elif tag == "cell" and element.getprevious() is not None:
                out.append(" | ")
            out.append(element.text or "")
            for child in element:
                walk(child)
            if block:
                out.append("\n\n")
        out.append(element.tail or "")

    out.append(body.text or "")
    for child in body:
        walk(child)
    return "\n\n".join(block for block in (_joined_lines(b) for b in _PARA_BREAK.split("".join(out))) if block)


def _joined_lines(block: str) -> str:
    return "\n".join(_clean_lines(block))


def _clean_lines(text: str) -> list[str]:
    """The non-blank lines of ``text``, each with its runs of white space made one space."""
    return [line for line in (" ".join(raw.split()) for raw in text.split("\n")) if line]


def _clean(value: object) -> str | None:
    """A metadata string with its white space tidied, or None when there is none."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


# ---------------------------------------------------------------- JSONL exports


class BadRecord(ValueError):
    """A JSONL line that is not an article; the message says why."""


def _read_jsonl(corpus: Corpus, path: Path, rel: str, size: int, mtime_ns: int) -> None:
    """Read a JSONL export line by line into ``corpus``: its articles, the file, warnings for bad lines."""
    if size > MAX_JSONL_BYTES:
        corpus.skip(rel, f"larger than {MAX_JSONL_BYTES // (1024 * 1024)} MB", mtime_ns=mtime_ns, size=size)
        return
    digest = hashlib.sha256()
    found: list[ParsedArticle] = []
    bad: list[str] = []
    length = 0
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                digest.update(line)
                length += len(line)
                if not line.strip():
                    continue
                try:
                    found.append(parse_record(rel, number, line, mtime_ns))
                except BadRecord as err:
                    bad.append(f"skipped {rel}:{number}: {err}")
    except OSError as err:
        corpus.skip(rel, f"cannot be read ({err.strerror})", mtime_ns=mtime_ns, size=size)
        return
    corpus.warnings.extend(bad[:MAX_LINE_WARNINGS])
    if len(bad) > MAX_LINE_WARNINGS:
        corpus.warnings.append(f"skipped {rel}: {len(bad) - MAX_LINE_WARNINGS} more bad lines (the first {MAX_LINE_WARNINGS} are listed)")
    if not found:
        reason = "empty file" if not bad else f"no valid records ({len(bad)} bad lines)"
        corpus.warnings.append(f"skipped {rel}: {reason}")
        corpus.skipped.append({"path": rel, "size": length, "mtime_ns": mtime_ns, "sha256": digest.hexdigest(), "reason": reason})
        return
    corpus.articles.extend(found)
    corpus._read(rel, length, mtime_ns, digest.hexdigest())


def parse_record(path: str, number: int, line: bytes, mtime_ns: int = 0) -> ParsedArticle:
    """The article on line ``number`` of a JSONL file (the line's bytes); raises BadRecord saying why not.

    ``Article.sha256`` and ``size`` are of the line's bytes without its line ending, so that editing
    one record changes only its hash. Offsets index the record's ``text``; every sentence's line is
    ``number``.
    """
    raw = line.removesuffix(b"\n").removesuffix(b"\r")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRecord(f"not valid UTF-8 (byte {err.start})") from None
    try:
        record = json.loads(decoded.removeprefix("\ufeff") if number == 1 else decoded)
    except (ValueError, RecursionError) as err:
        raise BadRecord(f"not valid JSON ({str(err).split(':')[0]})") from None
    if not isinstance(record, dict):
        raise BadRecord(f"not a JSON object but {_json_kind(record)}")
    for key in ("title", "text"):
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            raise BadRecord(f'no "{key}": a non-empty string is needed' if value is None else f'"{key}" is not a non-empty string')
    text: str = record["text"]
    title = " ".join(record["title"].split())
    sentences = _sentences(text, 0, line=number, title=title, dateline=True)
    if not sentences:
        raise BadRecord('no sentences found in "text"')
    date = _clean(record.get("date"))
    source = record.get("source")
    outlet = _clean(record.get("outlet")) or _clean(source.get("name") if isinstance(source, dict) else source)
    article = Article(
        path=path,
        title=title,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        mtime_ns=mtime_ns,
        date=(_iso_date(date) or date) if date else None,
        author=_clean(record.get("author")),
        outlet=outlet,
        sentences=len(sentences),
        url=_clean(record.get("url")),
        kind="jsonl",
        record=number,
    )
    return ParsedArticle(article, text, sentences)


def _json_kind(value: object) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


# ---------------------------------------------------------------- text and Markdown


def _title_from(sentences: list[Sentence], path: str) -> str:
    if not sentences:
        return Path(path).stem
    first = " ".join(sentences[0].text.split())
    if len(first) <= 90:
        return first
    return first[:90].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _lines(text: str, start: int = 0) -> Iterator[tuple[int, int]]:
    """(start, end) of each line from ``start``, without its line break."""
    pos = start
    while pos < len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl == -1 else nl
        yield pos, end - (1 if end > pos and text[end - 1] == "\r" else 0)
        pos = end + 1


def _header(text: str) -> tuple[dict[str, str], int, list[HeaderLine]]:
    """Metadata from the first lines (title, date, author, outlet), where the body starts, and the header line
    that gave each (so that an answer can cite it)."""
    meta: dict[str, str] = {}
    body = 0
    seen = 0
    lines = list(_lines(text, 1 if text.startswith("\ufeff") else 0))
    read: list[HeaderLine] = []

    def stands(field: str, start: int, end: int) -> None:
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        start, end = start + lead, start + len(text[start:end].rstrip())
        read.append(HeaderLine(field, start, end, text.count("\n", 0, start) + 1, text[start:end]))

    for number, (start, end) in enumerate(lines):
        line = text[start:end].strip()
        if not line:
            body = end + 1
            continue
        seen += 1
        if seen > HEADER_LINES:
            break
        following = text[lines[number + 1][0] : lines[number + 1][1]].strip() if number + 1 < len(lines) else ""
        before = set(meta)
        value = _metadata_line(line, meta, first=seen == 1, wrapped=bool(following) and _continues(line, following))
        if value is None:
            prefix = _DATE_PREFIX.match(text, start, end) if "date" not in meta else None
            if prefix:
                meta["date"] = _iso_date(prefix.group(1)) or prefix.group(1)
                body = prefix.end()
                stands("date", start, prefix.end())
            else:
                body = start
            break
        for key in ("title", "author", "date", "outlet"):
            if key in meta and key not in before:
                stands(key, start, end)
        body = end + 1
    body = min(body, len(text))
    dateline = _DATELINE.match(text, body)
    if dateline and "\n" not in dateline.group(0) and _dateline_has_marker(dateline.group(0)):
        meta["dateline"] = " ".join(dateline.group(0).rstrip(" :–—-").split())
        body = dateline.end()
    return meta, body, read


def _dateline_has_marker(found: str) -> bool:
    """A dateline names a date or an agency, or is written in capitals (KUALA LUMPUR -)."""
    head = found.rstrip(" :–—-")
    return bool(re.search(r"\d|\(", head)) or head.split(",")[0].isupper()


def _continues(line: str, following: str) -> bool:
    """Whether ``following`` carries on the text of ``line`` (a hard-wrapped paragraph), not a header."""
    if _DATE_LINE.match(following) or _FIELD.match(following) or _BYLINE.match(following) or _AUTHOR_COUNT.match(following):
        return False
    return len(line) >= 40 or following[:1].islower()


def _metadata_line(line: str, meta: dict[str, str], first: bool, wrapped: bool = False) -> str | None:
    """Record ``line`` in ``meta`` if it is a header line; None when the body has begun."""
    if "title" in meta and " ".join(line.lstrip("#").split()) == meta["title"]:
        return line  # a repeated headline
    match = _DATE_LINE.match(line)
    if match and "date" not in meta:
        meta["date"] = _iso_date(match.group(1)) or match.group(1)
        return line
    match = _FIELD.match(line)
    if match:
        key, value = match.group(1).lower(), match.group(2)
        if key in ("author", "by"):
            meta.setdefault("author", value)
        elif key in ("url", "link"):
            meta.setdefault("url", value)
        else:
            meta.setdefault("outlet", value)
        return line
    match = _BYLINE.match(line) or _AUTHOR_COUNT.match(line)
    if match and len(line) <= 80:
        meta.setdefault("author", match.group(1).strip())
        return line
    if first and "title" not in meta:
        heading = _HEADING.match(line)
        if heading:
            meta["title"] = " ".join(heading.group(1).split())
            return line
        if not wrapped and _looks_like_headline(line):
            meta["title"] = " ".join(line.split())
            return line
    return None


def _looks_like_headline(line: str) -> bool:
    words = line.split()
    return 1 <= len(words) <= 25 and len(line) <= 200 and not line.endswith((".", ",", ";", ":", "!")) and not line.startswith(("-", "*", ">", "|"))


def _iso_date(value: str) -> str | None:
    """The date of a date string as YYYY-MM-DD, when it can be read."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", value)
    cleaned = re.sub(r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+", "", cleaned.strip(), flags=re.I)
    cleaned = " ".join(cleaned.replace(",", " ").replace(".", " ").split())
    cleaned = re.sub(r"\bSept\b", "Sep", cleaned, flags=re.I)
    iso = re.match(r"\d{4}-\d{2}-\d{2}", cleaned)
    candidates = [iso.group(0)] if iso else []
    tokens = cleaned.split()
    candidates.append(" ".join(tokens[:3]))
    for candidate in candidates:
        for form in ("%Y-%m-%d", "%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y"):
            try:
                return datetime.strptime(candidate, form).date().isoformat()
            except ValueError:
                continue
    return None


def paragraphs(text: str, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each paragraph from ``start``: blank lines, and line breaks after a full sentence."""
    spans: list[tuple[int, int]] = []
    block_start = start
    for match in list(_PARA_BREAK.finditer(text, start)) + [None]:
        block_end = match.start() if match else len(text)
        for p_start, p_end in _block_paragraphs(text, block_start, block_end):
            marker = _MARKUP_PREFIX.match(text, p_start, p_end)  # "## Heading", "- item", "> quote"
            if marker:
                p_start = marker.end()
            if p_end > p_start:
                spans.append((p_start, p_end))
        if match:
            block_start = match.end()
    return spans


def _block_paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a block at line breaks that end a paragraph, not at those of hard-wrapped lines."""
    out: list[tuple[int, int]] = []
    para_start: int | None = None
    prev_end = start
    for l_start, l_end in _lines(text[:end], start):
        line = text[l_start:l_end]
        if not line.strip():
            continue
        if para_start is not None:
            prev = text[para_start:prev_end].rsplit("\n", 1)[-1].rstrip()
            wrapped = len(prev) >= 40 and not prev.endswith(_TERMINAL)
            if not wrapped:
                out.append(_trim(text, para_start, prev_end))
                para_start = None
        if para_start is None:
            para_start = l_start
        prev_end = l_end
    if para_start is not None:
        out.append(_trim(text, para_start, prev_end))
    return [span for span in out if span[1] > span[0]]


_MARKUP_PREFIX = re.compile(r"(?:#{1,6}|>|[-*+•]|\d{1,3}[.)])[ \t]+")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text[start:end]``, found by syntok."""
    from syntok import segmenter

    chunk = text[start:end]
    spans = []
    for paragraph in segmenter.analyze(chunk):
        for sentence in paragraph:
            tokens = list(sentence)
            if not tokens:
                continue
            s = tokens[0].offset
            e = tokens[-1].offset + len(tokens[-1].value)
            s, e = _trim(chunk, s, e)
            if e > s and any(ch.isalnum() for ch in chunk[s:e]):
                spans.append((start + s, start + e))
    return spans


def fingerprint(articles: list[Article]) -> str:
    """A hash of the corpus contents: file paths (and JSONL lines) and their content hashes."""
    digest = hashlib.sha256()
    for article in sorted(articles, key=lambda a: (a.path, a.record or 0)):
        where = article.path if article.record is None else f"{article.path}:{article.record}"
        digest.update(f"{where}\0{article.sha256}\n".encode())
    return digest.hexdigest()
