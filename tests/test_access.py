"""The role x endpoint access matrix: every 3.1.0 operation (but /notifiers) for BL, VEN, auditor and bad tokens.

A role may call an operation exactly when ROLE_SCOPES gives it the scope the YAML's security lists for it
(403 otherwise, and nothing changes); a missing, malformed, expired or foreign token gets 401 with a
WWW-Authenticate challenge. The cases only read or write objects they create themselves, so they share one
database (module scope) instead of paying for a fresh one each.
"""

from __future__ import annotations

import re

import jwt
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vtn import create_app
from vtn.auth.scopes import (
    READ_ALL,
    READ_TARGETS,
    READ_VEN_OBJECTS,
    ROLE_SCOPES,
    WRITE_EVENTS,
    WRITE_PROGRAMS,
    WRITE_REPORTS,
    WRITE_SUBSCRIPTIONS,
    WRITE_VENS,
)
from vtn.auth.tokens import LocalTokens

from . import builders as b
from . import openapi
from .conftest import BASE, Parties, make_config

# The scope each operation requires: the YAML's oAuth2ClientCredentials security (checked below).
REQUIRED_SCOPE = {
    "GET /programs": READ_TARGETS,
    "POST /programs": WRITE_PROGRAMS,
    "GET /programs/{programID}": READ_TARGETS,
    "PUT /programs/{programID}": WRITE_PROGRAMS,
    "DELETE /programs/{programID}": WRITE_PROGRAMS,
    "GET /events": READ_TARGETS,
    "POST /events": WRITE_EVENTS,
    "GET /events/{eventID}": READ_TARGETS,
    "PUT /events/{eventID}": WRITE_EVENTS,
    "DELETE /events/{eventID}": WRITE_EVENTS,
    "GET /reports": READ_VEN_OBJECTS,
    "POST /reports": WRITE_REPORTS,
    "GET /reports/{reportID}": READ_VEN_OBJECTS,
    "PUT /reports/{reportID}": WRITE_REPORTS,
    "DELETE /reports/{reportID}": WRITE_REPORTS,
    "GET /subscriptions": READ_VEN_OBJECTS,
    "POST /subscriptions": WRITE_SUBSCRIPTIONS,
    "GET /subscriptions/{subscriptionID}": READ_VEN_OBJECTS,
    "PUT /subscriptions/{subscriptionID}": WRITE_SUBSCRIPTIONS,
    "DELETE /subscriptions/{subscriptionID}": WRITE_SUBSCRIPTIONS,
    "GET /vens": READ_VEN_OBJECTS,
    "POST /vens": WRITE_VENS,
    "GET /vens/{venID}": READ_VEN_OBJECTS,
    "PUT /vens/{venID}": WRITE_VENS,
    "DELETE /vens/{venID}": WRITE_VENS,
    "GET /resources": READ_VEN_OBJECTS,
    "POST /resources": WRITE_VENS,
    "GET /resources/{resourceID}": READ_VEN_OBJECTS,
    "PUT /resources/{resourceID}": WRITE_VENS,
    "DELETE /resources/{resourceID}": WRITE_VENS,
}
OPERATIONS = list(REQUIRED_SCOPE)

# The roles as decided (docs: bl, ven, auditor); ROLE_SCOPES must say the same.
DECIDED_ROLE_SCOPES = {
    "bl": {READ_ALL, READ_TARGETS, READ_VEN_OBJECTS, WRITE_PROGRAMS, WRITE_EVENTS, WRITE_SUBSCRIPTIONS, WRITE_VENS},
    "ven": {READ_TARGETS, READ_VEN_OBJECTS, WRITE_REPORTS, WRITE_SUBSCRIPTIONS, WRITE_VENS},
    "auditor": {READ_ALL, READ_TARGETS, READ_VEN_OBJECTS},
}
ROLES = ("bl", "ven", "auditor")
MATRIX = [
    pytest.param(role, op, REQUIRED_SCOPE[op] in ROLE_SCOPES[role], id=f"{role}-{op}")
    for op in OPERATIONS
    for role in ROLES
]
BAD_CREDENTIALS = ("no token", "garbage token", "expired token", "other key, same kid", "other key, unknown kid")
TABLES = ("program", "event", "report", "subscription", "ven", "resource")
_PLACEHOLDER = re.compile(r"\{\w+\}")


