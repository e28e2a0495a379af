"""Client disable/enable/remove and signing-key rotation/retirement, through a real multi-worker `vtn serve`.

Every check makes several requests with keep-alive off, so that they land on different gunicorn workers: a
revocation must reach each worker's kept tokens (auth/tokens.py) on the very next request.
"""

from __future__ import annotations

import json
import subprocess

import jwt
import psycopg
import pytest
import requests

from .served import VTN, ServedVTN, add_client, vtn_command, vtn_env

TRIES = 8  # requests per check, each on a new connection
PATHS = ("/events", "/programs", "/subscriptions")  # the polling path (admitted in the view) and ordinary ones


@pytest.fixture
def served3(database_url):
    """`vtn serve --workers 3`."""
    vtn = ServedVTN(database_url, workers=3)
    yield vtn
    vtn.stop()


def statuses(served: ServedVTN, token: str) -> set[int]:
    """The statuses of TRIES reads of each path, each on a fresh connection (no keep-alive)."""
    headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
    found = set()
    for _ in range(TRIES):
        for path in PATHS:
            found.add(requests.get(f"{served.api}{path}", headers=headers, timeout=10).status_code)
    return found


def kid_of(token: str) -> str:
    """The kid in a token's header."""
    return jwt.get_unverified_header(token)["kid"]


def token_status(served: ServedVTN, client: dict) -> int:
    """The status of a token request with the client's credentials."""
    form = {"grant_type": "client_credentials", **{k: client[k] for k in ("client_id", "client_secret")}}
    return requests.post(f"{served.api}/auth/token", data=form, timeout=10).status_code


