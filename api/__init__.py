"""The HTTP service: SPARQL 1.1 endpoint, search API, linked-data pages and web UI (FastAPI)."""
