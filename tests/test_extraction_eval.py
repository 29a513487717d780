"""Matching and metric functions of `coopkg bench extraction` on small hand-made values (no seeds, no models)."""
from __future__ import annotations

import json

import pytest

from benchmarks.extraction_eval import (
    INSTRUMENT_ROOT,
    TITLE_ELIGIBLE,
    ActorMatcher,
    ActorRef,
    CuratedCase,
    ExtractedCase,
    InstrumentRef,
    aggregate,
    content_words,
    evaluate_seed,
    fold,
    grid_scores,
    instrument_verdict,
    match_cases,
    name_key,
    name_similarity,
    prf,
    render_summary,
    save,
    title_similarity,
    top_instrument,
    verdicts,
    write_docs,
)

A = "https://example.org/id/actor/"
C = "https://w3id.org/coopkg/ontology#"
# A small instrument hierarchy: root > Contractual > Contract > {Reciprocite, Sante}; root > Charte
PARENTS = {
    INSTRUMENT_ROOT: set(),
    C + "ContractualInstrument": {INSTRUMENT_ROOT},
    C + "Contract": {C + "ContractualInstrument"},
    C + "ContratDeReciprocite": {C + "Contract"},
    C + "ContratLocalDeSante": {C + "Contract"},
    C + "Charte": {INSTRUMENT_ROOT},
}


def actor(ident: str, label: str = "", asserted: bool = True, confidence: float = 0.95) -> ActorRef:
    return ActorRef(A + ident, label or ident, confidence, asserted)


def test_fold_and_name_key():
    assert fold("Communauté d'agglomération du **Grand Besançon** !") == "communaute d agglomeration du grand besancon"
    assert content_words("Le Pays de la Baie du Mont-Saint-Michel") == "pays baie mont saint michel"
    assert name_key("l'Agence d'urbanisme") == "agence urbanisme"
    assert name_key("La Région Bretagne") == "region bretagne"
    # acronyms of whole names are expanded on both sides
    assert name_key("CPAM de la Vendée") == name_key("Caisse primaire d'assurance maladie de la Vendée")
    # the type acronyms too
    assert name_key("PETR du Pays Terres de Lorraine") == name_key(
        "Pôle d'équilibre territorial et rural du Pays Terres de Lorraine")
    assert name_key("CA du Grand Cahors") == name_key("Communauté d'agglomération du Grand Cahors")
    assert name_key("PNR du Vexin français") == name_key("Parc naturel régional du Vexin français")
    assert name_key("le Parc du Vexin français") == name_key("PNR du Vexin français")
    assert name_key("ARS Pays de la Loire") == name_key("Agence régionale de santé Pays de la Loire")


def test_name_similarity_is_strict_on_subsets():
    assert name_similarity("Brest Métropole", "brest metropole") == 100
    assert name_similarity("Pays Sarthois", "Pays sarthois") == 100
    assert name_similarity("Métropole de Brest", "Brest métropole") >= 90  # word order ignored
    assert name_similarity("Pays de Rennes", "Pays de Redon") < 90
    # 90 % of the characters are shared, but not the distinctive part
    assert name_similarity("Communauté d'agglomération du Grand Besançon", "Communauté d'agglomération du Grand Chalon") < 90
    assert name_similarity("CA du Grand Chalon", "ca du grand chalon") == 100
    assert name_similarity("Pays de Brest", "Pôle métropolitain du Pays de Brest") < 90  # no subset bonus


def test_title_similarity_uses_alt_labels_and_ignores_function_words():
    names = ["Programme de coopérations territoriales de Bordeaux Métropole", "Chantiers Gironde 2033"]
    assert title_similarity("LES « CHANTIERS »", names) == 1.0  # a subset of an alt label
    assert title_similarity("Pays de Figeac", ["Pays de Vitré – Porte de Bretagne"]) < 0.7
    assert title_similarity("Pays Basque", ["Le concept de « réciprocité territoriale » du Pays Basque"]) == 1.0
    assert title_similarity("Contrat de réciprocités", ["Contrat de réciprocité Brest – COB"]) == 1.0  # plural mark
    assert title_similarity("Communauté d'agglomération du Grand Besançon",
                            ["Communauté d'agglomération du Grand Chalon"]) < TITLE_ELIGIBLE  # generic words only
    assert title_similarity("", names) == 0.0


def test_actor_matcher_by_iri_dedupes_mentions():
    m = ActorMatcher("iri")
    pred = [actor("brest"), actor("brest", "Brest métropole"), actor("cob"), actor("x")]
    hits = m.match(pred, [A + "brest", A + "cob", A + "cget"])
    assert sorted(g for _, g in hits) == [A + "brest", A + "cob"]
    assert len(m.predicted(pred)) == 3


