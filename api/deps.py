"""FastAPI dependencies (``Annotated`` aliases): the settings, the store and the search service,
loaded once at start-up and kept on ``app.state``."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coopkg.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_service(request: Request):
    return request.app.state.service


def get_store(request: Request):
    return request.app.state.service.store


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[object, Depends(get_service)]  # search.service.SearchService
StoreDep = Annotated[object, Depends(get_store)]  # kb.store.TripleStore
