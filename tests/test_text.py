"""French analyzer (search/text.py): folding, elisions, hyphens, stop words, light stemming."""
from __future__ import annotations


import pytest

from search.text import ANALYZER_VERSION, analyze, fold, index_terms, normalize, phrase_terms, stem, tokenize


def one(text: str) -> str:
    terms = analyze(text)
    assert len(terms) == 1, (text, terms)
    return terms[0]


# -- light stemming: what must conflate, what must not ---------------------------------------------
@pytest.mark.parametrize("forms", [
    ["collectivité", "collectivités", "Collectivités"],
    ["intercommunalité", "intercommunalités"],
    ["coopération", "coopérations", "COOPÉRATIONS"],
    ["territorial", "territoriaux", "territoriale", "territoriales"],
    ["régional", "régionaux", "régionale", "régionales"],
    ["commune", "communes"],
    ["communs", "commun"],
    ["métropole", "métropoles"],
    ["métropolitain", "métropolitaine", "métropolitains", "métropolitaines"],
    ["enjeu", "enjeux"],
    ["coopératif", "coopérative", "coopératives"],
    ["animateur", "animatrice", "animatrices"],
    ["naturel", "naturelle", "naturels"],
    ["citoyen", "citoyenne", "citoyennes"],
    ["donnée", "données"],
])
def test_inflected_forms_conflate(forms):
    assert {one(f) for f in forms} == {one(forms[0])}


@pytest.mark.parametrize("a, b", [
    ("collectivités", "collections"),
    ("collectivité", "collection"),
    ("commune", "communs"),       # a municipality is not the commons
    ("commune", "communication"),
    ("communes", "communication"),
    ("communs", "communication"),
    ("métropole", "métropolitain"),
    ("élus", "élection"),
    ("mère", "mer"),
])
def test_distinct_words_do_not_collide(a, b):
    assert one(a) != one(b)


def test_elected_official_forms_including_inclusive_writing():
    # élu, élue, élus and the inclusive-writing forms are one word; the "-e"/"·e·s" fragments of
    # inclusive writing are not indexed as terms of their own.
    forms = ["élu", "élue", "élus", "élues", "élu-e", "élu-e-s", "élu·e·s", "élu.e.s", "Élu(e)s"]
    assert {tuple(analyze(f)) for f in forms} == {("elu",)}
    assert "e" not in analyze("les élu-e-s et les technicien·ne·s")


def test_stem_is_conservative():
    assert stem("pays") == "pays"          # invariant
    assert stem("cas") == "cas"            # too short to touch
    assert stem("processus") == "processus"
    assert stem("publique") == "publique"  # -que is not the -ue feminine
    assert stem("élus") == "élus"          # only folded ASCII words are stemmed
    assert stem("elus") == "elu"


# -- normalisation --------------------------------------------------------------------------------
def test_accent_case_and_ligature_folding():
    assert fold("Ardèche ÉTAT façon Œuvre Île Straße") == "ardeche etat facon oeuvre ile strasse"
    assert analyze("Ardèche") == analyze("ARDECHE") == analyze("ardeche")
    assert analyze("œuvre") == analyze("oeuvre")
    assert analyze("ﬁnancement") == analyze("financement")  # NFKC ligature
    assert analyze("ＰＮＲ") == ["pnr"]                        # full-width letters
    assert normalize("L’État") == "l'etat"


@pytest.mark.parametrize("text, expected", [
    ("l'État", ["etat"]),
    ("l’État", ["etat"]),
    ("L‘agglomération", ["agglomeration"]),
    ("d'agglomération", ["agglomeration"]),
    ("d’agglomération", ["agglomeration"]),
    ("qu'une intercommunalité", ["intercommunalite"]),
    ("jusqu'à la charte", ["charte"]),
    ("lorsqu'elle coopère", ["coopere"]),
    ("puisqu'on mutualise", ["mutualise"]),
    ("j'ai", ["ai"]),
    ("n'est", []),
    ("s'engager", ["engager"]),
    ("c'est-à-dire", ["dire"]),
    ("m'informer t'informer", ["informer", "informer"]),
    ("aujourd'hui", []),                # one stop word, not "aujourd" + "hui"
    ("a'urba", ["aurba"]),              # an apostrophe that is not an elision joins
])
def test_elisions(text, expected):
    assert analyze(text) == expected


def test_quotes_and_punctuation_are_separators():
    assert analyze("convention « territoires partenaires »") == ["convention", "territoire", "partenaire"]
    assert analyze("“pacte” „politique‟ ‹charte›") == ["pacte", "politique", "charte"]
    assert analyze("Brest – COB") == ["brest", "cob"]  # a dash is not a hyphen


def test_hyphens():
    assert analyze("ville-campagne") == ["ville", "campagne"] == analyze("ville campagne")
    assert analyze("Bourg-en-Bresse") == ["bourg", "bresse"]
    assert analyze("Luc-sur-Aude") == ["luc", "aude"] and analyze("Île-de-France") == ["ile", "france"]
    assert analyze("Côtes-d’Armor") == ["cote", "armor"]
    # Prefixed compounds: joined form (for phrase matching) + the word itself (bag of words).
    assert analyze("co-construction") == ["coconstruction", "construction"]
    assert phrase_terms("co-construction") == ["coconstruction"] == phrase_terms("coconstruction")
    assert "coconstruction" in analyze("coconstruction")
    assert phrase_terms("inter-territorialité") == phrase_terms("interterritorialité")
    assert phrase_terms("péri-urbain") == phrase_terms("périurbain")
    assert analyze("co‑construction") == analyze("co-construction")  # non-breaking hyphen


def test_stop_words_and_acronyms():
    assert analyze("de la des du le les et ou à") == []
    assert analyze("the role of the park") == ["role", "park"]
    assert analyze("ça") == [] and analyze("CA") == ["ca"]   # CA = communauté d'agglomération
    assert analyze("SCoT") == analyze("Scot") == analyze("scot") == ["scot"]
    assert analyze("DGS") == ["dgs"] and analyze("CLS") == ["cls"]   # acronyms are not stemmed
    assert analyze("LES COOPÉRATIONS TERRITORIALES") == ["cooperation", "territorial"]


def test_spans_point_into_the_original_text():
    text = "L’État et la Région d’Île-de-France co-construisent"
    got = [(text[t.start:t.end], t.term, t.alt) for t in tokenize(text)]
    assert got == [("État", "etat", False), ("Région", "region", False), ("Île", "ile", False),
                   ("France", "france", False), ("co-construisent", "coconstruisent", False),
                   ("construisent", "construisent", True)]


def test_index_terms_agrees_with_tokenize():
    text = "Le PNR et l’agglo co-construisent un plan d'actions ; les élu·e·s « votent »."
    terms, seq = index_terms(text)
    assert terms == [t.term for t in tokenize(text)]
    assert seq == [t.term for t in tokenize(text) if not t.alt]


# -- bad input --------------------------------------------------------------------------------------
def test_odd_input_does_not_crash():
    assert analyze("") == [] and analyze("   \n\t") == []
    assert analyze("🤝🌍 !!! ??? ---") == []
    assert analyze("東京 協力") == ["東京", "協力"]          # kept as terms; they simply match nothing
    assert analyze("сотрудничество") == ["сотрудничество"]
    assert analyze("\x00\u200b\ufeff") == []
    long = "coopération intercommunale ville-campagne l'État 🤝 " * 250
    terms = analyze(long[:10_000])
    assert "cooperation" in terms


def test_analyzer_version_is_recorded():
    assert ANALYZER_VERSION.startswith("fr-light-")
