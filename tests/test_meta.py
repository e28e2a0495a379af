"""Health, the served OpenAPI document, problem responses for unknown routes and methods."""

import hashlib
from pathlib import Path

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "openadr3-3.1.0.yaml"
# sha256 of the official file, as recorded in shared/openadr3/SOURCES.md: schemas/ holds it unchanged.
OFFICIAL_SHA256 = "0a85f28a91565b3e2c7488d2a7a7a9afb11ce3ef6b35afddb328484720077006"


def test_schema_file_is_the_official_one():
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == OFFICIAL_SHA256


def test_openapi_document_is_served_unchanged(http):
    response = http.get("/openadr3/3.1.0/openapi.yaml")
    assert response.status_code == 200
    assert response.data == SCHEMA.read_bytes()


def test_health_reports_database(http):
    response = http.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "reachable"}


def test_health_is_503_problem_when_database_is_unreachable(config):
    from vtn import create_app

    app = create_app(config.with_overrides(database_url="postgresql://postgres@127.0.0.1:1/none"), migrate=False)
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["title"] == "Service Unavailable"


def test_unknown_path_and_method_are_problems(http, bl):
    missing = http.get("/openadr3/3.1.0/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["status"] == 404
    wrong = http.patch("/openadr3/3.1.0/programs", headers={"Authorization": f"Bearer {bl.token}"})
    assert wrong.status_code == 405 and wrong.get_json()["status"] == 405
    assert wrong.headers["X-Request-ID"] in wrong.get_json()["instance"]


def test_request_id_is_taken_from_the_caller(http):
    response = http.get("/openadr3/3.1.0/programs", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.get_json()["instance"] == "urn:request:abc-123"


SCHEMA_301 = SCHEMA.with_name("openadr3-3.0.1.yaml")
# sha256 of the 3.0.1 release as recorded in shared/openadr3/SOURCES.md (fastadr's copy of openadr.org's file).
OFFICIAL_301_SHA256 = "69c60d851cf85b8e88b04354ec52354cddc5c6a9d421a7427e898cffa8736ea6"


def test_301_schema_file_is_the_official_one():
    assert hashlib.sha256(SCHEMA_301.read_bytes()).hexdigest() == OFFICIAL_301_SHA256


def test_301_openapi_document_is_served_unchanged(http):
    response = http.get("/openadr3/3.0.1/openapi.yaml")
    assert response.status_code == 200
    assert response.data == SCHEMA_301.read_bytes()


def test_301_unknown_path_is_a_problem(http):
    missing = http.get("/openadr3/3.0.1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["status"] == 404
