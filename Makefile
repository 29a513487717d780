# The two commands of the README. Both set everything up first (idempotent, fast the second time).
.PHONY: run test setup

setup:
	scripts/setup

# Build the knowledge base and search index from corpus/, then serve them on http://127.0.0.1:8000.
run: setup
	.venv/bin/coopkg build
	.venv/bin/coopkg serve

# Every test, including the slow ones (real reasoner, real SPARQL server).
test:
	scripts/setup-test
	.venv/bin/python -m pytest -q
