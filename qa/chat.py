"""A conversation over the articles: follow-up questions rewritten with what the last turns were about,
and the chat loop, with the answering function injected so that it runs from a transcript."""

from __future__ import annotations

import os
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from qa import text
from qa.answer import HEAD_KIND, analyze, participle
from qa.bot import check_question
from qa.errors import EXIT_INTERRUPTED, QuestionError
from qa.types import Answer, Article, Evidence, Sentence

# Labels of the typed spans that name someone or something a later question can point back to.
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
GROUP_LABELS = frozenset({"ORG", "NORP"})
THING_LABELS = NAME_LABELS - {"PERSON"} - PLACE_LABELS  # what "it" stands for: a party, a summit, a treaty
KIND_LABELS = {"person": frozenset({"PERSON"}), "organization": GROUP_LABELS, "place": PLACE_LABELS, "event": frozenset({"EVENT"})}

_TOKEN = re.compile(r"\w+(?:[.’'&-]\w+)*\.?")
_PRONOUN = re.compile(r"\b(he|him|his|she|her|hers|they|them|their|theirs|it|its|there)\b", re.I)
# gender (m, f, pl = plural, n = neuter, loc = place) and role (subj, obj, poss)
_PRONOUNS = {
    "he": ("m", "subj"), "him": ("m", "obj"), "his": ("m", "poss"),
    "she": ("f", "subj"), "her": ("f", "poss"), "hers": ("f", "poss"),
    "they": ("pl", "subj"), "them": ("pl", "obj"), "their": ("pl", "poss"), "theirs": ("pl", "poss"),
    "it": ("n", "subj"), "its": ("n", "poss"), "there": ("loc", "adv"),
}
_FEMININE = frozenset("she her hers herself woman women female mrs ms madam".split())
_MASCULINE = frozenset("he him his himself man men male mr sir".split())
# After "her", these words mean it is the object ("told her about"), not a possessive ("her rival").
_NOT_A_NOUN = frozenset(
    "about above after against and as at before but by during for from in into like near of off on or over since than that "
    "to toward towards under until up upon when where while with without why how what who whom which if is was were are "
    "be been has have had do does did will would can could should may might must again also ever first last".split()
)
_AUX = frozenset("do does did is are was were will would can could should has have had may might must shall".split())
_WH_WORDS = frozenset("who whom whose what which when where why how".split())
_WH_PHRASE = re.compile(r"^\s*(?:(?:in|on|at|for|from|to|by|with|since|until|during|of|about)\s+)?(?:how\s+(?:many|much|long|old|far|big|large|tall|often|soon)|who|whom|whose|what|which|when|where|why|how)\b", re.I)
_QUESTION_START = re.compile(r"^\s*(?:(?:in|on|at|for|from|to|by|with|since|until|during|of|about|after|before)\s+(?=wh|how))?(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|can|could|will|would|should|has|have|had)\b", re.I)
_LEAD = re.compile(r"^\s*(?:(?:and|but|so|also|then|ok|okay|well|now)\b[\s,]*)+", re.I)
_ABOUT = re.compile(r"^\s*(?:(?:and|but|so)\s+)?(?:what|how)\s+about\s+|^\s*(?:and\s+)?what\s+of\s+", re.I)
_EXISTENTIAL_THERE = re.compile(r"\bthere\s+(?:is|are|was|were|be|been|will|has|have|had)\b|\b(?:is|are|was|were|be)\s+there\b", re.I)
# "Is it true that ...", "it was said that ...": an "it" that stands for nothing.
_EXPLETIVE_IT = re.compile(r"it\s+(?:is|was|'s|’s|seems|seemed)\s+(?:\w+\s+)?(?:that|to)\b|it\s+(?:is|was)\s+(?:true|possible|likely|said|reported)\b", re.I)
_EXPLETIVE_IT_AFTER = re.compile(r"\b(?:is|was|has|had)\s+$", re.I)
_EXPLETIVE_IT_NEXT = re.compile(r"it\s+(?:true|possible|likely|been)\b", re.I)
_DEMONSTRATIVE = re.compile(r"\b(?:that|this)\b(?=\s*(?:[?.!]|$|happen|happened|take|took|mean|last|lasted|start|started|begin|began|end|ended|cost))|\bsaid\s+so\b", re.I)
_SAYING = re.compile(r"\b(?:say|said|says|tell|told|mean|meant|announce|announced|write|wrote|report|reported|confirm|confirmed)\s+$", re.I)
# "How long did [the phone call between them] last?": a subject that a fragment ("What about the visit?") can replace.
_SUBJECT = re.compile(
    r"^(?P<ask>(?:(?:in|on|at|for|from|to|by|with|during|of|about)\s+)?(?:how(?:\s+(?:many|much|long|old|far|often)(?:\s+\w+)?)?|what(?:\s+\w+)?|which\s+\w+|when|where|why|who|whom)"
    r"\s+(?:did|does|do|will|would|can|could|has|have|had|is|was|are|were))\s+"
    r"(?P<subject>(?:the|this|that|these|those|a|an|their|its)\s+.+?|[^\s']+['’]s\s+.+?)\s+(?P<verb>[a-z]+)\s*\?$",
    re.I,
)
_MOTION = re.compile(r"\b(?:go|goes|went|come|comes|came|bring|brings|brought|take|took|travel|travelled|traveled|fly|flew|return|returned|move|moved|send|sent|head|headed|lead|led)\s+(?:\w+\s+)?$", re.I)
_CONTEXT = re.compile(r"\s*\[[^\[\]]*\]\s*$")  # "How many votes were cast? [Lopez]"
_ANNOTATED = re.compile(r"\b(?:he|him|his|she|her|hers|they|them|their|theirs|it|its|there)\s+\(([^()]*)\)", re.I)  # "she (Lopez)"
_LIGHT_VERBS = frozenset(text.stem(w) for w in "get got do did happen happened take took make made go went come came".split())
FRAGMENT_WORDS = 5  # a line this short with no question word leans on the conversation ("Her rival?")


