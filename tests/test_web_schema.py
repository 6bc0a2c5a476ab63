"""Schemathesis against the OpenAPI document of the app, sent to a running server:
whatever it sends, no operation answers 5xx, and every answer matches the documented
status codes, content types and response schemas."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.live_server import LiveServer, serve_in_process
from web.app import create_app
from web.settings import WebSettings

# The document is built by the app's own code at collection time (tests are generated
# from it); the first test checks the running server serves the very same document.
OPENAPI = create_app(WebSettings(database_url="sqlite://")).openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # A short solver limit bounds the time of the random weeks schemathesis asks for.
    with serve_in_process(tmp_path_factory.mktemp("schema") / "plyoplan.db",
                          env={"PLYOPLAN_SOLVER_TIME_LIMIT_SECONDS": "2"}) as server:
        yield server


def test_the_server_serves_the_document_the_tests_come_from(live):
    assert httpx.get(f"{live.url}/openapi.json").json() == OPENAPI


@schema.parametrize()
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_no_operation_answers_5xx_or_off_schema(case, live):
    case.call_and_validate(base_url=live.url, timeout=60,
                           checks=[not_a_server_error, status_code_conformance,
                                   content_type_conformance, response_schema_conformance])