def test_actor_matcher_by_label_is_one_to_one():
    names = {A + "brest": ["Brest métropole", "Métropole de Brest"], A + "cob": ["Pays du Centre Ouest Bretagne", "COB"]}
    m = ActorMatcher("label", names)
    pred = [ActorRef(A + "n1", "Brest Metropole"), ActorRef(A + "n2", "Brest métropole."),  # same normalised name
            ActorRef(A + "n3", "Métropole de Brest"),  # another name of the same actor: a duplicate
            ActorRef(A + "n4", "Centre ouest bretagne")]  # not close enough to the label
    hits = m.match(pred, [A + "brest", A + "cob"])
    assert [(a.label, g) for a, g in hits] == [("Brest Metropole", A + "brest")]
    assert len(m.predicted(pred)) == 3
    with pytest.raises(ValueError):
        ActorMatcher("embedding")


CC, EPCI, COMMUNE, PNR, PAYS = (C + x for x in ("CommunauteDeCommunes", "EPCI", "Commune", "PNR", "PaysStructure"))
ANCESTORS = {CC: frozenset({EPCI, C + "PublicActor", C + "Actor"}), EPCI: frozenset({C + "PublicActor", C + "Actor"}),
             COMMUNE: frozenset({C + "LocalAuthority", C + "PublicActor", C + "Actor"}),
             PNR: frozenset({C + "PublicActor", C + "Actor"}), PAYS: frozenset({C + "PublicActor", C + "Actor"})}


def group_matcher() -> ActorMatcher:
    names = {A + "cc-tridan": ["Cinq communautés de communes de l'entente TRIDAN (non nommées dans la source)"],
             A + "pnr": ["Un parc naturel régional lié à un Pays par une convention (non nommé dans la source)"],
             A + "pays": ["Un Pays lié à un parc naturel régional par une convention (non nommé dans la source)"],
             A + "chalon": ["Communes du Grand Chalon et leurs élus (non nommées dans la source)"],
             A + "figeac": ["Pays de Figeac"]}
    classes = {A + "cc-tridan": frozenset({CC}), A + "pnr": frozenset({PNR}), A + "pays": frozenset({PAYS}),
               A + "chalon": frozenset({COMMUNE}), A + "figeac": frozenset({PAYS})}
    return ActorMatcher("label", names, classes=classes, ancestors=ANCESTORS)


def test_groups_pair_by_class_inside_a_case_only_when_asked():
    m = group_matcher()
    cc = ActorRef(A + "x1", "Cinq communautés de communes partenaires de la coopération « Entente interterritoriale "
                            "TRIDAN » (non nommées dans la source)", 0.7, True, (CC,))
    pnr = ActorRef(A + "x2", "Un PNR partenaire de la coopération « Convention PNR / Pays » (non nommé dans la source)",
                   0.7, True, (PNR,))
    gold = [A + "cc-tridan", A + "pnr", A + "pays"]
    assert m.match([cc, pnr], gold) == []  # by name alone: descriptions worded otherwise
    hits = m.match([cc, pnr], gold, groups_by_class=True)
    assert {(a.iri, g) for a, g in hits} == {(A + "x1", A + "cc-tridan"), (A + "x2", A + "pnr")}
    assert not any(m.by_name(a, g) for a, g in hits)
    # a superclass pairs with its subclass (EPCI with communautés de communes), one to one
    epci = ActorRef(A + "x3", "EPCI partenaires de la coopération (non nommés dans la source)", 0.7, True, (EPCI,))
    assert [g for _, g in m.match([epci], gold, groups_by_class=True)] == [A + "cc-tridan"]
    assert [a.iri for a, _ in m.match([cc, epci], gold, groups_by_class=True)] == [A + "x1"]


