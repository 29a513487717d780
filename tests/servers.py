"""Start and stop a real Oxigraph SPARQL server for tests, on 127.0.0.1 only.

    with oxigraph_server(tmp_path / "oxigraph") as server:
        settings = load_settings(home=..., **server.settings())
        ...

The binary is the one the PyPI package ``oxigraph`` installs next to the venv's python (or
$COOPKG_TEST_OXIGRAPH, or the first ``oxigraph`` on PATH). :func:`start_oxigraph` returns only once
the server answers a SPARQL query, and raises :class:`ServerError` with the server's log when it
does not; :meth:`OxigraphServer.stop` always ends the process (terminate, then kill).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
BINARY_ENV = "COOPKG_TEST_OXIGRAPH"
# Our own requests never go through a proxy, whatever http_proxy says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerError(RuntimeError):
    """The test server could not be found, started or reached; the message says why."""


def find_oxigraph() -> str:
    override = os.environ.get(BINARY_ENV)
    if override:
        if not (Path(override).is_file() and os.access(override, os.X_OK)):
            raise ServerError(f"${BINARY_ENV}={override} is not an executable file")
        return override
    beside_python = Path(sys.executable).parent / "oxigraph"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServerError(
        "the Oxigraph server binary `oxigraph` was not found (looked beside "
        f"{sys.executable}, on PATH and in ${BINARY_ENV}); it comes with the PyPI package `oxigraph`, "
        "pinned in requirements.txt: run scripts/setup, or pip install -e '.[test]'"
    )


def free_port() -> int:
    """A port free on 127.0.0.1 right now (another process may still take it: callers retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None,
         timeout: float = 10.0) -> tuple[int, str, bytes]:
    """(status, media type, body) of one direct HTTP request; HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with _DIRECT.open(request, timeout=timeout) as response:
            media = response.headers.get("Content-Type", "").split(";")[0].strip()
            return response.status, media, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", "").split(";")[0].strip(), exc.read()


@dataclass
class OxigraphServer:
    process: subprocess.Popen
    port: int
    location: Path
    log_path: Path
    union_default_graph: bool

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base_url}/update"

    @property
    def store_url(self) -> str:
        return f"{self.base_url}/store"

    def settings(self) -> dict:
        """load_settings() overrides that point coopkg at this server."""
        return {"store": "remote", "sparql_query_url": self.query_url, "sparql_update_url": self.update_url}

    def env(self) -> dict[str, str]:
        """The same, as COOPKG_* environment variables."""
        return {"COOPKG_STORE": "remote", "COOPKG_SPARQL_QUERY_URL": self.query_url,
                "COOPKG_SPARQL_UPDATE_URL": self.update_url}

    def dump_nquads(self) -> bytes:
        """Every quad on the server, read through the Graph Store endpoint (not through coopkg)."""
        status, media, body = http("GET", self.store_url, headers={"Accept": "application/n-quads"}, timeout=60)
        if status != 200 or media != "application/n-quads":
            raise ServerError(f"GET {self.store_url} answered {status} {media}: {body[:300]!r}")
        return body

    def running(self) -> bool:
        return self.process.poll() is None

    def log(self, limit: int = 2000) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[-limit:]

    def stop(self, timeout: float = 10.0) -> None:
        """End the server: SIGTERM, then SIGKILL if it has not exited within ``timeout``."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)


def _answers(url: str) -> bool:
    try:
        status, _, body = http("POST", url, body=b"ASK {}", timeout=1.0,
                               headers={"Content-Type": "application/sparql-query",
                                        "Accept": "application/sparql-results+json"})
    except (OSError, urllib.error.URLError):
        return False
    return status == 200 and b"boolean" in body


def start_oxigraph(location: Path, *, union_default_graph: bool = True, startup_timeout: float = 30.0,
                   attempts: int = 3) -> OxigraphServer:
    """Start ``oxigraph serve`` on a free 127.0.0.1 port with its data in ``location``; return once
    it answers SPARQL queries. Retries on another port (at most ``attempts`` times) when the port
    was taken in the meantime."""
    binary = find_oxigraph()
    location = Path(location)
    location.mkdir(parents=True, exist_ok=True)
    failures = []
    for attempt in range(1, attempts + 1):
        port = free_port()
        log_path = location.parent / f"{location.name}.oxigraph-{attempt}.log"
        command = [binary, "serve", "--location", str(location / "db"), "--bind", f"{HOST}:{port}"]
        if union_default_graph:
            command.append("--union-default-graph")
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        server = OxigraphServer(process, port, location, log_path, union_default_graph)
        deadline = time.monotonic() + startup_timeout
        try:
            while time.monotonic() < deadline:
                if not server.running():
                    break
                if _answers(server.query_url):
                    return server
                time.sleep(0.05)
        except BaseException:
            server.stop()
            raise
        alive = server.running()
        server.stop()
        failures.append(
            f"attempt {attempt} ({' '.join(command)}): "
            + (f"no answer within {startup_timeout:g}s" if alive else f"exited with code {process.returncode}")
            + f"\n{server.log() or '(empty log)'}"
        )
        if alive or "in use" not in server.log().lower():
            break  # not a port race: retrying would fail the same way
    raise ServerError("the Oxigraph server did not start:\n" + "\n".join(failures))


@contextmanager
def oxigraph_server(location: Path, **options):
    server = start_oxigraph(location, **options)
    try:
        yield server
    finally:
        server.stop()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def coopkg_server(env: dict, log_dir: Path, *, ready_path: str = "/static/coopkg.css", cwd: Path | None = None,
                  startup_timeout: float = 90.0, attempts: int = 3):
    """`coopkg serve` as a real process on a free 127.0.0.1 port; yields its base URL once
    ``ready_path`` answers 200. Retries on another port when the chosen one was taken meanwhile;
    raises :class:`ServerError` with the server's log when it does not answer."""
    coopkg = Path(sys.executable).parent / "coopkg"
    failures = []
    for _attempt in range(attempts):
        port = free_port()
        log_path = Path(log_dir) / f"serve-{port}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen([str(coopkg), "serve", "--host", HOST, "--port", str(port)], env=env, cwd=cwd,
                                       stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + startup_timeout
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    status, _, _ = http("GET", base + ready_path, timeout=5)
                except OSError:
                    time.sleep(0.2)
                    continue
                if status == 200:
                    break
                time.sleep(0.2)
            else:
                status = None
            if status == 200 and process.poll() is None:
                yield base
                return
        finally:
            _stop(process)
        failures.append(log_path.read_text(errors="replace")[-2000:])
        if "address already in use" not in failures[-1].lower():
            break
    raise ServerError("coopkg serve did not answer:\n" + "\n".join(failures))
