"""Golden tests of the whole extraction chain: a fixture document of each format (txt, md, html,
docx, pdf) gives exactly the graph stored in tests/golden/documents/<file>.ttl (isomorphism; the
diff prints only the differing triples). Real readers, segmenter, spaCy pipeline and lexicon from a
store built from the corpus; the hashing fake embedder keeps the embedding step deterministic and
fast. After an intended change: `pytest tests/test_ingest_golden.py --regen-golden`, then review
the diff in git."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from coopkg.ingesting import Ingestor
from ingest.documents.extract import extract
from ingest.documents.lexicon import Lexicon
from ingest.documents.readers import read_document
from ingest.documents.segment import candidates
from kb.store import open_store
from ontology.namespace import COOP, DCTERMS, PROV, RDF, RDFS
from tests.rdfcompare import as_graph, assert_isomorphic

DATA = Path(__file__).resolve().parent / "data" / "documents"
GOLDEN = Path(__file__).resolve().parent / "golden" / "documents"
FILES = [
    "pipeline/reciprocite-brest-cob.md",
    "pipeline/pat-grand-clermont.txt",
    "formats/entente_tridan.html",
    "formats/pole_metropolitain.docx",
    "formats/contrat_reciprocite.pdf",
    "styles/grille-deux-pratiques.txt",
    "styles/deux-pratiques-savoie.md",
    "fresh/pole-loire-bretagne.html",
]


@pytest.fixture(scope="module")
def chain(built_settings):
    ingestor = Ingestor(built_settings)
    store = open_store(built_settings)
    lexicon = Lexicon.from_store(store)
    yield ingestor, store, lexicon
    store.close()


def document_graph_of(chain, rel: str) -> Graph:
    ingestor, store, lexicon = chain
    doc = read_document(DATA / rel)
    found = candidates(doc)
    semantic = ingestor.semantic(lexicon)
    mentions = [extract(doc, c, lexicon, nlp=ingestor.nlp, semantic=semantic,
                        link_threshold=ingestor.settings.ingest_link_threshold) for c in found]
    dg = ingestor.compile(store, doc, found, mentions)
    graph = as_graph(dg.triples)
    for prefix, ns in (("coop", COOP._NS), ("dcterms", DCTERMS), ("prov", PROV), ("rdfs", RDFS), ("rdf", RDF)):
        graph.bind(prefix, ns)
    graph.bind("id", ingestor.minter.base)
    return graph


@pytest.mark.parametrize("rel", FILES)
def test_document_graph_matches_golden(chain, rel, regen_golden):
    graph = document_graph_of(chain, rel)
    golden = GOLDEN / (Path(rel).name + ".ttl")
    if regen_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(graph.serialize(format="turtle"), encoding="utf-8")
        pytest.skip(f"regenerated {golden}")
    assert golden.exists(), f"missing {golden}; run pytest tests/test_ingest_golden.py --regen-golden"
    assert_isomorphic(graph, Graph().parse(golden, format="turtle"), rel)


def test_same_document_gives_the_same_graph(chain):
    first = document_graph_of(chain, FILES[0])
    assert_isomorphic(document_graph_of(chain, FILES[0]), first, "second run")
