"""The hash-chained audit trail: every write appended with who/what/when/request/digest; tampering caught."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from vtn import audit

from . import builders as b
from .served import VTN, add_client, vtn_command, vtn_env

AUDIT = "/vtn/v1/audit"


def _trail(party, **query) -> list[dict]:
    response = party.http.get(AUDIT, query_string=query, headers={"Authorization": f"Bearer {party.token}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _writes(bl, ven) -> dict:
    program = bl.create("/programs", b.program())
    bl.create("/vens", b.ven_by_bl(ven.client_id, targets=["t"]))
    event = bl.create("/events", b.event(program["id"], targets=["t"]))
    report = ven.create("/reports", b.report(event["id"]))
    bl.put(f"/programs/{program['id']}", b.program(program["programName"]))
    return {"program": program, "event": event, "report": report}


def test_every_write_is_recorded_with_who_what_and_a_digest(bl, ven, parties):
    objects = _writes(bl, ven)
    everything = _trail(parties("auditor"))
    clients = [r for r in everything if r["objectType"] == "CLIENT"]
    assert {(r["operation"], r["role"]) for r in clients} == {("CREATE", "system")}  # the test's parties
    keys = [r for r in everything if r["objectType"] == "SIGNING_KEY"]
    assert [(r["operation"], r["role"]) for r in keys] == [("CREATE", "system")] * 2  # current and next key
    rows = [r for r in everything if r["objectType"] not in ("CLIENT", "SIGNING_KEY")]
    assert [(r["objectType"], r["operation"], r["role"]) for r in rows] == [
        ("PROGRAM", "CREATE", "bl"), ("VEN", "CREATE", "bl"), ("EVENT", "CREATE", "bl"),
        ("REPORT", "CREATE", "ven"), ("PROGRAM", "UPDATE", "bl"),
    ]  # fmt: skip
    assert rows[3]["clientID"] == ven.client_id and rows[3]["objectID"] == objects["report"]["id"]
    assert rows[3]["digest"] == audit.digest(objects["report"])  # the stored object, as BL reads it
    assert all(len(r["requestID"]) > 0 for r in rows)
    assert [r["prevHash"] for r in everything[1:]] == [r["hash"] for r in everything[:-1]]


def test_trail_paging_and_filters(bl, ven, parties):
    auditor = parties("auditor")
    objects = _writes(bl, ven)
    everything = _trail(auditor)
    assert _trail(auditor, skip=1, limit=2) == everything[1:3]
    everything = [r for r in everything if r["objectType"] not in ("CLIENT", "SIGNING_KEY")]
    assert [r["operation"] for r in _trail(auditor, objectID=objects["program"]["id"])] == ["CREATE", "UPDATE"]
    assert _trail(auditor, since=everything[-1]["at"]) == everything[-1:]
    assert all(r["objectType"] in ("CLIENT", "SIGNING_KEY") for r in _trail(auditor, until=everything[0]["at"]))


def test_vens_cannot_read_the_trail(parties):
    party = parties("ven")
    response = party.http.get(AUDIT, headers={"Authorization": f"Bearer {party.token}"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("tamper", "broken"),
    [
        ("UPDATE audit SET client_id = 'someone-else' WHERE seq = %(third)s", 0),
        ("UPDATE audit SET digest = repeat('0', 64) WHERE seq = %(third)s", 0),
        ("DELETE FROM audit WHERE seq = %(third)s", 1),
    ],
)
def test_vtn_audit_verify_names_the_first_broken_link(bl, ven, database_url, tamper, broken):
    _writes(bl, ven)
    assert "chain intact" in vtn_command(database_url, "audit", "verify")
    with psycopg.connect(database_url, autocommit=True) as conn:
        seqs = [row[0] for row in conn.execute("SELECT seq FROM audit ORDER BY seq")]
        conn.execute(tamper, {"third": seqs[2]})
    done = subprocess.run([VTN, "audit", "verify"], env=vtn_env(database_url), capture_output=True, text=True)
    assert done.returncode == 1
    assert f"audit row {seqs[2 + broken]} " in done.stderr  # an edit breaks its own row, a deletion the next


def test_chain_stays_whole_under_concurrent_writes_from_two_workers(served, database_url):
    headers = {"Authorization": f"Bearer {served.token(add_client(database_url, 'bl', 'utility'))}"}

    def create(n):
        return requests.post(f"{served.api}/programs", json={"programName": f"p{n}"}, headers=headers, timeout=10)

    with ThreadPoolExecutor(8) as pool:
        assert all(r.status_code == 201 for r in pool.map(create, range(40)))
    out = vtn_command(database_url, "audit", "verify")  # 40 programs, and the clients made on the way
    assert out.startswith("ok: ") and int(out.split()[1]) >= 40 and "chain intact" in out


def _random_value(rng, depth=0):
    """A JSON value of the kinds a stored document holds, with floats of every magnitude and odd strings."""
    kind = rng.randrange(7 if depth < 3 else 4)
    if kind == 0:
        return rng.choice([rng.uniform(-5, 5), 10 ** rng.uniform(-12, 24), -(10 ** rng.uniform(-12, 24)), 0.0, -0.0])
    if kind == 1:
        return rng.choice([rng.randrange(-(2**70), 2**70), rng.randrange(-1000, 1000)])
    if kind == 2:
        return "".join(rng.choice('aé\x00\x1f\x7f"\\\n\u2028😀1e5') for _ in range(rng.randrange(6)))
    if kind == 3:
        return rng.choice([True, False, None])
    if kind in (4, 5):
        return {f"k{rng.randrange(50)}{rng.choice('aZé')}": _random_value(rng, depth + 1) for _ in range(4)}
    return [_random_value(rng, depth + 1) for _ in range(4)]


def test_canonical_json_is_the_standard_librarys():
    """The fast canonical form is byte for byte json.dumps(sort_keys, compact, ensure_ascii=False); parse() too."""
    import json
    import random

    rng = random.Random(20261127)
    for _ in range(3000):
        document = {"id": "x", "value": _random_value(rng)}
        expected = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert audit.canonical(document) == expected.encode("utf-8")
        assert audit.parse(expected) == json.loads(expected)
