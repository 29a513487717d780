"""Errors of the embedding side, in a module of their own so that every encoder module can raise
them without importing :mod:`search.embedder` (which imports those modules)."""
from __future__ import annotations


class EmbedderError(Exception):
    """The embedding model cannot be loaded or used; the message says why and what to do. The CLI
    prints it as one line (exit code 1)."""
