"""Fixtures: a fresh PostgreSQL database per test (cloned from a migrated template), the app, and API
parties (BL, VEN, auditor) whose every response is checked against the official OpenAPI document."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder

from vtn import create_app
from vtn.config import Config
from vtn.store import clients as client_store

from . import openapi, openapi301
from .pg import TestDatabases
from .served import ServedVTN

BASE = "/openadr3/3.1.0"
BASE301 = "/openadr3/3.0.1"


@pytest.fixture(scope="session")
def databases():
    """The session's template database and factory of per-test databases."""
    dbs = TestDatabases()
    yield dbs
    dbs.close()


@pytest.fixture
def database_url(databases):
    """A fresh migrated database for one test."""
    url = databases.create()
    yield url
    databases.drop(url)


def make_config(database_url: str) -> Config:
    """The VTN settings the tests use on ``database_url``.

    Callback URLs in most tests are never called (no delivery worker runs), so subscriptions are not
    verified; tests/test_notifications.py turns verification on.
    """
    return Config(
        database_url=database_url,
        pool_min_size=0,
        pool_max_size=4,
        bootstrap_bl_client=False,
        webhook_verify_on_subscribe=False,
    )


@pytest.fixture
def config(database_url) -> Config:
    """The VTN settings of one test."""
    return make_config(database_url)


@pytest.fixture
def app(config):
    """The VTN application on the test's database."""
    application = create_app(config, migrate=False)
    yield application
    application.extensions["vtn"].db.close()


class Party:
    """A client of the VTN (BL, VEN or auditor) with its token; requests are made below the base path."""

    def __init__(self, http, client_id: str, secret: str, role: str, token: str | None = None):
        self.http = http
        self.client_id = client_id
        self.secret = secret
        self.role = role
        self.token = token or self._token()
        self.base, self.check = BASE, openapi.check

    def v301(self) -> Party:
        """The same client speaking OpenADR 3.0.1 (same token): paths below /openadr3/3.0.1, checked by its YAML."""
        party = Party(self.http, self.client_id, self.secret, self.role, token=self.token)
        party.base, party.check = BASE301, openapi301.check
        return party

    def _token(self) -> str:
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.secret}
        response = self.http.post(f"{BASE}/auth/token", data=form)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]

    def request(self, method: str, path: str, json=None, query=None, token: str | None = "default", **kwargs):
        """Send a request as this party and check the response against the OpenAPI document."""
        headers = kwargs.pop("headers", {})
        bearer = self.token if token == "default" else token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        args = {"path": f"{self.base}{path}", "method": method, "query_string": query, "headers": headers, **kwargs}
        if json is not None:
            args["json"] = json
        response = self.http.open(**args)
        self.check(EnvironBuilder(**args).get_request(), response)
        return response

    def get(self, path, query=None, **kw):
        """GET, checked."""
        return self.request("GET", path, query=query, **kw)

    def post(self, path, json=None, **kw):
        """POST, checked."""
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        """PUT, checked."""
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        """DELETE, checked."""
        return self.request("DELETE", path, **kw)

    def create(self, path, payload) -> dict:
        """POST and expect 201; the created object."""
        response = self.post(path, payload)
        assert response.status_code == 201, response.get_json()
        return response.get_json()


class Parties:
    """Makes clients of each role in the test's database."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()

    def __call__(self, role: str, name: str | None = None) -> Party:
        with self.app.extensions["vtn"].db.transaction() as conn:
            client_id, secret = client_store.add_client(conn, name or role, role)
        return Party(self.http, client_id, secret, role)


@pytest.fixture
def parties(app) -> Parties:
    """A factory of API parties: parties("bl"), parties("ven"), parties("auditor")."""
    return Parties(app)


@pytest.fixture
def bl(parties) -> Party:
    """A BL client."""
    return parties("bl", "utility DR system")


@pytest.fixture
def ven(parties) -> Party:
    """A VEN client."""
    return parties("ven", "automaker A fleet")


@pytest.fixture
def served(database_url):
    """A real `vtn serve --workers 2` (gunicorn) on the test database."""
    vtn = ServedVTN(database_url, workers=2)
    yield vtn
    vtn.stop()


@pytest.fixture
def http(app):
    """The raw test client (no token, no checks)."""
    return app.test_client()