# ---------------------------------------------------------------- what the corpus says about names


def _key(name: str) -> str:
    """A name as compared: lower-cased, dots and possessive endings dropped, a leading "the" dropped."""
    words = []
    for word in name.replace("’", "'").lower().split():
        word = word.replace(".", "")
        if word.endswith("'s"):
            word = word[:-2]
        word = word.rstrip("'")
        if word:
            words.append(word)
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True)
class Entity:
    """Someone or something named: its text as written and its label (PERSON, ORG, GPE, ..., PROPN)."""

    text: str
    label: str

    @property
    def key(self) -> str:
        """People are the same person by surname ("Maria Lopez" is "Lopez"); other names by their whole key."""
        words = _key(self.text).split()
        return words[-1] if self.label == "PERSON" and words else " ".join(words)


@dataclass(frozen=True)
class Mention:
    """An entity found in a question, at character offsets."""

    start: int
    end: int
    entity: Entity


class Lexicon:
    """The names of the corpus with their labels and, for people, the pronouns the articles use for them."""

    def __init__(self, labels: dict[str, str] | None = None, lowercase: Iterable[str] = (), genders: dict[str, str] | None = None) -> None:
        self.labels = labels or {}
        self.lowercase = frozenset(lowercase)  # words the corpus writes in lower case: common words, not names
        self.genders = genders or {}
        self.longest = max((len(k.split()) for k in self.labels), default=1)

    @classmethod
    def from_sentences(cls, sentences: Sequence[Sentence]) -> Lexicon:
        """Read names, their majority label and the pronouns near people from the index's typed spans."""
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        lowercase: set[str] = set()
        pronouns: dict[str, Counter[str]] = defaultdict(Counter)
        previous_people: list[str] = []
        for row, sentence in enumerate(sentences):
            for word in _TOKEN.findall(sentence.text):
                if word.islower():
                    lowercase.add(word.rstrip("."))
            people: list[tuple[int, str]] = []  # (end, surname) of each person named
            for span in sentence.spans:
                if span.label not in NAME_LABELS and span.label != "PROPN":
                    continue
                surface = sentence.text[span.start : span.end]
                if not any(ch.isupper() for ch in surface):
                    continue
                key = _key(surface)
                votes[key][span.label] += 1
                if span.label == "PERSON":
                    surname = key.split()[-1]
                    if surname != key:
                        votes[surname]["PERSON"] += 1
                    people.append((span.end, surname))
            # A pronoun is taken to be the nearest person named before it, else the previous sentence's first person.
            for match in _TOKEN.finditer(sentence.text):
                word = match.group(0).lower()
                gender = "f" if word in _FEMININE else "m" if word in _MASCULINE else None
                if gender is None:
                    continue
                before = [name for end, name in people if end <= match.start()]
                if before:
                    pronouns[before[-1]][gender] += 1
                elif previous_people and row > 0 and sentences[row - 1].article == sentence.article:
                    pronouns[previous_people[0]][gender] += 1
            previous_people = [name for _end, name in sorted(people)]
        labels = {}
        for key, counts in votes.items():
            named = Counter({label: n for label, n in counts.items() if label in NAME_LABELS})
            labels[key] = (named or counts).most_common(1)[0][0]
        genders = {}
        for person, counts in pronouns.items():
            if counts["f"] >= 2 and counts["f"] >= 3 * counts["m"]:
                genders[person] = "f"
            elif counts["m"] >= 2 and counts["m"] >= 3 * counts["f"]:
                genders[person] = "m"
        return cls(labels, lowercase, genders)

    def gender(self, entity: Entity) -> str | None:
        """"f" or "m" when the articles clearly say she or he of this person, else None."""
        return self.genders.get(entity.key) if entity.label == "PERSON" else None

    def label(self, name: str) -> str | None:
        return self.labels.get(_key(name))

    def mentions(self, question: str) -> list[Mention]:
        """The names in a question: known names of the corpus (longest first), then other capitalised words."""
        tokens = [(m.start(), m.end(), m.group(0).rstrip(".") if not re.fullmatch(r"(?:\w\.)+", m.group(0)) else m.group(0)) for m in _TOKEN.finditer(question)]
        found: list[Mention] = []
        taken = [False] * len(tokens)
        i = 0
        while i < len(tokens):
            if tokens[i][2].lower() == "the":  # "the Transit Authority" is matched from "Transit"
                i += 1
                continue
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                words = [t[2] for t in tokens[i : i + n]]
                key = _key(" ".join(words))
                label = self.labels.get(key)
                if label not in NAME_LABELS:
                    continue
                typed_as_name = words[0][:1].isupper() or any(ch.isupper() for ch in words[0])
                if not typed_as_name and any(w.lower().rstrip("'s’") in self.lowercase for w in key.split()):
                    continue
                start, end = tokens[i][0], tokens[i + n - 1][1]
                surface = question[start:end]
                if surface.endswith(("'s", "’s")):
                    end -= 2
                found.append(Mention(start, end, Entity(question[start:end], label)))
                for j in range(i, i + n):
                    taken[j] = True
                i += n - 1
                break
            i += 1
        # Capitalised words the corpus does not know are names too, except the question's first word.
        run: list[int] = []
        for j, (_start, _end, word) in enumerate([*tokens, (0, 0, "")]):
            capital = j < len(tokens) and not taken[j] and j > 0 and word[:1].isupper() and word.lower() not in text.stopwords() and word != "I"
            if capital and word.lower() not in _WH_WORDS:
                run.append(j)
                continue
            if run:
                start, end = tokens[run[0]][0], tokens[run[-1]][1]
                if question[start:end].endswith(("'s", "’s")):
                    end -= 2
                found.append(Mention(start, end, Entity(question[start:end], self.label(question[start:end]) or "PROPN")))
                run = []
        return sorted(found, key=lambda m: m.start)


