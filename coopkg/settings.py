"""Typed settings, read from the environment (prefix ``COOPKG_``) and validated at start-up.

Every field is documented in docs/settings.md; a test fails when one is missing there.
"""
from __future__ import annotations

from enum import Enum
from typing import Literal
from pathlib import Path
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class StoreKind(str, Enum):
    embedded = "embedded"
    remote = "remote"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COOPKG_", extra="ignore")

    home: Path = Field(Path("data"), description="Data directory: the store, indexes and caches.")
    corpus_dir: Path = Field(Path("corpus"), description="Curated corpus directory compiled by `coopkg build`.")
    base_iri: str = Field(
        "https://w3id.org/coopkg/id/",
        description="Base of every IRI the knowledge base mints (cases, actors, vocabularies). Must end with '/'.",
    )
    store: StoreKind = Field(StoreKind.embedded, description="`embedded` (Oxigraph on disk under home) or `remote` (SPARQL 1.1 server).")
    sparql_query_url: str | None = Field(None, description="Remote store: SPARQL 1.1 query endpoint URL.")
    sparql_update_url: str | None = Field(None, description="Remote store: SPARQL 1.1 update endpoint URL.")
    remote_timeout: float = Field(30.0, gt=0, description="Remote store: HTTP timeout in seconds.")
    snapshots_keep: int = Field(2, ge=1, le=20, description="Embedded store: how many store snapshots to keep on disk after a write.")
    shacl: bool = Field(True, description="Validate compiled graphs against ontology/shapes.ttl during `build`.")
    embedding_model: str = Field(
        "",
        description="Embedding model for search: a sentence-transformers folder or model name available offline. "
                    "Empty: the multilingual-e5-small folder `coopkg model prepare` writes under home/models. "
                    "`hashing:N` is a fast fake for tests.",
    )
    vector_exact_max: int = Field(50_000, ge=0, description="Dense index: exact inner-product search up to this many vectors, HNSW above.")
    search_threads: int = Field(1, ge=1, le=64, description="CPU threads for embedding a query and searching the dense index.")
    query_encoder: Literal["onnx-int8", "torch-int8", "torch"] = Field(
        "onnx-int8",
        description="How questions are embedded: `onnx-int8` (ONNX Runtime, int8 weights, exported once next to the model; "
                    "about 3x faster than fp32, cosine ≥ 0.99 to it), `torch-int8` (PyTorch's dynamic int8 layers, about 1.5x) "
                    "or `torch` (fp32, the reference). Questions are never stored: no rebuild when it changes.",
    )
    passage_encoder: Literal["onnx-fp32", "torch", "onnx-int8"] = Field(
        "onnx-fp32",
        description="How passages are embedded by `coopkg build`, `coopkg ingest` (with the definitions it compares them "
                    "with) and the write endpoints: `onnx-fp32` (the same fp32 model on ONNX Runtime, exported once next "
                    "to it: the same vectors within 1e-6, so the index and the embedding cache are shared; about 30 % less "
                    "CPU and no torch model to load), `torch` (sentence-transformers, the reference) or `onnx-int8` "
                    "(opt-in: the int8 export of the query encoder, about 1.75x faster than `onnx-fp32`, cosine ≈ 0.996 "
                    "to it; other vectors, so another model id: an index built with fp32 passages is refused and rebuilt "
                    "by `coopkg build`, and the embedding cache keeps the two apart).",
    )
    host: str = Field("127.0.0.1", description="`coopkg serve`: interface to listen on.")
    port: int = Field(8000, ge=1, le=65535, description="`coopkg serve`: TCP port.")
    workers: int = Field(1, ge=1, le=32, description="`coopkg serve`: worker processes.")
    public_url: str | None = Field(None, description="Public base URL of the server (used in the dataset description and links); default: the request's own URL.")
    sparql_timeout: float = Field(10.0, gt=0, le=3600, description="`/sparql`: a query running longer is stopped with a 503 error (seconds).")
    sparql_max_results: int = Field(10_000, ge=1, description="`/sparql`: maximum result rows (SELECT) or triples (CONSTRUCT/DESCRIBE); more is refused with a clear error.")
    sparql_allow_service: bool = Field(False, description="`/sparql`: allow SERVICE (federated queries make the server fetch other URLs; off by default).")
    write_token: SecretStr | None = Field(None, description="Bearer token of the write endpoints (upload, case files); unset: write endpoints are off.")
    upload_max_bytes: int = Field(20_000_000, ge=1, description="Largest accepted upload or case file, in bytes.")
    ingest_max_bytes: int = Field(20 * 1024 * 1024, ge=1, description="`coopkg ingest`: largest document accepted, in bytes (default 20 MiB).")
    ingest_threshold: float = Field(0.7, ge=0, le=1, description="`coopkg ingest`: extracted statements with a lower confidence are stored as suggestions for `coopkg review`, not asserted.")
    ingest_batch: int = Field(16, ge=1, le=1000, description="`coopkg ingest`: validated documents written together in one store transaction (one snapshot and one inference pass per group; each document stays all or nothing). 1: one write per document.")
    ingest_link_threshold: float = Field(90.0, ge=50, le=100, description="`coopkg ingest`: fuzzy-match score (0-100) from which a name found in a document is linked to an actor already in the base.")

    @field_validator("base_iri")
    @classmethod
    def _check_base_iri(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an absolute http(s) IRI, e.g. https://example.org/id/")
        if not value.endswith("/"):
            raise ValueError("must end with '/', e.g. https://example.org/id/")
        if any(c in value for c in ' <>"{}|\\^`'):
            raise ValueError("must not contain spaces or any of <>\"{}|\\^`")
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an absolute http(s) URL, e.g. https://pratiques.example.org")
        return value.rstrip("/")

    @field_validator("write_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters (or leave it unset to turn write endpoints off)")
        return value

    @field_validator("sparql_query_url", "sparql_update_url")
    @classmethod
    def _check_endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return value
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an absolute http(s) URL, e.g. http://127.0.0.1:7878/query")
        return value

    @model_validator(mode="after")
    def _check_remote(self) -> "Settings":
        if self.store is StoreKind.remote and not (self.sparql_query_url and self.sparql_update_url):
            raise ValueError("COOPKG_STORE=remote needs COOPKG_SPARQL_QUERY_URL and COOPKG_SPARQL_UPDATE_URL")
        return self

    @property
    def store_dir(self) -> Path:
        return self.home / "store"

    @property
    def search_dir(self) -> Path:
        return self.home / "search"

    @property
    def embedding_cache_path(self) -> Path:
        """The passage-embedding cache shared by `build`, uploads and ingestion."""
        return self.home / "cache" / "embeddings.sqlite"

    @property
    def query_encoder_dir(self) -> Path:
        """Where the ONNX query encoder of a model given by name (not a folder) is exported."""
        return self.home / "cache" / "query-encoders"

    @property
    def embedding_model_ref(self) -> str:
        """The configured model, or the path of the locally prepared default."""
        if self.embedding_model.strip():
            return self.embedding_model.strip()
        return str(self.home / "models" / "multilingual-e5-small")


class SettingsError(Exception):
    """Settings could not be loaded; the message says which variable is wrong and why."""


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            env = f"COOPKG_{field.upper()}" if field != "settings" else "COOPKG_*"
            lines.append(f"{env}: {err['msg']}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
