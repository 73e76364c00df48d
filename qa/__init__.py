"""qa: offline question answering over a folder of news articles, with cited evidence."""

__version__ = "0.1.0"
