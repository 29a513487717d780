"""The web interface (api/ui.py), in-process (TestClient) over the repository corpus with the
hashing fake embedder: every page answers in French, results are explained with the passage
highlighted, filters narrow them, hostile input is escaped, unknown cases get a French 404."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape as _escape

from api.app import create_app
from api.ui import EXAMPLES, highlight, run_sparql, sparql_table
from tests.conftest import REPO

CASE = "contrat-reciprocite-brest-cob"


def esc(text: str) -> str:
    """``text`` as the templates escape it (Jinja2 autoescape)."""
    return str(_escape(text))


QUESTION = "qui a déjà fait une coopération ville-campagne ?"


@pytest.fixture(scope="module")
def client(built_settings, hashing_service):
    return TestClient(create_app(built_settings, service=hashing_service))


def page(client, url: str, status: int = 200, **params) -> str:
    response = client.get(url, params=params or None)
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    body = response.text
    assert '<html lang="fr">' in body
    assert 'href="#contenu"' in body and 'id="contenu"' in body  # skip link
    assert 'aria-label="Navigation principale"' in body and 'href="/static/coopkg.css"' in body
    return body


def labelled_controls(body: str) -> None:
    """Every visible form control has a <label for=…>."""
    ids = set(re.findall(r'<label for="([^"]+)"', body))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", body):
        if 'type="hidden"' in tag:
            continue
        control = re.search(r'id="([^"]+)"', tag)
        assert control and control.group(1) in ids, tag


# -- search ------------------------------------------------------------------------------------
def test_home(client):
    body = page(client, "/")
    assert "Qui a déjà fait ça ?" in body and "Votre question" in body and "Exemples de questions" in body
    labelled_controls(body)
    # facet lists come from the facet catalog, with the number of cases of each value
    assert re.search(r'<option value="L3">Inventer de nouveaux espaces de dialogue \(\d+\)</option>', body)
    assert '<select id="f-actor_type" name="actor_type">' in body and '<option value="pnr">' in body
    assert "<script>" not in body  # JavaScript is only an optional external file
    assert 'aria-current="page"' in body


def test_search_results_are_explained(client, hashing_service):
    body = page(client, "/", q=QUESTION)
    expected = hashing_service.search({"query": QUESTION, "k": 10})
    assert f"{len(expected.results)} résultats pour « {esc(QUESTION)} »" in body
    first = expected.results[0]
    assert f'href="/cas/{first.id}"' in body and esc(first.label) in body
    assert "Pourquoi ce résultat" in body and "Composantes du score" in body and "Acteurs et rôles" in body
    assert "<mark>" in body and "Mots trouvés" in body
    for result in expected.results:
        assert f'href="/cas/{result.id}"' in body
    # the same order as the search service
    order = [m for m in re.findall(r'<h3><a href="/cas/([^"]+)">', body)]
    assert order == [r.id for r in expected.results]


def test_highlight_marks_spans_and_escapes():
    segments = highlight("<b>ville</b> et campagne", [{"start": 3, "end": 8}, {"start": 16, "end": 24},
                                                      {"start": 18, "end": 22}, {"start": 40, "end": 50}])
    assert [s["text"] for s in segments if s["mark"]] == ["ville", "campagne"]
    assert "".join(s["text"] for s in segments) == "<b>ville</b> et campagne"
    long = "mot " * 300 + "cible " + "mot " * 300
    start = long.index("cible")
    cut = highlight(long, [{"start": start, "end": start + 5}])
    assert cut[0]["text"] == "… " and cut[-1]["text"] == " …"
    assert [s["text"] for s in cut if s["mark"]] == ["cible"] and len("".join(s["text"] for s in cut)) < 600


def test_hostile_query_is_escaped(client):
    hostile = "<script>alert(1)</script>"
    body = page(client, "/", q=hostile)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    # in attributes too (a filter value that does not exist, kept in the form)
    body = page(client, "/", 400, q="coopération", actor='"><script>alert(1)</script>')
    assert "<script>alert(1)</script>" not in body and "ne connaît pas la valeur" in body
    sparql = page(client, "/requetes", 400, query="SELECT * WHERE { <script>alert(1)</script> }")
    assert "<script>alert(1)</script>" not in sparql and "Erreur de syntaxe" in sparql


def test_facet_filters_results(client, hashing_service):
    body = page(client, "/", q=QUESTION, lever="L7")
    expected = hashing_service.search({"query": QUESTION, "k": 10, "facets": {"lever": ["L7"]}})
    assert expected.results and all("L7" in {lv.id for lv in r.levers} for r in expected.results)
    assert re.findall(r'<h3><a href="/cas/([^"]+)">', body) == [r.id for r in expected.results]
    assert "Filtres actifs" in body and "Levier : <strong>Rapprocher les projets de territoire</strong>" in body
    assert '<option value="L7" selected>' in body
    assert "cas correspondent aux filtres" in body
    # the chip removes the filter and keeps the question
    remove = re.search(r'<a href="([^"]+)" aria-label="Retirer le filtre Levier', body).group(1)
    assert parse_qs(urlparse(html.unescape(remove)).query) == {"q": [QUESTION]}


def test_filters_alone_list_the_cases(client, hashing_service):
    body = page(client, "/", lever="L3", actor_type="pnr")
    from search.contract import Facets

    ids = hashing_service.catalog.candidates(hashing_service.store, Facets(lever=["L3"], actor_type=["pnr"]))
    assert ids and f"{len(ids)} cas correspond" in body
    assert set(re.findall(r'<h3><a href="/cas/([^"]+)">', body)) == ids
    # an actor filter (not a drop-down list) is kept as a hidden field of the form
    body = page(client, "/", actor="brest-metropole")
    assert '<input type="hidden" name="actor" value="brest-metropole">' in body
    assert f'href="/cas/{CASE}"' in body


def test_bad_input_in_french(client):
    assert "Saisissez au moins un mot" in page(client, "/", 400, q="   ")
    assert "ni lettre ni chiffre" in page(client, "/", 400, q="!!! ???")
    assert "trop longue" in page(client, "/", 400, q="mot " * 400)
    body = page(client, "/", 400, q="coopération", lever="L99")
    assert "Le filtre « Levier » ne connaît pas la valeur « L99 »" in body and 'role="alert"' in body
    assert "Période « 20x » mal écrite" in page(client, "/", 400, q="coopération", period="20x")
    nothing = page(client, "/", q="coopération", lever="L5", theme="sante", period="-1900")
    assert "Aucun cas ne correspond à ces filtres" in nothing
    # unknown parameters and a bad k are ignored, not errors
    assert "résultat" in page(client, "/", q="coopération", k="beaucoup", foo="bar")


# -- cases -------------------------------------------------------------------------------------
def test_case_page(client, hashing_service):
    detail = client.get(f"/api/cases/{CASE}").json()
    body = page(client, f"/cas/{CASE}")
    assert f"<h1>{esc(detail['label'])}</h1>" in body
    for title in ("Résumé", "Fiche", "Acteurs et rôles", "Instruments", "Leviers mobilisés", "Notions et thèmes",
                  "Territoires", "Sources", "Cas similaires", "Élément déclencheur"):
        assert title in body, title
    for actor in detail["actors"]:
        assert esc(actor["label"]) in body and f'href="/?actor={actor["id"]}"' in body
    assert 'href="/?lever=L7"' in body
    quotes = [p["quote"] for s in detail["sources"] for p in s["passages"] if p["quote"]]
    assert quotes and all(esc(q) in body for q in quotes)
    for similar in hashing_service.similar(CASE, 5).results:
        assert f'href="/cas/{similar.id}"' in body
    assert f'href="/coopkg/id/case/{CASE}"' in body and f'href="/coopkg/id/case/{CASE}.ttl"' in body
    turtle = client.get(f"/coopkg/id/case/{CASE}.ttl")
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")


def test_case_list(client):
    body = page(client, "/cas")
    assert "Tous les cas" in body and len(re.findall(r'<h3><a href="/cas/', body)) == 31


def test_unknown_case_is_a_french_404(client):
    body = page(client, "/cas/contrat-reciprocite-brest", 404)
    assert "Page introuvable" in body and esc("Aucun cas n'a l'identifiant") in body
    assert f'href="/cas/{CASE}"' in body  # the closest id is suggested
    body = page(client, "/cas/%3Cscript%3E", 404)
    assert "<script>" not in body and "&lt;script&gt;" in body


# -- browse ------------------------------------------------------------------------------------
def test_levers_by_axis(client):
    body = page(client, "/leviers")
    wheel = client.get("/api/vocab/levers").json()
    assert len(wheel["axes"]) == 4
    positions = [body.index(esc(axis["prefLabel"]["fr"])) for axis in wheel["axes"]]
    assert positions == sorted(positions)
    for axis in wheel["axes"]:
        assert f'href="/?axis={axis["id"]}"' in body
        for lever in axis["levers"]:
            assert f'href="/?lever={lever["id"]}"' in body


@pytest.mark.parametrize("path, listing, facet, title", [
    ("/instruments", "instrument-types", "instrument", "Les instruments"),
    ("/notions", "concepts", "concept", "Les notions"),
    ("/themes", "themes", "theme", "Les thèmes"),
    ("/acteurs", "actor-types", "actor_type", "Les acteurs"),
])
def test_browse_pages(client, path, listing, facet, title):
    body = page(client, path)
    assert f"<h1>{title}" in body
    concepts = client.get(f"/api/vocab/{listing}").json()["concepts"]
    counts = {v["id"]: v["count"] for v in client.get(f"/api/facets/{facet}").json()}
    for concept in concepts:
        assert esc(concept["prefLabel"]["fr"]) in body
        if counts.get(concept["id"]):
            assert f'href="/?{facet}={concept["id"]}"' in body
    if path == "/acteurs":
        assert 'href="/?actor=brest-metropole"' in body
    # a link of the page gives a filtered list of cases
    first = next(c["id"] for c in concepts if counts.get(c["id"]))
    assert "aux filtres" in page(client, "/", **{facet: first})


# -- SPARQL ------------------------------------------------------------------------------------
def test_sparql_page_and_examples(client):
    body = page(client, "/requetes")
    labelled_controls(body)
    assert "Requêtes SPARQL" in body and "Exécuter la requête" in body
    assert esc("PREFIX coop: <https://w3id.org/coopkg/ontology#>") in body
    for example in EXAMPLES:
        assert f'href="/requetes?exemple={example["id"]}"' in body


def test_sparql_examples_are_the_readme_ones():
    """The examples are README.md's researcher queries, with the PREFIX lines they need."""
    from kb.queries import PREFIXES

    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    for example in EXAMPLES:
        lines = example["query"].strip().splitlines()
        prefixes = [line for line in lines if line.startswith("PREFIX ")]
        body = " ".join(" ".join(line for line in lines if not line.startswith("PREFIX ")).split())
        assert body in readme, example["id"]
        declared = dict(re.fullmatch(r"PREFIX (\w+): <([^>]+)>", line).groups() for line in prefixes)
        assert all(PREFIXES[name] == iri for name, iri in declared.items())
        used = set(re.findall(r"\b([a-z]+):[A-Za-z]", body)) - {"https", "http"}
        assert used <= set(declared), (example["id"], used - set(declared))


