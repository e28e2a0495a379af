"""Isolation, the systematic matrix: for every (path, method) of the official 3.1.0 YAML, VEN B can neither
read, change, delete nor be notified about VEN A's objects, and targets hide programs and events.

The operations are read from the YAML, so a new path fails test_every_yaml_operation_is_covered until it
gets a case here. Every case also checks that A's objects (as A and BL read them) are unchanged, and that
what B is refused is indistinguishable from a request about an object that does not exist.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
import yaml
from cryptography import x509
from cryptography.x509.oid import NameOID

from vtn import create_app
from vtn.db import Database
from vtn.notify.worker import DeliveryWorker

from . import builders as b
from . import openapi
from .conftest import BASE, make_config
from .isolation_world import FastParty, World
from .receiver import Receiver

METHODS = ("get", "post", "put", "delete", "patch")
SPEC_OPERATIONS = [
    (path, method.upper())
    for path, item in yaml.safe_load(openapi.SCHEMA.read_text())["paths"].items()
    for method in item
    if method in METHODS
]
UNKNOWN = "noSuchObject0000"
VEN_OBJECTS = ("vens", "resources", "reports", "subscriptions")
TARGETED = ("programs", "events")
ALL_OBJECTS = VEN_OBJECTS + TARGETED
CHECKS: Counter = Counter()  # (path, method) -> assertions made


class Check:
    """Assertions of one (path, method) case, counted for the summary."""

    def __init__(self, world: World, op: tuple[str, str]):
        self.world, self.op = world, op

    def that(self, ok: bool, what) -> None:
        """Assert ``ok`` and count it."""
        assert ok, what
        CHECKS[self.op] += 1

    def no_leak(self, response) -> None:
        """A successful answer to B names no object of A, nor A's clientID, nor a target of A."""
        text = response.get_data(as_text=True)
        leaked = [x for x in (*self.world.a_ids(), self.world.a.client_id, "feeder-a") if x in text]
        self.that(not leaked, (self.op, "leaks", leaked))
        body = response.get_json()
        for obj in body if isinstance(body, list) else [body]:
            if isinstance(obj, dict) and obj.get("targets"):
                self.that(set(obj["targets"]) <= {"feeder-b"}, (self.op, "shows targets", obj["targets"]))

    def refused(self, method: str, path: str, status: int, secret: str, json_body=None, query=None) -> None:
        """B gets ``status`` for ``path``, exactly as if ``secret`` (in path, query or body) did not exist."""
        b = self.world.b
        got = b.request(method, path, json=json_body, query=query)
        self.that(got.status_code == status, (method, path, query, got.status_code, got.get_json()))
        unknown = b.request(
            method,
            path.replace(secret, UNKNOWN),
            json=_swap(json_body, secret),
            query=_swap(query, secret),
        )
        mine = _swap(_anonymous(got.get_json()), secret)
        self.that((got.status_code, mine) == (unknown.status_code, _anonymous(unknown.get_json())), (path, "differs"))

    def lists(self, collection: str, query=None, shown=()) -> list[dict]:
        """B's list of ``collection`` (with ``query``): nothing of A, and every object of ``shown``."""
        got = self.world.b.get(f"/{collection}", query=query)
        self.that(got.status_code == 200, (collection, query, got.get_json()))
        self.no_leak(got)
        ids = [o["id"] for o in got.get_json()]
        self.that(all(o["id"] in ids for o in shown), (collection, query, "control missing"))
        return got.get_json()


def _anonymous(body):
    """A response body without the per-request problem ``instance``."""
    return {k: v for k, v in body.items() if k != "instance"} if isinstance(body, dict) else body


def _swap(value, secret):
    return None if value is None else json.loads(json.dumps(value).replace(secret, UNKNOWN))


# --- the cases, one per YAML operation --------------------------------------------------------------------

LIST_FILTERS = {  # queries naming A's objects; B must get none of them, as for an unknown value
    "programs": lambda w: [{"targets": ["feeder-a"]}, {"targets": ["feeder-a", "feeder-a2"]}],
    "events": lambda w: [{"programID": w.program_a["id"]}, {"targets": ["feeder-a"]}],
    "reports": lambda w: [
        {"eventID": w.event_a["id"]},
        {"programID": w.program_a["id"]},
        {"clientName": w.a.client_id},
    ],
    "subscriptions": lambda w: [{"programID": w.program_a["id"]}, {"clientName": w.a.client_id}],
    "vens": lambda w: [{"venName": v["venName"]} for v in w.a_objects["vens"]] + [{"targets": ["feeder-a"]}],
    "resources": lambda w: (
        [{"venID": v["id"]} for v in w.a_objects["vens"]]
        + [{"resourceName": r["resourceName"]} for r in w.a_objects["resources"]]
        + [{"targets": ["feeder-a2"]}]
    ),
}


