"""What the search index embeds of an extracted case, known before extraction
(ingest/documents/casetexts.py), and the embedding work ingestion shares with the index update
(coopkg/ingesting.py: the definitions the index holds, the case texts through the embedding cache)."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest.documents.casetexts import SUMMARY_MAX, index_texts, summary
from ingest.documents.model import Block, Candidate, Document

STYLES = Path(__file__).parent / "data" / "documents" / "styles"

# A document of the shapes the summary draws from: a practice told in prose, one given as a grid.
TEXT = """Exemples de coopération

→ Charte de coopération du plateau de Lorval

Éléments déclencheurs\tLa fermeture annoncée de deux écoles de montagne
Partenaires / échelle\tTrois communautés de communes ; un syndicat mixte de transport
Enjeux\tMaintenir les services du quotidien sur le plateau
Enjeux\tÉviter la concurrence entre bourgs-centres
Objet\tLa charte fixe cinq engagements réciproques et un programme d'actions triennal.

→ Contrat de réciprocité entre Lorval Métropole et le Pays de Tarnac

Lorval Métropole et le Pays de Tarnac ont signé un contrat de réciprocité sur l'alimentation et la mobilité.

Les élus des deux territoires se réunissent deux fois par an pour suivre les actions communes.
"""


def block(kind: str, text: str, start: int, field: str | None = None) -> Block:
    return Block(kind, text, start, start + len(text), field=field)


def test_index_texts_of_a_grid_candidate():
    blocks = [block("grid", "Une école ferme", 0, "triggers"), block("grid", "Trois CC", 20, "partners_scale"),
              block("grid", "un syndicat", 30, "partners_scale"), block("grid", "Services", 50, "stakes"),
              block("grid", "Concurrence", 60, "stakes"), block("grid", "Services", 80, "stakes"),
              block("grid", "Une charte", 90, "object"), block("grid", "Comité", 110, "governance")]
    grid: dict[str, list[Block]] = {}
    for b in blocks:
        grid.setdefault(b.field, []).append(b)
    cand = Candidate("Charte du plateau", 0, 120, blocks=blocks, grid=grid)
    got = {t.field: t.text for t in index_texts(cand)}
    # no paragraph: the summary is made of the grid items (object, ambitions, stakes, triggers, partners)
    assert summary(cand) == "Une charte Services Concurrence Services Une école ferme Trois CC un syndicat"
    assert got == {"case": "Charte du plateau\n" + summary(cand), "abstract": summary(cand),
                   "trigger": "Une école ferme", "partners_scale": "Trois CC ; un syndicat",
                   "stake": "Concurrence\nServices",  # several values: sorted, each once (the store's set)
                   "object": "Une charte"}  # governance is not a text field of the index


def test_a_long_summary_holds_only_its_first_blocks():
    first, second = "mot " * 100, "autre " * 100
    blocks = [block("paragraph", first.strip(), 0), block("paragraph", second.strip(), 500)]
    cand = Candidate("Titre", 0, 1100, blocks=blocks)
    text = summary(cand)
    assert len(text) <= SUMMARY_MAX + 1 and text.endswith("…")
    [_, abstract] = index_texts(cand)
    assert abstract.field == "abstract" and abstract.blocks == (blocks[0],)
    bare = Candidate("Pays de Tarnac", 0, 14, blocks=[block("heading", "Pays de Tarnac", 0)])
    assert [(t.field, t.text) for t in index_texts(bare)] == [("case", "Pays de Tarnac\nPays de Tarnac"),
                                                              ("abstract", "Pays de Tarnac")]


# ----------------------------------------------------------------------------- with the search index


class Recorder:
    """The hashing embedder, recording what it embeds as passages and as queries."""

    def __init__(self, inner):
        self.inner, self.passages, self.queries = inner, [], []

    @property
    def model_id(self):
        return self.inner.model_id

    @property
    def dimension(self):
        return self.inner.dimension

    def embed_passages(self, texts):
        self.passages.extend(texts)
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts):
        self.queries.extend(texts)
        return self.inner.embed_queries(texts)


@pytest.fixture
def base(make_settings, corpus_copy, tmp_path):
    """A base built with its search index (as `coopkg build`), then its embedding cache removed: what
    ingestion reuses of the definitions can only come from the search index."""
    from coopkg.ingesting import Ingestor
    from kb.build import build

    settings = make_settings(corpus_copy)
    build(settings)
    Ingestor(settings).update_index()
    (settings.home / "cache" / "embeddings.sqlite").unlink()
    doc = tmp_path / "inbox" / "plateau.txt"
    doc.parent.mkdir()
    doc.write_text(TEXT, encoding="utf-8")
    return settings, doc


def ingestor(settings):
    from coopkg.ingesting import Ingestor
    from search.embedder import make_embedder

    return Ingestor(settings, embedder=Recorder(make_embedder(settings.embedding_model_ref)))


def dense_texts(settings) -> dict[str, str]:
    """(vector id -> text) of every vector the search index holds for the store's cases."""
    from kb.store import open_store
    from search.index import dense_items
    from search.lexical import passages_from_store

    store = open_store(settings)
    try:
        return {vid: text for vid, _, text in dense_items(passages_from_store(store))}
    finally:
        store.close()


