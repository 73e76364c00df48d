"""Questions about the articles themselves: who wrote one, when it was published, its headline, which outlet ran it.

The answer is in the article's header (its byline, date line, headline or source line), not in a sentence of its text, so
retrieval alone never finds it. "Who wrote the article about the phone call?" is answered from the article that
tells the best evidence for the rest of the question; "When was the article published?", which names no story,
from every article that gives its date. The evidence is the header line itself, cited to where it stands.
"""

from __future__ import annotations

import re
from dataclasses import replace

from qa import text
from qa.index import Index
from qa.types import Answer, Article, Evidence, HeaderLine, Source

# "article", "story", "piece", "column": what a reader calls one of the files. ("Report" is left out: "who wrote
# the report?" asks as often about a report an article speaks of.)
_PIECE = r"\b(?:article|story|stories|piece|column|op-ed|news item|write-up)s?\b"
_AUTHOR = re.compile(
    r"\bbylines?\b"
    r"|\b(?:author|writer|reporter|journalist|correspondent)s?\b.*" + _PIECE + "|" + _PIECE + r".*\b(?:author|writer|reporter|journalist)s?\b"
    r"|\b(?:wrote|write|written|authored|penned)\b.*" + _PIECE + "|" + _PIECE + r".*\b(?:wrote|written|authored|penned)\b"
    r"|^who (?:is|are|was|were) the (?:author|writer)s?\W*$"
    r"|\bwho (?:wrote|authored|penned) (?:it|this|that)\W*$",  # "Who wrote it?", as a chat's follow-up
    re.I,
)
_IT = r"(?:it|this|that|they|these)"
_PUBLISHED = r"\b(?:published|posted|dated|filed|date|dates|run|ran|come out|came out|appear|appeared|put out)\b"
_DATE = re.compile(
    r"\b(?:when|what date|which date|what day|which day|how old)\b.*" + _PIECE + ".*" + _PUBLISHED
    + r"|\b(?:when|what date|which date|what day|which day)\b.*" + _PUBLISHED + ".*" + _PIECE
    + r"|\b(?:publication|publishing|release) date\b.*" + _PIECE
    + r"|" + _PIECE + r"['’]s? (?:publication )?date\b"
    + r"|\bdate of (?:the |this |that |each |every |one of the )?" + _PIECE
    + r"|\bwhen (?:was|were) " + _IT + r" (?:published|posted|written|dated)\b",
    re.I,
)
# "What is the headline of the story about the vote?", "what was the article's title?": the question asks for the
# headline itself (not "what did the machine hope to end, in the article's title?", nor "did she headline the show?").
_TITLE = re.compile(
    r"^(?:what|which)(?:['’]s| is| was| are| were) (?:the |its |their |this |that )?(?:(?:article|story|piece|column)['’]s? )?"
    r"(?:headlines?\b|titles?\b(?=.*" + _PIECE + r"))",
    re.I,
)
_OUTLET = re.compile(
    r"\b(?:which|what)\s+(?:news\s+)?(?:outlet|publication|newspaper|paper|site|website|media outlet|news site|publisher)s?\b.*\b(?:published|publish|ran|run|carried|carry|put out|posted)\b"
    r"|\b(?:who|where|which outlet)\b.*\b(?:published|ran|carried|posted)\b.*" + _PIECE
    + r"|\b(?:who|where)\b.*" + _PIECE + r".*\b(?:published|posted)\b"
    + r"|\b(?:outlet|publication|publisher|source)\s+of\s+(?:the |this |that |each |one of the )?" + _PIECE,
    re.I,
)

# Words that only say which field is asked ("who wrote the story?"); any other word of the question names a story.
_FIELD_WORDS = frozenset(
    text.terms(
        "article articles story stories piece pieces column op-ed news item write-up byline bylines author authors "
        "writer writers reporter reporters journalist journalists correspondent wrote write written authored penned "
        "published publish posted dated filed date dates run ran come came out appear appears appeared put "
        "publication publishing release outlet outlets newspaper newspapers paper site website media publisher "
        "source sources carried carry one each every these those this that first name names day old headline headlines "
        "title titles titled"
    )
)