def list_case(collection):
    def case(c: Check):
        w = c.world
        c.lists(collection, shown=w.b_objects[collection])
        for query in LIST_FILTERS[collection](w):
            c.lists(collection, query)
            key, value = next(iter(query.items()))
            secret = value[0] if isinstance(value, list) else value
            c.refused("GET", f"/{collection}", 200, secret, query=query)
        if collection in TARGETED:  # target hiding: the shared object shows B only B's target
            shared = next(o for o in c.lists(collection) if o["id"] == w.b_objects[collection][1]["id"])
            c.that(shared["targets"] == ["feeder-b"], shared)

    return case


def by_id_case(collection, method):
    status = {"GET": 404}.get(method, 403 if collection in TARGETED else 404)

    def case(c: Check):
        w = c.world
        for obj in w.a_objects[collection]:
            body = w.body(collection, obj) if method == "PUT" else None
            c.refused(method, f"/{collection}/{obj['id']}", status, obj["id"], json_body=body)
        if method == "GET":  # controls: B reads its own, and shared objects with only its target
            for obj in w.b_objects[collection]:
                got = w.b.get(f"/{collection}/{obj['id']}")
                c.that(got.status_code == 200, got.get_json())
                c.no_leak(got)

    return case


def create_case(collection):
    def case(c: Check):
        w = c.world
        if collection in TARGETED:
            body = b.program() if collection == "programs" else b.event(w.program_a["id"], targets=["feeder-a"])
            c.refused("POST", f"/{collection}", 403, w.program_a["id"], json_body=body)
            return
        attempts = {
            "reports": [(b.report(e["id"]), e["id"]) for e in w.a_objects["events"]],
            "subscriptions": [(b.subscription(programID=w.program_a["id"]), w.program_a["id"])],
            "resources": [(b.resource_by_ven(v["id"]), v["id"]) for v in w.a_objects["vens"]],
            "vens": [],
        }[collection]
        for body, secret in attempts:
            c.refused("POST", f"/{collection}", 404, secret, json_body=body)
        if collection == "vens":  # venName is unique per VTN (YAML): a 409 that tells nothing more
            taken = w.b.post("/vens", b.ven_by_ven(w.a_objects["vens"][1]["venName"]))
            c.that(taken.status_code == 409, taken.get_json())
            c.no_leak(taken)
        # Control: B creates its own, even when it names A (clientID, A's venName); it stays B's.
        control = {
            "reports": b.report(w.event_ac["id"]),
            "subscriptions": b.subscription(programID=w.program_ac["id"]),
            "resources": b.resource_by_ven(w.ven_b["id"]),
            "vens": b.ven_by_ven(),
        }[collection] | {"clientID": w.a.client_id}
        created = w.b.create(f"/{collection}", control)
        c.that(created["clientID"] == w.b.client_id, created)
        c.that(w.a.get(f"/{collection}/{created['id']}").status_code == 404, "A sees B's object")
        c.that(w.b.delete(f"/{collection}/{created['id']}").status_code == 200, "control not deleted")

    return case


def token_case(c: Check):
    w = c.world
    form = {"grant_type": "client_credentials", "client_id": w.a.client_id, "client_secret": w.b.secret}
    got = w.b.http.post(f"{BASE}/auth/token", data=form)
    unknown = w.b.http.post(f"{BASE}/auth/token", data=form | {"client_id": UNKNOWN})
    c.that(got.status_code in (400, 401) and "access_token" not in (got.get_json() or {}), got.get_json())
    c.that(_anonymous(got.get_json()) == _anonymous(unknown.get_json()), "A's clientID differs from an unknown one")


def plain_get_case(c: Check):
    path = c.op[0]
    got = c.world.b.get(path)
    c.that(got.status_code == 200, got.get_json())
    c.no_leak(got)
    mqtt = got.get_json().get("MQTT") if path == "/notifiers" else None
    if mqtt:  # B's credentials are B's own
        cert = x509.load_pem_x509_certificate(mqtt["authentication"]["clientCert"].encode())
        cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        c.that(cn == c.world.b.client_id, cn)


