"""Words as the lexical index and the answer checks see them: lower-cased, stemmed, stopwords out."""

from __future__ import annotations

import re
from functools import lru_cache

from breame.spelling import BRITISH_ENGLISH_SPELLINGS

from qa.irregular import FORMS

# What a word is stemmed as: an irregular verb form as its verb ("won" as "win"), a British spelling as the
# American ("centre" as "center", "defence" as "defense"), so that outlets and readers who spell differently
# still match. A word in both ("dialled") is taken as its verb ("dial").
_CANONICAL = {**BRITISH_ENGLISH_SPELLINGS, **FORMS}

_WORD = re.compile(r"\w+(?:[.'’]\w+)*")


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


# Function words only, their contractions too ("didn't", "they're"): words such as "first", "last" or "six" carry
# meaning in a question. Prepositions made of a verb are function words too: the "according" of "according to"
# stems as the "accord" a peace deal is, and "concerning" as a "concern".
_FUNCTION_WORDS = """
a about above after again against all am an and any are as at be been before being below between both
but by can could did do does doing done down during each else ever few for from further get got gets
had has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over own
per same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up upon very was we were what whatever when where whether which
while who whom whose why will with within would yet you your yours yourself yourselves also many much
may might must shall let says said say
according accordingly accordance regarding concerning despite toward towards among amongst via whilst although though
unless because
don't doesn't didn't isn't aren't wasn't weren't hasn't haven't hadn't won't wouldn't can't cannot couldn't shouldn't
mustn't needn't mightn't shan't i'm i've i'll i'd you're you've you'll you'd he'll he'd she'll she'd it'll we're we've
we'll we'd they're they've they'll they'd that'll there'll who'll who'd
"""


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English function words, left out of the lexical index and of question terms."""
    return frozenset(_FUNCTION_WORDS.split())


def words(text: str) -> list[str]:
    """Lower-cased word tokens, possessive endings and inner dots removed ("U.S." -> "us")."""
    out = []
    for word in _WORD.findall(text.lower()):
        if "'" in word or "’" in word or "." in word:  # most words have none: the loop is the index's hot path
            for suffix in ("'s", "’s"):
                if word.endswith(suffix):
                    word = word[: -len(suffix)]
            word = word.replace(".", "").replace("’", "'")
            if not word:
                continue
        out.append(word)
    return out


def terms(text: str) -> list[str]:
    """Stemmed content words: what the lexical index stores and matches."""
    return terms_of_words(words(text))


def terms_of_words(found: list[str]) -> list[str]:
    """The terms of words as ``words`` finds them (an irregular verb form as its verb: "won" as "win")."""
    stop = stopwords()
    return _stems([w for w in found if w not in stop and (len(w) > 1 or w.isdigit())])


def _stems(words: list[str]) -> list[str]:
    """The stem of each word, an irregular verb form stemmed as its verb and a British spelling as the American."""
    return list(_stemmer().stemWords([_CANONICAL.get(w, w) for w in words]))


def token_terms(text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Each word token of a text: where it starts and ends, and its terms (as ``terms`` finds them in it)."""
    stop = stopwords()
    spans: list[tuple[int, int, int]] = []  # start, end, how many of the kept words are its own
    kept: list[str] = []
    for m in _WORD.finditer(text):
        token = m.group(0).lower()
        if "'" in token or "." in token or not token.isascii():  # as words() would have it (rare)
            own = [w for w in words(m.group(0)) if w not in stop and (len(w) > 1 or w.isdigit())]
            kept.extend(own)
            spans.append((m.start(), m.end(), len(own)))
        elif token in stop or (len(token) == 1 and not token.isdigit()):
            spans.append((m.start(), m.end(), 0))
        else:
            kept.append(token)
            spans.append((m.start(), m.end(), 1))
    stems = _stems(kept)
    out = []
    at = 0
    for start, end, n in spans:
        out.append((start, end, tuple(stems[at : at + n])))
        at += n
    return out


def stem(word: str) -> str:
    """The stem of one word, lower-cased (an irregular verb form as its verb: "Won" -> "win"; "Centre" -> "center")."""
    lower = word.lower()
    return str(_stemmer().stemWord(_CANONICAL.get(lower, lower)))


# What ends the words that name a phrase's thing: "the second leg | of his tour", "a deal | that ended the war".
_PAST_THE_NOUN = re.compile(r"\s+(?:of|for|in|on|at|to|from|with|by|between|that|which|who|whose|whom)\s+", re.I)
_NAMING_WORD = re.compile(r"\b[^\W\d_][\w'’-]*")


def naming_words(phrase: str) -> list[str]:
    """The words of a phrase before a preposition or a relative clause, as written, figures left out: those that
    say what it is, its noun last ("the", "second", "leg" of "the second leg of his Asian tour")."""
    return _NAMING_WORD.findall(_PAST_THE_NOUN.split(phrase, maxsplit=1)[0])
