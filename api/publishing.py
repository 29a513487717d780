"""The write service behind api/write.py: create, replace or delete a case file of the corpus,
then rebuild the knowledge base and the search index incrementally and make the running app serve
the new state.

One write at a time (an exclusive ``flock`` on ``<home>/publish.lock``, so also across worker
processes and apps of one process). A write goes through these steps, and a failure at any step
leaves the corpus, the store and the search index as they were:

1. checks of the request alone: case id (the corpus rule), size, encoding, emptiness, NUL bytes
   (``ingest.sourcefiles.read_text``);
2. the whole corpus is validated (``ingest.corpus.load_corpus``) in a staged copy of the corpus
   directory with the new file in place (or without the deleted one): symbolic links to the real
   files, so the copy is cheap, and named like the corpus so that issues read
   ``corpus/cases/x.md:LINE: field: message``. Nothing is touched yet;
3. the file is written (temporary file + ``os.replace``, fsync) or removed;
4. ``kb.build.build`` (incremental, atomic: a SHACL violation or any error leaves the store on its
   previous snapshot) — on failure the previous file is put back;
5. ``search.index.update`` (as ``coopkg build`` does; the index directory is replaced atomically)
   — on failure the previous file is put back and the store rebuilt from it;
6. a new ``SearchService`` is opened on the new snapshot and swapped into ``app.state`` with a new
   data cache, as one pair in ``app.state.current`` replaced by one assignment. Each request reads
   that pair once (api/deps.py ``snapshot``), so it sees one state of the base throughout.
   Requests already running finish with the pair they hold (its read-only store and in-memory
   index stay valid: the store keeps at least two snapshots, the index was loaded in memory); the
   old service is released when the last of them ends.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hmac
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Iterator

from pydantic import BaseModel, Field

from ingest.checker import ID_RE
from ingest.errors import CorpusInvalid, Issue
from ingest.sourcefiles import MAX_FILE_BYTES, read_text

from .errors import ApiError

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 120.0  # seconds a write waits for the one before it
MEDIA_TYPES = ("text/markdown", "text/plain")
MAX_LISTED = 50  # issues listed in an error detail


# -- the JSON summary of a write --------------------------------------------------------------
class BuildSummary(BaseModel):
    files: int = Field(description="corpus files")
    compiled: list[str] = Field(default_factory=list, description="files compiled by this build")
    removed: list[str] = Field(default_factory=list, description="files removed from the store")
    full: bool = False
    triples_written: int = 0
    store_triples: int = Field(0, description="triples in the store after the build")
    seconds: float = 0.0


class IndexSummary(BaseModel):
    changed: bool
    cases_added: int = 0
    cases_removed: int = 0
    cases_updated: int = 0
    embedded: int = Field(0, description="texts embedded by the model (not found in the embedding cache)")
    cached: int = 0


class WriteReport(BaseModel):
    id: str = Field(description="case id")
    action: str = Field(description="created, replaced, unchanged or deleted")
    file: str = Field(description="the case file, relative to the corpus directory's parent")
    iri: str = Field(description="the case's IRI")
    url: str | None = Field(None, description="the case in the search API (null after a delete)")
    build: BuildSummary
    index: IndexSummary
    seconds: float = Field(description="time of the whole write")


# -- checks of the request alone --------------------------------------------------------------
def check_token(settings, authorization: str | None) -> None:
    """403 when no token is configured, 401 (``WWW-Authenticate: Bearer``) for a missing or
    wrong one. The comparison takes the same time whatever the given token."""
    token = settings.write_token
    if token is None:
        raise ApiError(403, "write endpoints are off: set COOPKG_WRITE_TOKEN (at least 16 characters) on the server")
    scheme, _, given = (authorization or "").strip().partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="coopkg"'}
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(401, "this endpoint needs 'Authorization: Bearer <token>' (the server's COOPKG_WRITE_TOKEN)",
                       headers=challenge)
    if not hmac.compare_digest(given.strip().encode("utf-8"), token.get_secret_value().encode("utf-8")):
        raise ApiError(401, "wrong token", headers={"WWW-Authenticate": 'Bearer realm="coopkg", error="invalid_token"'})


def check_case_id(cid: str) -> None:
    if not isinstance(cid, str) or not ID_RE.match(cid) or len(cid) > 200:
        raise ApiError(422, f"invalid case id {cid!r}: a case id is lower-case ASCII kebab-case "
                            "([a-z0-9]+(-[a-z0-9]+)*, at most 200 characters), the file name without .md", field="id")


def check_media_type(content_type: str | None) -> None:
    """415 unless the body is declared text/markdown or text/plain, in UTF-8."""
    media, *params = [p.strip() for p in (content_type or "").split(";")]
    if media.lower() not in MEDIA_TYPES:
        raise ApiError(415, f"unsupported Content-Type {media or '(none)'!r}: send the case file as text/markdown "
                            "(or text/plain), UTF-8; to ingest a raw document, PUT it to /api/documents/{name}")
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise ApiError(415, f"unsupported charset {value.strip()!r}: case files are UTF-8")


def case_file_limit(settings) -> int:
    """The largest accepted case file: COOPKG_UPLOAD_MAX_BYTES, within the corpus' own limit."""
    return min(settings.upload_max_bytes, MAX_FILE_BYTES)