def topics_case(c: Check):
    """MQTT topic names: all-objects and per-program topics need read_all; per-ven topics only for B's vens."""
    w = c.world
    path = c.op[0].removeprefix("/notifiers/mqtt/topics")
    if "{venID}" not in path:
        for program in (w.program_a, w.program_open):
            c.refused("GET", c.op[0].replace("{programID}", program["id"]), 403, program["id"])
        return
    for ven in w.a_objects["vens"]:
        c.refused("GET", c.op[0].replace("{venID}", ven["id"]), 404, ven["id"])
    for party, ven in ((w.b, w.ven_b), (w.a, w.a_objects["vens"][0])):  # controls: each its own
        got = party.get(c.op[0].replace("{venID}", ven["id"]))
        c.that(got.status_code == 200, got.get_json())
        c.that(all(f"/{party.client_id}/" in t for t in got.get_json()["topics"].values()), got.get_json())
        if party is w.b:
            c.no_leak(got)


def _cases() -> dict:
    cases = {("/auth/token", "POST"): token_case, ("/auth/server", "GET"): plain_get_case}
    cases[("/notifiers", "GET")] = plain_get_case
    for collection in ALL_OBJECTS:
        cases[(f"/{collection}", "GET")] = list_case(collection)
        cases[(f"/{collection}", "POST")] = create_case(collection)
        item = f"/{collection}/{{{collection[:-1]}ID}}"
        for method in ("GET", "PUT", "DELETE"):
            cases[(item, method)] = by_id_case(collection, method)
    for path, method in SPEC_OPERATIONS:
        if path.startswith("/notifiers/mqtt/topics"):
            cases[(path, method)] = topics_case
    return cases


CASES = _cases()
# Operations that concern no object of VEN A, with the reason (none so far: even /auth/* is probed).
NOT_APPLICABLE: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def world(databases):
    """One shared world (cases leave it as they found it, which each case checks)."""
    url = databases.create()
    config = make_config(url).with_overrides(mqtt_uri="mqtts://127.0.0.1:1")  # topics answer; nothing published
    app = create_app(config, migrate=False)
    yield World(app)
    app.extensions["vtn"].db.close()
    databases.drop(url)


def test_every_yaml_operation_is_covered():
    covered = set(CASES) | set(NOT_APPLICABLE)
    assert set(SPEC_OPERATIONS) - covered == set(), "operations of the YAML without an isolation case"
    assert covered - set(SPEC_OPERATIONS) == set(), "cases of operations the YAML does not have"
    assert not set(CASES) & set(NOT_APPLICABLE)
    assert all(NOT_APPLICABLE.values())


@pytest.mark.parametrize(("path", "method"), [op for op in SPEC_OPERATIONS if op in CASES])
def test_ven_b_cannot_reach_ven_a_objects(world, path, method):
    before = world.snapshot()
    CASES[(path, method)](Check(world, (path, method)))
    assert world.snapshot() == before, "an object of A changed"
    CHECKS[(path, method)] += 1


# --- notifications ----------------------------------------------------------------------------------------

EVERY_OBJECT = ("PROGRAM", "EVENT", "REPORT", "SUBSCRIPTION", "VEN", "RESOURCE")
OPERATIONS = ("CREATE", "UPDATE", "DELETE")


@pytest.fixture
def delivering(config):
    """A fresh VTN with a running delivery worker and a webhook receiver."""
    config = config.with_overrides(
        webhook_verify_on_subscribe=True, webhook_allow_http=True, webhook_allow_private=True, delivery_threads=4
    )
    app = create_app(config, migrate=False)
    database = Database(config.database_url, 1, 8)
    worker = DeliveryWorker(config, database)
    worker.start()
    receiver = Receiver()
    yield app, receiver
    worker.stop()
    receiver.stop()
    database.close()
    app.extensions["vtn"].db.close()


def _hooked(receiver, path, client_name, objects=EVERY_OBJECT) -> dict:
    """A subscription body for every operation on ``objects``, calling back to ``path`` on the receiver."""
    body = b.subscription(client_name=client_name, objects=objects, operations=OPERATIONS)
    body["objectOperations"][0]["callbackUrl"] = receiver.url(path)
    return body


