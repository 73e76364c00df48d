"""Questions about what an abbreviation stands for ("What does FOIP stand for?", "What is the LDP?") and the reverse
("What is the Liberal Democratic Party abbreviated as?"), answered from where an article defines it.

An article defines an abbreviation once, beside its long form: "a free and open Indo-Pacific (FOIP)", "the FIS or
Front Islamique de Salut", "TARDIS – "Time and Relative Dimension in Space"". The long form is found as Schwartz and
Hearst do ("A Simple Algorithm for Identifying Abbreviation Definitions in Biomedical Text", 2003): the abbreviation's
letters, read from its last, stand in that order in the words beside it, its first letter opening the first word, in
at most min(|A| + 5, 2|A|) words. (The PyPI package ``abbreviations`` implements it too, but configures the root
logger when imported, finds only the long form before the parenthesis, and cites a text whose quotes it has removed.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa import text
from qa.types import Answer, Evidence, Source

if TYPE_CHECKING:
    from qa.index import Index
    from qa.retrieve import Hit

# Schwartz and Hearst measured 96% precision for the pairs found this way (on biomedical abstracts).
CONFIDENCE = 0.95

# An abbreviation as a question writes it: two capitals at least, few letters ("FOIP", "vBNS", "DECnet", "G-20").
_SHORT = r"[\"'“‘]?(?P<short>(?=(?-i:(?:[^\s\"'”’?]*[A-Z]){2}))[A-Za-z][A-Za-z0-9&./-]{1,9})[\"'”’]?"
_FORWARD = (
    re.compile(r"^(?:what|that|wat)\s+(?:does|did|do)\s+(?:the\s+)?(?:(?:acronym|abbreviation|initials|letters)\s+)?" + _SHORT
               + r"\s+(?:(?:acronym|abbreviation|initials)\s+)?(?:stand|mean)s?\s+for\b", re.I),
    re.compile(r"^what\s+(?:is|was)\s+(?:the\s+)?" + _SHORT + r"\s+(?:short|an?\s+(?:acronym|abbreviation|initialism))\s+for\W*$", re.I),
    re.compile(r"^what\s+(?:is|was)\s+the\s+(?:full\s+(?:name|form)|long\s+form|expansion)\s+of\s+(?:the\s+)?" + _SHORT + r"\W*$", re.I),
    re.compile(r"^[Ww]hat\s+(?:is|was|are|were)\s+(?:the\s+|an?\s+)?" + _SHORT + r"\W*$"),  # "What is FOIP?" (no re.I: its capitals)
    re.compile(r"^[Ww]hat\s+does\s+(?:the\s+)?" + _SHORT + r"\s+mean\W*$"),
)
_REVERSE = (
    re.compile(r"^what\s+(?:is|was|are|were)\s+(?:the\s+|an?\s+)?(?:abbreviation|acronym|initials|short\s+form)\s+(?:for|of)\s+(?:the\s+)?(?P<long>.+?)\W*$", re.I),
    re.compile(r"^what\s+(?:is|was|are|were)\s+(?:the\s+)?(?P<long>.+?)\s+(?:often\s+|commonly\s+|usually\s+|also\s+)?(?:abbreviated|shortened)\s+(?:as|to)\W*$", re.I),
)
# A chat's rewrite says what a pronoun stands for: "What does it (FOIP) stand for?".
_ANNOTATED = re.compile(r"\b(?:it|this|that|they|these)\s+\(([^()]*)\)", re.I)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# What stands between an abbreviation and the long form after it: "FIS (Front ...)", "FIS or Front ...", "TARDIS – "Time
# ...", "FOIP, short for ...".
_BETWEEN = re.compile(r"\s*(?:\(\s*|[–—]\s*|,?\s+or\s+|\s+(?:stands|stood)\s+for\s+|,?\s+short\s+for\s+)[\"'“‘]?(?:the\s+)?")
_PHRASE_END = re.compile(r"[()\"“”;:,.!?]|\s[–—-]\s|\s(?:is|was|which|who)\s")


@dataclass(frozen=True)
class Asked:
    """What a question asks: the long form of ``short``, or the abbreviation of ``long``."""

    short: str | None = None
    long: str | None = None


def asks(question: str) -> Asked | None:
    """The abbreviation (or the long form) a question asks about, or None when it asks nothing of the kind."""
    folded = " ".join(_ANNOTATED.sub(r"\1", re.sub(r"\s*\[[^\]]*\]\s*$", "", question)).split())
    for pattern in _FORWARD:
        m = pattern.match(folded)
        if m and len(_letters(m.group("short"))) >= 2:
            return Asked(short=m.group("short"))
    for pattern in _REVERSE:
        m = pattern.match(folded)
        if m and len(_WORD.findall(m.group("long"))) >= 2:
            return Asked(long=m.group("long"))
    return None


def long_forms(sentence: str, short: str) -> list[tuple[int, int]]:
    """Where the sentence gives the long form of ``short``, beside it (before or after): offsets in the sentence."""
    letters = _letters(short)
    limit = min(len(letters) + 5, 2 * len(letters))
    found = []
    for m in re.finditer(r"(?<![\w-])" + re.escape(short) + r"(?![\w-])", sentence):
        opened = re.search(r"\(\s*[\"'“‘]?(?:the\s+)?$", sentence[: m.start()])
        closed = re.match(r"[\"'”’]?\s*[),;]", sentence[m.end() :])
        if opened and closed:  # "... free and open Indo-Pacific (FOIP)"
            before = sentence[: opened.start()].rstrip()
            span = _ending_at(before, len(before), letters, limit)
            if span is not None and short not in _WORD.findall(sentence[span[0] : span[1]]):
                found.append(span)
                continue
        between = _BETWEEN.match(sentence, m.end())
        if between:  # "the FIS or Front Islamique de Salut (the ...)"
            start = between.end()
            stop = _PHRASE_END.search(sentence, start)
            phrase_end = stop.start() if stop else len(sentence)
            # Where it ends: the first word that its last letter opens ("Front Islamique de Salut", not "Front Islamique"
            # whose "s" is inside a word), else the last word it can end in.
            ends = [w for w in list(_WORD.finditer(sentence, start, phrase_end))[:limit] if (span := _ending_at(sentence, w.end(), letters, limit, start)) and span[0] == start]
            opened_by = [w for w in ends if w.group(0)[0].lower() == letters[-1]]
            if ends:
                found.append((start, (opened_by or ends[::-1])[0].end()))
    return found


def _ending_at(sentence: str, end: int, letters: str, limit: int, floor: int = 0) -> tuple[int, int] | None:
    """The long form of ``letters`` that ends at ``end`` (and starts at ``floor`` or after): a word that its first letter
    opens, the other letters standing in order after it, the last one in the last word, within ``limit`` words and
    two at least. Of the words it may start at, the one whose words open with the most of its letters in turn
    ("Apollo Applications Program" for AAP, not "Applications Program"), the nearest of those; None when there is none."""
    words = [w for w in _WORD.finditer(sentence, floor, end)][-limit:]
    if len(words) < 2 or words[-1].end() != end:
        return None
    low = sentence.lower()
    best: tuple[int, int] | None = None
    for i in range(len(words) - 2, -1, -1):  # nearest first; one word is not the long form ("Nexus (NX)")
        start = words[i].start()
        if low[start] != letters[0]:
            continue
        at = start + 1
        for letter in letters[1:-1]:
            at = low.find(letter, at, end) + 1
            if at == 0:
                break
        # The last letter stands in the last word ("current" of "alternating current (AC)").
        if at == 0 or low.find(letters[-1], max(at, words[-1].start()), end) < 0:
            continue
        opened = 0
        for word in words[i:]:
            if opened < len(letters) and low[word.start()] == letters[opened]:
                opened += 1
        if best is None or opened > best[0]:
            best = (opened, start)
    return (best[1], end) if best is not None else None


def _letters(short: str) -> str:
    return "".join(c.lower() for c in short if c.isalnum())


def answer(index: Index, asked: Asked, hits: list[Hit], question: str, expected: str | None, top_k: int = 5) -> Answer | None:
    """The reply from the sentences that define the abbreviation, best retrieved first; None when no article defines it,
    so that the question is answered as any other."""
    order = {h.sentence: i for i, h in enumerate(hits)}
    found: dict[str, list[tuple[int, tuple[int, int], str]]] = {}  # one long form (folded) -> (row, span, abbreviation)
    for row in _rows(index, asked):
        sentence = index.sentences[row].text
        for short, span in _definitions(sentence, asked):
            key = " ".join(_WORD.findall(sentence[span[0] : span[1]].lower())) if asked.short else short.lower()
            found.setdefault(key, []).append((row, span, short))
    if not found:
        return None
    # Each long form's sentences, best retrieved first (then in the corpus's order); the long forms likewise.
    groups = sorted((sorted(g, key=lambda item: order.get(item[0], len(order) + item[0])) for g in found.values()), key=lambda g: (order.get(g[0][0], len(order) + g[0][0]), -len(g)))
    evidence = []
    for number, group in enumerate(groups[:top_k]):
        row, span, _ = group[0]
        rows = {(index.sentences[r].article, index.sentences[r].start): index.sentences[r] for r, _, _ in group}
        sources = tuple(Source.of(index.articles[s.article], s.start, s.end, s.line) for s in rows.values())
        # The first long form answers; another one (the same letters for something else) is shown, not given as the answer.
        evidence.append(Evidence(index.sentences[row].text, CONFIDENCE if number == 0 else 0.5, row, span if number == 0 else None, sources))
    row, span, short = groups[0][0]
    value = index.sentences[row].text[span[0] : span[1]] if asked.short else short
    return Answer(question, True, value, True, CONFIDENCE, expected, tuple(evidence))


def _definitions(sentence: str, asked: Asked) -> list[tuple[str, tuple[int, int]]]:
    """The (abbreviation, span) pairs of the sentence that answer: the long forms of the abbreviation asked about, or
    the abbreviations (their spans) whose long form is the one asked about."""
    if asked.short is not None:
        return [(asked.short, span) for span in long_forms(sentence, asked.short)]
    wanted = _WORD.findall(asked.long.lower()) if asked.long else []
    out = []
    for m in re.finditer(r"(?<![\w-])(?=(?:[^\s,;()]*[A-Z]){2})[A-Za-z][A-Za-z0-9&./-]{1,9}(?![\w-])", sentence):
        for start, end in long_forms(sentence, m.group(0)):
            said = _WORD.findall(sentence[start:end].lower())
            if said[-len(wanted) :] == wanted or said == wanted:
                out.append((m.group(0), (m.start(), m.end())))
    return out


def _rows(index: Index, asked: Asked) -> list[int]:
    """The sentences that hold the abbreviation (or every word of the long form), in the corpus's order."""
    terms = text.terms(asked.short) if asked.short else text.terms(asked.long or "")
    if not terms:
        return []
    rarest = min(terms, key=index.lexical.document_frequency)
    return sorted(int(r) for r in index.lexical.rows(rarest))