class World:
    """The module's VTN with one BL, one VEN and one auditor, and makers of fresh objects for each case."""

    def __init__(self, app, config):
        self.app = app
        self.config = config
        parties = Parties(app)
        self.callers = {role: parties(role, f"access {role}") for role in ROLES}
        self.bl, self.ven = self.callers["bl"], self.callers["ven"]

    def snapshot(self) -> dict:
        """Row count and latest modification time of every object table (any write changes one)."""
        with self.app.extensions["vtn"].db.transaction() as conn:
            return {t: conn.execute(f"SELECT count(*) AS n, max(modified) AS m FROM {t}").fetchone() for t in TABLES}

    def make(self, collection: str, role: str) -> dict:
        """A fresh object of ``collection`` that ``role`` may read and, scopes allowing, change."""
        bl, ven = self.bl, self.ven
        if collection == "programs":
            return bl.create("/programs", b.program())
        if collection == "events":
            return bl.create("/events", b.event(self.make("programs", role)["id"]))
        if collection == "reports":
            return ven.create("/reports", b.report(self.make("events", role)["id"]))
        if collection == "subscriptions":
            owner = ven if role == "auditor" else self.callers[role]
            return owner.create("/subscriptions", b.subscription())
        if collection == "vens":
            return bl.create("/vens", b.ven_by_bl(ven.client_id))
        if collection == "resources":
            return bl.create("/resources", b.resource_by_bl(self.make("vens", role)["id"]))
        raise AssertionError(collection)

    def body(self, collection: str, role: str, ref: dict) -> dict:
        """A valid POST/PUT body of ``collection`` for ``role``, referring to the objects ``ref`` names."""
        by_ven = role == "ven"
        return {
            "programs": lambda: b.program(),
            "events": lambda: b.event(ref["programID"]),
            "reports": lambda: b.report(ref["eventID"]),
            "subscriptions": lambda: b.subscription(),
            "vens": lambda: b.ven_by_ven() if by_ven else b.ven_by_bl(self.ven.client_id),
            "resources": lambda: b.resource_by_ven(ref["venID"]) if by_ven else b.resource_by_bl(ref["venID"]),
        }[collection]()

    def bad_token(self, kind: str) -> str | None:
        """The bearer token of a ``kind`` of bad credential (None: no Authorization header)."""
        if kind == "no token":
            return None
        if kind == "garbage token":
            return "not-a-jwt"
        if kind == "expired token":
            expired = LocalTokens(self.app.extensions["vtn"].db, self.config.with_overrides(token_ttl_seconds=-10))
            return expired.issue(self.bl.client_id, "bl", ROLE_SCOPES["bl"])[0]
        # A token just like BL's valid one, but signed by a key the VTN does not hold.
        claims = jwt.decode(self.bl.token, options={"verify_signature": False})
        kid = jwt.get_unverified_header(self.bl.token)["kid"] if kind == "other key, same kid" else "stranger"
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return jwt.encode(claims, pem, algorithm="EdDSA", headers={"kid": kid})


@pytest.fixture(scope="module")
def world(databases):
    """One database and app shared by this module's cases."""
    url = databases.create()
    config = make_config(url)
    app = create_app(config, migrate=False)
    yield World(app, config)
    app.extensions["vtn"].db.close()
    databases.drop(url)


def _split(operation: str) -> tuple[str, str, str]:
    method, template = operation.split(" ", 1)
    return method, template, template.split("/")[1]


def test_scope_table_is_the_yamls():
    doc = yaml.safe_load(openapi.SCHEMA.read_text())
    declared = {}
    for path, item in doc["paths"].items():
        if path.startswith(("/notifiers", "/auth")):
            continue
        for method, op in item.items():
            if method in ("get", "post", "put", "delete"):
                scopes = [s for req in op["security"] for s in req.get("oAuth2ClientCredentials", [])]
                declared[f"{method.upper()} {path}"] = scopes
    assert declared == {op: [scope] for op, scope in REQUIRED_SCOPE.items()}
    assert "security" not in doc["paths"]["/auth/server"]["get"]


def test_role_scopes_are_the_decided_ones():
    assert {role: set(scopes) for role, scopes in ROLE_SCOPES.items()} == DECIDED_ROLE_SCOPES


def test_every_view_requires_the_yaml_scope(world):
    urls = world.app.url_map.bind("localhost")
    for operation, scope in REQUIRED_SCOPE.items():
        method, template, _ = _split(operation)
        endpoint, _args = urls.match(BASE + _PLACEHOLDER.sub("some-id", template), method=method)
        assert getattr(world.app.view_functions[endpoint], "required_scope", None) == scope, operation


@pytest.mark.parametrize(("role", "operation", "allowed"), MATRIX)
def test_role_gets_2xx_with_the_scope_and_403_without(world, role, operation, allowed):
    method, template, collection = _split(operation)
    target = world.make(collection, role)
    path = _PLACEHOLDER.sub(target["id"], template)
    body = world.body(collection, role, target) if method in ("POST", "PUT") else None
    before = world.snapshot()

    response = world.callers[role].request(method, path, json=body)

    if allowed:
        assert response.status_code == (201 if method == "POST" else 200), response.get_json()
        if "{" in template:
            assert response.get_json()["id"] == target["id"]
    else:
        assert response.status_code == 403, response.get_json()
        assert REQUIRED_SCOPE[operation] in response.get_json()["detail"]
        assert world.snapshot() == before


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("credential", BAD_CREDENTIALS)
def test_bad_credentials_get_401_with_a_challenge(world, credential, operation):
    method, template, collection = _split(operation)
    ref = {"programID": "no-such-program", "eventID": "no-such-event", "venID": "no-such-ven"}
    body = world.body(collection, "bl", ref) if method in ("POST", "PUT") else None
    before = world.snapshot()

    response = world.bl.request(
        method, _PLACEHOLDER.sub("no-such-id", template), json=body, token=world.bad_token(credential)
    )

    assert response.status_code == 401, response.get_json()
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
    assert world.snapshot() == before


@pytest.mark.parametrize("caller", (*ROLES, *BAD_CREDENTIALS))
def test_auth_server_needs_no_token(world, caller):
    token = world.callers[caller].token if caller in ROLES else world.bad_token(caller)
    response = world.bl.get("/auth/server", token=token)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["tokenURL"].endswith(f"{BASE}/auth/token")