# ---------------------------------------------------------------- the conversation

# How much a name counts for what comes next: the last turn most, its answer before its question before its evidence.
AGE_WEIGHTS = (1.0, 0.5, 0.25)
# A name the user just moved to ("And Reed?") is the focus; the answer of "Who is Reed?" is about Reed, who stays first.
ROLE_WEIGHTS = {"focus": 1.5, "answer": 1.0, "question": 0.9, "context": 0.5, "evidence": 0.3, "before": 0.15}
DEFINITION_ANSWER = 0.5
# P(pronoun's gender | person): known from the articles, else a prior (news articles say "he" more often than "she").
GENDER_FIT = {"fits": 1.0, "contradicts": 0.05, "m": 0.85, "f": 0.25}
_DEFINITION = re.compile(r"^\s*(?:who|what)\s+(?:is|was|are|were)\s+", re.I)


@dataclass(frozen=True)
class Salient:
    """An entity a turn was about, and how: as its answer, named in its question, or named in its top evidence."""

    entity: Entity
    role: str  # "focus", "answer", "question", "context" (added in brackets), "evidence" or "before" (in the sentence before it)
    weight: float


@dataclass(frozen=True)
class Turn:
    """One question of the conversation: as typed, as searched, its answer and whom it was about (most salient first)."""

    question: str
    searched: str
    answer: Answer | None
    salient: tuple[Salient, ...] = ()

    def entities(self, *roles: str) -> list[Entity]:
        return [s.entity for s in self.salient if not roles or s.role in roles]


def make_turn(question: str, searched: str, answer: Answer | None, sentences: Sequence[Sentence], lexicon: Lexicon) -> Turn:
    """The turn with its salient entities: the short answer when it names someone, the names asked about, the names in the top
    evidence and the people of the sentence before it."""
    found: list[tuple[Entity, str, float]] = []
    fragment = _fragment(question)
    if fragment is not None:
        found += [(m.entity, "focus", ROLE_WEIGHTS["focus"]) for m in lexicon.mentions(fragment) if m.entity.label in NAME_LABELS]
    answered = _answer_entity(answer, sentences, lexicon) if answer is not None else None
    if answered:
        found.append((answered, "answer", DEFINITION_ANSWER if _DEFINITION.match(searched) else ROLE_WEIGHTS["answer"]))
    names = [m.entity for m in lexicon.mentions(_plain(searched)) if m.entity.label in NAME_LABELS]
    found += [(e, "question", ROLE_WEIGHTS["question"] * 0.97**i) for i, e in enumerate(names)]
    added = [m.entity for m in lexicon.mentions(searched[len(_main_part(searched)) :]) if m.entity.label in NAME_LABELS]
    found += [(e, "context", ROLE_WEIGHTS["context"] * 0.97**i) for i, e in enumerate(added)]
    if answer is not None and answer.answered and answer.evidence:
        found += [(e, "evidence", ROLE_WEIGHTS["evidence"] * 0.97**i) for i, e in enumerate(_evidence_entities(answer.evidence[0], sentences))]
        # "The two leaders" of the evidence are named in the sentence before it.
        found += [(e, "before", ROLE_WEIGHTS["before"] * 0.97**i) for i, e in enumerate(_people_before(answer.evidence[0], sentences))]
    salient: list[Salient] = []
    for entity, role, weight in found:
        if not any(_same(entity, s.entity) for s in salient):
            salient.append(Salient(entity, role, weight))
    return Turn(question, searched, answer, tuple(salient))


def _same(a: Entity, b: Entity) -> bool:
    if a.key == b.key:
        return True
    return a.label == b.label == "PERSON" and (a.key in _key(b.text).split() or b.key in _key(a.text).split())


def _answer_entity(answer: Answer, sentences: Sequence[Sentence], lexicon: Lexicon) -> Entity | None:
    """The short answer as an entity, when it names a person, a group, a place or a thing."""
    if not answer.answered or not answer.short or not answer.answer:
        return None
    label = None
    top = answer.evidence[0] if answer.evidence else None
    if top is not None and top.answer_span and 0 <= top.sentence < len(sentences):
        start, end = top.answer_span
        spans = [s for s in sentences[top.sentence].spans if s.label in NAME_LABELS and s.start < end and start < s.end]
        if spans:
            best = max(spans, key=lambda s: min(s.end, end) - max(s.start, start))
            if min(best.end, end) - max(best.start, start) < 0.6 * (end - start):
                return None  # "the mayor's first budget" holds a name but is not one
            label = best.label
    label = label or lexicon.label(answer.answer)
    if label is None and answer.expected in KIND_LABELS and any(ch.isupper() for ch in answer.answer):
        label = sorted(KIND_LABELS[answer.expected])[0]
    return Entity(answer.answer, label) if label in NAME_LABELS else None


def _evidence_entities(evidence: Evidence, sentences: Sequence[Sentence]) -> list[Entity]:
    if not 0 <= evidence.sentence < len(sentences):
        return []
    sentence = sentences[evidence.sentence]
    return [Entity(sentence.text[s.start : s.end], s.label) for s in sentence.spans if s.label in NAME_LABELS - {"NORP"}]