def test_class_pairs_rank_after_name_pairs_and_skip_named_and_generic_actors():
    m = group_matcher()
    by_name = ActorRef(A + "x1", "Communes du Grand Chalon (non nommées dans la source)", 0.72, True, (COMMUNE,))
    other = ActorRef(A + "x2", "Communes du Grand Besançon (non nommées dans la source)", 0.72, True, (COMMUNE,))
    hits = m.match([other, by_name], [A + "chalon"], groups_by_class=True)
    assert [(a.iri, m.by_name(a, g)) for a, g in hits] == [(A + "x1", True)]  # the name pair wins
    # a named actor never pairs by class, nor with a named curated actor
    named = ActorRef(A + "x3", "Pays de Vitré", 0.9, True, (PAYS,))
    assert m.match([named], [A + "pays", A + "figeac"], groups_by_class=True) == []
    group = ActorRef(A + "x4", "Pays partenaires (non nommés dans la source)", 0.7, True, (PAYS,))
    assert [g for _, g in m.match([group], [A + "figeac", A + "pays"], groups_by_class=True)] == [A + "pays"]
    # too general a class says nothing of which group it is
    partners = ActorRef(A + "x5", "Partenaires (non nommés dans la source)", 0.7, True, (C + "Actor",))
    assert m.match([partners], [A + "pnr", A + "pays"], groups_by_class=True) == []
    untyped = ActorRef(A + "x6", "Communes (non nommées dans la source)", 0.7, True, ())
    assert m.match([untyped], [A + "chalon"], groups_by_class=True) == []


def test_evaluate_seed_counts_groups_paired_by_class():
    m = group_matcher()
    cur = [curated("tridan", "Entente interterritoriale TRIDAN", ["cc-tridan", "figeac"])]
    cc = ActorRef(A + "x1", "Cinq communautés de communes (non nommées dans la source)", 0.7, True, (CC,))
    ext = [ExtractedCase("urn:t", "Entente interterritoriale TRIDAN", "seed.txt", 0, [cc], [], {}, set())]
    seed = evaluate_seed(ext, cur, m, PARENTS, unnamed={A + "cc-tridan"})
    a = seed["actors"]
    assert (a["tp"], a["tp_groups_by_class"], a["recall"], a["recall_groups_by_name"]) == (1, 1, 0.5, 0.0)
    assert seed["matches"][0]["actors"]["groups_by_class"] == [
        "Cinq communautés de communes (non nommées dans la source) = cc-tridan"]
    overall = aggregate({"seed-x": seed})["actors"]
    assert (overall["tp_groups_by_class"], overall["precision_groups_by_name"]) == (1, 0.0)
    text = render_summary({"configurations": {"vocab": {
        "overall": aggregate({"seed-x": seed}), "seeds": {"seed-x": seed}, "actor_matching": "by name",
        "date": "2026-12-03", "ingest": {"seconds": 1}, "goals": verdicts(aggregate({"seed-x": seed}))}}})
    assert "by class inside their case: 1 of the 1 actors found" in text and "actor recall would be 0.00" in text


def curated(ident: str, title: str, actors=(), alt=(), types=(), grid=None, levers=()) -> CuratedCase:
    return CuratedCase(ident, title, list(alt), ["seed-x"], [A + a for a in actors], [C + t for t in types],
                       grid or {}, {f"L/{x}" for x in levers})


def extracted(title: str, actors=(), instruments=(), grid=None, levers=()) -> ExtractedCase:
    return ExtractedCase("urn:" + title, title, "seed.txt", 0, [actor(a) for a in actors],
                         [InstrumentRef(C + t, c, s) for t, c, s in instruments], grid or {}, {f"L/{x}" for x in levers})


def test_match_cases_greedy_one_to_one():
    cur = [curated("nevers-contrat", "Contrat unique du Pays de Nevers Sud Nivernais et de l'agglomération",
                   ["pays-nevers", "agglo-nevers", "etat"]),
           curated("nevers-ca", "Conseil d'administration élargi du Pays de Nevers Sud Nivernais", ["pays-nevers", "communes"]),
           curated("figeac", "Réunions par groupes de communes du Pays de Figeac", ["pays-figeac", "communes"])]
    ext = [extracted("Pays de Nevers Sud Nivernais", ["pays-nevers"]),
           extracted("Pays de Nevers Sud Nivernais et l'agglomération", ["pays-nevers", "agglo-nevers"]),
           extracted("Formation", ["bordeaux"])]
    matches = match_cases(ext, cur, ActorMatcher("iri"))
    assert [(m.extracted, m.curated) for m in matches] == [(1, 0), (0, 1)]
    assert matches[0].title == 1.0 and matches[0].shared == 2


def test_match_cases_by_shared_actors_despite_a_bad_title():
    cur = [curated("bordeaux", "Programme de coopérations territoriales de Bordeaux Métropole",
                   ["bordeaux", "sysdau", "gironde", "region", "a-urba", "epci"])]
    ext = [extracted("Formation", ["bordeaux", "sysdau"]), extracted("Déroulé", ["bordeaux"])]
    matches = match_cases(ext, cur, ActorMatcher("iri"))
    assert [(m.extracted, m.curated, m.shared) for m in matches] == [(0, 0, 2)]
    # one shared actor out of six and an unrelated title: not eligible
    assert match_cases(ext[1:], cur, ActorMatcher("iri")) == []