def test_ingestion_embeds_each_text_once(base):
    """Extraction embeds its passages through the cache the index update consults; a chunk that is
    word for word a text the index embeds (here the title and summary of the second practice) is
    embedded as that text, and the index update does not embed it again. The definitions' passage
    vectors come from the search index; only their query vectors are embedded."""
    from collections import Counter

    from ingest.documents.semantic import DefinitionIndex
    from ingest.documents.readers import read_document
    from ingest.documents.segment import candidates

    settings, path = base
    ing = ingestor(settings)
    report = ing.run([str(path)], index=False)
    assert [o.status for o in report.outcomes] == ["ingested"], report.outcomes[0].error
    rec = ing.embedder
    definitions = {DefinitionIndex.definition_text(e) for e in ing._semantic.entries}
    assert definitions == set(rec.queries) and len(rec.queries) == len(definitions)  # embedded once, as queries
    assert not definitions & set(rec.passages)  # their passage vectors: the search index's vocabulary
    found = candidates(read_document(path))
    assert [c.title for c in found] == ["Charte de coopération du plateau de Lorval",
                                        "Contrat de réciprocité entre Lorval Métropole et le Pays de Tarnac"]
    case_text = next(t.text for t in index_texts(found[1]) if t.field == "case")
    assert case_text in rec.passages  # the second practice's chunk: its title and summary
    extracted = list(rec.passages)
    rec.passages.clear()
    update = ing.update_index()
    assert update.changed and case_text not in rec.passages  # found in the cache
    twice = [t for t, n in Counter(extracted + rec.passages).items() if n > 1]
    assert twice == []  # no text embedded twice in the whole ingestion
    indexed = dense_texts(settings)
    for cand in found:
        for t in index_texts(cand):
            # the index holds vectors of exactly these strings (one per case and field)
            assert sum(text == t.text for vid, text in indexed.items() if vid.endswith(f"#{t.field}")) == 1, t


def test_definitions_are_embedded_when_the_index_cannot_give_them(base):
    """No search index (or one of another model, or unreadable): the definitions' passage vectors
    are embedded (through the cache: a second ingestion finds them there)."""
    from ingest.documents.semantic import DefinitionIndex

    settings, path = base
    shutil.rmtree(settings.search_dir)
    ing = ingestor(settings)
    assert ing.indexed_definitions() == {}
    ing.run([str(path)], dry_run=True)
    definitions = {DefinitionIndex.definition_text(e) for e in ing._semantic.entries}
    assert definitions <= set(ing.embedder.passages)
    again = ingestor(settings)
    again.run([str(path)], dry_run=True)
    assert not definitions & set(again.embedder.passages)  # from the embedding cache this time


def test_an_index_of_another_model_or_unreadable_is_not_used(base):
    settings, _ = base
    ing = ingestor(settings)
    known = ing.indexed_definitions()
    assert known and all(isinstance(v, np.ndarray) for v in known.values())
    meta_path = Path(settings.search_dir) / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "model_id": "autre-modèle"}), encoding="utf-8")
    assert ingestor(settings).indexed_definitions() == {}
    meta_path.write_text("{pas du json", encoding="utf-8")
    assert ingestor(settings).indexed_definitions() == {}


def test_cached_embedder_embeds_a_passage_once(tmp_path):
    from coopkg.ingesting import CachedEmbedder
    from search.embedder import HashingEmbedder
    from search.vectors import EmbeddingCache

    rec = Recorder(HashingEmbedder(16))
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        cached = CachedEmbedder(rec, cache)
        first = cached.embed_passages(["un texte", "un autre"])
        again = cached.embed_passages(["un autre", "un texte"])
        cached.embed_queries(["une question"])
        cached.embed_queries(["une question"])
    assert rec.passages == ["un texte", "un autre"] and rec.queries == ["une question"] * 2  # queries not cached
    assert np.allclose(first[::-1], again) and (cached.model_id, cached.dimension) == (rec.model_id, 16)


def test_ingestion_goes_on_without_a_usable_cache(base, caplog):
    settings, path = base
    cache = settings.home / "cache" / "embeddings.sqlite"
    cache.mkdir(parents=True)  # a directory where the sqlite file should be
    ing = ingestor(settings)
    report = ing.run([str(path)], dry_run=True)
    assert [o.status for o in report.outcomes] == ["checked"] and ing._cache is None
    assert "embedding cache" in caplog.text and "unusable" in caplog.text