def _people_before(evidence: Evidence, sentences: Sequence[Sentence]) -> list[Entity]:
    """The people named in the sentence before the evidence, in its article (whom "the two leaders" refers back to)."""
    row = evidence.sentence - 1
    if not 0 <= row < len(sentences) - 1 or sentences[row].article != sentences[row + 1].article:
        return []
    before = sentences[row]
    return [Entity(before.text[x.start : x.end], x.label) for x in before.spans if x.label == "PERSON"]


@dataclass(frozen=True)
class Ranked:
    """An entity of the last turns: its salience summed over them, and its latest mention (role, turns ago)."""

    entity: Entity
    score: float
    role: str
    age: int


def salience(turns: Sequence[Turn]) -> list[Ranked]:
    """Every entity of the last turns, most salient first."""
    ranked: list[Ranked] = []
    for age, turn in enumerate(reversed(turns[-len(AGE_WEIGHTS) :])):
        for mention in turn.salient:
            weight = AGE_WEIGHTS[age] * mention.weight
            for i, item in enumerate(ranked):
                if _same(item.entity, mention.entity):
                    ranked[i] = Ranked(item.entity, item.score + weight, item.role, item.age)
                    break
            else:
                ranked.append(Ranked(mention.entity, weight, mention.role, age))
    return sorted(ranked, key=lambda item: -item.score)


@dataclass
class Conversation:
    """The last turns, and the rewriting of a question that leans on them."""

    lexicon: Lexicon = field(default_factory=Lexicon)
    turns: list[Turn] = field(default_factory=list)

    def clear(self) -> None:
        self.turns.clear()

    def rewrite(self, question: str) -> str:
        """The question as it should be searched: as typed when it stands alone, else completed from the last turns."""
        return rewrite(question, self.turns, self.lexicon)

    def remember(self, question: str, searched: str, answer: Answer | None, sentences: Sequence[Sentence]) -> Turn:
        turn = make_turn(question, searched, answer, sentences, self.lexicon)
        self.turns.append(turn)
        del self.turns[: -len(AGE_WEIGHTS)]
        return turn


# ---------------------------------------------------------------- rewriting


def rewrite(question: str, turns: Sequence[Turn], lexicon: Lexicon) -> str:
    """Complete a question that leans on the conversation; a question that stands alone comes back unchanged.

    - "And her rival?", "What about Reed?": the previous question with the new phrase in place of whom it named;
    - pronouns (she, his, them, it, there): the most salient entity of the last turns that fits, written after the
      pronoun ("did she (Lopez) win"): articles say "she" too, and the sentences that do still match;
    - "how many were cast?": the noun the last "how many" counted ("how many votes were cast?");
    - no name left, or an "it"/"that" that fits no name: the last turn's names, and its words when the question
      says little, added in square brackets (only the names it asked about or answered with when the question was
      completed with a thing: "how long did it (the call) last?").
    """
    if not turns:
        return question
    fragment = _fragment(question)
    extras: list[str] = []
    unresolved = False
    asked = question
    if fragment is not None:
        main, extras = _expand_fragment(fragment, turns, lexicon)
    else:
        asked = _with_what_was_counted(question, turns)
        main, unresolved = _resolve_pronouns(asked, turns, lexicon, annotate=True)
    named = any(m.entity.label in NAME_LABELS or m.entity.label == "PROPN" for m in lexicon.mentions(" ".join([main, *extras])))
    if not named or unresolved:
        # Completed with a thing of the last question ("it (the call)", "the recount"), it has its topic.
        extras += _context(main, turns, lexicon, completed=not unresolved and main != asked)
    searched = " ".join((f"{main} [{'; '.join(extras)}]" if extras else main).split())
    try:
        check_question(searched)  # names come from the articles: whatever they hold, the search must be askable
    except QuestionError:
        return question
    return question if searched == " ".join(question.split()) else searched


_AUXILIARY = r"(?:were|was|did|do|does|have|has|had|are|is|will|would|can|could)"
_HOW_MANY_ALONE = re.compile(rf"^(\s*(?:and\s+)?how\s+many)\s+(?={_AUXILIARY}\b)", re.I)
_HOW_MANY_OF = re.compile(rf"\bhow\s+many\s+((?:[\w-]+\s+){{0,2}}?[\w-]+)\s+{_AUXILIARY}\b", re.I)


def _with_what_was_counted(question: str, turns: Sequence[Turn]) -> str:
    """"How many were cast?" after "How many votes did Reed get?": "How many votes were cast?"."""
    alone = _HOW_MANY_ALONE.match(question)
    if alone is None:
        return question
    for turn in reversed(turns[-len(AGE_WEIGHTS) :]):
        counted = _HOW_MANY_OF.search(_plain(turn.searched))
        if counted is not None:
            return f"{alone.group(1)} {counted.group(1)} {question[alone.end() :]}"
    return question


def _main_part(searched: str) -> str:
    """A searched question without the context added to it in square brackets."""
    return _CONTEXT.sub("", searched).strip()


def _plain(searched: str) -> str:
    """A searched question as a question again: no added context, names in place of the pronouns they explain."""
    return _ANNOTATED.sub(lambda m: m.group(1), _main_part(searched))


def _fragment(question: str) -> str | None:
    """The phrase of a fragment that leans on the previous question ("And her rival?" -> "her rival"), else None."""
    about = _ABOUT.match(question)
    if about:
        return question[about.end() :].strip(" ?!.") or None
    lead = _LEAD.match(question)
    rest = question[lead.end() :] if lead else question
    if _QUESTION_START.match(rest):
        return None
    words = _TOKEN.findall(rest)
    if words and (lead or len(words) <= FRAGMENT_WORDS) and len(words) <= 2 * FRAGMENT_WORDS:
        return rest.strip(" ?!.")
    return None