def asks(question: str) -> str | None:
    """The header field a question asks about ("author", "date", "title" or "outlet"), or None when it asks about
    the news."""
    # A chat's rewrite says in brackets what a pronoun stands for ("When was it (the call) published? [Jane Doe]"):
    # what is asked is the question without them.
    folded = " ".join(re.sub(r"\s*\[[^\]]*\]\s*$|\s*\([^)]*\)", "", question).split())
    for field, pattern in (("author", _AUTHOR), ("date", _DATE), ("title", _TITLE), ("outlet", _OUTLET)):
        if pattern.search(folded):
            return field
    return None


def answer(index: Index, field: str, found: Answer, top_k: int = 5) -> Answer | None:
    """The reply to a question about the articles' ``field``, from the reply ``found`` to it as a question about the
    news (whose evidence, best first, says which story it is about); None when no article gives that field, so that
    the reply stays the one found in the text."""
    giving = [i for i, a in enumerate(index.articles) if _value(a, field) and (a.sentences or any(h.field == field for h in a.header))]
    if not giving:
        return None
    number = {(a.path, a.record): i for i, a in enumerate(index.articles)}
    named = _names_a_story(found.question)
    if named:
        # The articles that tell the best evidence are those the question means: one that gives no author is
        # not answered with another's.
        first = found.evidence[0] if found.evidence else None
        chosen = [number[(s.path, s.record)] for s in first.sources if (s.path, s.record) in number] if first else []
        chosen = [i for i in dict.fromkeys(chosen) if _value(index.articles[i], field)]
        if first is None or not chosen:
            return replace(found, answered=False, answer=None, short=False, confidence=min(found.confidence, 0.49))
        alike = len({_value(index.articles[i], field) for i in giving}) == 1
        confidence = 1.0 if alike else round(max(0.5, first.score), 4)
    else:
        told = list(dict.fromkeys(number[(s.path, s.record)] for e in found.evidence for s in e.sources if (s.path, s.record) in number))
        chosen = sorted(giving, key=lambda i: told.index(i) if i in told else len(told))
        confidence = 1.0
    chosen = chosen[:top_k]
    values = list(dict.fromkeys(_value(index.articles[i], field) or "" for i in chosen))
    evidence = tuple(_header_evidence(index, i, field) for i in chosen)
    # The story the question names follows, as related reading: what shows which article it is.
    rest = tuple(e for e in found.evidence if e not in evidence)[: max(0, top_k - len(evidence))] if named else ()
    return replace(found, answered=True, answer="; ".join(values), short=True, confidence=confidence, expected=field, evidence=evidence + rest)


def _names_a_story(question: str) -> bool:
    """Whether the question says which story it means ("the article about the phone call", "the Kyodo story")."""
    return any(t not in _FIELD_WORDS for t in text.terms(question))


def _value(article: Article, field: str) -> str | None:
    if field == "title" and article.kind == "text" and not any(h.field == "title" for h in article.header):
        return None  # a text file without a headline is titled after its first sentence: that is no headline
    return {"title": article.title, "author": article.author, "date": article.date, "outlet": article.outlet}[field]


def _header_evidence(index: Index, number: int, field: str) -> Evidence:
    """The header line that gives the field, cited to where it stands; without one (a web page's metadata, a feed's
    field), the article's first sentence, which cites the article whose source line shows the field."""
    article = index.articles[number]
    line = next((h for h in article.header if h.field == field), None)
    if line is None:
        row = sum(a.sentences for a in index.articles[:number])
        s = index.sentences[row]
        source = Source.of(article, s.start, s.end, s.line)
        return Evidence(s.text, 1.0, row, None, (source,))
    source = Source.of(article, line.start, line.end, line.line)
    return Evidence(line.text, 1.0, -1, _span(line, _value(article, field) or ""), (source,))


def _span(line: HeaderLine, value: str) -> tuple[int, int]:
    """Where the value stands in its header line: as written, else all of the line after a label ("Date: ...")."""
    at = line.text.find(value)
    if at >= 0:
        return (at, at + len(value))
    label = re.match(r"\s*(?:[A-Za-z]+\s*[:\-]\s*|(?:date|published|updated|posted|by)\s+)", line.text, re.I)
    start = label.end() if label else 0
    return (start, len(line.text))
