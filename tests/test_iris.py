"""Deterministic slugs of the IRIs minted from names (ontology/iris.py)."""
from __future__ import annotations

from ontology.iris import Minter, name_slug, slugify


def test_short_names_keep_their_plain_slug():
    assert name_slug("Département de la Gironde") == slugify("Département de la Gironde") == "departement-de-la-gironde"
    assert Minter.document_id("atelier.pdf") == "document-atelier-pdf"


def test_long_names_sharing_a_prefix_stay_apart():
    a = "Deux communautés d'agglomération partenaires de « Convention de partage de l'ingénierie » (non nommées)"
    b = "Deux communautés d'agglomération partenaires de « Convention d'articulation du SAGE » (non nommées)"
    assert slugify(a) == slugify(b)  # what a plain truncated slug would merge
    assert name_slug(a) != name_slug(b)
    assert len(name_slug(a)) <= 60 and name_slug(a).startswith("deux-communautes-d-agglomeration-partenaires")
    assert name_slug(a) == name_slug(a)  # deterministic
    assert name_slug(a.upper()) == name_slug(a)  # the slug, not the spelling, is the identity


def test_long_file_names_are_two_documents():
    stem = "compte-rendu-atelier-cooperation-territoriale-pays-de-brest-et-centre-ouest-bretagne-2024"
    one, two = Minter.document_id(stem + "-session-1.pdf"), Minter.document_id(stem + "-session-2.pdf")
    assert one != two and len(one) <= len("document-") + 80