def _expand_fragment(phrase: str, turns: Sequence[Turn], lexicon: Lexicon) -> tuple[str, list[str]]:
    """The previous question with the fragment's phrase in place of the name it replaces; else the phrase in brackets."""
    phrase, _ = _resolve_pronouns(phrase, turns, lexicon, annotate=False)
    base = _plain(turns[-1].searched)
    base_names = [m for m in lexicon.mentions(base) if m.entity.label in NAME_LABELS]
    target: Mention | None = None
    owner = re.match(r"^(.+?)['’]s?\s+(\w+)", phrase)
    if owner and HEAD_KIND.get(owner.group(2).lower()) not in KIND_LABELS:
        # "Lopez's visit" is not someone who can take Lopez's place: it may take the place of a thing the
        # previous question was about ("the phone call"); "Lopez's age" is asked about for itself.
        replaced = _replace_subject(base, phrase)
        return replaced if not replaced[1] else (f"What is {phrase}?", [])
    if owner and _DEFINITION.match(base) and HEAD_KIND.get(owner.group(2).lower()) != "person":
        return f"What is {phrase}?", []  # "Who is Reed?" then "And his party?": what his party is, not who
    if owner:
        # "Lopez's rival" after "How many votes did Lopez get?": the rival takes Lopez's place.
        possessor = Entity(owner.group(1), lexicon.label(owner.group(1)) or "PERSON")
        target = next((m for m in base_names if _same(m.entity, possessor)), None)
    if target is None:
        phrase_names = [m for m in lexicon.mentions(phrase) if m.entity.label in NAME_LABELS]
        words = text.words(phrase)
        head = words[-1] if words else ""
        kind = HEAD_KIND.get(head) or HEAD_KIND.get(head[:-1] if head.endswith("s") else head)
        wanted: frozenset[str] | None = None
        if phrase_names:
            label = phrase_names[0].entity.label
            wanted = PLACE_LABELS if label in PLACE_LABELS else GROUP_LABELS if label in GROUP_LABELS else frozenset({label})
        elif kind in KIND_LABELS:
            wanted = KIND_LABELS[kind]
        if wanted is not None:
            target = next((m for m in base_names if m.entity.label in wanted), None)
            if target is None and phrase_names and len(base_names) == 1:
                target = base_names[0]
    if target is None:
        named = any(m.entity.label in NAME_LABELS for m in lexicon.mentions(phrase))
        return _replace_subject(base, phrase) if not named or owner else (base, [phrase])
    start, end = target.start, target.end
    preposition = _PREPOSITION_BEFORE.search(base[:start])
    if preposition is not None and _PREPOSITION_FIRST.match(phrase):
        start = preposition.start()  # "What did she say about Reed?" then "And about his rival?": one "about"
    owned = re.match(r"['’]s?\s+([A-Za-z]+)", base[end:])
    if owned and not owner:
        # "Lopez's rival" then "What about Reed?": Reed takes the rival's place when he is of the rival's kind.
        owned_kind = HEAD_KIND.get(owned.group(1).lower())
        new_label = next((m.entity.label for m in lexicon.mentions(phrase) if m.entity.label in NAME_LABELS), None)
        if owned_kind in KIND_LABELS and new_label in KIND_LABELS[owned_kind]:
            end += owned.end()
    return base[:start] + phrase + base[end:], []


_PREPOSITIONS = r"(?:about|in|on|at|to|from|for|with|of|by|after|before|during|into|near)"
_PREPOSITION_BEFORE = re.compile(rf"\b{_PREPOSITIONS}\s+(?:the\s+)?$", re.I)
_PREPOSITION_FIRST = re.compile(rf"^{_PREPOSITIONS}\s", re.I)


def _thing_subject(question: str) -> tuple[str, str, str] | None:
    """The subject of a question when it is a thing, not someone ("the phone call between them", not "Lopez's party"),
    with the words that ask before it and its verb after it ("" for none: "When was [the phone call]?")."""
    match = _SUBJECT.match(question)
    if match is None or re.search(r"\bto(?:\s+[a-z]|$)", match.group("subject")):
        return None  # "the leaders agree to" is not a subject
    ask, subject, verb = match.group("ask"), match.group("subject"), match.group("verb")
    if ask.split()[-1].lower() in ("is", "was", "are", "were") and not (participle(verb.lower()) or verb.lower().endswith("ing")):
        subject, verb = f"{subject} {verb}", ""  # "when was the phone call?": no verb ends it, as "when was it signed?"
    words = text.words(subject)
    return None if any((HEAD_KIND.get(w) or HEAD_KIND.get(w[:-1])) in KIND_LABELS for w in words) else (ask, subject, verb)


_LAST_THING = re.compile(
    r"\b(?:during|in|at|on|about|of|from|after|before|for|over)\s+(?P<thing>(?:the|this|that|a|an|their|his|her|its)\s+(?:[\w-]+\s+){0,3}?[\w-]+)\s*\??$", re.I
)


def _thing_of(question: str) -> Entity | None:
    """What an "it" may stand for in the question before: its subject when that is a thing, else the thing it ends on."""
    subject = _thing_subject(question)
    if subject is not None:
        return Entity(subject[1], "NP")
    last = _LAST_THING.search(question)
    if last is None or any((HEAD_KIND.get(w) or HEAD_KIND.get(w[:-1])) in KIND_LABELS for w in text.words(last.group("thing"))):
        return None
    return Entity(last.group("thing"), "NP")


def _replace_subject(base: str, phrase: str) -> tuple[str, list[str]]:
    """"How long did the call last?" + "the visit": "How long did the visit last?"; else the phrase in brackets."""
    match = _thing_subject(base)
    if match is None:
        return base, [phrase]
    ask, _, verb = match
    return f"{ask} {phrase} {verb}".rstrip() + "?", []