def test_prf():
    assert prf(3, 4, 6) == {"tp": 3, "predicted": 4, "gold": 6, "precision": 0.75, "recall": 0.5, "f1": 0.6}
    assert prf(0, 0, 2)["precision"] is None and prf(0, 0, 2)["recall"] == 0.0
    assert prf(0, 3, 2)["f1"] == 0.0


def test_top_instrument_breaks_ties_by_position():
    found = [InstrumentRef(C + "Charte", 0.95, 300), InstrumentRef(C + "Contract", 0.95, 12),
             InstrumentRef(C + "ContratDeReciprocite", 0.6, 0)]
    assert top_instrument(found).type == C + "Contract"
    assert top_instrument([]) is None


def test_instrument_verdict_strict_and_lenient():
    assert instrument_verdict(C + "ContratDeReciprocite", [C + "ContratDeReciprocite"], PARENTS) == (True, True)
    assert instrument_verdict(C + "Contract", [C + "ContratDeReciprocite"], PARENTS) == (False, True)  # superclass
    assert instrument_verdict(C + "ContratDeReciprocite", [C + "ContractualInstrument"], PARENTS) == (False, True)  # subclass
    assert instrument_verdict(C + "ContratLocalDeSante", [C + "ContratDeReciprocite"], PARENTS) == (False, False)  # siblings
    assert instrument_verdict(INSTRUMENT_ROOT, [C + "Charte"], PARENTS) == (False, False)  # the root is no answer
    assert instrument_verdict(None, [C + "Charte"], PARENTS) == (False, False)


def test_grid_scores_fill_and_similarity():
    gold = {"triggers": ["L'élaboration du SAGE de l'Ardèche."], "stakes": ["Concilier gestion de l'eau et développement."],
            "object": ["Partage des données."], "partners_scale": []}
    got = {"triggers": ["Elaboration du SAGE Ardèche"], "stakes": ["Des financements"], "ambitions": ["Faire ensemble"]}
    scores = grid_scores(gold, got)
    assert set(scores) == {"triggers", "stakes", "object"}  # only the fields the curated case fills
    assert scores["triggers"]["filled"] and scores["triggers"]["similar"]
    assert scores["stakes"]["filled"] and not scores["stakes"]["similar"]
    assert not scores["object"]["filled"] and not scores["object"]["similar"]


def seed_values():
    cur = [curated("reciprocite", "Contrat de réciprocité Brest – COB", ["brest", "cob", "cget"],
                   types=["ContratDeReciprocite", "ContratLocalDeSante"],
                   grid={"triggers": ["Des liens entre ville et campagne"], "object": ["Séjours de jeunes"]},
                   levers=["L7", "L9"]),
           curated("tzcld", "Territoires zéro chômeur de longue durée", ["tzcld", "etat"], types=["Charte"])]
    ext = [extracted("Contrat de réciprocité Brest", ["brest", "cob", "carrefour"],
                     [("Contract", 0.95, 10), ("ContratLocalDeSante", 0.9, 5)],
                     {"triggers": ["liens ville campagne"]}, levers=["L7", "L3"]),
           extracted("Déroulé de l'atelier", ["carrefour"])]
    ext[0].actors.append(actor("cget", asserted=False, confidence=0.5))
    return ext, cur


