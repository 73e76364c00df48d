"""Adding articles to the corpus folder: files are copied in, and nothing there is overwritten unless asked."""

from __future__ import annotations

import filecmp
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.corpus import SUFFIXES
from qa.errors import CorpusError, CorpusWriteError


@dataclass(frozen=True)
class Copy:
    """One file to bring into the corpus, and what is at its place there now."""

    source: Path
    target: Path
    state: str  # "new", "same" (an identical file is there) or "replace" (a different one is)


def plan(paths: Sequence[Path], corpus: Path, replace: bool = False) -> list[Copy]:
    """The copies that adding ``paths`` (files or folders) to ``corpus`` makes; CorpusError before anything is copied."""
    corpus = corpus.resolve()
    copies: dict[Path, Copy] = {}
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            raise CorpusError(f"{given} does not exist: give the article files or folders to add.")
        resolved = path.resolve()
        if resolved == corpus or corpus in resolved.parents:
            raise CorpusError(f"{given} is already in the corpus folder {corpus}: qa indexes it as it is.")
        if path.is_dir():
            found = [p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUFFIXES and not _hidden(p.relative_to(path))]
            if not found:
                raise CorpusError(f"{given} holds no articles ({', '.join(SUFFIXES)}): nothing to add.")
            pairs = [(p, corpus / resolved.name / p.relative_to(path)) for p in found]
        elif path.suffix.lower() in SUFFIXES:
            pairs = [(path, corpus / path.name)]
        else:
            raise CorpusError(f"{given} is not an article file: qa reads {', '.join(SUFFIXES)}.")
        for source, target in pairs:
            if target in copies and copies[target].source.resolve() != source.resolve():
                raise CorpusError(f"{copies[target].source} and {source} would both be copied to {target}: add them one at a time, or rename one.")
            copies[target] = Copy(source, target, _state(source, target))
    clashes = [c for c in copies.values() if c.state == "replace"]
    if clashes and not replace:
        names = ", ".join(str(c.target.relative_to(corpus)) for c in clashes[:3]) + (" …" if len(clashes) > 3 else "")
        raise CorpusError(f"The corpus already has a different {names}: rename what you add, or add it with --replace to update the article.")
    return list(copies.values())


def copy(copies: Sequence[Copy]) -> None:
    """Copy each file in; a file appears whole or not at all (written aside, then renamed)."""
    for item in copies:
        if item.state == "same":
            continue
        partial = item.target.with_name(f".{item.target.name}.qa-partial")
        try:
            item.target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(item.source, partial)
            os.replace(partial, item.target)
        except OSError as err:
            partial.unlink(missing_ok=True)
            raise CorpusWriteError(f"Cannot copy {item.source} into {item.target.parent} ({err.strerror or err}): check that the corpus folder is writable and has space.") from err


def _state(source: Path, target: Path) -> str:
    if not target.exists():
        return "new"
    if target.is_file() and filecmp.cmp(source, target, shallow=False):
        return "same"
    if not target.is_file():
        raise CorpusError(f"{target} is in the way of {source} (it is not a file): rename one of them.")
    return "replace"


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)