def _is_possessive_her(question: str, end: int) -> bool:
    following = re.match(r"\s*([A-Za-z][\w-]*)", question[end:])
    return following is not None and following.group(1).lower() not in _NOT_A_NOUN


def _resolve_pronouns(question: str, turns: Sequence[Turn], lexicon: Lexicon, annotate: bool) -> tuple[str, bool]:
    """Pronouns explained by whom they stand for ("she (Lopez)"), or replaced by it; True when one leans on the
    conversation but fits no entity."""
    unresolved = bool(_DEMONSTRATIVE.search(question))
    if not _PRONOUN.search(question):
        return question, unresolved
    own = lexicon.mentions(question)
    ranked = salience(turns)
    doer = _doer(turns[-1])
    assigned: dict[str, Entity] = {}  # gender -> entity, so that "she ... him" are two people
    out: list[str] = []
    last = 0
    for match in _PRONOUN.finditer(question):
        word = match.group(1).lower()
        gender, role = _PRONOUNS[word]
        if word == "her" and not _is_possessive_her(question, match.end()):
            role = "obj"
        if word == "there" and _EXISTENTIAL_THERE.search(question[max(0, match.start() - 8) : match.end() + 8]):
            continue
        if word == "it" and _expletive(question, match.start()):
            continue
        if word == "it" and _SAYING.search(question[: match.start()]):
            unresolved = True  # "when did he say it?": it is what was said, not a name
            continue
        if role in ("subj", "poss") and _refers_inside(gender, [m for m in own if m.end <= match.start()], lexicon):
            continue  # "Did Reed say he would come?": he is Reed
        taken, exclude = [e for g, e in assigned.items() if g != gender], [m.entity for m in own]
        by_doer = gender in ("m", "f") and doer is not None and not any(_same(doer, x) for x in taken + exclude) and _gender_fit(lexicon, doer, gender) >= GENDER_FIT["m"]
        chosen = assigned.get(gender) or (doer if by_doer else _referent(gender, ranked, lexicon, taken=taken, exclude=exclude))
        if chosen is None and gender == "n":
            # "How long did the call last?" then "When did it start?": it is the call; "What did they discuss
            # during their first call?" then "How long did it last?": it is their first call.
            chosen = _thing_of(_plain(turns[-1].searched))
        if chosen is None:
            unresolved = True
            continue
        assigned[gender] = chosen
        replacement = chosen.text
        if role == "poss":
            replacement += "'" if replacement.endswith("s") and " and " not in replacement else "'s"
        elif word == "there":
            previous = question[: match.start()].split()
            if not previous or previous[-1].lower() not in ("to", "from", "in", "at", "near"):
                replacement = f"to {replacement}" if _MOTION.search(question[: match.start()]) else f"in {replacement}"
        if annotate:
            replacement = f"{match.group(0)} ({replacement})"
        out.append(question[last : match.start()] + replacement)
        last = match.end()
    out.append(question[last:])
    return "".join(out), unresolved


def _doer(turn: Turn) -> Entity | None:
    """The person who answered a question about who did something: the one a "he" or "she" of the next question
    stands for ("Who announced the visit?" "Ortiz." "What is his job?"), however often another was named before.
    A "she" needs a person the articles call "she"."""
    asked = analyze(_plain(turn.searched))
    if asked.kind != "person" or not asked.subject:
        return None
    return next((s.entity for s in turn.salient if s.role == "answer" and s.entity.label == "PERSON"), None)


def _expletive(question: str, start: int) -> bool:
    """An "it" that stands for nothing: "is it true that", "how long has it been since"."""
    return bool(_EXPLETIVE_IT.match(question, start) or _EXPLETIVE_IT_AFTER.search(question[:start]) and _EXPLETIVE_IT_NEXT.match(question, start))


def _refers_inside(gender: str, before: list[Mention], lexicon: Lexicon) -> bool:
    """Whether a pronoun can stand for a name earlier in the same question."""
    for mention in reversed(before):
        entity = mention.entity
        if gender in ("m", "f") and entity.label == "PERSON":
            return _gender_fit(lexicon, entity, gender) > GENDER_FIT["contradicts"]
        if gender == "n" and entity.label in THING_LABELS:
            return True
        if gender == "loc" and entity.label in PLACE_LABELS:
            return True
    return False


def _gender_fit(lexicon: Lexicon, entity: Entity, gender: str) -> float:
    known = lexicon.gender(entity)
    if known is None:
        return GENDER_FIT[gender]
    return GENDER_FIT["fits"] if known == gender else GENDER_FIT["contradicts"]


def _referent(gender: str, ranked: list[Ranked], lexicon: Lexicon, taken: list[Entity], exclude: list[Entity]) -> Entity | None:
    """The entity a pronoun of this gender stands for; None when nothing in the last turns fits."""
    free = [r for r in ranked if not any(_same(r.entity, x) for x in taken + exclude)]
    named = [r for r in free if r.role not in ("evidence", "context", "before")]
    latest = [r for r in named if r.age == min(x.age for x in named)] if named else []
    if gender in ("m", "f"):
        fitting = [(r.score * _gender_fit(lexicon, r.entity, gender), r.entity) for r in free if r.entity.label == "PERSON"]
        fitting = [f for f in fitting if _gender_fit(lexicon, f[1], gender) > GENDER_FIT["contradicts"]]
        return max(fitting, key=lambda f: f[0])[1] if fitting else None
    if gender == "pl":
        # "they": a group that was the last answer, else the two people the last turn was about, else a group.
        answer = next((r.entity for r in latest if r.role == "answer"), None)
        if answer is not None and answer.label in GROUP_LABELS:
            return answer
        people = [r.entity for r in latest if r.entity.label == "PERSON"]
        if len(people) >= 2:
            return Entity(f"{people[0].text} and {people[1].text}", "PERSON")
        return next((r.entity for r in named if r.entity.label in GROUP_LABELS), None)
    if gender == "n":
        # "it" is a named thing only when the last turn was about one; else the last turn's words are added instead.
        return next((r.entity for r in latest if r.entity.label in THING_LABELS), None)
    # "there": the place the last turn answered with ("Which city did he visit?" "What brought him there?"),
    # else the most salient place.
    answered = next((r.entity for r in latest if r.role == "answer" and r.entity.label in PLACE_LABELS), None)
    return answered or next((r.entity for r in named if r.entity.label in PLACE_LABELS), None)