def too_large(size: int | None, limit: int) -> ApiError:
    what = f"{size:,} bytes" if size is not None else "too large"
    return ApiError(413, f"case file is {what}, over the limit of {limit:,} bytes "
                         "(COOPKG_UPLOAD_MAX_BYTES, at most the corpus limit of 1,000,000)")


def _issues_detail(title: str, issues: list) -> str:
    lines = [f"  {i}" for i in issues[:MAX_LISTED]]
    if len(issues) > MAX_LISTED:
        lines.append(f"  … and {len(issues) - MAX_LISTED} more")
    return f"{title}; nothing was changed:\n" + "\n".join(lines)


# -- file helpers -------------------------------------------------------------------------------
def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a hidden temporary file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _restore(path: Path, previous: bytes | None) -> None:
    """Put back the file as it was before the write (absent if ``previous`` is None)."""
    try:
        if previous is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            _fsync_dir(path.parent)
        else:
            _write_atomic(path, previous)
    except OSError:
        log.exception("could not restore %s after a failed write", path)


@contextlib.contextmanager
def staged_corpus(corpus_dir: Path, rel: str, data: bytes | None) -> Iterator[Path]:
    """A temporary corpus directory, named like ``corpus_dir``, whose entries are symbolic links to
    the real ones except ``rel`` (e.g. ``cases/x.md``): written with ``data``, or absent if None."""
    corpus_dir = corpus_dir.resolve()
    folder, name = rel.split("/", 1)
    with tempfile.TemporaryDirectory(prefix="coopkg-publish-") as tmp:
        root = Path(tmp) / corpus_dir.name
        root.mkdir()
        for entry in corpus_dir.iterdir():
            if entry.name != folder:
                os.symlink(entry, root / entry.name)
        staged = root / folder
        staged.mkdir()
        source = corpus_dir / folder
        if source.is_dir():
            for entry in source.iterdir():
                if entry.name != name:
                    os.symlink(entry, staged / entry.name)
        if data is not None:
            (staged / name).write_bytes(data)
        yield root


