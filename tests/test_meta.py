"""Health, the served OpenAPI documents, problem responses for unknown routes and methods."""

import hashlib
from pathlib import Path

import pytest

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
# sha256 of the official files, as recorded in shared/openadr3/SOURCES.md: schemas/ holds them unchanged (3.0.1:
# fastadr's copy of the file openadr.org distributes).
OFFICIAL = {
    "3.1.0": "0a85f28a91565b3e2c7488d2a7a7a9afb11ce3ef6b35afddb328484720077006",
    "3.0.1": "69c60d851cf85b8e88b04354ec52354cddc5c6a9d421a7427e898cffa8736ea6",
}


@pytest.mark.parametrize("version", OFFICIAL)
def test_schema_file_is_the_official_one(version):
    assert hashlib.sha256((SCHEMAS / f"openadr3-{version}.yaml").read_bytes()).hexdigest() == OFFICIAL[version]


@pytest.mark.parametrize("version", OFFICIAL)
def test_openapi_document_is_served_unchanged(http, version):
    response = http.get(f"/openadr3/{version}/openapi.yaml")
    assert response.status_code == 200
    assert response.data == (SCHEMAS / f"openadr3-{version}.yaml").read_bytes()


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


def test_301_unknown_path_is_a_problem(http):
    missing = http.get("/openadr3/3.0.1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["status"] == 404