def _content_terms(question: str) -> list[str]:
    """The stemmed words of a question beyond its question words and light verbs."""
    body = _WH_PHRASE.sub("", _LEAD.sub("", question))
    return [t for t in text.terms(body) if t not in _LIGHT_VERBS and t != "so"]


def _topic(searched: str) -> str:
    """What a question was about, in its own words: without its question words and the auxiliary after them.

    A question that said little ("When? [...]") passes its context on.
    """
    main = _WH_PHRASE.sub("", _LEAD.sub("", _plain(searched))).strip(" ?!.")
    main = re.sub(r"^else\b\s*", "", main, flags=re.I)
    first, _, rest = main.partition(" ")
    topic = (rest if first.lower() in _AUX else main).strip()
    subject = _thing_subject(_plain(searched).strip())
    if subject is not None:
        topic = subject[1]  # "how long did the call last?" was about the call, not its lasting
    if len(_content_terms(topic)) <= 1:
        bracket = re.search(r"\[([^\[\]]*)\]\s*$", searched)
        inherited = bracket.group(1).split(";")[0].strip() if bracket else ""
        return ", ".join(part for part in (topic, inherited) if part)
    return topic


def _context(question: str, turns: Sequence[Turn], lexicon: Lexicon, completed: bool = False) -> list[str]:
    """What to add to a question that names nothing: the last turn's names, and its words when the question says little.

    A question ``completed`` with a thing of the last turn has its topic: only the names that turn asked about or
    answered with are added, none that merely stood in its evidence, nor its words.
    """
    # A name of the kind asked for may be the answer, and a question's own words are never its answer: such names are
    # left out, unless the question says so little ("Who said so?") that it is about them.
    excluded = KIND_LABELS.get(analyze(question).kind or "", frozenset())
    says_little = len(_content_terms(question)) <= 1
    present = [m.entity for m in lexicon.mentions(question)]
    for turn in reversed(turns):
        names = turn.entities("focus", "answer", "question")
        if not says_little:
            names = [e for e in names if e.label not in excluded]
        if completed:
            names = [e for e in names if not any(_same(e, p) for p in present)]
            return [", ".join(e.text for e in names[:3])] if names else []
        if not names:
            names = [e for e in turn.entities("context") if e.label not in excluded]
        if not names:
            names = [e for e in turn.entities("evidence") if e.label not in excluded][:2]
        names = [e for e in names if not any(_same(e, p) for p in present)]
        topic = _topic(turn.searched) if says_little else ""
        if set(text.terms(topic)) <= set(text.terms(question)):
            topic = ""  # "When did the call take place?" needs no "(the call last)"
        if not names and not topic:
            continue
        topic_words = f" {_key(topic)} "
        listed = [e.text for e in names[:3] if f" {_key(e.text)} " not in topic_words and f" {e.key} " not in topic_words]
        return [part for part in (topic, ", ".join(listed)) if part]
    return []


# ---------------------------------------------------------------- the loop


@dataclass(frozen=True)
class Library:
    """What a chat reads besides answers: the articles, their sentences and the names in them."""

    articles: Sequence[Article]
    sentences: Sequence[Sentence]
    lexicon: Lexicon

    @classmethod
    def of(cls, articles: Sequence[Article], sentences: Sequence[Sentence]) -> Library:
        return cls(articles, sentences, Lexicon.from_sentences(sentences))

    def paragraph(self, row: int) -> list[int]:
        """The rows of the sentences in the same paragraph as sentence ``row``, in order."""
        here = self.sentences[row]

        def same(j: int) -> bool:
            return 0 <= j < len(self.sentences) and self.sentences[j].article == here.article and self.sentences[j].paragraph == here.paragraph

        first, last = row, row
        while same(first - 1):
            first -= 1
        while same(last + 1):
            last += 1
        return list(range(first, last + 1))


@dataclass(frozen=True)
class Command:
    usage: str
    help: str


COMMANDS = (
    Command("/help", "this help"),
    Command("/sources", "the articles, with their titles and how many sentences each holds"),
    Command("/show N", "evidence N of the last answer in its paragraph, the sentence highlighted"),
    Command("/clear", "forget the conversation: the next question is searched as typed"),
    Command("/quit", "end the chat (so does Ctrl-D)"),
)
KEYS = (
    ("↑ ↓", "earlier questions (kept between chats)"),
    ("Ctrl-C", "abandon the line; twice in a row ends the chat (exit code 130)"),
    ("Ctrl-D", "end the chat (exit code 0)"),
)


@dataclass(frozen=True)
class Answered:
    """A question answered: as typed, as searched, and the answer."""

    question: str
    searched: str
    answer: Answer


@dataclass(frozen=True)
class Problem:
    """A line that cannot be asked or run, and why."""

    line: str
    message: str


