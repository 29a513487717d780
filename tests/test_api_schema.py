"""Property-based tests of the HTTP API from its own OpenAPI description (schemathesis).

Every operation of ``/openapi.json`` is called with generated requests (valid and invalid
parameters) through the ASGI app, in-process, over the repository corpus with the hashing
embedder. No answer may be a server error (5xx; an unhandled exception fails the test with its
traceback), and every error answer (4xx) must have the JSON error shape of docs/api.md:
``{"error": {"status", "title", "detail", "field"}}``.

Bounded and reproducible: at most ``MAX_EXAMPLES`` generated requests per operation and phase,
``derandomize=True`` (the same requests on every run), no deadline; about 15 s in all.
"""
from __future__ import annotations

import json

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

MAX_EXAMPLES = 25
ERROR_KEYS = {"status", "title", "detail", "field"}
# POST /sparql also takes the query as a raw ``application/sparql-query`` body: send it as text.
schemathesis.serializer.alias("application/sparql-query", "text/plain")


def _openapi() -> dict:
    """The app's OpenAPI description, at collection time (no store needed: routes only)."""
    from api.app import create_app
    from coopkg.settings import load_settings

    return create_app(load_settings(), service=object()).openapi()


schema = schemathesis.openapi.from_dict(_openapi())


@pytest.fixture(scope="module")
def app(built_settings, hashing_service):
    """The app over the session's shared store: its write endpoints must stay off (no token), so
    that generated requests cannot change the base other tests read."""
    from api.app import create_app

    assert getattr(built_settings, "write_token", None) is None
    return create_app(built_settings, service=hashing_service)


def assert_error_shape(case, response) -> None:
    """A 4xx/5xx answer is the JSON error shape, with the same status as the response."""
    request = f"{case.method} {response.request.url}"
    media = response.headers.get("content-type", [""])
    media = (media[0] if isinstance(media, list) else media).split(";")[0].strip()
    assert media == "application/json", f"{request} answered {response.status_code} as {media!r}: {response.text[:300]}"
    body = json.loads(response.content)
    assert isinstance(body, dict) and set(body) == {"error"}, f"{request}: {response.text[:300]}"
    error = body["error"]
    assert set(error) == ERROR_KEYS, f"{request}: {response.text[:300]}"
    assert error["status"] == response.status_code, f"{request}: {response.text[:300]}"
    assert isinstance(error["title"], str) and error["title"], f"{request}: {response.text[:300]}"
    assert isinstance(error["detail"], str) and error["detail"], f"{request}: {response.text[:300]}"
    assert error["field"] is None or isinstance(error["field"], str), f"{request}: {response.text[:300]}"


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_error_shape(case, app):
    response = case.call(app=app)
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        assert_error_shape(case, response)
