"""/auth/token refuses secret guessing: after N failures per address and minute, 429 without a secret check."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vtn import create_app
from vtn.store import clients as client_store

from .conftest import BASE, make_config

LIMIT = 3


@pytest.fixture
def limited(database_url):
    """An app allowing LIMIT failed token requests per address and minute, and one real client."""
    app = create_app(replace(make_config(database_url), token_failures_per_minute=LIMIT), migrate=False)
    with app.extensions["vtn"].db.transaction() as conn:
        client = client_store.add_client(conn, "fleet", "ven")
    yield app, client
    app.extensions["vtn"].db.close()


def _token(http, client_id, secret, address="203.0.113.7"):
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return http.post(f"{BASE}/auth/token", data=form, environ_base={"REMOTE_ADDR": address})


def test_guessing_is_refused_after_the_limit_even_with_the_right_secret(limited):
    app, (client_id, secret) = limited
    http = app.test_client()
    for _ in range(LIMIT):
        assert _token(http, client_id, "wrong").status_code == 401
    refused = _token(http, client_id, secret)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["status"] == 429 and refused.get_json()["error"] == "invalid_request"


def test_the_limit_is_per_address_so_a_vens_own_address_still_gets_tokens(limited):
    app, (client_id, secret) = limited
    http = app.test_client()
    for _ in range(LIMIT + 2):
        _token(http, client_id, "wrong", address="198.51.100.9")
    assert _token(http, client_id, secret, address="203.0.113.7").status_code == 200


def test_successes_do_not_count(limited):
    app, (client_id, secret) = limited
    http = app.test_client()
    for _ in range(LIMIT + 2):
        assert _token(http, client_id, secret).status_code == 200
