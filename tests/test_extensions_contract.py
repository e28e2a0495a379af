"""The extension endpoints answer as their own OpenAPI document (schemas/vtn-extensions.yaml) says."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder

from vtn.store import clients as client_store

from . import builders as b

DOCUMENT = Path(__file__).resolve().parent.parent / "schemas" / "vtn-extensions.yaml"


@cache
def _spec() -> OpenAPI:
    doc = yaml.safe_load(DOCUMENT.read_text())
    doc["servers"] = [{"url": "http://localhost/vtn/v1"}]
    return OpenAPI.from_dict(doc)


def _checked(party, path: str, query=None):
    args = {
        "path": f"/vtn/v1{path}",
        "method": "GET",
        "query_string": query,
        "headers": {"Authorization": f"Bearer {party.token}"},
    }
    response = party.http.open(**args)
    request = WerkzeugOpenAPIRequest(EnvironBuilder(**args).get_request())
    errors = list(_spec().iter_response_errors(request, WerkzeugOpenAPIResponse(response)))
    assert not errors, (path, response.status_code, errors, response.data[:300])
    return response


def test_document_is_served(http):
    response = http.get("/vtn/v1/openapi.yaml")
    assert response.status_code == 200 and response.data == DOCUMENT.read_bytes()


def test_audit_and_delivery_answers_match_the_document(bl, ven, parties):
    program = bl.create("/programs", b.program())
    sub = ven.create("/subscriptions", b.subscription(programID=program["id"]))
    auditor = parties("auditor")
    rows = _checked(auditor, "/audit", {"limit": 10}).get_json()
    assert [r["objectType"] for r in rows if r["objectType"] not in ("CLIENT", "SIGNING_KEY")] == [
        "PROGRAM",
        "SUBSCRIPTION",
    ]
    assert _checked(ven, f"/subscriptions/{sub['id']}/delivery").get_json()["status"] == "OK"
    assert _checked(ven, "/subscriptions/nope/delivery").status_code == 404
    assert _checked(ven, "/audit").status_code == 403
    assert _checked(auditor, "/audit", {"limit": 51}).status_code == 400


def test_verification_answers_match_the_document(bl, ven, parties):
    program = bl.create("/programs", b.program())
    bl.create("/vens", b.ven_by_bl(ven.client_id))
    event = bl.create("/events", b.event(program["id"]))
    ven.create("/reports", b.report(event["id"]))
    auditor = parties("auditor")
    assert _checked(auditor, f"/programs/{program['id']}/verification").get_json()["baseline"] == "X_OF_Y"
    result = _checked(auditor, f"/events/{event['id']}/verification").get_json()
    assert result["vens"][0]["clientID"] == ven.client_id
    figures = _checked(auditor, f"/events/{event['id']}/verification", {"detail": "resources"}).get_json()
    assert "slots" not in figures["vens"][0]["resources"][0]
    assert "resources" not in _checked(auditor, f"/events/{event['id']}/verification", {"detail": "vens"}).get_json()
    assert _checked(auditor, f"/events/{event['id']}/verification", {"detail": "all"}).status_code == 400
    period = {"since": "2026-06-01T00:00:00Z", "until": "2026-08-01T00:00:00Z", "format": "json"}
    assert len(_checked(auditor, f"/programs/{program['id']}/settlement", period).get_json()["rows"]) == 1
    assert _checked(auditor, "/keys/export").get_json()["keys"]


def test_credential_rows_of_the_audit_trail_match_the_document(app, bl, parties):
    """Client disable/enable and key rotate/retire rows (docs/security.md) are objects the document allows."""
    with app.extensions["vtn"].db.transaction() as conn:
        client_store.set_disabled(conn, bl.client_id, True)
        client_store.set_disabled(conn, bl.client_id, False)
        kids = client_store.rotate_keys(conn, grace_seconds=3600)
        client_store.retire_key(conn, kids["previous"])
    rows = _checked(parties("auditor"), "/audit", {"limit": 50}).get_json()
    operations = {(r["objectType"], r["operation"]) for r in rows}
    assert {
        ("CLIENT", "DISABLE"),
        ("CLIENT", "ENABLE"),
        ("SIGNING_KEY", "ROTATE"),
        ("SIGNING_KEY", "RETIRE"),
    } <= operations
