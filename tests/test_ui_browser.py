"""The web interface in a real headless Chromium (slow): `coopkg build` (hashing fake embedder)
into a temporary home, `coopkg serve` on a free 127.0.0.1 port, then Playwright's Python client
drives the system browser (Debian's `chromium`; Playwright downloads no browser): search, apply a
filter, open a result, follow the case page's links, run an example SPARQL query.

The browser is $COOPKG_TEST_CHROMIUM, else the first of chromium, chromium-browser,
google-chrome on PATH; without one, the test is skipped and says so."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.servers import coopkg_server, http

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
COOPKG = Path(sys.executable).parent / "coopkg"
CHROMIUM_ENV = "COOPKG_TEST_CHROMIUM"
QUESTION = "coopération ville-campagne"


def find_chromium() -> str | None:
    override = os.environ.get(CHROMIUM_ENV)
    if override:
        return override if Path(override).is_file() and os.access(override, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip(f"no Chromium executable (looked for ${CHROMIUM_ENV}, then chromium, chromium-browser and "
                    "google-chrome on PATH): install Debian's chromium (apt-get install chromium), as scripts/setup-test does")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`coopkg build` then `coopkg serve` over the repository corpus with the hashing fake; yields
    the base URL. Retries on another port if the chosen one was taken meanwhile."""
    home = tmp_path_factory.mktemp("ui-browser") / "data"
    env = {**os.environ, "COOPKG_HOME": str(home), "COOPKG_CORPUS_DIR": str(REPO / "corpus"),
           "COOPKG_EMBEDDING_MODEL": "hashing:384"}
    built = subprocess.run([str(COOPKG), "build"], env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    with coopkg_server(env, home.parent, cwd=REPO) as base:
        yield base


@pytest.fixture(scope="module")
def browser(chromium):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        pytest.fail("the Python package playwright is missing: it is pinned in requirements.txt (run scripts/setup)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"], headless=True)
        try:
            yield browser
        finally:
            browser.close()


def api_json(base: str, path: str, **params):
    import json
    from urllib.parse import urlencode

    status, _, body = http("GET", base + path + ("?" + urlencode(params, doseq=True) if params else ""), timeout=30)
    assert status == 200, body[:500]
    return json.loads(body)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_search_filter_case_and_sparql(server, browser):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")  # a phone
    page.set_default_timeout(30_000)
    page.goto(server + "/")
    expect(page).to_have_title(re.compile("Rechercher"))
    assert page.locator("html").get_attribute("lang") == "fr"
    page.keyboard.press("Tab")  # the first stop is the skip link
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#contenu"
    assert no_horizontal_scroll(page)

    # 1. search
    page.get_by_label("Votre question").fill(QUESTION)
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r"[?&]q="))
    expect(page.locator("#h-resultats")).to_contain_text(f"pour « {QUESTION} »")
    cards = page.locator("li.card.result")
    assert cards.count() >= 3
    expect(cards.first.locator("mark").first).to_be_visible()  # the passage, highlighted
    expect(cards.first.get_by_text("Pourquoi ce résultat")).to_be_visible()
    expect(cards.first.get_by_text("Composantes du score")).to_be_visible()
    assert no_horizontal_scroll(page)
    # the empty filters were left out of the URL by the optional script
    assert set(parse_qs(urlparse(page.url).query)) == {"q"}

    # 2. apply a filter: lever L7
    page.locator("details.filters > summary").click()
    page.get_by_label("Levier").select_option("L7")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"lever=L7"))
    assert parse_qs(urlparse(page.url).query) == {"q": [QUESTION], "lever": ["L7"]}
    expect(page.locator("ul.chips")).to_contain_text("Levier : Rapprocher les projets de territoire")
    expected = api_json(server, "/api/search", q=QUESTION, lever="L7")["results"]
    shown = page.locator("li.card.result h3 a")
    assert [urlparse(h).path for h in shown.evaluate_all("links => links.map(a => a.href)")] == \
        [f"/cas/{r['id']}" for r in expected]
    assert all("L7" in {lv["id"] for lv in r["levers"]} for r in expected)

    # 3. open the first result
    first = expected[0]
    shown.first.click()
    page.wait_for_url(re.compile(f"/cas/{re.escape(first['id'])}$"))
    expect(page.locator("h1")).to_have_text(first["label"])
    actors = page.locator("#h-acteurs + ul.actors > li")
    assert actors.count() == len(first["actors"]) >= 1
    expect(page.locator("#h-sources")).to_be_visible()
    similar = page.locator("section.similar li.card h3 a")
    assert similar.count() >= 1
    assert no_horizontal_scroll(page)

    # 4. follow its links: a similar case, then its linked-data page
    label = similar.first.inner_text()
    similar.first.click()
    expect(page.locator("h1")).to_have_text(label)
    page.get_by_role("link", name="données liées (IRI)").click()
    page.wait_for_url(re.compile(r"/coopkg/id/case/"))
    expect(page.locator("h1")).to_have_text(label)

    # 5. the SPARQL page: an example query, then an edited one, as tables
    page.goto(server + "/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="SPARQL").click()
    expect(page.locator("h1")).to_have_text("Requêtes SPARQL")
    page.get_by_role("link", name="Les leviers par axe de la roue de la coopération").click()
    table = page.locator(".sparql-result table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(10)
    expect(table.locator("thead th")).to_have_text(["axis", "lever"])
    page.get_by_label("Requête").fill("SELECT ?case ?label WHERE { ?case a coop:CooperationCase ; rdfs:label ?label } "
                                      "ORDER BY ?label LIMIT 5")
    page.get_by_role("button", name="Exécuter la requête").click()
    expect(page.locator(".sparql-result tbody tr")).to_have_count(5)
    expect(page.locator(".sparql-result thead th")).to_have_text(["case", "label"])
    page.get_by_label("Requête").fill("SELECT ?x WHERE { ?x ")
    page.get_by_role("button", name="Exécuter la requête").click()
    expect(page.get_by_role("alert")).to_contain_text("Erreur de syntaxe")
    page.close()


def test_desktop_layout_and_keyboard(server, browser):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.set_default_timeout(30_000)
    page.goto(server + "/leviers")
    expect(page.locator("section.axis")).to_have_count(4)
    page.get_by_role("link", name=re.compile("^L3 ")).click()
    page.wait_for_url(re.compile(r"/\?lever=L3$"))
    expect(page.locator("#h-liste")).to_contain_text("aux filtres")
    # keyboard only: type a question and submit with Enter
    page.get_by_label("Votre question").focus()
    page.keyboard.type("mutualiser un thermicien")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=mutualiser"))
    assert parse_qs(urlparse(page.url).query)["lever"] == ["L3"]  # the filter was kept
    expect(page.locator("li.card.result").first).to_be_visible()
    page.close()


def test_core_flow_without_javascript(server, browser):
    """Progressive enhancement: with JavaScript off, search, filter and the case page still work."""
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server + "/")
    page.get_by_label("Votre question").fill(QUESTION)
    page.locator("details.filters > summary").click()
    page.get_by_label("Type d'acteur").select_option("pnr")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"actor_type=pnr"))
    expect(page.locator("ul.chips")).to_contain_text("Type d'acteur")
    expect(page.locator("li.card.result").first).to_be_visible()
    page.locator("li.card.result h3 a").first.click()
    expect(page.locator("#h-similaires")).to_be_visible()
    context.close()