def refused(database_url: str, *args: str) -> str:
    """Run a `vtn` command that must fail; its standard error."""
    done = subprocess.run([VTN, *args], env=vtn_env(database_url), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout
    return done.stderr


def audit_rows(database_url: str) -> list[tuple]:
    """(object_type, object_id, operation) of every audit row, in order."""
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT object_type, object_id, operation FROM audit ORDER BY seq").fetchall()


def keys(database_url: str) -> dict:
    """kid -> state, from `vtn keys list --json`."""
    return {k["kid"]: k["state"] for k in json.loads(vtn_command(database_url, "keys", "list", "--json"))}


def jwks_kids(served: ServedVTN) -> set[str]:
    """The kids the JWKS publishes."""
    return {k["kid"] for k in requests.get(f"{served.base}/.well-known/jwks.json", timeout=10).json()["keys"]}


def test_disable_refuses_unexpired_tokens_at_once_in_every_worker_and_enable_restores(served3, database_url):
    ven, other = add_client(database_url, "ven", "Fleet A"), add_client(database_url, "ven", "Fleet B")
    token, other_token = served3.token(ven), served3.token(other)
    assert statuses(served3, token) == {200}  # now kept (verified) by every worker
    assert "disabled" in vtn_command(database_url, "client", "disable", ven["client_id"])
    assert statuses(served3, token) == {401}
    assert statuses(served3, other_token) == {200}
    assert token_status(served3, ven) == 401
    listed = json.loads(vtn_command(database_url, "client", "list", "--json"))
    assert {c["client_id"]: c["disabled"] for c in listed}[ven["client_id"]] is True
    assert "enabled" in vtn_command(database_url, "client", "enable", ven["client_id"])
    assert statuses(served3, token) == {200}
    assert token_status(served3, ven) == 200
    operations = [(t, o) for t, i, o in audit_rows(database_url) if i == ven["client_id"]]
    assert operations == [("CLIENT", "CREATE"), ("CLIENT", "DISABLE"), ("CLIENT", "ENABLE")]


def test_remove_refuses_unexpired_tokens_at_once(served3, database_url):
    ven = add_client(database_url, "ven", "Fleet A")
    token = served3.token(ven)
    assert statuses(served3, token) == {200}
    vtn_command(database_url, "client", "remove", ven["client_id"])
    assert statuses(served3, token) == {401}
    assert token_status(served3, ven) == 401
    response = requests.get(f"{served3.api}/events", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.json()["status"] == 401 and "disabled or removed" in response.json()["detail"]
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_refused_caller_gets_401_before_any_other_answer(served3, database_url):
    ven = add_client(database_url, "ven", "Fleet A")
    token = served3.token(ven)
    headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
    assert requests.get(f"{served3.api}/events?limit=-1", headers=headers, timeout=10).status_code == 400
    assert requests.get(f"{served3.api}/programs/nope", headers=headers, timeout=10).status_code == 404
    assert requests.post(f"{served3.api}/programs", json={}, headers=headers, timeout=10).status_code == 403
    vtn_command(database_url, "client", "disable", ven["client_id"])
    for _ in range(TRIES):
        assert requests.get(f"{served3.api}/events?limit=-1", headers=headers, timeout=10).status_code == 401
        assert requests.get(f"{served3.api}/events?active=true", headers=headers, timeout=10).status_code == 401
        assert requests.get(f"{served3.api}/programs/nope", headers=headers, timeout=10).status_code == 401
        assert requests.post(f"{served3.api}/programs", json={}, headers=headers, timeout=10).status_code == 401


def test_rotation_keeps_old_tokens_until_retired_and_jwks_names_the_next_key(served3, database_url):
    bl = add_client(database_url, "bl", "Utility")
    old_token = served3.token(bl)
    old_kid = kid_of(old_token)
    before = keys(database_url)
    [upcoming] = [k for k, state in before.items() if state == "next"]
    assert before == {old_kid: "current", upcoming: "next"}
    assert jwks_kids(served3) == {old_kid, upcoming}  # clients can fetch the next key before it signs
    assert statuses(served3, old_token) == {200}

    out = vtn_command(database_url, "keys", "rotate")
    assert f"current {upcoming}" in out and f"previous {old_kid}" in out
    after = keys(database_url)
    [newest] = [k for k, state in after.items() if state == "next"]
    assert after == {old_kid: "previous", upcoming: "current", newest: "next"}
    new_tokens = [served3.token(bl) for _ in range(TRIES)]  # from every worker
    assert {kid_of(t) for t in new_tokens} == {upcoming}
    assert statuses(served3, old_token) == {200}  # the grace period: tokens issued before rotation still work
    assert statuses(served3, new_tokens[0]) == {200}
    assert jwks_kids(served3) == {old_kid, upcoming, newest}

    assert "retired" in vtn_command(database_url, "keys", "retire", old_kid)
    assert statuses(served3, old_token) == {401}
    assert statuses(served3, new_tokens[-1]) == {200}
    assert jwks_kids(served3) == {upcoming, newest}
    assert keys(database_url)[old_kid] == "retired"
    operations = [(i, o) for t, i, o in audit_rows(database_url) if t == "SIGNING_KEY"]
    assert (upcoming, "ROTATE") in operations and (old_kid, "RETIRE") in operations


def test_retiring_the_next_key_makes_a_new_one(served, database_url):
    served.token(add_client(database_url, "ven", "Fleet A"))
    [upcoming] = [k for k, state in keys(database_url).items() if state == "next"]
    vtn_command(database_url, "keys", "retire", upcoming)
    states = keys(database_url)
    assert states[upcoming] == "retired" and sorted(states.values()) == ["current", "next", "retired"]
    assert upcoming not in jwks_kids(served)


def test_cli_refusals(database_url):
    vtn_command(database_url, "keys", "list")  # makes the current and next keys
    [current] = [k for k, state in keys(database_url).items() if state == "current"]
    assert "rotate" in refused(database_url, "keys", "retire", current)
    assert "No signing key" in refused(database_url, "keys", "retire", "nope")
    assert "No client" in refused(database_url, "client", "disable", "nope")
    assert "No client" in refused(database_url, "client", "enable", "nope")
    assert "No client" in refused(database_url, "client", "remove", "nope")
    vtn_command(database_url, "keys", "rotate")
    [previous] = [k for k, state in keys(database_url).items() if state == "previous"]
    vtn_command(database_url, "keys", "retire", previous)
    assert "already retired" in refused(database_url, "keys", "retire", previous)
    lines = vtn_command(database_url, "keys", "list").splitlines()
    assert sorted(line.split("\t")[1] for line in lines) == ["current", "next", "retired"]
