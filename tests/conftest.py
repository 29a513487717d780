"""Shared fixtures. Tests use only the repository's corpus and files under tests/ (never the seeds)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coopkg.settings import load_settings

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
