from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ontology import ONTOLOGY_FILE, SHAPES_FILE, codegen
from ontology.model import ontology_index
from ontology.namespace import COOP

NS = str(COOP._NS)


def test_ontology_and_shapes_parse():
    assert len(Graph().parse(ONTOLOGY_FILE)) > 500
    assert len(Graph().parse(SHAPES_FILE)) > 50


def test_generated_files_are_fresh():
    stale = codegen.stale_outputs()
    assert not stale, f"run `coopkg dev regenerate`; stale: {[str(p) for p in stale]}"


def test_every_term_has_french_and_english_labels_and_a_french_definition():
    g = Graph().parse(ONTOLOGY_FILE)
    problems = []
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in g.subjects(RDF.type, kind):
            if not str(term).startswith(NS):
                continue
            langs = {label.language for label in g.objects(term, RDFS.label)}
            if not {"fr", "en"} <= langs:
                problems.append(f"{term}: labels in {langs}")
            if not any(d.language == "fr" for d in g.objects(term, SKOS.definition)):
                problems.append(f"{term}: no French definition")
    assert not problems, "\n".join(problems)


def test_type_slugs_are_unique_and_cover_the_brief():
    index = ontology_index()
    for slug in ("commune", "communaute-de-communes", "communaute-agglomeration", "communaute-urbaine", "metropole",
                 "syndicat-mixte", "pays", "petr", "pnr", "pole-metropolitain", "departement", "region", "service-etat",
                 "agence-etat", "agence-urbanisme", "conseil-de-developpement", "association", "structure-ess",
                 "entreprise", "collectif-citoyen", "reseau-ressources"):
        assert slug in index.actor_types, slug
    for slug in ("convention", "convention-territoires-partenaires", "convention-articulation", "convention-mutualisation",
                 "entente-interterritoriale", "contrat-de-reciprocite", "plan-de-cooperation", "pacte-politique", "charte",
                 "syndicat-mixte", "gip", "petr", "pole-metropolitain", "ptce", "tzcld", "pat", "leader", "chantier",
                 "contrat-local-de-sante", "scot"):
        assert slug in index.instrument_types, slug
    assert COOP.Metropole == index.actor_types["metropole"].iri


def test_namespace_module_refuses_unknown_terms():
    import pytest

    with pytest.raises(AttributeError):
        COOP.NoSuchTerm  # noqa: B018
