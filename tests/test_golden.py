"""Golden tests: selected corpus files compile to exactly the graph stored in tests/golden/.

Files are named after the corpus file they come from (cases/<id>.md -> golden/cases/<id>.ttl).
After an intended change, regenerate with `pytest tests/test_golden.py --regen-golden` and
review the diff in git.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from ingest.compile import compile_file
from ingest.corpus import load_corpus
from ontology.iris import Minter
from ontology.namespace import COOP, DCTERMS, PROV, RDF, RDFS, SKOS
from tests.conftest import CORPUS
from tests.rdfcompare import as_graph, assert_isomorphic

GOLDEN = Path(__file__).resolve().parent / "golden"
FILES = [
    "cases/contrat-reciprocite-brest-cob.md",
    "cases/entente-interterritoriale-tridan.md",
    "cases/chantiers-gironde-2033.md",
    "vocab/levers.yaml",
]


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS)


@pytest.mark.parametrize("rel", FILES)
def test_golden(corpus, rel, regen_golden):
    graph = as_graph(compile_file(corpus, rel, Minter("https://w3id.org/coopkg/id/")))
    for prefix, ns in (("coop", COOP._NS), ("dcterms", DCTERMS), ("prov", PROV), ("skos", SKOS), ("rdfs", RDFS), ("rdf", RDF)):
        graph.bind(prefix, ns)
    graph.bind("id", "https://w3id.org/coopkg/id/")
    golden = GOLDEN / Path(rel).with_suffix(".ttl")
    if regen_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(graph.serialize(format="turtle"), encoding="utf-8")
        pytest.skip(f"regenerated {golden}")
    assert golden.exists(), f"missing {golden}; run pytest --regen-golden"
    assert_isomorphic(graph, Graph().parse(golden, format="turtle"), rel)
