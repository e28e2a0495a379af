"""Every 3.0.1 response the tests see is checked against the official OpenADR 3.0.1 YAML (schemas/).

Used as shipped, except for what tests/openapi.py also patches for 3.1.0, in this copy only: the server is the
VTN under test, and discriminators without a mapping get one (docs/versions.md, "The 3.0.1 YAML").
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.responses.exceptions import ResponseNotFound

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "openadr3-3.0.1.yaml"
BASE = "http://localhost/openadr3/3.0.1"

_DESCRIPTORS = {
    "EVENT_PAYLOAD_DESCRIPTOR": "#/components/schemas/eventPayloadDescriptor",
    "REPORT_PAYLOAD_DESCRIPTOR": "#/components/schemas/reportPayloadDescriptor",
}
_OBJECTS = {
    name.upper(): f"#/components/schemas/{name}"
    for name in ("program", "report", "event", "subscription", "ven", "resource")
}


def _patch(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    schemas = doc["components"]["schemas"]
    # As 3.1.0's defect 5: discriminators on objectType without a mapping make validators look for schemas
    # named after the objectType values.
    schemas["program"]["properties"]["payloadDescriptors"]["items"]["discriminator"]["mapping"] = _DESCRIPTORS
    schemas["notification"]["properties"]["object"]["discriminator"]["mapping"] = _OBJECTS
    doc["servers"] = [{"url": BASE}]
    return doc


@cache
def spec() -> OpenAPI:
    """The patched document, parsed once."""
    return OpenAPI.from_dict(_patch(yaml.safe_load(SCHEMA.read_text())))


@cache
def schema_validator(name: str):
    """A validator for one component schema (e.g. 'notification', 'problem')."""
    from jsonschema import Draft4Validator

    return Draft4Validator((spec().spec / "components" / "schemas" / name).read_value())


def check(request, response) -> None:
    """Raise AssertionError when ``response`` does not match the 3.0.1 document for ``request``."""
    errors = list(spec().iter_response_errors(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response)))
    # 3.0.1 declares no 401 anywhere (and no 415): such answers must still be problem objects.
    if errors and all(isinstance(e, ResponseNotFound) for e in errors) and response.status_code >= 400:
        problems = list(schema_validator("problem").iter_errors(response.get_json()))
        assert not problems, f"{request.method} {request.path} -> {response.status_code}: {problems}"
        return
    assert not errors, f"{request.method} {request.path} -> {response.status_code}: {errors} {response.data[:500]!r}"
