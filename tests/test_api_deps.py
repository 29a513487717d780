"""api/deps.py: the request dependencies are coroutines, so FastAPI calls them on the event loop
instead of sending each one to the thread pool (one thread hop per dependency and request)."""
from __future__ import annotations

import inspect

from api import deps


def test_dependencies_do_not_hop_to_the_thread_pool():
    for dependency in (deps.get_settings, deps.get_service, deps.get_store, deps.get_cache):
        assert inspect.iscoroutinefunction(dependency), dependency.__name__
