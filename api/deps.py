"""FastAPI dependencies (``Annotated`` aliases): the settings, the store, the search service and a
per-application cache, loaded once at start-up and kept on ``app.state``."""
from __future__ import annotations

import threading
from typing import Annotated, Any, Callable

from fastapi import Depends, Request

from coopkg.settings import Settings


class Cache:
    """Values computed once per application (the server serves one snapshot of the base, so
    statistics, facet counts, dumps and the like never change while it runs). Thread-safe: sync
    routes run in a thread pool, and a value is computed by one thread only."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str, factory: Callable[[], Any]) -> Any:
        try:
            return self._values[key]
        except KeyError:
            pass
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = factory()
            return self._values[key]

    def clear(self) -> None:
        with self._guard:
            self._values.clear()


# The dependencies below are ``async def`` on purpose: they only read attributes, and FastAPI runs
# a plain ``def`` dependency in the thread pool, one thread hop per dependency and request.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def snapshot(request: Request) -> tuple[Any, Cache]:
    """The (search service, data cache) pair this request uses, read once from
    ``app.state.current`` (one attribute, replaced by one assignment when a write publishes a
    new state): every dependency of one request sees the same state of the base."""
    snap = getattr(request.state, "coopkg_snapshot", None)
    if snap is None:
        snap = request.state.coopkg_snapshot = request.app.state.current
    return snap


async def get_service(request: Request):
    return snapshot(request)[0]


async def get_store(request: Request):
    return snapshot(request)[0].store


async def get_cache(request: Request) -> Cache:
    return snapshot(request)[1]


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[object, Depends(get_service)]  # search.service.SearchService
StoreDep = Annotated[object, Depends(get_store)]  # kb.store.TripleStore
CacheDep = Annotated[Cache, Depends(get_cache)]
