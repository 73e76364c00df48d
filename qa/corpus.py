"""Reading the corpus: article files, their metadata, paragraphs and sentences with offsets.

Offsets are character offsets into the file's text decoded as UTF-8 with no newline
translation (what ``open(path, encoding="utf-8", newline="")`` returns).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from qa.errors import CorpusError
from qa.types import Article, Sentence

SUFFIXES = (".txt", ".md")
MAX_FILE_BYTES = 20 * 1024 * 1024
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
    """All readable articles of a folder, plus warnings about the files that were skipped."""

    folder: Path
    articles: list[ParsedArticle]
    warnings: list[str] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)  # path, size, mtime_ns, sha256, reason

    def skip(self, rel: str, reason: str, data: bytes | None = None, mtime_ns: int = 0) -> None:
        """Record a file that is not indexed, so that it neither counts as new nor goes unmentioned."""
        self.warnings.append(f"skipped {rel}: {reason}")
        digest = hashlib.sha256(data).hexdigest() if data is not None else ""
        self.skipped.append({"path": rel, "size": len(data) if data is not None else -1, "mtime_ns": mtime_ns, "sha256": digest, "reason": reason})


def article_files(folder: Path) -> list[Path]:
    """The article files below ``folder``, sorted, hidden files and folders left out."""
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


def read_corpus(folder: Path) -> Corpus:
    """Read and split every article of ``folder``; unreadable files become warnings."""
    corpus = Corpus(folder=folder, articles=[])
    for path in article_files(folder):
        rel = path.relative_to(folder).as_posix()
        try:
            data = path.read_bytes()
            stat = path.stat()
        except OSError as err:
            corpus.skip(rel, f"cannot be read ({err.strerror})")
            continue
        problem = _unreadable(data)
        if problem:
            corpus.skip(rel, problem, data, stat.st_mtime_ns)
            continue
        parsed = parse_article(rel, data.decode("utf-8"), stat.st_mtime_ns)
        if not parsed.sentences:
            corpus.skip(rel, "no sentences found", data, stat.st_mtime_ns)
            continue
        corpus.articles.append(parsed)
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
    """Find the metadata, paragraphs and sentences of one article's text."""
    meta, body_start = _header(text)
    sentences: list[Sentence] = []
    for number, (p_start, p_end) in enumerate(paragraphs(text, body_start)):
        for s_start, s_end in split_sentences(text, p_start, p_end):
            line = text.count("\n", 0, s_start) + 1
            sentences.append(Sentence(-1, number, s_start, s_end, line, text[s_start:s_end]))
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
    )
    return ParsedArticle(article, text, sentences)


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


def _header(text: str) -> tuple[dict[str, str], int]:
    """Metadata from the first lines (title, date, author, outlet) and where the body starts."""
    meta: dict[str, str] = {}
    body = 0
    seen = 0
    lines = list(_lines(text, 1 if text.startswith("\ufeff") else 0))
    for number, (start, end) in enumerate(lines):
        line = text[start:end].strip()
        if not line:
            body = end + 1
            continue
        seen += 1
        if seen > HEADER_LINES:
            break
        following = text[lines[number + 1][0] : lines[number + 1][1]].strip() if number + 1 < len(lines) else ""
        value = _metadata_line(line, meta, first=seen == 1, wrapped=bool(following) and _continues(line, following))
        if value is None:
            prefix = _DATE_PREFIX.match(text, start, end) if "date" not in meta else None
            if prefix:
                meta["date"] = _iso_date(prefix.group(1)) or prefix.group(1)
                body = prefix.end()
            else:
                body = start
            break
        body = end + 1
    body = min(body, len(text))
    dateline = _DATELINE.match(text, body)
    if dateline and "\n" not in dateline.group(0) and _dateline_has_marker(dateline.group(0)):
        meta["dateline"] = " ".join(dateline.group(0).rstrip(" :–—-").split())
        body = dateline.end()
    return meta, body


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
    """A hash of the corpus contents: file paths and their text hashes."""
    digest = hashlib.sha256()
    for article in sorted(articles, key=lambda a: a.path):
        digest.update(f"{article.path}\0{article.sha256}\n".encode())
    return digest.hexdigest()
