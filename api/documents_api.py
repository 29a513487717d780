"""Document upload for ingestion (``/api/documents``): the publisher sends a raw document (.txt, .md,
.html, .pdf, .docx) and the base gains the cases it describes, as `coopkg ingest` would do
(docs/extraction.md). Writes are behind ``Authorization: Bearer <COOPKG_WRITE_TOKEN>``, one at a
time with the case-file writes (api/publishing.py), atomic per document, and served at once.
Listing the ingested documents is public."""
from __future__ import annotations

import tempfile
import threading
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from . import publishing
from .errors import ApiError
from .publishing import Publisher
from .write import WRITE_ERRORS, _read_body

DocName = Annotated[str, Path(description="the document's file name, with its extension (.txt, .md, .html, .pdf, "
                                          ".docx); the same name replaces the document")]
_ERROR = {"description": "the error shape"}
NAME_MAX = 200


class UploadedCase(BaseModel):
    id: str
    label: str
    url: str


class DocumentReport(BaseModel):
    name: str = Field(description="the document's file name")
    status: str = Field(description="ingested, unchanged (same content already in the base) or removed")
    cases: list[UploadedCase] = Field(default_factory=list, description="the cases the document produced")
    asserted: int = Field(0, description="statements written to the base")
    suggested: int = Field(0, description="statements under the confidence threshold, left for `coopkg review`")
    warnings: list[str] = Field(default_factory=list)
    seconds: float = 0.0


class DocumentEntry(BaseModel):
    file: str
    title: str
    sha256: str
    cases: int
    iri: str


def check_name(name: str) -> str:
    from ingest.documents.readers import SUPPORTED

    if not name or len(name) > NAME_MAX or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        raise ApiError(422, f"invalid document name {name[:80]!r}: a plain file name (no directory, not hidden, "
                            f"at most {NAME_MAX} characters)", field="name")
    suffix = FsPath(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise ApiError(415, f"unsupported document type {suffix or '(no extension)'!r}: send one of "
                            f"{', '.join(sorted(SUPPORTED))}", field="name")
    return name


class DocumentPublisher:
    """Ingests uploaded documents with one Ingestor (spaCy and the embedder loaded once)."""

    def __init__(self, settings, publisher: Publisher):
        # Readers of the service being replaced keep its snapshot until they finish (publishing.py).
        self.settings = settings.model_copy(update={"snapshots_keep": max(2, settings.snapshots_keep)})
        self.publisher = publisher
        self._ingestor = None
        self._lock = threading.Lock()

    def ingestor(self, state):
        from coopkg.ingesting import Ingestor

        with self._lock:
            if self._ingestor is None:
                service = getattr(state, "service", None)
                self._ingestor = Ingestor(self.settings, embedder=service.embedder if service is not None else None)
            return self._ingestor

    def put(self, name: str, data: bytes, state, base_url: str) -> DocumentReport:
        from ontology.iris import Minter

        ingestor = self.ingestor(state)
        with self.publisher.writer(), tempfile.TemporaryDirectory(prefix="coopkg-upload-") as tmp:
            path = FsPath(tmp) / name
            path.write_bytes(data)
            report = ingestor.run([str(path)], index=True)
            outcome = report.outcomes[0]
            if outcome.status == "failed":
                raise ApiError(422, outcome.error.replace(str(path), name), field="body")
            if outcome.status == "ingested":
                self.publisher._swap(state, self.settings, getattr(state, "service", None))
        minter = Minter(self.settings.base_iri)
        doc_id = minter.document_id(name)
        cases = self._cases(doc_id)
        return DocumentReport(
            name=name, status=outcome.status, asserted=outcome.asserted, suggested=outcome.suggested,
            warnings=outcome.warnings, seconds=round(report.seconds, 3),
            cases=[UploadedCase(id=cid, label=label, url=f"{base_url.rstrip('/')}/api/cases/{cid}") for cid, label in cases])

    def _cases(self, doc_id: str) -> list[tuple[str, str]]:
        from kb.store import open_store
        from ontology.iris import Minter
        from ontology.namespace import COOP, PROV, RDFS

        minter = Minter(self.settings.base_iri)
        store = open_store(self.settings)
        try:
            rows = store.select(f"SELECT ?c ?l WHERE {{ GRAPH <{minter.document_graph(doc_id)}> {{ ?c a <{COOP.ExtractedCase}> ; "
                                f"<{RDFS.label}> ?l ; <{PROV.wasDerivedFrom}> ?d }} }} ORDER BY ?c").rows
        finally:
            store.close()
        return [(str(c).rsplit("/", 1)[-1], str(label)) for c, label in rows]

    def delete(self, name: str, state) -> DocumentReport:
        with self.publisher.writer():
            if not self.ingestor(state).remove(name):
                raise ApiError(404, f"no ingested document named {name!r}; see GET /api/documents", field="name")
            self.publisher._swap(state, self.settings, getattr(state, "service", None))
        return DocumentReport(name=name, status="removed")

    def list(self) -> list[DocumentEntry]:
        from kb import documents
        from kb.store import open_store
        from ontology.iris import Minter

        store = open_store(self.settings)
        try:
            return [DocumentEntry(**row) for row in documents.documents(store, Minter(self.settings.base_iri))]
        finally:
            store.close()


def make_router(settings) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["documents"])
    docs = DocumentPublisher(settings, Publisher(settings))

    @router.get("/documents", response_model=list[DocumentEntry])
    def list_documents():
        """The ingested documents: file name, title, content hash and number of cases."""
        return docs.list()

    @router.put("/documents/{name}", response_model=DocumentReport,
                openapi_extra={"requestBody": {"required": True, "description": "the raw document",
                                               "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
                responses={**WRITE_ERRORS, 200: {"description": "unchanged (same content already ingested) or replaced"},
                           201: {"model": DocumentReport, "description": "ingested"},
                           413: _ERROR, 415: _ERROR,
                           422: {"description": "unreadable, empty, binary, corrupt or SHACL-invalid document; nothing "
                                                "was written; the error shape"}})
    async def put_document(name: DocName, request: Request):
        """Ingest (or re-ingest) a raw document under this file name; answers when its cases are served.
        Size limit: the smaller of COOPKG_UPLOAD_MAX_BYTES and COOPKG_INGEST_MAX_BYTES."""
        publishing.check_token(settings, request.headers.get("authorization"))
        check_name(name)
        limit = min(settings.upload_max_bytes, settings.ingest_max_bytes)
        data = await _read_body(request, limit)
        if not data:
            raise ApiError(422, f"{name}: empty body: send the document's bytes", field="body")
        report = await run_in_threadpool(docs.put, name, data, request.app.state, publishing.base_url(settings, request))
        return Response(report.model_dump_json(), status_code=201 if report.status == "ingested" else 200,
                        media_type="application/json")

    @router.delete("/documents/{name}", response_model=DocumentReport, responses={**WRITE_ERRORS, 404: _ERROR})
    async def delete_document(name: DocName, request: Request):
        """Remove an ingested document and the cases it produced."""
        publishing.check_token(settings, request.headers.get("authorization"))
        return await run_in_threadpool(docs.delete, name, request.app.state)

    return router
