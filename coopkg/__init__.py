"""coopkg: knowledge graph and semantic search of territorial cooperation practices."""

__version__ = "0.1.0"
