"""Every response, success or problem, carries the security headers; HSTS only over TLS."""

from __future__ import annotations

import pytest

from vtn.security_headers import ALWAYS, HSTS

from .conftest import BASE


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/programs", 200),
        ("GET", "/programs/no-such-program", 404),
        ("GET", "/events", 401),  # no token
        ("POST", "/auth/token", 400),  # no credentials
        ("GET", "/auth/server", 200),
        ("PUT", "/events", 405),
    ],
)
def test_every_response_carries_the_security_headers(http, bl, method, path, status):
    headers = {} if status == 401 else {"Authorization": f"Bearer {bl.token}"}
    response = http.open(f"{BASE}{path}", method=method, headers=headers)
    assert response.status_code == status
    for name, value in ALWAYS.items():
        assert response.headers[name] == value
    assert HSTS[0] not in response.headers  # plain http: HSTS would be meaningless


def test_hsts_only_over_tls(http, bl):
    response = http.get(f"{BASE}/programs", headers={"Authorization": f"Bearer {bl.token}"}, base_url="https://vtn")
    assert response.headers[HSTS[0]] == HSTS[1]