def test_evaluate_seed_and_aggregate():
    ext, cur = seed_values()
    seed = evaluate_seed(ext, cur, ActorMatcher("iri"), PARENTS, unnamed={A + "cob"})
    assert seed["cases"] == {"curated": 2, "extracted": 2, "found": 1, "extra": 1}
    assert seed["missed_cases"] == ["tzcld"] and seed["extra_cases"] == ["Déroulé de l'atelier"]
    assert seed["actors"]["tp"] == 2 and seed["actors"]["predicted"] == 3 and seed["actors"]["gold"] == 3
    assert seed["actors"]["recall_with_suggestions"] == 1.0
    # "cob" is a placeholder: the named actors are brest (found) and cget (missed)
    assert seed["actors"]["tp_named"] == 1 and seed["actors"]["recall_named"] == 0.5
    # the actors of the unmatched curated case count as missed in recall_all_cases
    assert seed["actors"]["gold_all_cases"] == 5 and seed["actors"]["recall_all_cases"] == 0.4
    detail = seed["matches"][0]
    assert detail["actors"]["missed"] == ["cget"] and detail["actors"]["missed_but_suggested"] == ["cget"]
    assert detail["actors"]["missed_unnamed"] == []
    assert detail["actors"]["spurious"] == ["carrefour"]
    assert detail["instrument"]["top"] == "Contract" and detail["instrument"]["lenient"] and not detail["instrument"]["strict"]
    assert seed["instruments"]["curated_type_extracted"] == 1
    assert seed["grid"]["curated"] == 2 and seed["grid"]["filled"] == 1 and seed["grid"]["similar"] == 1
    assert seed["levers"]["tp"] == 1 and seed["levers"]["precision"] == 0.5
    # document level: 2 of the 5 curated actors of the seed's cases are asserted somewhere in the document
    assert seed["actors_document"]["tp"] == 2 and seed["actors_document"]["gold"] == 5
    assert seed["actors_document"]["predicted"] == 3

    assert seed["actors_document"]["missed"] == ["cget", "etat", "tzcld"] and seed["actors_document"]["gold_named"] == 4

    overall = aggregate({"a": seed, "b": seed})
    assert overall["cases"]["found"] == 2 and overall["cases"]["found_rate"] == 0.5
    assert overall["actors"]["recall_named"] == 0.5 and overall["actors"]["recall_all_cases"] == 0.4
    assert overall["actors"]["tp"] == 4 and overall["actors"]["precision"] == round(4 / 6, 4)
    assert overall["instruments"]["strict_accuracy"] == 0.0 and overall["instruments"]["lenient_accuracy"] == 1.0
    goals = verdicts(overall)
    assert not goals["actor_recall"]["met"] and goals["instrument_accuracy_lenient"]["met"]


def test_placeholder_actors_include_undetailed_groups():
    """Curated actors whose label says the source does not name them, or does not detail who they
    are, are placeholders (left out of "R named"), as extraction treats them."""
    from benchmarks.extraction_eval import placeholder_actors
    from ontology.iris import Minter

    class Corpus:
        def of(self, kind):
            assert kind == "actor"
            return {"communes": {"label": "Communes du Pays de Tarnac (non nommées dans la source)"},
                    "participants": {"label": "Participants au conseil élargi (composition non détaillée dans la source)"},
                    "tarnac": {"label": "Pays de Tarnac"}}

    m = Minter("https://example.org/kb/")
    assert placeholder_actors(Corpus(), m) == {str(m.iri("actor", "communes")), str(m.iri("actor", "participants"))}


def test_save_keeps_the_other_registry_and_docs_block(tmp_path):
    ext, cur = seed_values()
    seed = evaluate_seed(ext, cur, ActorMatcher("iri"), PARENTS)
    overall = aggregate({"seed-x": seed})
    conf = {"date": "2025-01-01T00:00:00+00:00", "actor_matching": "by IRI", "ingest": {"seconds": 1.0},
            "seeds": {"seed-x": seed}, "overall": overall, "goals": verdicts(overall)}
    out = tmp_path / "extraction.json"
    save({"configurations": {"vocab": {**conf, "actor_matching": "by name"}}}, out)
    save({"configurations": {"full": conf}}, out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["configurations"]) == {"full", "vocab"}

    doc = tmp_path / "extraction.md"
    doc.write_text("# Raw document ingestion\n\nText.\n", encoding="utf-8")
    write_docs(data, doc)
    first = doc.read_text(encoding="utf-8")
    assert first.startswith("# Raw document ingestion\n\nText.\n\n## Evaluation on the seeds\n")
    assert "| seed-x | 1/2 | 1 |" in first and "**Registry `vocab`**" in first
    doc.write_text(first + "\nHand-written analysis.\n", encoding="utf-8")
    write_docs(data, doc)  # only the generated block is rewritten
    second = doc.read_text(encoding="utf-8")
    assert second.count("## Evaluation on the seeds") == 1 and second.endswith("Hand-written analysis.\n")
    assert render_summary({"configurations": {}}) == ""


def test_curated_actor_classes_and_their_ancestors_come_from_the_corpus_and_ontology():
    from pathlib import Path

    from benchmarks.extraction_eval import actor_classes, class_ancestors
    from ingest.corpus import load_corpus
    from ontology.iris import Minter

    minter = Minter("https://w3id.org/coopkg/id/")
    classes = actor_classes(load_corpus(Path(__file__).resolve().parent.parent / "corpus"), minter)
    assert classes[str(minter.iri("actor", "cc-entente-tridan"))] == {CC}
    assert classes[str(minter.iri("actor", "syndicat-pays-articulation-sage-ardeche"))] == {C + "SyndicatMixte", PAYS}
    ancestors = class_ancestors()
    assert EPCI in ancestors[CC] and C + "Actor" in ancestors[CC] and CC not in ancestors[CC]
