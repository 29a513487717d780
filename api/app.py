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

log = logging.getLogger(__name__)

# Modules exposing an APIRouter named ``router``, included in this order.
ROUTERS: tuple[str, ...] = ()


def _operation_id(route: APIRoute) -> str:
    """Readable OpenAPI operation ids: the endpoint function's name (e.g. ``search_cases``)."""
    return route.name


def create_app(settings: Settings | None = None, *, service=None) -> FastAPI:
    """The app over ``settings``' knowledge base and search index, loaded once at start-up
    (``service`` injects a ready SearchService, e.g. in tests)."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "service", None) is None:
            from search.service import SearchService

            app.state.service = SearchService.open(settings)
            app.state.service.embedder.embed_queries(["préchauffage du modèle"])  # load it now, not on the first request
        yield
        store = getattr(app.state.service, "store", None)
        if store is not None and hasattr(store, "close"):
            store.close()

    app = FastAPI(title="coopkg", summary="Coopérations territoriales : base de pratiques, SPARQL et recherche",
                  version="0.1.0", lifespan=lifespan, generate_unique_id_function=_operation_id)
    app.state.settings = settings
    app.state.service = service
    errors.install(app)
    for name in ROUTERS:
        app.include_router(importlib.import_module(name).router)
    return app
