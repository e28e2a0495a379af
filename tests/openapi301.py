"""Every 3.0.1 response the tests see is checked against the official OpenADR 3.0.1 YAML (schemas/).

Used as shipped, except for what tests/openapi.py also patches for 3.1.0, in this copy only: the server is the
VTN under test, and discriminators without a mapping get one (docs/versions.md, "The 3.0.1 YAML").
"""

from __future__ import annotations

import copy
from pathlib import Path

from .openapi import Document

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


DOCUMENT = Document(SCHEMA, _patch)
check = DOCUMENT.check
schema_validator = DOCUMENT.schema_validator


def spec():
    """The patched 3.0.1 document, parsed once."""
    return DOCUMENT.spec
