"""Webhook notifications in each subscription's version: a 3.0.1 subscription gets the 3.0.1 format (operation
POST/PUT/DELETE, 3.0.1 objects valid against the 3.0.1 `notification` schema), a 3.1.0 one the 3.1.0 format,
whichever version BL writes through; privacy as 3.1.0 (docs/versions.md, "Notifications").

A real HTTP receiver on 127.0.0.1 and a real delivery worker, as in tests/test_notifications.py.
"""

from __future__ import annotations

import pytest
from openapi_core.validation.schemas import oas30_read_schema_validators_factory

from vtn import create_app
from vtn.db import Database
from vtn.notify.worker import DeliveryWorker
from vtn.wire.v301.notifications import to_v301

from . import builders as b
from . import openapi, openapi301
from .conftest import Parties
from .receiver import Receiver

ALL = ["PROGRAM", "EVENT", "REPORT", "SUBSCRIPTION", "VEN", "RESOURCE"]


def validator(document, name: str = "notification"):
    """A validator of one component schema that resolves $refs in the whole document."""
    spec = document.spec().spec
    return oas30_read_schema_validators_factory.create(spec, spec / "components" / "schemas" / name)


@pytest.fixture
def world(config):
    """The app, its parties, a running delivery worker and a receiver (callbacks echo-checked)."""
    notify_config = config.with_overrides(
        webhook_verify_on_subscribe=True, webhook_allow_http=True, webhook_allow_private=True, delivery_threads=4
    )
    app = create_app(notify_config, migrate=False)
    database = Database(notify_config.database_url, 1, 8)
    worker = DeliveryWorker(notify_config, database)
    worker.start()
    receiver = Receiver()
    yield Parties(app), receiver
    worker.stop()
    receiver.stop()
    database.close()
    app.extensions["vtn"].db.close()


def subscribe301(party, receiver, path: str, program_id: str) -> dict:
    """A 3.0.1 subscription of ``party`` to every object of the program, with verbs."""
    body = {
        "clientName": f"client-{path}",
        "programID": program_id,
        "objectOperations": [
            {"objects": ALL, "operations": ["POST", "PUT", "DELETE"], "callbackUrl": receiver.url(path)}
        ],
    }
    return party.v301().create("/subscriptions", body)


def event301(program_id: str, **overrides) -> dict:
    """A 3.0.1 event body."""
    body = {
        "programID": program_id,
        "eventName": "evening-301",
        "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT1H"},
        "intervals": [{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [7.2]}]}],
        "targets": [{"type": "GROUP", "values": ["fleet-a"]}],
    }
    return body | overrides


def test_each_subscription_hears_its_own_version(world):
    parties, receiver = world
    bl, a, other = parties("bl"), parties("ven", "fleet A"), parties("ven", "fleet B")
    program = bl.create("/programs", b.program(attributes=[{"type": "PROGRAM_LONG_NAME", "values": ["Long"]}]))
    ven_a = bl.create("/vens", b.ven_by_bl(a.client_id, targets=["fleet-a"]))
    bl.create("/vens", b.ven_by_bl(other.client_id, targets=["fleet-b"]))
    mine = subscribe301(a, receiver, "/a301", program["id"])
    subscribe301(other, receiver, "/b301", program["id"])
    bl310 = b.subscription(programID=program["id"], operations=("CREATE", "UPDATE", "DELETE"))
    bl310["objectOperations"][0]["callbackUrl"] = receiver.url("/bl310")
    bl.create("/subscriptions", bl310)

    # Through 3.1.0: an event, a report on it (A's), its update and deletion; then A adds a resource.
    e1 = bl.create("/events", b.event(program["id"], targets=["fleet-a", "SERVICE_AREA:9"]))
    report = a.create("/reports", b.report(e1["id"]))
    bl.put(f"/events/{e1['id']}", b.event(program["id"], targets=["fleet-a"], eventName="later"))
    bl.delete(f"/events/{e1['id']}")
    # Through 3.0.1: the same round.
    e2 = bl.v301().create("/events", event301(program["id"]))
    assert bl.v301().put(f"/events/{e2['id']}", event301(program["id"], eventName="moved")).status_code == 200
    assert bl.v301().delete(f"/events/{e2['id']}").status_code == 200
    resource = a.create("/resources", b.resource_by_ven(ven_a["id"]))
    attributes = program["attributes"]
    bl.put(f"/programs/{program['id']}", b.program(program["programName"], attributes=attributes, targets=["fleet-a"]))
    # Last: an event only B may see; B's queue is in order, so nothing of A's can still be on its way.
    e3 = bl.create("/events", b.event(program["id"], targets=["fleet-b"]))

    got_a = [r["body"] for r in receiver.wait_for(10, path="/a301")]
    got_b = [r["body"] for r in receiver.wait_for(2, path="/b301")]
    got_bl = [r["body"] for r in receiver.wait_for(7, path="/bl310")]
    assert len(receiver.bodies("/a301")) == 10  # e3 is targeted at fleet-b only

    check301, check310 = validator(openapi301), validator(openapi, "event")
    for body in got_a + got_b:
        check301.validate(body)
    for body in got_bl:  # 3.1.0's notification.object has a discriminator without a mapping: check the event
        assert body["operation"] in ("CREATE", "UPDATE", "DELETE")
        check310.validate(body["object"])

    def seen(bodies):
        return [(n["objectType"], n["operation"], n["object"]["id"]) for n in bodies]

    assert seen(got_a) == [
        ("SUBSCRIPTION", "POST", mine["id"]),
        ("EVENT", "POST", e1["id"]),
        ("REPORT", "POST", report["id"]),
        ("EVENT", "PUT", e1["id"]),
        ("EVENT", "DELETE", e1["id"]),
        ("EVENT", "POST", e2["id"]),
        ("EVENT", "PUT", e2["id"]),
        ("EVENT", "DELETE", e2["id"]),
        ("RESOURCE", "POST", resource["id"]),
        ("PROGRAM", "PUT", program["id"]),
    ]
    assert seen(got_b) == [("SUBSCRIPTION", "POST", got_b[0]["object"]["id"]), ("EVENT", "POST", e3["id"])]
    assert got_b[0]["object"]["id"] != mine["id"]
    assert seen(got_bl) == [("EVENT", op, e) for e in (e1["id"], e2["id"]) for op in ("CREATE", "UPDATE", "DELETE")] + [
        ("EVENT", "CREATE", e3["id"])
    ]

    # 3.0.1 objects: typed targets with hiding, programID on the report, verbs in the subscription, no clientID.
    first = got_a[1]["object"]
    assert first["targets"] == [{"type": "GROUP", "values": ["fleet-a"]}] and "clientID" not in first
    assert got_a[2]["object"]["programID"] == program["id"] and "clientID" not in got_a[2]["object"]
    assert got_a[0]["object"]["objectOperations"][0]["operations"] == ["POST", "PUT", "DELETE"]
    assert got_a[6]["object"]["eventName"] == "moved"
    assert got_a[9]["object"]["programLongName"] == "Long" and "attributes" not in got_a[9]["object"]
    # 3.1.0 objects unchanged: BL sees every target, as strings.
    assert got_bl[0]["object"]["targets"] == ["fleet-a", "SERVICE_AREA:9"]
    assert got_bl[3]["object"]["targets"] == ["fleet-a"]


