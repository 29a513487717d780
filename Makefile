# The two commands of the README. Both set everything up first (idempotent, fast the second time).
.PHONY: run test setup

setup:
	scripts/setup

# Build the knowledge base from corpus/ and show what is in it.
run: setup
	.venv/bin/coopkg build
	.venv/bin/coopkg stats

# Every test, including the slow ones (real reasoner, real SPARQL server).
test:
	scripts/setup-test
	.venv/bin/python -m pytest -q
