"""Building the store: idempotent, incremental, atomic, and validated by SHACL."""
from __future__ import annotations

import pytest
from rdflib import Graph

import kb.build as build_module
from ingest.errors import CorpusInvalid
from kb.build import build
from kb.store import open_store
from kb.validation import ShapesViolated
from ontology.namespace import COOP
from tests.rdfcompare import assert_isomorphic

CASE = "contrat-reciprocite-brest-cob"


def dump(settings) -> Graph:
    store = open_store(settings)
    try:
        return Graph().parse(data=store.dump("nt").decode("utf-8"), format="nt")
    finally:
        store.close()


def quads(settings) -> bytes:
    store = open_store(settings)
    try:
        return b"\n".join(sorted(store.dump("nq").split(b"\n")))
    finally:
        store.close()


def test_build_twice_is_a_no_op_and_force_rebuild_is_isomorphic(make_settings, tmp_path):
    settings = make_settings()
    first = build(settings)
    assert first.full and len(first.compiled) == first.files
    before = dump(settings)
    second = build(settings)
    assert not second.changed and second.compiled == []
    third = build(settings, force=True)
    assert len(third.compiled) == third.files
    assert_isomorphic(dump(settings), before, "after forced rebuild")
    other = make_settings().model_copy(update={"home": tmp_path / "other"})
    build(other)
    assert_isomorphic(dump(other), before, "fresh build elsewhere")


def test_every_case_has_actors_roles_instruments_levers_sources(built_settings):
    store = open_store(built_settings)
    try:
        rows = store.select("""PREFIX coop: <https://w3id.org/coopkg/ontology#>
            PREFIX dcterms: <http://purl.org/dc/terms/>
            SELECT ?c (COUNT(DISTINCT ?role) AS ?roles) (COUNT(DISTINCT ?i) AS ?i_n) (COUNT(DISTINCT ?l) AS ?l_n)
                   (COUNT(DISTINCT ?s) AS ?s_n) WHERE {
              ?c a coop:CooperationCase ; coop:hasParticipation/coop:role ?role ;
                 coop:usesInstrument ?i ; coop:mobilisesLever ?l ; dcterms:source ?s } GROUP BY ?c""").rows
    finally:
        store.close()
    assert len(rows) >= 31
    assert all(int(n) >= 1 for row in rows for n in row[1:])


def test_inferences_are_materialised(built_settings):
    store = open_store(built_settings)
    try:
        ask = lambda q: store.ask("PREFIX coop: <https://w3id.org/coopkg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> " + q)  # noqa: E731
        assert ask("ASK { <https://w3id.org/coopkg/id/actor/brest-metropole> a coop:EPCI , coop:Actor }")
        assert ask(f"ASK {{ <https://w3id.org/coopkg/id/case/{CASE}> coop:involves <https://w3id.org/coopkg/id/actor/brest-metropole> }}")
        assert ask("ASK { coop:ContratDeReciprocite skos:inScheme coop:InstrumentTypeScheme ; skos:broader coop:Contract }")
        assert ask("ASK { <https://w3id.org/coopkg/id/territory/finistere> coop:inRegion <https://w3id.org/coopkg/id/territory/bretagne> }")
        assert ask("ASK { <https://w3id.org/coopkg/id/axis/convergence> skos:narrower <https://w3id.org/coopkg/id/lever/L9> }")
    finally:
        store.close()


def test_editing_one_case_recompiles_only_it(make_settings, corpus_copy):
    settings = make_settings(corpus_copy)
    build(settings)
    path = corpus_copy / "cases" / f"{CASE}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("levers: [L7, L9]", "levers: [L7, L8, L9]"), encoding="utf-8")
    report = build(settings)
    assert report.compiled == [f"corpus/cases/{CASE}.md"] and not report.full
    store = open_store(settings)
    try:
        assert store.ask(f"ASK {{ <https://w3id.org/coopkg/id/case/{CASE}> <{COOP.mobilisesLever}> <https://w3id.org/coopkg/id/lever/L8> }}")
    finally:
        store.close()
    path.unlink()
    for other in corpus_copy.glob("cases/*.md"):  # drop references to the removed case
        text = other.read_text(encoding="utf-8")
        if CASE in text:
            other.write_text(text.replace(f"related: [{CASE}]", "related: []").replace(f", {CASE}]", "]").replace(f"[{CASE}, ", "["), encoding="utf-8")
    report = build(settings)
    assert report.removed == [f"cases/{CASE}.md"]
    store = open_store(settings)
    try:
        assert not store.ask(f"ASK {{ <https://w3id.org/coopkg/id/case/{CASE}> ?p ?o }}")
    finally:
        store.close()
    # The incrementally maintained store (inferred graph included) equals a fresh build.
    fresh = settings.model_copy(update={"home": settings.home.parent / "fresh"})
    build(fresh)
    assert_isomorphic(dump(settings), dump(fresh), "incremental vs fresh build")


def test_invalid_corpus_leaves_store_unchanged(make_settings, corpus_copy):
    settings = make_settings(corpus_copy)
    build(settings)
    before = quads(settings)
    path = corpus_copy / "cases" / f"{CASE}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("levers: [L7, L9]", "levers: [L77]"), encoding="utf-8")
    with pytest.raises(CorpusInvalid):
        build(settings)
    assert quads(settings) == before