def test_sparql_example_runs_as_a_table(client):
    body = page(client, "/requetes", exemple="leviers-axes")
    assert "<table>" in body and "10 lignes" in body
    assert "<th scope=\"col\">axis</th>" in body and "Mutualiser les ressources" in body
    body = page(client, "/requetes", query=EXAMPLES[0]["query"])
    assert "<table>" in body and "<th scope=\"col\">levers</th>" in body


def test_sparql_links_ask_and_construct(client):
    body = page(client, "/requetes", query="SELECT ?c WHERE { ?c a coop:CooperationCase } ORDER BY ?c LIMIT 2")
    assert re.search(r'<a href="/coopkg/id/case/[^"]+">https://w3id.org/coopkg/id/case/', body)
    assert "Réponse : <strong>oui</strong>" in page(client, "/requetes", query="ASK { ?c a coop:CooperationCase }")
    body = page(client, "/requetes",
                query="CONSTRUCT { ?c a coop:CooperationCase } WHERE { ?c a coop:CooperationCase } LIMIT 1")
    assert '<pre class="turtle">' in body and "coop:CooperationCase" in body


def test_sparql_errors_in_french(client, built_settings):
    assert "Erreur de syntaxe" in page(client, "/requetes", 400, query="SELEC ?x")
    assert "lecture seule" in page(client, "/requetes", 403, query="INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert "Saisissez une requête" in page(client, "/requetes", 400, query="  ")
    cap = built_settings.model_copy(update={"sparql_max_results": 3})
    capped = TestClient(create_app(cap, service=client.app.state.service))
    body = page(capped, "/requetes", 400, query="SELECT ?s WHERE { ?s ?p ?o }")
    assert "dépasse 3 lignes" in body


def test_run_sparql_is_the_endpoint_path(built_settings, hashing_service):
    reply = run_sparql(built_settings, hashing_service.store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    table = sparql_table(reply, built_settings.base_iri)
    assert table["kind"] == "table" and table["vars"] == ["n"] and int(table["rows"][0][0]["text"]) > 5000


# -- static assets and routes ------------------------------------------------------------------
def test_static_assets_are_local(client):
    css = client.get("/static/coopkg.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ":focus" in css.text and "@media" in css.text
    assert client.get("/static/coopkg.js").status_code == 200
    assert client.get("/static/../ui.py").status_code == 404
    for url in ("/", f"/cas/{CASE}", "/requetes"):
        body = client.get(url).text
        assert not re.search(r'src="(?:https?:)?//', body)  # scripts, images: local only
        assert not re.search(r'<link[^>]+href="(?:https?:)?//', body)  # stylesheets: local only


def test_ui_routes_leave_the_api_alone(client):
    spec = client.get("/openapi.json").json()
    assert not any(p in spec["paths"] for p in ("/", "/cas/{case_id}", "/leviers", "/requetes"))
    assert client.get("/api/search", params={"q": "coopération"}).headers["content-type"] == "application/json"
    assert client.get("/sparql", headers={"Accept": "text/turtle"}).status_code == 200
