"""Isolation through OpenADR 3.0.1: for every (path, method) of the official 3.0.1 YAML, VEN B speaking 3.0.1 can
neither read, change nor delete VEN A's objects, and targets hide programs and events (docs/versions.md, "Object
privacy on the 3.0.1 path": 3.0.1's own read_all rule is looser; this VTN keeps 3.1.0's).

The world is tests/isolation_world.py's (built through 3.1.0); B's requests go to /openadr3/3.0.1 and every answer
is checked against the 3.0.1 YAML. As in tests/test_isolation.py, what B is refused must be indistinguishable from a
request about an object that does not exist, and A's objects must be unchanged after every case.
"""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from vtn import create_app

from . import openapi301
from .conftest import BASE301, make_config
from .isolation_world import World
from .test_isolation import UNKNOWN, Check, _anonymous

SPEC_OPERATIONS = [
    (path, method.upper())
    for path, item in yaml.safe_load(openapi301.SCHEMA.read_text())["paths"].items()
    for method in item
    if method in ("get", "post", "put", "delete")
]
CHECKS: Counter = Counter()


class Check301(Check):
    """Check, with 3.0.1's typed targets: B may be shown only its own (GROUP feeder-b)."""

    def no_leak(self, response) -> None:
        """A successful answer names no object, clientID or target of A."""
        text = response.get_data(as_text=True)
        leaked = [x for x in (*self.world.a_ids(), self.world.a.client_id, "feeder-a") if x in text]
        self.that(not leaked, (self.op, "leaks", leaked))
        body = response.get_json()
        for obj in body if isinstance(body, list) else [body]:
            for target in (obj.get("targets") or []) if isinstance(obj, dict) else []:
                self.that(target == {"type": "GROUP", "values": ["feeder-b"]}, (self.op, "shows", target))

    def that(self, ok: bool, what) -> None:
        """Assert ``ok`` and count it."""
        assert ok, what
        CHECKS[self.op] += 1


class World301:
    """The 3.1.0 isolation world, with B speaking 3.0.1."""

    def __init__(self, world: World):
        self.__dict__.update(world.__dict__)
        self.snapshot, self.a_ids = world.snapshot, world.a_ids
        self.b = world.b.v301()


def body301(collection: str, obj: dict) -> dict:
    """A valid 3.0.1 body a VEN could send for ``obj`` (only the target decides the outcome)."""
    return {
        "programs": lambda: {"programName": "stolen"},
        "events": lambda: {"programID": obj["programID"], "intervals": []},
        "reports": lambda: report301(obj.get("programID", "p"), obj["eventID"]),
        "subscriptions": lambda: subscription301(obj.get("programID") or "p"),
        "vens": lambda: {"venName": "stolen"},
        "resources": lambda: {"resourceName": "stolen"},
    }[collection]()


def report301(program_id: str, event_id: str) -> dict:
    """A minimal 3.0.1 report."""
    return {
        "programID": program_id,
        "eventID": event_id,
        "clientName": "b",
        "resources": [{"resourceName": "r", "intervals": [{"id": 0, "payloads": [{"type": "USAGE", "values": [1]}]}]}],
    }


def subscription301(program_id: str) -> dict:
    """A minimal 3.0.1 subscription (HTTP verbs as operations)."""
    callback = "https://example.com/hook"
    operation = {"objects": ["EVENT"], "operations": ["POST"], "callbackUrl": callback}
    return {"clientName": "b", "programID": program_id, "objectOperations": [operation]}


LIST_FILTERS = {
    "programs": lambda w: [{"targetType": "GROUP", "targetValues": ["feeder-a"]}],
    "events": lambda w: [{"programID": w.program_a["id"]}, {"targetType": "GROUP", "targetValues": ["feeder-a"]}],
    "reports": lambda w: [{"eventID": w.event_a["id"]}, {"programID": w.program_a["id"]}],
    "subscriptions": lambda w: [{"programID": w.program_a["id"]}, {"clientName": w.a.client_id}],
    "vens": lambda w: [{"venName": v["venName"]} for v in w.a_objects["vens"]],
}


def list_case(collection):
    def case(c: Check301):
        w = c.world
        got = c.world.b.get(f"/{collection}")
        c.that(got.status_code == 200, got.get_json())
        c.no_leak(got)
        ids = {o["id"] for o in got.get_json()}
        shown = [o for o in w.b_objects[collection] if collection != "subscriptions" or o.get("programID")]
        c.that({o["id"] for o in shown} <= ids, (collection, "control missing"))
        for query in LIST_FILTERS[collection](w):
            value = next(iter(query.values()))
            secret = value[0] if isinstance(value, list) else value
            c.refused("GET", f"/{collection}", 200, secret, query=query)
            c.no_leak(c.world.b.get(f"/{collection}", query=query))

    return case


