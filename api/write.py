"""Write access for the publisher: create, replace or delete a case file of the corpus
(``/api/cases/{id}/file``), behind ``Authorization: Bearer <COOPKG_WRITE_TOKEN>``; with no token
configured the write endpoints answer 403. Reading a case file is public.

Routes are thin: the checks, the validation, the atomic write, the rebuild and the swap of the
served state are in api/publishing.py (docs/api.md, "Write access")."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from . import publishing
from .publishing import Publisher, WriteReport

CaseId = Annotated[str, Path(description="case id (kebab-case), the file name of corpus/cases/<id>.md without .md")]

_ERROR = {"description": "the error shape"}
WRITE_ERRORS = {401: {"description": "missing or wrong bearer token (WWW-Authenticate: Bearer); the error shape"},
                403: {"description": "write endpoints are off (COOPKG_WRITE_TOKEN unset); the error shape"},
                503: {"description": "another write is running, or the store is locked by another process; "
                                     "the error shape, with Retry-After"}}
_BODY = {"requestBody": {"required": True, "description": "the case file (docs/corpus.md), UTF-8",
                         "content": {m: {"schema": {"type": "string"}} for m in publishing.MEDIA_TYPES}}}


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it exceeds ``limit`` bytes."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise publishing.too_large(int(length), limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise publishing.too_large(None, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def make_router(settings) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["write"])
    publisher = Publisher(settings)

    @router.get("/cases/{id}/file", response_class=Response, tags=["cases"],
                responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}}},
                                 "description": "the case file as stored in the corpus"}, 404: _ERROR})
    def get_case_file(id: CaseId):  # noqa: A002 (the path parameter is "id")
        """The source file of a case (Markdown with YAML front matter, docs/corpus.md); public."""
        data = publisher.read_case_file(id)
        return Response(data, media_type="text/markdown; charset=utf-8")

    @router.put("/cases/{id}/file", response_model=WriteReport, openapi_extra=_BODY,
                responses={**WRITE_ERRORS, 200: {"description": "replaced (or unchanged)"},
                           201: {"model": WriteReport, "description": "created"},
                           409: _ERROR, 413: _ERROR, 415: _ERROR,
                           422: {"description": "invalid id or case file (issues as FILE:LINE: field: message); "
                                                "the error shape"}})
    async def put_case_file(id: CaseId, request: Request):  # noqa: A002
        """Create or replace `corpus/cases/{id}.md` with the body, then rebuild the base and the search
        index incrementally; answers when the new state is served. Nothing changes if the file or the
        corpus with it is invalid."""
        publishing.check_token(settings, request.headers.get("authorization"))
        publishing.check_case_id(id)
        publishing.check_media_type(request.headers.get("content-type"))
        data = await _read_body(request, publishing.case_file_limit(settings))
        report = await run_in_threadpool(publisher.put_case_file, id, data, request.app.state,
                                         publishing.base_url(settings, request))
        status = 201 if report.action == "created" else 200
        headers = {"Location": report.url} if status == 201 and report.url else None
        return Response(report.model_dump_json(), status_code=status, media_type="application/json", headers=headers)

    @router.delete("/cases/{id}/file", response_model=WriteReport,
                   responses={**WRITE_ERRORS, 404: _ERROR,
                              409: {"description": "other case files refer to this case; the error shape lists them"}})
    async def delete_case_file(id: CaseId, request: Request):  # noqa: A002
        """Delete `corpus/cases/{id}.md`, then rebuild the base and the search index; refused (409) while
        other cases refer to it."""
        publishing.check_token(settings, request.headers.get("authorization"))
        report = await run_in_threadpool(publisher.delete_case_file, id, request.app.state,
                                         publishing.base_url(settings, request))
        return Response(report.model_dump_json(), media_type="application/json")

    return router

