"""The application factory. Routers live in one module each (``ROUTERS``); routes stay thin over
the search service and the store."""
from __future__ import annotations

import importlib
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from coopkg.settings import Settings, load_settings

from . import errors
from .deps import Cache

log = logging.getLogger(__name__)

# Modules exposing an APIRouter named ``router`` (or a ``make_router(settings)`` factory, for
# routes whose paths depend on the settings), included in this order. api.linked_data serves the
# path of the base IRI, which may be "/" for a base like https://example.org/: keep it last.
ROUTERS: tuple[str, ...] = ("api.search_api", "api.sparql", "api.ui", "api.write", "api.documents_api", "api.linked_data")


def _operation_id(route: APIRoute) -> str:
    """Readable OpenAPI operation ids: the endpoint function's name (e.g. ``search_cases``)."""
    return route.name


def create_app(settings: Settings | None = None, *, service=None) -> FastAPI:
    """The app over ``settings``' knowledge base and search index, loaded once at start-up
    (``service`` injects a ready SearchService, e.g. in tests)."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        opened = None
        if getattr(app.state, "service", None) is None:
            from search.service import SearchService

            opened = app.state.service = SearchService.open(settings)
            app.state.current = (opened, app.state.cache)
            opened.embedder.embed_queries(["préchauffage du modèle"])  # load it now, not on the first request
            opened.warm()  # and the in-memory facet index
            from . import sparql

            sparql.warm(opened.store)  # start a query worker now, not on the first /sparql request
        yield
        # Close only what this app opened: an injected service belongs to its caller.
        store = getattr(opened, "store", None)
        if store is not None and hasattr(store, "close"):
            store.close()

    app = FastAPI(title="coopkg", summary="Coopérations territoriales : base de pratiques, SPARQL et recherche",
                  version="0.1.0", lifespan=lifespan, generate_unique_id_function=_operation_id)
    app.state.settings = settings
    app.state.service = service
    app.state.cache = Cache()
    app.state.current = (service, app.state.cache)  # what requests read (api/deps.py snapshot)
    errors.install(app)
    for name in ROUTERS:
        module = importlib.import_module(name)
        router = module.make_router(settings) if hasattr(module, "make_router") else module.router
        app.include_router(router)
    return app