def _a_lifecycle(bl, a, program_open, receiver) -> dict:
    """BL and A create, replace and delete A's objects; {id: operations A must hear of}."""
    ven_a = bl.create("/vens", b.ven_by_bl(a.client_id, targets=["feeder-a"]))
    program = bl.create("/programs", b.program(targets=["feeder-a"]))
    event = bl.create("/events", b.event(program["id"], targets=["feeder-a"]))
    inside = bl.create("/events", b.event(program["id"]))
    elsewhere = bl.create("/events", b.event(program_open["id"], targets=["feeder-a"]))
    own = {
        "vens": a.create("/vens", b.ven_by_ven()),
        "reports": a.create("/reports", b.report(event["id"], client_name=a.client_id)),
        "subscriptions": a.create("/subscriptions", _hooked(receiver, "/a2", a.client_id, ("PROGRAM",))),
    }
    own["resources"] = a.create("/resources", b.resource_by_ven(own["vens"]["id"]))
    bodies = {
        "vens": b.ven_by_ven,
        "reports": lambda: b.report(event["id"]),
        "subscriptions": lambda: _hooked(receiver, "/a2", "renamed", ("EVENT",)),
    }
    bodies["resources"] = lambda: b.resource_by_ven(own["vens"]["id"])
    for collection in ("vens", "resources", "reports", "subscriptions"):
        assert a.put(f"/{collection}/{own[collection]['id']}", bodies[collection]()).status_code == 200
    assert bl.put(f"/vens/{ven_a['id']}", b.ven_by_bl(a.client_id, targets=["feeder-a"])).status_code == 200
    assert bl.put(f"/programs/{program['id']}", b.program(targets=["feeder-a"])).status_code == 200
    assert bl.put(f"/events/{event['id']}", b.event(program["id"], targets=["feeder-a"])).status_code == 200
    for collection in ("reports", "subscriptions", "resources", "vens"):
        assert a.delete(f"/{collection}/{own[collection]['id']}").status_code == 200
    for path in (f"/events/{event['id']}", f"/events/{inside['id']}", f"/programs/{program['id']}"):
        assert bl.delete(path).status_code == 200
    every = set(OPERATIONS)
    expected = {o["id"]: every for o in (*own.values(), program, event)}
    return expected | {
        ven_a["id"]: {"CREATE", "UPDATE"},
        inside["id"]: {"CREATE", "DELETE"},
        elsewhere["id"]: {"CREATE"},
    }


def test_ven_b_is_never_notified_about_ven_a_objects(delivering):
    app, receiver = delivering
    bl, a, b_ = FastParty(app, "bl"), FastParty(app, "ven"), FastParty(app, "ven")
    bl.create("/vens", b.ven_by_bl(b_.client_id, targets=["feeder-b"]))
    a.create("/subscriptions", _hooked(receiver, "/a", a.client_id))
    b_.create("/subscriptions", _hooked(receiver, "/b", b_.client_id))
    program_open = bl.create("/programs", b.program())
    expected_a = _a_lifecycle(bl, a, program_open, receiver)
    shared = bl.create("/events", b.event(program_open["id"], targets=["feeder-a", "feeder-b"]))
    expected_a[shared["id"]] = {"CREATE"}
    expected_b = {program_open["id"]: {"CREATE"}, shared["id"]: {"CREATE"}}

    def heard(path) -> dict:
        got: dict = {}
        for n in receiver.bodies(path):
            got.setdefault(n["object"]["id"], set()).add(n["operation"])
        return got

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(heard("/a").get(k, set()) >= v for k, v in expected_a.items()):
        time.sleep(0.1)
    time.sleep(0.5)  # anything wrongly sent to B has had as long as A's own deliveries
    for oid, operations in expected_a.items():  # positive control: A hears of all of it
        assert heard("/a").get(oid, set()) >= operations, (oid, heard("/a").get(oid))
    got_b = heard("/b")
    assert {k: v for k, v in got_b.items() if k in expected_b} == expected_b  # B's subscription works
    assert set(got_b) & set(expected_a) - set(expected_b) == set(), "B heard of A's objects"
    raw = b"".join(r["raw"] for r in receiver.wait_for(0, path="/b"))
    assert a.client_id.encode() not in raw and b"feeder-a" not in raw, "B's notifications name A or A's target"
    shared_b = next(n["object"] for n in receiver.bodies("/b") if n["object"]["id"] == shared["id"])
    assert shared_b["targets"] == ["feeder-b"]  # target hiding in notifications too
    CHECKS[("notifications", "webhook")] += len(expected_a) + len(expected_b) + 4


def test_summary_of_the_matrix():
    covered = {op for op in CHECKS if op in CASES}
    print(
        f"\nisolation matrix: {len(SPEC_OPERATIONS)} YAML operations, {len(covered)} covered by a case, "
        f"{len(NOT_APPLICABLE)} not applicable; {sum(CHECKS.values())} assertions counted"
    )
    for op, n in sorted(CHECKS.items()):
        print(f"  {n:4d}  {op[1]:6s} {op[0]}")
    assert covered == set(CASES), set(CASES) - covered
