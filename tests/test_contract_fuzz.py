"""Contract fuzzing (issue 6): schemathesis generates requests for every operation of the official YAML (3.1.0,
and 3.0.1 at /openadr3/3.0.1), sends them to a live `vtn serve` with real BL and VEN tokens, and checks every
answer against the document.

Bounded for CI (EXAMPLES per operation and generation mode, derandomized, no example database); the full run
is `python -m bench.fuzz` (docs/contract-fuzzing.md). Run with -rA (or -s) to see the counts in the log.
"""

from __future__ import annotations

import pytest

from .conftest import BASE
from .contract_fuzz import Fuzzer, Tally
from .contract_versions import COLLECTIONS

EXAMPLES = 5  # per operation, for each of schemathesis' positive and negative generation
# Stateful scenarios, each 42 calls: create/read/update/read/delete/read in 6 collections. Fewer for 3.0.1, whose
# larger bodies make hypothesis abandon (and redraw) more scenarios: about 40 s for its whole addition.
SCENARIOS = {"3.1.0": 10, "3.0.1": 6}
MAX_BATCHES = 5
# Operations with no negative case: GET /auth/server has no inputs (3.0.1 has no /auth/server).
IMPOSSIBLE = {"3.1.0": ["GET /auth/server negative"], "3.0.1": []}


@pytest.fixture(scope="module", params=["3.1.0", "3.0.1"])
def fuzzer(databases, request):
    """One live VTN (2 workers) on a fresh database for each document version."""
    url = databases.create()
    fuzz = Fuzzer(url, version=request.param)
    yield fuzz
    fuzz.stop()
    databases.drop(url)


def _report(title: str, tally: Tally) -> None:
    print(f"\n{title}\n{tally.summary()}")
    for failure in tally.failures[:20]:
        print("FAILURE", failure[:3000])


def test_every_operation_answers_as_the_yaml_says(fuzzer):
    """Each operation: EXAMPLES positive and EXAMPLES negative cases; no 5xx, no answer outside the document."""
    fuzzer.tally = Tally()
    fuzzer.fuzz_all(EXAMPLES)
    version = fuzzer.contract.version
    _report(
        f"{version} contract fuzzing, {EXAMPLES} positive + {EXAMPLES} negative examples per operation", fuzzer.tally
    )
    operations = fuzzer.operations()
    assert len(operations) == fuzzer.contract.operations
    assert set(fuzzer.tally.examples) == {op.label for op in operations}
    assert fuzzer.tally.impossible == IMPOSSIBLE[version]
    assert fuzzer.tally.failures == []


def test_stateful_sequences_answer_as_the_yaml_says(fuzzer):
    """Create, read, update, read, delete, read in every collection, creates referring to earlier objects."""
    fuzzer.tally = Tally()
    scenarios, batches = SCENARIOS[fuzzer.contract.version], 1
    fuzzer.stateful(scenarios)
    # Generated bodies are often refused (400) and a batch's outcome is not fully repeatable (the same commit's
    # 3.0.1 batch made 646 steps here and 416 in one CI run), so a batch may create nothing in some collection:
    # add seeded batches until every collection has had an object created and read back.
    while _uncovered(fuzzer) and batches < MAX_BATCHES:
        fuzzer.seed, batches = batches, batches + 1
        fuzzer.stateful(scenarios)
    fuzzer.seed = None
    _report(f"{fuzzer.contract.version} stateful fuzzing, {batches} x {scenarios} scenarios", fuzzer.tally)
    print("answers:", dict(sorted(fuzzer.tally.answers.items())))
    assert fuzzer.tally.failures == []
    assert _uncovered(fuzzer) == []  # some generated object was created and then read back by its id, everywhere


def _uncovered(fuzzer) -> list[str]:
    """The collections in which no object was created (201) and read back (200) yet."""
    missing = []
    for collection, (param, create, *_) in COLLECTIONS.items():
        path = next(op.path for op in fuzzer.operations() if op.definition.raw["operationId"] == create)
        answers = fuzzer.tally.answers
        if not (answers[f"POST {path} 201"] and answers[f"GET {path}/{{{param}}} 200"]):
            missing.append(collection)
    return missing


def test_numbers_beyond_64_bits_are_stored(bl):
    """Regression (found by fuzzing): a value such as 1e29 comes back from jsonb as a 30-digit integer, which
    the notification outbox could not serialise (500)."""
    body = {"programName": "big numbers", "attributes": [{"type": "X", "values": [1e29, -1e30, {"x": 1e25, "y": 2}]}]}
    program = bl.create("/programs", body)
    values = program["attributes"][0]["values"]
    assert [float(values[0]), float(values[1])] == [1e29, -1e30]
    updated = bl.put(f"/programs/{program['id']}", {**body, "programName": "big numbers 2"})
    assert updated.status_code == 200, updated.get_json()
    event = {"programID": program["id"], "intervals": [{"id": 0, "payloads": [{"type": "PRICE", "values": [1e40]}]}]}
    assert bl.post("/events", event).status_code == 201


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/programs", "targets", "a\x00b"),
        ("/events", "targets", "\x00"),
        ("/reports", "clientName", "x\x00"),
        ("/subscriptions", "clientName", "\x00"),
        ("/vens", "targets", "\x00G"),
        ("/resources", "resourceName", "r\x00"),
    ],
)
def test_nul_in_a_query_is_400(bl, path, name, value):
    """Regression (found by fuzzing): a NUL (%00) in a query parameter reached PostgreSQL (500)."""
    response = bl.get(path, query={name: value})
    assert response.status_code == 400, response.get_json()
    assert name in response.get_json()["detail"]


def test_nul_in_a_client_id_is_400(http):
    """Regression (found by fuzzing): a NUL in /auth/token's client_id reached PostgreSQL (500)."""
    form = {"grant_type": "client_credentials", "client_id": "a\x00b", "client_secret": "s"}
    response = http.post(f"{BASE}/auth/token", data=form)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
