"""The API keeps its OpenAPI contract: a bounded schemathesis run, in-process (WSGI), on the computed demo."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from mapapp.config import load_settings
from mapapp.web import create_app
from mapapp.web.openapi import openapi_spec

schema = schemathesis.openapi.from_dict(openapi_spec())


@pytest.fixture(scope="module")
def demo_app(demo_computed):
    return create_app(load_settings(demo_computed[0]))


@schema.parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_contract(case, demo_app):
    case.call_and_validate(app=demo_app)