def test_shacl_violation_leaves_store_unchanged(make_settings, corpus_copy, monkeypatch):
    settings = make_settings(corpus_copy)
    build(settings)
    before = quads(settings)
    path = corpus_copy / "cases" / f"{CASE}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # changed hash
    real = build_module.compile_file

    def drop_participations(corpus, rel, minter):
        return [t for t in real(corpus, rel, minter) if not (rel.endswith(f"{CASE}.md") and t[1] == COOP.hasParticipation)]

    monkeypatch.setattr(build_module, "compile_file", drop_participations)
    with pytest.raises(ShapesViolated) as info:
        build(settings)
    assert f"corpus/cases/{CASE}.md" in str(info.value) and "au moins deux acteurs" in str(info.value)
    assert quads(settings) == before


def test_crash_while_writing_leaves_store_unchanged(make_settings, corpus_copy, monkeypatch):
    import kb.embedded

    settings = make_settings(corpus_copy)
    build(settings)
    before = quads(settings)
    snapshots = sorted(p.name for p in (settings.store_dir / "snapshots").iterdir())
    (corpus_copy / "cases" / f"{CASE}.md").write_text(
        (corpus_copy / "cases" / f"{CASE}.md").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    real = kb.embedded.quads

    def exploding(triples, graph):
        for i, q in enumerate(real(triples, graph)):
            if i == 10:
                raise OSError("disk full (simulated)")
            yield q

    monkeypatch.setattr(kb.embedded, "quads", exploding)
    with pytest.raises(OSError, match="simulated"):
        build(settings)
    assert quads(settings) == before
    assert sorted(p.name for p in (settings.store_dir / "snapshots").iterdir()) == snapshots


def test_concurrent_writer_is_refused(make_settings):
    from kb.store import StoreError

    settings = make_settings()
    build(settings)
    holder = open_store(settings, write=True)
    try:
        with pytest.raises(StoreError, match="another coopkg process is writing"):
            open_store(settings, write=True)
    finally:
        holder.close()


def test_changing_the_base_iri_rebuilds_everything(make_settings):
    settings = make_settings()
    build(settings)
    other = settings.model_copy(update={"base_iri": "https://example.org/coop/"})
    report = build(other)
    assert report.full
    store = open_store(other)
    try:
        assert store.ask("ASK { <https://example.org/coop/case/contrat-reciprocite-brest-cob> ?p ?o }")
        assert not store.ask("ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://w3id.org/coopkg/id/')) }")
        assert not store.ask("ASK { GRAPH ?g { } FILTER(STRSTARTS(STR(?g), 'https://w3id.org/coopkg/id/')) }")
    finally:
        store.close()


def test_leftover_of_a_killed_writer_is_ignored_then_removed(make_settings, corpus_copy):
    """A writer killed mid-way (SIGKILL: no cleanup) leaves a half-written snapshot that
    `current` never points to; readers ignore it and the next writer deletes it."""
    settings = make_settings(corpus_copy)
    build(settings)
    before = quads(settings)
    snapshots = settings.store_dir / "snapshots"
    current = (settings.store_dir / "current").resolve()
    orphan = snapshots / f"{int(current.name) + 1:06d}"
    orphan.mkdir()
    (orphan / "garbage.sst").write_bytes(b"half written")
    assert quads(settings) == before  # readers are not affected
    path = corpus_copy / "cases" / f"{CASE}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    build(settings)
    assert not (orphan / "garbage.sst").exists()
    assert (settings.store_dir / "current").resolve() != current


@pytest.mark.parametrize("damage", ["copied-without-links", "dangling-link"])
def test_a_damaged_current_link_is_refused_not_read_as_an_empty_store(make_settings, tmp_path, damage):
    """A data folder copied without its symbolic links (shutil.copytree's default, cp -rL) or a
    snapshot deleted by hand used to open as an empty store, silently: now a clear error."""
    import shutil

    from kb.store import StoreError

    settings = make_settings()
    build(settings)
    store_dir = settings.store_dir
    if damage == "copied-without-links":
        copy = tmp_path / "copy"
        shutil.copytree(store_dir, copy)  # follows `current`: a plain folder in the copy
        assert (copy / "current").is_dir() and not (copy / "current").is_symlink()
        shutil.rmtree(store_dir)
        shutil.copytree(copy, store_dir)
        expected = "symbolic link"
    else:
        shutil.rmtree((store_dir / "current").resolve())
        expected = "which is not there"
    for write in (False, True):
        with pytest.raises(StoreError, match=expected) as info:
            open_store(settings, write=write)
        assert "cp -a" in str(info.value) and "coopkg build" in str(info.value)


def test_a_damaged_store_is_a_one_line_error_from_the_cli(make_settings):
    import shutil

    from click.testing import CliRunner

    from coopkg.cli import cli

    settings = make_settings()
    build(settings)
    shutil.rmtree((settings.store_dir / "current").resolve())
    result = CliRunner().invoke(cli, ["--home", str(settings.home), "--corpus", str(settings.corpus_dir),
                                      "sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"])
    assert result.exit_code != 0
    assert "damaged" in result.output and "Traceback" not in result.output