def test_conversion_of_each_object_type_is_valid_301():
    check = validator(openapi301)
    period = {"duration": "PT1H"}
    objects = {
        "PROGRAM": {
            "programName": "p",
            "attributes": [{"type": "BINDING_EVENTS", "values": [True]}, {"type": "X", "values": [1]}],
            "intervalPeriod": period,
            "targets": ["a", "VEN_NAME:v"],
        },
        "EVENT": {
            "programID": "p",
            "duration": "PT2H",
            "intervalPeriod": period,
            "intervals": [{"id": 0, "intervalPeriod": period, "payloads": [{"type": "PRICE", "values": [1]}]}],
            "reportDescriptors": [{"payloadType": "USAGE", "targets": ["a"], "reportIntervals": "INTERVALS"}],
        },
        "REPORT": {
            "eventID": "e",
            "clientName": "c",
            "clientID": "x",
            "resources": [{"resourceName": "r", "intervalPeriod": period, "intervals": []}],
        },
        "SUBSCRIPTION": {
            "clientName": "c",
            "clientID": "x",
            "programID": "p",
            "objectOperations": [{"objects": ["EVENT"], "operations": ["READ"], "callbackUrl": "https://x.example/c"}],
            "targets": [],
        },
        "VEN": {"venName": "v", "clientID": "x", "targets": ["a"], "attributes": [{"type": "A", "values": [1]}]},
        "RESOURCE": {"resourceName": "r", "venID": "v", "clientID": "x", "targets": []},
    }
    meta = {"id": "o1", "createdDateTime": "2026-07-01T00:00:00Z", "modificationDateTime": "2026-07-01T00:00:00Z"}
    for kind, obj in objects.items():
        for operation, verb in (("CREATE", "POST"), ("UPDATE", "PUT"), ("DELETE", "DELETE")):
            notification = {"objectType": kind, "operation": operation, "object": meta | obj | {"objectType": kind}}
            converted = to_v301(notification, program_id="p")
            check.validate(converted)
            assert converted["operation"] == verb and "clientID" not in converted["object"]
    program = to_v301({"objectType": "PROGRAM", "operation": "CREATE", "object": objects["PROGRAM"]})["object"]
    assert program["bindingEvents"] is True and program["intervalPeriod"]["start"] == "0001-01-01T00:00:00Z"
    assert program["targets"] == [{"type": "GROUP", "values": ["a"]}, {"type": "VEN_NAME", "values": ["v"]}]
    event = to_v301({"objectType": "EVENT", "operation": "CREATE", "object": objects["EVENT"]})["object"]
    assert "duration" not in event and "reportIntervals" not in event["reportDescriptors"][0]
    assert event["reportDescriptors"][0]["targets"] == [{"type": "GROUP", "values": ["a"]}]
