"""Search: embedding model preparation (and, later, dense + lexical hybrid retrieval)."""
