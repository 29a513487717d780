"""Query expansion (search/expansion.py) and the BM25 index (search/lexical.py)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from search.expansion import DEFAULT_WEIGHT, PHRASE_WEIGHT, Expander, LabelGroup
from search.lexical import (
    IndexMismatchError, LexicalIndex, LexicalIndexError, Passage, passages_from_store, passages_hash,
)

GROUPS = [
    LabelGroup("coop:PNR", "parc naturel régional", ("PNR", "parc", "syndicat mixte du parc"),
               trigger_only=("regional nature park",)),
    LabelGroup("coop:PETRFormula", "PETR", ("pôle d'équilibre territorial et rural", "Pays")),
    LabelGroup("coop:CommunauteDeCommunes", "communauté de communes", ("CC", "com com")),
    LabelGroup("coop:Commune", "commune", ("ville", "municipalité")),
    LabelGroup("actor/pays-cob", "Pays du Centre Ouest Bretagne", ("Centre Ouest Bretagne", "COB", "Pays COB")),
    LabelGroup("coop:LocalWaterCommission", "commission locale de l'eau", ("CLE",)),
    LabelGroup("concept/co-construction", "Co-construction de l'action publique", ("co-construction", "coconstruction")),
]


@pytest.fixture(scope="module")
def expander() -> Expander:
    return Expander(GROUPS)


def terms_of(expansions) -> dict[str, float]:
    return {e.term: e.weight for e in expansions}


# -- expansion -----------------------------------------------------------------------------------
def test_acronym_expands_to_its_labels(expander):
    exp = expander.expand("PNR")
    got = terms_of(exp)
    assert got["pnr"] == 1.0
    assert got["=parc naturel regional"] == DEFAULT_WEIGHT
    assert got["=syndicat mixte parc"] == DEFAULT_WEIGHT
    assert "parc" not in got                       # generic word: never an expansion
    assert "=regional nature park" not in got      # English labels only trigger
    reason = next(e.reason for e in exp if e.term == "=parc naturel regional")
    assert "PNR" in reason and "parc naturel régional" in reason and "coop:PNR" in reason
    assert all(e.reason == "" for e in exp if e.weight == 1.0)


def test_expansion_works_both_ways_and_across_languages(expander):
    assert terms_of(expander.expand("un parc naturel régional"))["pnr"] == DEFAULT_WEIGHT
    assert terms_of(expander.expand("un parc naturel régional"))["=parc naturel regional"] == PHRASE_WEIGHT
    assert "pnr" in terms_of(expander.expand("Parcs naturels régionaux"))   # inflected phrase
    assert "pnr" in terms_of(expander.expand("regional nature park"))
    assert "=centre ouest bretagne" in terms_of(expander.expand("COB"))
    assert "cob" in terms_of(expander.expand("centre ouest Bretagne"))
    petr = terms_of(expander.expand("PETR"))
    assert {"=pole equilibre territorial rural", "pays"} <= set(petr)
    assert "petr" in terms_of(expander.expand("pôles d’équilibre territoriaux et ruraux"))


def test_expansion_guards(expander):
    # A generic word does not trigger ("parc solaire" is not about PNRs).
    assert all(e.weight == 1.0 for e in expander.expand("parc solaire citoyen"))
    # "Pays" may be added but does not trigger by itself.
    assert all(e.weight == 1.0 for e in expander.expand("Pays Basque"))
    # Leftmost-longest: "communauté de communes" does not also fire "commune" → "municipalité".
    got = terms_of(expander.expand("communauté de communes"))
    assert "cc" in got and "municipalite" not in got
    assert "municipalite" in terms_of(expander.expand("une commune rurale"))
    # An acronym that is also a French word fires only in capitals.
    assert all(e.weight == 1.0 for e in expander.expand("la clé de la coopération"))
    assert "=commission local eau" in terms_of(expander.expand("la CLE du SAGE"))


def test_expander_from_plain_label_groups():
    ex = Expander([("parc naturel régional", ["PNR"]), ("key", "Pays du Centre Ouest Bretagne", ["COB"])])
    assert "=parc naturel regional" in terms_of(ex.expand("pnr"))
    assert "=pays centre ouest bretagne" in terms_of(ex.expand("COB"))
    assert ex.vocabulary_hash == Expander.from_json(ex.to_json()).vocabulary_hash
    assert ex.vocabulary_hash != Expander([("parc naturel régional", ["PNR", "Parc"])]).vocabulary_hash


def test_phrase_occurrences_include_overlaps(expander):
    seq = [t for t in "pays centre ouest bretagne".split()]
    assert expander.phrase_occurrences(seq) == ["=pays centre ouest bretagne", "=centre ouest bretagne"]


# -- BM25 on a hand-made corpus --------------------------------------------------------------------
TINY = [
    Passage("A#1", "A", "abstract", "Mutualisation de l'ingénierie"),               # mutualisation ingenierie
    Passage("B#1", "B", "abstract", "La mutualisation, encore la mutualisation"),   # mutualisation ×2
    Passage("C#1", "C", "abstract", "Ingénierie territoriale partagée"),            # ingenierie territorial partage
    Passage("D#1", "D", "abstract", "Réseau des élus"),                             # reseau elu
]


def test_bm25_scores_and_order_by_hand():
    index = LexicalIndex.build(TINY)
    # N = 4, avgdl = (2 + 2 + 3 + 2) / 4 = 2.25; both query terms have df = 2 → idf = ln(1 + 2.5/2.5) = ln 2.
    # Length norm k1·(1 − b + b·dl/avgdl): dl 2 → 1.1, dl 3 → 1.5. Term weight tf·(k1+1)/(tf + norm).
    idf = math.log(2)
    a = idf * 2.2 / 2.1 * 2        # both terms once, dl 2
    b = idf * 2 * 2.2 / (2 + 1.1)  # mutualisation twice, dl 2
    c = idf * 2.2 / 2.5            # ingénierie once, dl 3
    hits = index.search("mutualisation ingénierie", k=10)
    assert [h.case_id for h in hits] == ["A", "B", "C"]            # D matches nothing
    assert [h.score for h in hits] == pytest.approx([a, b, c], rel=1e-5)
    assert [round(h.score, 4) for h in hits] == [1.4523, 0.9838, 0.61]
    # One term: the repeated word wins.
    assert [h.case_id for h in index.search("mutualisation")] == ["B", "A"]
    top = hits[0]
    assert top.passage_id == "A#1" and top.passage_field == "abstract"
    assert [m.term for m in top.matched_terms] == ["mutualisation", "ingenierie"]
    case_id, score, passage_id, matched = top   # unpacks as the 4-tuple of the contract
    assert (case_id, passage_id) == ("A", "A#1")


def test_passages_aggregate_per_case():
    passages = [
        Passage("A#label", "A", "label", "charte du parc"),
        Passage("A#abstract", "A", "abstract", "une charte signée, une charte relue"),
        Passage("B#label", "B", "label", "charte du parc"),
        Passage("C#label", "C", "label", "autre chose"),
    ]
    index = LexicalIndex.build(passages, tail=0.3)
    # Same statistics, one case per passage: gives each passage's own score.
    per_passage = LexicalIndex.build([Passage(p.id, p.id, p.field, p.text) for p in passages])
    s = {h.case_id: h.score for h in per_passage.search("charte parc")}
    hits = {h.case_id: h for h in index.search("charte parc")}
    assert set(hits) == {"A", "B"}
    assert hits["A"].score == pytest.approx(s["A#label"] + 0.3 * s["A#abstract"])
    assert hits["B"].score == pytest.approx(s["B#label"])
    assert hits["A"].passage_id == "A#label" and s["A#label"] > s["A#abstract"]
    assert [m.term for m in hits["A"].passage_terms] == ["charte", "parc"]
    assert LexicalIndex.build(passages, tail=0.0).search("charte parc")[0].score == pytest.approx(s["A#label"])


def test_expansion_finds_a_case_that_only_uses_the_long_form(expander):
    index = LexicalIndex.build([
        Passage("ardeche#abstract", "ardeche", "abstract", "Le Parc naturel régional et les communautés de communes."),
        Passage("solaire#abstract", "solaire", "abstract", "Un parc solaire citoyen."),
        Passage("brest#abstract", "brest", "abstract", "Brest métropole et le Centre Ouest Bretagne coopèrent."),
        Passage("autre#abstract", "autre", "abstract", "Une coopération entre deux villes."),
    ], expander)
    hits = index.search("PNR")
    assert [h.case_id for h in hits] == ["ardeche"]
    matched = {m.term: m for m in hits[0].matched_terms}
    assert "=parc naturel regional" in matched and "coop:PNR" in matched["=parc naturel regional"].reason
    assert [h.case_id for h in index.search("COB")] == ["brest"]
    assert index.search("CC")[0].case_id == "ardeche"
    # Without the expander, the acronym finds nothing.
    assert LexicalIndex.build(index.passages()).search("PNR") == []
    spans = index.highlight("brest#abstract", "COB")
    text = index.passage("brest#abstract").text
    assert [text[a:b] for a, b, _ in spans] == ["Centre Ouest Bretagne"]


# -- candidate restriction (facet filtering: filter → candidates → rank) ----------------------------
def _many_cases():
    return [Passage(f"c{i:02d}#abstract", f"c{i:02d}", "abstract",
                    "coopération intercommunale " + "mutualisation " * (i % 5) + ("charte" if i % 3 == 0 else "réseau"))
            for i in range(30)]


def test_candidates_restrict_before_ranking():
    index = LexicalIndex.build(_many_cases())
    full = index.search("mutualisation charte", k=100)
    ranked = [h.case_id for h in full]
    scores = {h.case_id: h.score for h in full}
    # Candidates taken from the bottom of the ranking are still returned with k = 1 (no post-filter).
    cands = set(ranked[-3:]) | {"c01", "does-not-exist"}
    hits = index.search("mutualisation charte", k=1, candidate_case_ids=cands)
    assert len(hits) == 1 and hits[0].case_id in cands
    # Only candidates, and all the matching ones.
    hits = index.search("mutualisation charte", k=50, candidate_case_ids=cands)
    matching = {c for c in cands if c in scores}
    assert {h.case_id for h in hits} == matching
    # Scores do not depend on the filter (document frequencies stay global).
    assert all(h.score == pytest.approx(scores[h.case_id]) for h in hits)
    assert [h.case_id for h in hits] == [c for c in ranked if c in matching]


@pytest.mark.parametrize("n_candidates", [2, 40])  # < 5 % of passages: postings pruned; else masked
def test_selective_and_broad_filters_rank_the_same(n_candidates):
    passages = [Passage(f"k{i:03d}#{f}", f"k{i:03d}", f, f"{word} coopération " * (1 + (i + j) % 4))
                for i in range(100) for j, (f, word) in enumerate([("a", "charte"), ("b", "mutualisation")])]
    index = LexicalIndex.build(passages)
    full = {h.case_id: h for h in index.search("charte mutualisation", k=1000)}
    cands = [f"k{i:03d}" for i in range(0, 100, 100 // n_candidates)][:n_candidates]
    hits = index.search("charte mutualisation", k=1000, candidate_case_ids=cands)
    assert [h.case_id for h in hits] == sorted(cands, key=lambda c: (-full[c].score, c))
    for h in hits:
        assert h.score == pytest.approx(full[h.case_id].score)
        assert h.passage_id == full[h.case_id].passage_id
        assert h.matched_terms == full[h.case_id].matched_terms


def test_empty_or_unknown_candidate_set_gives_no_result():
    index = LexicalIndex.build(_many_cases())
    assert index.search("charte", candidate_case_ids=[]) == []
    assert index.search("charte", candidate_case_ids={"nope"}) == []
    assert [h.case_id for h in index.search("charte", candidate_case_ids="c03")] == ["c03"]


def test_candidate_numbers_are_the_same_filter_as_candidate_ids():
    index = LexicalIndex.build(_many_cases())
    for cands in ([], ["c03"], ["c01", "c05", "c09", "nope"], [f"c{i:02d}" for i in range(0, 30, 2)]):
        numbers = index.case_numbers(cands)
        assert (numbers >= 0).sum() == len([c for c in cands if c != "nope"])
        by_ids = index.search("mutualisation charte", k=50, candidate_case_ids=cands)
        by_numbers = index.search("mutualisation charte", k=50, candidate_numbers=numbers)
        assert [(h.case_id, h.score, h.passage_id) for h in by_numbers] == \
            [(h.case_id, h.score, h.passage_id) for h in by_ids]
    index.remove_case("c03")  # a removed case's number never matches again
    assert index.search("charte", candidate_numbers=np.asarray([3])) == []


def _reference_search(passages, query, k, candidates=None, k1=1.2, b=0.75, tail=0.3):
    """BM25 + per-case aggregation written the slow, obvious way (the oracle of the index)."""
    from search.text import analyze, index_terms
    docs = [(p, index_terms(p.text)[0]) for p in passages]
    n = len(docs)
    avgdl = sum(len(t) for _, t in docs) / n
    by_case: dict[str, list[tuple[float, str]]] = {}
    qterms = list(dict.fromkeys(analyze(query)))
    for p, terms in docs:
        score = 0.0
        for term in qterms:
            tf = terms.count(term)
            if not tf:
                continue
            df = sum(1 for _, t in docs if term in t)
            idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(terms) / avgdl))
        if score > 0 and (candidates is None or p.case_id in candidates):
            by_case.setdefault(p.case_id, []).append((score, p.id))
    ranked = []
    for case, scored in by_case.items():
        best = max(s for s, _ in scored)
        first_best = next(pid for s, pid in scored if s == best)
        ranked.append((case, best + tail * (sum(s for s, _ in scored) - best), first_best))
    return sorted(ranked, key=lambda r: (-r[1], r[0]))[:k]


@pytest.mark.parametrize("seed", range(6))
def test_search_agrees_with_a_plain_bm25_oracle(seed):
    """Random cases of several passages, replaced and removed ones (tombstones), selective and
    broad candidate sets, tied scores (broken by case id), k below and above the matches."""
    rng = np.random.default_rng(seed)
    words = ["charte", "mutualisation", "réseau", "ingénierie", "élus", "parc", "santé", "mobilité"]

    def case(i, tag=""):
        return [Passage(f"c{i:03d}#{j}", f"c{i:03d}", f"f{j}",
                        " ".join(rng.choice(words, size=int(rng.integers(1, 6)))) + tag)
                for j in range(int(rng.integers(1, 4)))]

    cases = {f"c{i:03d}": case(i) for i in range(120)}
    cases["c118"] = [Passage("c118#0", "c118", "f0", "charte")]   # two cases with the same text:
    cases["c119"] = [Passage("c119#0", "c119", "f0", "charte")]   # equal scores, ordered by id
    index = LexicalIndex.build([p for ps in cases.values() for p in ps])
    for i in rng.choice(100, size=10, replace=False).tolist():
        cid = f"c{i:03d}"
        if i % 2:
            index.remove_case(cid)
            del cases[cid]
        else:
            cases[cid] = case(i, " réseau")
            index.add_case(cid, cases[cid])
    live = [p for ps in cases.values() for p in ps]
    ids = sorted(cases)
    for query in ("charte", "mutualisation réseau", "parc santé élus", "ingénierie mobilité charte"):
        for cands in (None, set(ids[:3]), set(rng.choice(ids, size=60, replace=False).tolist()) | {"c118"}):
            for k in (1, 5, 500):
                want = _reference_search(live, query, k, cands)
                got = index.search(query, k=k, candidate_case_ids=cands)
                assert [(h.case_id, h.passage_id) for h in got] == [(c, pid) for c, _, pid in want], (query, k)
                assert [h.score for h in got] == pytest.approx([s for _, s, _ in want], rel=1e-5)


# -- incremental updates ------------------------------------------------------------------------------
def _same_results(a: LexicalIndex, b: LexicalIndex, queries):
    for q in queries:
        ra = [(h.case_id, round(h.score, 5), h.passage_id) for h in a.search(q, k=50)]
        rb = [(h.case_id, round(h.score, 5), h.passage_id) for h in b.search(q, k=50)]
        assert ra == rb, q


def test_add_remove_and_replace_cases_match_a_fresh_build(expander):
    base = _many_cases()
    index = LexicalIndex.build(base[:20], expander)
    for p in base[20:]:
        index.add_case(p.case_id, [p])
    assert index.remove_case("c05") == 1
    assert index.remove_case("c05") == 0
    new = [Passage("c07#abstract", "c07", "abstract", "parc naturel régional et charte"),
           Passage("c07#label", "c07", "label", "Plan de coopération PNR")]
    index.add_case("c07", new)
    expected = [p for p in base if p.case_id not in ("c05", "c07")] + new
    fresh = LexicalIndex.build(expected, expander)
    queries = ["mutualisation charte", "PNR", "coopération intercommunale", "réseau"]
    _same_results(index, fresh, queries)
    assert index.corpus_hash == fresh.corpus_hash == passages_hash(expected)
    assert "c05" not in index.case_ids and len(index) == len(expected)
    index.compact()
    _same_results(index, fresh, queries)
    with pytest.raises(LexicalIndexError, match="belongs to case"):
        index.add_case("c01", [new[0]])


# -- persistence ----------------------------------------------------------------------------------------
def test_save_load_round_trip(tmp_path, expander):
    index = LexicalIndex.build(_many_cases(), expander)
    index.remove_case("c02")  # tombstone: dropped when saving
    path = index.save(tmp_path / "lexical")
    meta = json.loads((path / "meta.json").read_text())
    assert meta["analyzer"].startswith("fr-light-") and meta["corpus_hash"] == index.corpus_hash
    assert meta["vocabulary_hash"] == expander.vocabulary_hash and meta["passages"] == 29
    loaded = LexicalIndex.load(path, expected_corpus_hash=index.corpus_hash, expander=expander)
    _same_results(index, loaded, ["mutualisation charte", "PNR réseau", "coopération"])
    again = LexicalIndex.load(path)  # the saved vocabulary is used when none is given
    assert again.expander.vocabulary_hash == expander.vocabulary_hash
    loaded.add_case("c99", [Passage("c99#x", "c99", "x", "mutualisation")])  # loaded indexes stay updatable
    assert loaded.search("mutualisation", candidate_case_ids=["c99"])[0].case_id == "c99"
    index.save(path)  # overwriting is atomic and leaves no temporary directory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lexical"]


def test_load_refuses_mismatches(tmp_path, expander):
    path = LexicalIndex.build(_many_cases(), expander).save(tmp_path / "lexical")
    with pytest.raises(IndexMismatchError, match="another corpus"):
        LexicalIndex.load(path, expected_corpus_hash="0" * 64)
    with pytest.raises(IndexMismatchError, match="vocabulary"):
        LexicalIndex.load(path, expander=Expander(GROUPS[:2]))
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "analyzer": "fr-light-0"}))
    with pytest.raises(IndexMismatchError, match="analyzer 'fr-light-0'.*rebuild"):
        LexicalIndex.load(path)
    (path / "meta.json").write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(IndexMismatchError, match="format"):
        LexicalIndex.load(path)
    (path / "meta.json").write_text(json.dumps(meta))
    (path / "postings.npz").unlink()
    with pytest.raises(LexicalIndexError, match="incomplete or corrupt"):
        LexicalIndex.load(path)
    with pytest.raises(LexicalIndexError, match="no lexical index"):
        LexicalIndex.load(tmp_path / "missing")


# -- bad input ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["", "   ", "\n\t "])
def test_empty_query_is_a_clear_error(query, expander):
    index = LexicalIndex.build(TINY, expander)
    with pytest.raises(ValueError, match="empty query"):
        index.search(query)
    with pytest.raises(ValueError, match="empty query"):
        index.query_terms(query)


def test_odd_queries_do_not_crash(expander):
    index = LexicalIndex.build(_many_cases(), expander)
    with pytest.raises(TypeError):
        index.search(None)
    assert index.search("🤝🌍") == []
    assert index.search("東京 協力 сотрудничество") == []
    assert index.search("de la et") == []          # only stop words
    assert index.search("charte", k=0) == []
    long_query = ("mutualisation des moyens entre PNR et communauté de communes 🤝 " * 200)[:10_000]
    hits = index.search(long_query, k=5)
    assert 0 < len(hits) <= 5
    assert LexicalIndex(expander).search("charte") == []   # empty index


# -- the real knowledge base ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_index(built_settings):
    from kb.store import open_store

    store = open_store(built_settings)
    try:
        passages = passages_from_store(store)
        expander = Expander.from_store(store)
    finally:
        store.close()
    return LexicalIndex.build(passages, expander)


def test_passages_from_the_store(real_index):
    fields = {p.field for p in real_index.passages()}
    assert {"label", "alt_labels", "abstract", "trigger", "stake", "ambition", "object", "partners_scale",
            "actors", "instruments"} <= fields
    brest = {p.field: p.text for p in real_index.passages_of("contrat-reciprocite-brest-cob")}
    assert brest["label"].startswith("Contrat de réciprocité")
    assert "COB" in brest["actors"] and "Contrat de réciprocité" in brest["instruments"]
    assert len(real_index.case_ids) >= 30


def test_real_queries(real_index):
    hits = real_index.search("parc naturel régional communauté de communes charte", k=10)
    assert any("monts-ardeche" in h.case_id for h in hits[:3]), [h.case_id for h in hits]
    hits = real_index.search("COB", k=10)
    assert hits and "brest" in hits[0].case_id and "cob" in hits[0].case_id
    assert all("pnr" in h.case_id for h in real_index.search("PNR", k=2))
    assert any("tzcld" in m.term or "zero" in m.term for m in
               real_index.search("territoire zéro chômeur de longue durée")[0].matched_terms)


def _reference_passages(store) -> list[Passage]:
    """passages_from_store as it was before the "actors" query was split: one UNION query
    (quadratic on Oxigraph at 10,000 cases), kept here as the reference of what it must give."""
    from kb.queries import with_prefixes
    from search.lexical import CASE_FIELDS, case_id_of

    values: dict[tuple[str, str], set[str]] = {}

    def collect(query: str) -> None:
        for case, fname, text in store.select(with_prefixes(query)).rows:
            values.setdefault((str(case), str(fname)), set()).add(str(text))

    props = " ".join(f'({p} "{name}")' for name, p in CASE_FIELDS)
    collect(f"""SELECT ?case ?field ?text WHERE {{
        ?case a coop:CooperationCase ; ?p ?text . VALUES (?p ?field) {{ {props} }}
        FILTER(isLiteral(?text) && (LANG(?text) = "fr" || LANG(?text) = "")) }}""")
    collect("""SELECT ?case ?field ?text WHERE {
        ?case a coop:CooperationCase ; coop:hasParticipation ?part . ?part coop:participant ?a .
        { ?a rdfs:label|skos:altLabel ?text } UNION { ?part skos:note ?text }
        BIND("actors" AS ?field) FILTER(LANG(?text) = "fr" || LANG(?text) = "") }""")
    collect("""SELECT ?case ?field ?text WHERE {
        ?case a coop:CooperationCase ; coop:usesInstrument ?i . ?i rdfs:label|skos:note ?text .
        BIND("instruments" AS ?field) FILTER(LANG(?text) = "fr" || LANG(?text) = "") }""")
    collect("""SELECT ?case ?field ?text WHERE {
        ?case a coop:CooperationCase ; coop:hasGovernanceBody ?g . ?g rdfs:label|coop:function|coop:composition ?text .
        BIND("governance" AS ?field) FILTER(LANG(?text) = "fr" || LANG(?text) = "") }""")
    collect("""SELECT ?case ?field ?text WHERE {
        ?case a coop:CooperationCase ; coop:territory ?t . ?t rdfs:label|skos:altLabel ?text .
        BIND("territories" AS ?field) FILTER(LANG(?text) = "fr" || LANG(?text) = "") }""")
    order = {name: i for i, name in enumerate([*(n for n, _ in CASE_FIELDS), "actors", "instruments", "governance",
                                                "territories"])}
    out = []
    for (case_iri, fname), texts in sorted(values.items(), key=lambda kv: (case_id_of(kv[0][0]), order[kv[0][1]])):
        cid = case_id_of(case_iri)
        text = "\n".join(sorted(t.strip() for t in texts if t.strip()))
        if text:
            out.append(Passage(f"{cid}#{fname}", cid, fname, text))
    return out


def _same_as_reference(settings) -> list[Passage]:
    from kb.store import open_store

    store = open_store(settings)
    try:
        got = passages_from_store(store)
        want = _reference_passages(store)
    finally:
        store.close()
    assert got == want
    assert passages_hash(got) == passages_hash(want)
    return got


def test_passages_from_store_match_the_single_union_query(built_settings):
    """The "actors" passages are read with two queries (labels of participants; notes of
    participations) instead of one UNION: exactly the same passages, in the same order."""
    got = _same_as_reference(built_settings)
    assert len([p for p in got if p.field == "actors"]) >= 30


def test_participation_notes_are_in_the_actors_passage(corpus_copy, make_settings):
    """The repository corpus has no participation note: add two, rebuild, compare again."""
    from kb.build import build

    path = corpus_copy / "cases" / "chantiers-gironde-2033.md"
    text = path.read_text(encoding="utf-8")
    for actor, note in (("departement-gironde", "Pilote les chantiers avec ses services territoriaux"),
                        ("partenaires-chantiers-gironde-2033", "Associations et chambres consulaires volontaires")):
        old = f"{{actor: {actor}, roles:"
        assert old in text
        text = text.replace(old, f'{{actor: {actor}, note: "{note}", roles:')
    path.write_text(text, encoding="utf-8")
    settings = make_settings(corpus_copy)
    build(settings)
    got = _same_as_reference(settings)
    actors = {p.case_id: p.text for p in got if p.field == "actors"}
    assert "Pilote les chantiers avec ses services territoriaux" in actors["chantiers-gironde-2033"]
    assert "Associations et chambres consulaires volontaires" in actors["chantiers-gironde-2033"]


def test_highlight_reuses_tokens_and_follows_a_replaced_text(expander):
    from search import lexical
    index = LexicalIndex.build([Passage("h#1", "h", "abstract", "La charte du parc naturel régional")], expander)
    before = lexical._passage_tokens.cache_info()
    first = index.highlight("h#1", "charte PNR")
    assert index.highlight("h#1", "charte PNR") == first
    assert lexical._passage_tokens.cache_info().hits > before.hits  # tokenised once
    index.add_case("h", [Passage("h#1", "h", "abstract", "Une autre charte")])
    text = index.passage("h#1").text
    assert [text[a:b] for a, b, _ in index.highlight("h#1", "charte PNR")] == ["charte"]


# -- a new expansion vocabulary, without a new index ------------------------------------------------
def passage_terms(index: LexicalIndex) -> dict[str, dict[str, float]]:
    """Passage id → term → frequency, read from the postings (alive passages only)."""
    out: dict[str, dict[str, float]] = {}
    for tid, term in enumerate(index._terms):
        for doc, tf in zip(index._post_docs[tid].tolist(), index._post_tf[tid].tolist()):
            if index._alive[doc]:
                out.setdefault(index._passages[doc].id, {})[term] = tf
    return out


SWAP = [
    Passage("a#1", "a", "abstract", "Le Pays du Centre Ouest Bretagne et la communauté de communes du Kreiz Breizh"),
    Passage("a#2", "a", "summary", "Une commission locale de l'eau anime le SAGE"),
    Passage("b#1", "b", "abstract", "Le Pôle métropolitain du Pays de Brest mutualise une équipe"),
    Passage("c#1", "c", "abstract", "Réseau des élus du territoire"),
    Passage("d#1", "d", "abstract", "Les élus du pôle métropolitain et du Centre Ouest Bretagne"),
]


def test_swapping_the_expander_equals_a_new_index():
    before = Expander(GROUPS)
    # a new actor with a multi-word name, one label gone (the CLE's), one group renamed
    after = Expander([*GROUPS[:5], GROUPS[6], LabelGroup("actor/pole-brest", "Pôle métropolitain du Pays de Brest",
                                                         ("Pays de Brest",))])
    index = LexicalIndex.build(SWAP, before)
    redone = index.swap_expander(after, {cid: [p for p in SWAP if p.case_id == cid] for cid in "abcd"})
    fresh = LexicalIndex.build(SWAP, after)
    assert passage_terms(index) == passage_terms(fresh)
    assert index.expander.vocabulary_hash == fresh.expander.vocabulary_hash
    for query in ("pôle métropolitain", "Pays de Brest", "commission locale de l'eau", "élus", "COB"):
        got = [(h.case_id, round(h.score, 6)) for h in index.search(query)]
        assert got == [(h.case_id, round(h.score, 6)) for h in fresh.search(query)], query
    # only the cases whose passages hold every word of a label that came or went: not c, nor d
    # (« pôle métropolitain » without « Pays de Brest »)
    assert redone == {"a", "b"}
    assert index.swap_expander(after, {}) == set()  # the same labels: nothing to analyse again


def test_cases_with_phrases_finds_the_phrase_and_its_words():
    index = LexicalIndex.build(SWAP, Expander(GROUPS))
    assert index.cases_with_phrases([("commission", "local", "eau")]) >= {"a"}
    assert index.cases_with_phrases([("reseau", "elu")]) == {"c"}  # every word of it, no phrase term
    assert index.cases_with_phrases([("absent", "mot")]) == set()
    index.remove_case("a")
    assert "a" not in index.cases_with_phrases([("commission", "local", "eau")])


def test_saved_files_are_utf8_json_that_round_trip(tmp_path):
    from search.persist import write_json

    data = {"passages": [["a#1", "a", "abstract", "Réciprocité « ville-campagne » — 100 %"]], "n": None}
    write_json(tmp_path / "x.json", data)
    raw = (tmp_path / "x.json").read_bytes()
    assert "Réciprocité «".encode("utf-8") in raw  # not \\u-escaped
    assert json.loads(raw.decode("utf-8")) == data
    index = LexicalIndex.build(SWAP, Expander(GROUPS))
    index.save(tmp_path / "lexical")
    again = LexicalIndex.load(tmp_path / "lexical", expected_corpus_hash=index.corpus_hash)
    assert passage_terms(again) == passage_terms(index) and again.expander.vocabulary_hash == index.expander.vocabulary_hash