@dataclass(frozen=True)
class Help:
    commands: tuple[Command, ...] = COMMANDS
    keys: tuple[tuple[str, str], ...] = KEYS


@dataclass(frozen=True)
class Sources:
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Shown:
    """Evidence ``number`` of the last answer, in its paragraph (``rows``), sentence ``row`` highlighted."""

    number: int
    evidence: Evidence
    article: Article
    paragraph: tuple[Sentence, ...]
    highlighted: int  # index of the evidence's sentence in ``paragraph``


@dataclass(frozen=True)
class Cleared:
    pass


@dataclass(frozen=True)
class Quit:
    pass


Reply = Answered | Problem | Help | Sources | Shown | Cleared | Quit


class Chat:
    """One line in, one reply out: questions are rewritten with the conversation and answered by ``ask``."""

    def __init__(self, ask: Callable[[str], Answer], library: Callable[[], Library]) -> None:
        self.ask = ask
        self.library = library
        self.conversation: Conversation | None = None
        self.last: Answer | None = None

    def _conversation(self) -> Conversation:
        if self.conversation is None:
            self.conversation = Conversation(self.library().lexicon)
        return self.conversation

    def handle(self, line: str) -> Reply | None:
        """The reply to one line; None for an empty line."""
        stripped = line.strip()
        if not stripped:
            return None
        if stripped.startswith("/"):
            return self._command(stripped)
        try:
            question = check_question(line)
        except QuestionError as err:
            return Problem(line, str(err))
        conversation = self._conversation()
        searched = conversation.rewrite(question)
        answer = self.ask(searched)
        conversation.remember(question, searched, answer, self.library().sentences)
        self.last = answer
        return Answered(question, searched, answer)

    def _command(self, line: str) -> Reply:
        name, _, argument = line.partition(" ")
        name = name.lower()
        argument = argument.strip()
        if name in ("/quit", "/exit", "/q"):
            return Quit()
        if name in ("/help", "/?"):
            return Help()
        if name == "/clear":
            self._conversation().clear()
            self.last = None
            return Cleared()
        if name == "/sources":
            return Sources(tuple(self.library().articles))
        if name == "/show":
            return self._show(argument)
        shown = line if len(line) <= 40 else line[:40] + "…"
        return Problem(line, f"Unknown command {shown}: type /help to see the commands.")

    def _show(self, argument: str) -> Reply:
        if self.last is None or not self.last.evidence:
            return Problem("/show", "There is no answer to show yet: ask a question first.")
        shown = self.last.shown()  # numbered as the answer showed them
        count = len(shown)
        if not argument.isdigit() or not 1 <= int(argument) <= count:
            return Problem(f"/show {argument}".strip(), f"Say which evidence to show, from 1 to {count}: e.g. /show 1.")
        number = int(argument)
        evidence = shown[number - 1]
        library = self.library()
        if evidence.sentence < 0:  # a header line (a byline): shown as it stands, above the article's text
            source = evidence.sources[0]
            number_of = next((i for i, a in enumerate(library.articles) if (a.path, a.record) == (source.path, source.record)), None)
            if number_of is None:
                return Problem(f"/show {argument}", "The article of that evidence is no longer in the index: ask the question again.")
            line = Sentence(number_of, -1, source.start, source.end, source.line, evidence.text)
            return Shown(number, evidence, library.articles[number_of], (line,), 0)
        rows = library.paragraph(evidence.sentence)
        sentence = library.sentences[evidence.sentence]
        return Shown(number, evidence, library.articles[sentence.article], tuple(library.sentences[r] for r in rows), rows.index(evidence.sentence))


def run(chat: Chat, read: Callable[[], str], show: Callable[[Reply], None], interrupted: Callable[[bool], None] | None = None) -> int:
    """The loop: read a line, show the reply, until /quit or the end of input (0) or Ctrl-C twice in a row (130).

    ``read`` raises EOFError at the end of input and KeyboardInterrupt on Ctrl-C; ``interrupted(twice)``
    is told of each Ctrl-C.
    """
    strikes = 0
    while True:
        try:
            line = read()
        except EOFError:
            return 0
        except KeyboardInterrupt:
            strikes += 1
            if interrupted:
                interrupted(strikes >= 2)
            if strikes >= 2:
                return EXIT_INTERRUPTED
            continue
        strikes = 0
        try:
            reply = chat.handle(line)
        except KeyboardInterrupt:
            if interrupted:
                interrupted(False)
            continue
        if reply is None:
            continue
        show(reply)
        if isinstance(reply, Quit):
            return 0


def lines_of(stream: Iterable[bytes]) -> Callable[[], str]:
    """A ``read`` for ``run`` over the lines of a byte stream (scripted use): undecodable bytes reach check_question."""
    iterator = iter(stream)

    def read() -> str:
        try:
            raw = next(iterator)
        except StopIteration:
            raise EOFError from None
        return raw.decode("utf-8", errors="surrogateescape").rstrip("\r\n")

    return read


T = TypeVar("T")


class Background(Generic[T]):
    """Runs ``load`` in a thread as soon as it is made; ``get`` waits for the result or raises its error."""

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._result: T | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qa-chat-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = self._load()
        except BaseException as err:  # handed to the thread that waits, which reports it
            self._error = err
        finally:
            self._done.set()

    def get(self) -> T:
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def check(self) -> None:
        """Raise the load's error now if it has failed (without waiting)."""
        if self._done.is_set() and self._error is not None:
            raise self._error

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the load to finish (for a clean exit); True when it has."""
        return self._done.wait(timeout)


def history_file(environ: dict[str, str] | None = None) -> Path:
    """Where the questions typed are kept: $XDG_DATA_HOME/qa/history, else ~/.local/share/qa/history."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "qa" / "history"