# -- the swap ---------------------------------------------------------------------------------
# -- the service ------------------------------------------------------------------------------
class Publisher:
    """Writes of one app (``make_router`` creates one per app)."""

    def __init__(self, settings, *, lock_timeout: float = LOCK_TIMEOUT):
        self.settings = settings
        self.lock_timeout = lock_timeout

    # -- paths ---------------------------------------------------------------------------------
    def case_path(self, cid: str) -> Path:
        return Path(self.settings.corpus_dir) / "cases" / f"{cid}.md"

    def display(self, cid: str) -> str:
        return f"{Path(self.settings.corpus_dir).resolve().name}/cases/{cid}.md"

    def read_case_file(self, cid: str) -> bytes:
        if not isinstance(cid, str) or not ID_RE.match(cid):
            raise ApiError(404, f"no case file {cid!r}: case ids are lower-case kebab-case", field="id")
        try:
            return self.case_path(cid).read_bytes()
        except FileNotFoundError:
            raise ApiError(404, f"no case file {self.display(cid)}", field="id") from None

    # -- the writer lock -----------------------------------------------------------------------
    @contextlib.contextmanager
    def writer(self) -> Iterator[None]:
        home = Path(self.settings.home)
        home.mkdir(parents=True, exist_ok=True)
        with open(home / "publish.lock", "w") as lock:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                if time.monotonic() > deadline:
                    raise ApiError(503, f"another write has been running for over {self.lock_timeout:g} s; "
                                        "try again later", headers={"Retry-After": "10"})
                time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- writes --------------------------------------------------------------------------------
    def put_case_file(self, cid: str, data: bytes, state, base_url: str = "") -> WriteReport:
        """Create or replace ``cases/<cid>.md`` with ``data``; ``state`` is the app's state."""
        check_case_id(cid)
        limit = case_file_limit(self.settings)
        if len(data) > limit:
            raise too_large(len(data), limit)
        rel = f"cases/{cid}.md"
        with self.writer():
            path = self.case_path(cid)
            previous = path.read_bytes() if path.is_file() else None
            with staged_corpus(Path(self.settings.corpus_dir), rel, data) as root:
                issues: list[Issue] = []
                if read_text(root / rel, self.display(cid), issues) is None:
                    raise ApiError(422, _issues_detail("case file rejected", issues), field="body")
                self._validate(root, "case file rejected")
            if previous == data:
                action = "unchanged"
            else:
                action = "replaced" if previous is not None else "created"
                _write_atomic(path, data)
            return self._publish(cid, path, previous, action, state, base_url)

    def delete_case_file(self, cid: str, state, base_url: str = "") -> WriteReport:
        if not isinstance(cid, str) or not ID_RE.match(cid):
            raise ApiError(404, f"no case file {cid!r}: case ids are lower-case kebab-case", field="id")
        rel = f"cases/{cid}.md"
        with self.writer():
            path = self.case_path(cid)
            if not path.is_file():
                raise ApiError(404, f"no case file {self.display(cid)}", field="id")
            previous = path.read_bytes()
            with staged_corpus(Path(self.settings.corpus_dir), rel, None) as root:
                self._validate(root, f"deleting {self.display(cid)} would break the corpus", conflict=True)
            path.unlink()
            _fsync_dir(path.parent)
            return self._publish(cid, path, previous, "deleted", state, base_url)

    def _validate(self, root: Path, title: str, *, conflict: bool = False) -> None:
        from ingest.corpus import load_corpus

        try:
            load_corpus(root)
        except CorpusInvalid as exc:
            # A delete refused because other files refer to the case is a conflict with them.
            raise ApiError(409 if conflict else 422, _issues_detail(title, exc.issues)) from None

    def _publish(self, cid: str, path: Path, previous: bytes | None, action: str, state,
                 base_url: str) -> WriteReport:
        """Build, update the index and swap the app's service; put the file back on failure."""
        from kb.build import build
        from kb.store import StoreError
        from kb.validation import ShapesViolated

        started = time.perf_counter()
        # Readers of the service being replaced keep reading its snapshot until they finish: keep
        # at least that one besides the new one.
        settings = self.settings.model_copy(update={"snapshots_keep": max(2, self.settings.snapshots_keep)})
        try:
            report = build(settings)
        except BaseException as exc:
            if action != "unchanged":
                _restore(path, previous)
            if isinstance(exc, ShapesViolated):
                raise ApiError(422, _issues_detail("the compiled case breaks the SHACL shapes",
                                                   [str(v) for v in exc.violations])) from None
            if isinstance(exc, CorpusInvalid):  # the corpus changed on disk behind our back
                raise ApiError(409, _issues_detail("the corpus on disk is invalid", exc.issues)) from None
            if isinstance(exc, StoreError):
                raise ApiError(503, f"{exc}; the file was put back, try again later",
                               headers={"Retry-After": "10"}) from None
            raise
        service = getattr(state, "service", None)
        try:
            index = self._update_index(settings, service)
        except BaseException:
            log.exception("search index update failed after writing %s; putting the previous file back", path)
            if action != "unchanged":
                _restore(path, previous)
                try:
                    build(settings)
                except Exception:  # noqa: BLE001 - reported below; `coopkg build` repairs it
                    log.exception("could not rebuild the store after restoring %s", path)
            raise ApiError(500, "the search index could not be updated; the file was put back (if the server "
                                "log shows another error, run `coopkg build`)") from None
        if report.changed or index.changed or service is None:
            self._swap(state, settings, service)
        from ontology.iris import Minter

        display = self.display(cid)
        return WriteReport(
            id=cid, action=action, file=display, iri=str(Minter(self.settings.base_iri).case(cid)),
            url=None if action == "deleted" else f"{base_url.rstrip('/')}/api/cases/{cid}",
            build=BuildSummary(files=report.files, compiled=report.compiled, removed=report.removed, full=report.full,
                               triples_written=report.triples_written, store_triples=report.store_triples,
                               seconds=round(report.seconds, 3)),
            index=IndexSummary(**vars(index)), seconds=round(time.perf_counter() - started, 3))

    def _update_index(self, settings, service):
        """``search.index.update`` as ``coopkg build`` runs it, with the app's embedder."""
        from kb.store import open_store
        from search.embedder import embedder_from_settings
        from search.index import update

        embedder = service.embedder if service is not None else embedder_from_settings(settings)
        store = open_store(settings)
        try:
            return update(store, settings.search_dir, embedder, settings.embedding_cache_path,
                          exact_max=settings.vector_exact_max)
        finally:
            store.close()

    def _swap(self, state, settings, old) -> None:
        """Serve the new snapshot: a new service and a new data cache, each replaced by one
        assignment; requests holding the old service finish with it."""
        from search.service import SearchService

        try:
            new = SearchService.open(settings, embedder=old.embedder if old is not None else None)
            new.warm()  # build the facet index before the new state is served
        except Exception:
            log.exception("could not open the new search service")
            raise ApiError(500, "the base was updated but the server could not load it; restart the server") from None
        from .deps import Cache

        cache = Cache()
        state.current = (new, cache)  # one assignment: requests read the pair once (api/deps.py)
        state.service, state.cache = new, cache


def base_url(settings, request) -> str:
    return settings.public_url or str(request.base_url).rstrip("/")
