"""Atomicity of `coopkg ingest` under SIGKILL: a writer killed mid-way leaves the store exactly as
before the document it was writing; documents written before the kill stay complete.

The kill lands at the worst moment on purpose: the fault-injection variable
COOPKG_DEBUG_PAUSE_BEFORE_SWITCH makes each store write pause after its new snapshot is fully
written and before the switch to it (kb/embedded.py), announcing it on stderr. Validated documents
are written in groups (COOPKG_INGEST_BATCH): the first test kills the one write of both documents,
the second writes one document per transaction and kills the second write."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from coopkg.settings import load_settings
from kb.build import build
from kb.embedded import PAUSE_ENV, PAUSE_MARKER
from kb.store import open_store
from ontology.iris import Minter

PIPELINE = Path(__file__).parent / "data" / "documents" / "pipeline"
DOCS = ("pat-grand-clermont.txt", "reciprocite-brest-cob.md")


def all_quads(settings) -> set:
    store = open_store(settings)
    try:
        return set(store.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")) | {
            ("graph", g) for g in store.named_graphs()}
    finally:
        store.close()


def graph_of(settings, name: str) -> set:
    g = Minter(settings.base_iri).document_graph(Minter.document_id(name))
    store = open_store(settings)
    try:
        return set(store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"))
    finally:
        store.close()


def run_ingest(settings, paths, *, pause: float | None = None, kill_at: int | None = None,
               batch: int | None = None) -> subprocess.CompletedProcess | None:
    env = {**os.environ, "COOPKG_HOME": str(settings.home), "COOPKG_CORPUS_DIR": str(settings.corpus_dir)}
    if batch is not None:
        env["COOPKG_INGEST_BATCH"] = str(batch)
    env.pop(PAUSE_ENV, None)
    if pause is not None:
        env[PAUSE_ENV] = str(pause)
    cmd = [sys.executable, "-c", "from coopkg.cli import main; main()", "ingest", "--no-index", *map(str, paths)]
    if kill_at is None:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    seen = 0
    try:
        for line in proc.stderr:
            if PAUSE_MARKER in line:
                seen += 1
                if seen == kill_at:
                    proc.send_signal(signal.SIGKILL)
                    break
    finally:
        proc.wait(timeout=60)
        proc.stderr.close()
    assert seen == kill_at, "the writer ended before reaching the kill point"
    assert proc.returncode == -signal.SIGKILL
    return None


@pytest.fixture
def docs(tmp_path) -> list[Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    return [Path(shutil.copy(PIPELINE / name, folder / name)) for name in DOCS]


def test_kill_during_the_group_write_leaves_the_store_as_it_was(make_settings, corpus_copy, docs):
    settings = make_settings(corpus_copy)
    build(settings)
    before = all_quads(settings)
    run_ingest(settings, docs, pause=60, kill_at=1)  # the one write of both documents
    assert all_quads(settings) == before
    # The next writer ignores and removes the half-finished snapshot, and succeeds.
    done = run_ingest(settings, docs)
    assert done.returncode == 0, done.stderr
    assert all(graph_of(settings, d.name) for d in docs)


def test_kill_during_the_second_document_keeps_the_first_complete(make_settings, corpus_copy, tmp_path, docs):
    reference = load_settings(home=tmp_path / "reference", corpus_dir=corpus_copy)
    build(reference)
    clean = run_ingest(reference, docs[:1])
    assert clean.returncode == 0, clean.stderr

    settings = make_settings(corpus_copy)
    build(settings)
    run_ingest(settings, docs, pause=1, kill_at=2, batch=1)
    first, second = (graph_of(settings, d.name) for d in docs)
    assert first == graph_of(reference, docs[0].name) and first
    assert second == set()