def by_id_case(collection, method):
    status = {"GET": 404}.get(method, 403 if collection in ("programs", "events") else 404)

    def case(c: Check301):
        for obj in c.world.a_objects[collection]:
            body = body301(collection, obj) if method == "PUT" else None
            c.refused(method, f"/{collection}/{obj['id']}", status, obj["id"], json_body=body)

    return case


def create_case(collection):
    def case(c: Check301):
        w = c.world
        attempts = {
            "programs": [({"programName": "mine"}, None, 403)],
            "events": [({"programID": w.program_a["id"], "intervals": []}, w.program_a["id"], 403)],
            "reports": [(report301(e["programID"], e["id"]), e["id"], 404) for e in w.a_objects["events"]],
            "subscriptions": [(subscription301(w.program_a["id"]), w.program_a["id"], 404)],
            "vens": [],
        }[collection]
        for body, secret, status in attempts:
            if secret is None:
                got = w.b.post(f"/{collection}", body)
                c.that(got.status_code == status, got.get_json())
            else:
                c.refused("POST", f"/{collection}", status, secret, json_body=body)
        if collection == "vens":  # venName is unique per VTN: a 409 that tells nothing more
            taken = w.b.post("/vens", {"venName": w.a_objects["vens"][1]["venName"]})
            c.that(taken.status_code == 409, taken.get_json())
            c.no_leak(taken)

    return case


def ven_resources_case(method):
    """/vens/{venID}/resources: A's vens are unknown to B, for listing and for adding."""

    def case(c: Check301):
        for ven in c.world.a_objects["vens"]:
            body = {"resourceName": "mine"} if method == "POST" else None
            c.refused(method, f"/vens/{ven['id']}/resources", 404, ven["id"], json_body=body)
        got = c.world.b.get(f"/vens/{c.world.ven_b['id']}/resources")  # control: B's own
        c.that(got.status_code == 200, got.get_json())
        c.no_leak(got)

    return case


def ven_resource_case(method):
    """/vens/{venID}/resources/{resourceID}: A's resources, under A's ven or under B's own ven."""

    def case(c: Check301):
        w = c.world
        for resource in w.a_objects["resources"]:
            body = {"resourceName": "stolen"} if method == "PUT" else None
            for ven_id in (resource["venID"], w.ven_b["id"]):
                path = f"/vens/{ven_id}/resources/{resource['id']}"
                c.refused(method, path, 404, resource["id"], json_body=body)

    return case


def token_case(c: Check301):
    w = c.world
    form = {"grant_type": "client_credentials", "client_id": w.a.client_id, "client_secret": w.b.secret}
    got = w.b.http.post(f"{BASE301}/auth/token", data=form)
    unknown = w.b.http.post(f"{BASE301}/auth/token", data=form | {"client_id": UNKNOWN})
    c.that(got.status_code in (400, 401, 403) and "access_token" not in (got.get_json() or {}), got.get_json())
    c.that(_anonymous(got.get_json()) == _anonymous(unknown.get_json()), "A's clientID differs from an unknown one")


def _cases() -> dict:
    cases = {("/auth/token", "POST"): token_case}
    for collection in ("programs", "events", "reports", "subscriptions", "vens"):
        cases[(f"/{collection}", "GET")] = list_case(collection)
        cases[(f"/{collection}", "POST")] = create_case(collection)
        item = f"/{collection}/{{{collection[:-1]}ID}}"
        for method in ("GET", "PUT", "DELETE"):
            cases[(item, method)] = by_id_case(collection, method)
    for method in ("GET", "POST"):
        cases[("/vens/{venID}/resources", method)] = ven_resources_case(method)
    for method in ("GET", "PUT", "DELETE"):
        cases[("/vens/{venID}/resources/{resourceID}", method)] = ven_resource_case(method)
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def world(databases):
    """One shared world (cases leave it as they found it, which each case checks)."""
    url = databases.create()
    app = create_app(make_config(url), migrate=False)
    yield World301(World(app))
    app.extensions["vtn"].db.close()
    databases.drop(url)


def test_every_301_yaml_operation_is_covered():
    assert set(SPEC_OPERATIONS) == set(CASES)


@pytest.mark.parametrize(("path", "method"), SPEC_OPERATIONS)
def test_ven_b_on_301_cannot_reach_ven_a_objects(world, path, method):
    before = world.snapshot()
    CASES[(path, method)](Check301(world, (path, method)))
    assert world.snapshot() == before, "an object of A changed"
    CHECKS[(path, method)] += 1


def test_zz_checks_were_counted():
    """Printed with -rA: how many assertions each 3.0.1 operation's case made."""
    print(f"\n3.0.1 isolation: {len(CHECKS)} operations, {sum(CHECKS.values())} assertions")
    assert len(CHECKS) == len(SPEC_OPERATIONS)
