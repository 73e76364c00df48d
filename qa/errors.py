"""Errors that reach the user as a one-line message that says what to do."""

from __future__ import annotations

EXIT_INTERRUPTED = 130  # after Ctrl-C, as a shell reports a process that SIGINT ended


class QAError(Exception):
    """Base class: its message is shown to the user as is."""

    exit_code = 2


class QuestionError(QAError):
    """The question cannot be asked as given."""


class CorpusError(QAError):
    """The corpus folder is missing, empty or unreadable."""


class CorpusWriteError(QAError):
    """Articles cannot be copied into the corpus folder."""


class IndexMissingError(QAError):
    """There is no index where one was expected."""


class IndexCorruptError(QAError):
    """The index on disk is damaged, incomplete or from an incompatible version."""


class IndexBusyError(QAError):
    """Another process is building the index."""


class IndexWriteError(QAError):
    """The index cannot be written where it was asked for."""


class ModelError(QAError):
    """The embedding model or the NLP model is missing or damaged."""
