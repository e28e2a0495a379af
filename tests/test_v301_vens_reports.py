"""3.0.1 vens with nested resources, /vens/{venID}/resources and reports over the 3.1.0 store (docs/versions.md).

Every 3.0.1 response is checked against the 3.0.1 YAML (tests/openapi301.py) and every 3.1.0 one against 3.1.0.
"""

from __future__ import annotations

import pytest

from . import builders as b

PROVISIONED = ("id", "createdDateTime", "modificationDateTime", "objectType")
TARGETS = [{"type": "GROUP", "values": ["fleet-a"]}, {"type": "SERVICE_AREA", "values": [7]}]  # 7: exact form


def _written(obj: dict) -> dict:
    """An object as read back, without what the VTN provisions (nested resources too)."""
    kept = {k: v for k, v in obj.items() if k not in PROVISIONED}
    if "resources" in kept and obj.get("objectType") == "VEN":
        kept["resources"] = [{k: v for k, v in r.items() if k not in (*PROVISIONED, "venID")} for r in obj["resources"]]
    return kept


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()]


def _ven301(name="ven-1", resources=None, **extra) -> dict:
    body = {"venName": name, "attributes": [{"type": "MODEL", "values": ["x1"]}], **extra}
    if resources is not None:
        body["resources"] = resources
    return body


def _resource301(name: str, **extra) -> dict:
    return {"resourceName": name, **extra}


@pytest.fixture
def world(parties):
    """BL and two VEN clients, each also speaking 3.0.1."""

    class World:
        bl = parties("bl", "utility")
        a = parties("ven", "fleet A")
        b = parties("ven", "fleet B")
        bl1, a1, b1 = bl.v301(), a.v301(), b.v301()

    return World


def test_ven_with_two_resources_round_trips_exactly(world):
    body = _ven301(
        "ven-a",
        targets=TARGETS,
        clientID=world.a.client_id,
        resources=[
            _resource301("charger-1", targets=[{"type": "RESOURCE_NAME", "values": ["charger-1"]}]),
            _resource301("charger-2", attributes=[{"type": "MAX_POWER", "values": [11.0]}], targets=TARGETS),
        ],
    )
    created = world.bl1.create("/vens", body)
    sent = {k: v for k, v in body.items() if k != "clientID"}
    assert _written(created) == sent
    assert "clientID" not in created and all("clientID" not in r for r in created["resources"])
    assert {r["venID"] for r in created["resources"]} == {created["id"]}
    assert world.bl1.get(f"/vens/{created['id']}").get_json() == created
    assert world.a1.get(f"/vens/{created['id']}").get_json() == created  # owner-only: nothing hidden
    # 3.1.0 sees the same resources, with string targets, owned by the ven's client.
    listed = world.bl.get("/resources", query={"venID": created["id"]}).get_json()
    assert [(r["resourceName"], r["targets"], r["clientID"]) for r in listed] == [
        ("charger-1", ["RESOURCE_NAME:charger-1"], world.a.client_id),
        ("charger-2", ["fleet-a", "SERVICE_AREA:7"], world.a.client_id),
    ]
    assert world.bl.get(f"/vens/{created['id']}").get_json()["targets"] == ["fleet-a", "SERVICE_AREA:7"]


def test_explicit_nulls_are_absence_and_no_grants_read_as_absent(world):
    body = {"venName": "ven-n", "attributes": None, "targets": None, "resources": None, "clientID": None}
    created = world.bl1.create("/vens", body)
    assert _written(created) == {"venName": "ven-n"}


def test_bl_ven_without_client_id_belongs_to_bl(world):
    created = world.bl1.create("/vens", _ven301("ven-bl"))
    assert world.bl.get(f"/vens/{created['id']}").get_json()["clientID"] == world.bl.client_id
    assert world.a1.get(f"/vens/{created['id']}").status_code == 404
    # A 3.0.1 PUT without clientID keeps the owner set through 3.1.0.
    world.bl.put(f"/vens/{created['id']}", b.ven_by_bl(world.a.client_id, "ven-bl"))
    assert world.bl1.put(f"/vens/{created['id']}", _ven301("ven-bl2")).status_code == 200
    assert world.bl.get(f"/vens/{created['id']}").get_json()["clientID"] == world.a.client_id
    assert world.a1.get(f"/vens/{created['id']}").get_json()["venName"] == "ven-bl2"


def test_put_syncs_resources_by_name(world):
    ven = world.bl1.create(
        "/vens", _ven301(clientID=world.a.client_id, resources=[_resource301("r1"), _resource301("r2")])
    )
    r1, r2 = ven["resources"]
    r3 = world.bl.create("/resources", b.resource_by_bl(ven["id"], "r3"))  # made through 3.1.0
    # resources absent (or null): untouched
    kept = world.bl1.put(f"/vens/{ven['id']}", _ven301(clientID=world.a.client_id, resources=None)).get_json()
    assert [r["resourceName"] for r in kept["resources"]] == ["r1", "r2", "r3"]
    # an array: r2 updated in place, r4 created, r1 and r3 (3.1.0's) deleted
    wanted = [_resource301("r2", attributes=[{"type": "X", "values": [1]}]), _resource301("r4")]
    synced = world.bl1.put(f"/vens/{ven['id']}", _ven301(resources=wanted)).get_json()
    assert _written(synced)["resources"] == wanted
    assert synced["resources"][0]["id"] == r2["id"]
    assert world.bl.get(f"/resources/{r1['id']}").status_code == 404
    assert world.bl.get(f"/resources/{r3['id']}").status_code == 404
    assert world.bl.get(f"/vens/{ven['id']}").get_json()["clientID"] == world.a.client_id
    # an empty array deletes them all
    emptied = world.bl1.put(f"/vens/{ven['id']}", _ven301(resources=[])).get_json()
    assert "resources" not in emptied
    assert world.bl.get("/resources", query={"venID": ven["id"]}).get_json() == []


def test_duplicate_resource_names_are_400(world):
    response = world.bl1.post("/vens", _ven301(resources=[_resource301("r"), _resource301("r")]))
    assert response.status_code == 400
    assert world.bl1.get("/vens").get_json() == []


def test_310_ven_and_resources_read_nested_in_301(world):
    ven = world.bl.create("/vens", b.ven_by_bl(world.a.client_id, "ven-310", targets=["fleet-a", "VEN_NAME:x"]))
    resource = world.bl.create("/resources", b.resource_by_bl(ven["id"], "meter", targets=["SERVICE_AREA:9"]))
    seen = world.a1.get(f"/vens/{ven['id']}").get_json()
    assert seen["targets"] == [{"type": "GROUP", "values": ["fleet-a"]}, {"type": "VEN_NAME", "values": ["x"]}]
    assert seen["resources"] == [
        {
            "id": resource["id"],
            "createdDateTime": resource["createdDateTime"],
            "modificationDateTime": resource["modificationDateTime"],
            "objectType": "RESOURCE",
            "resourceName": "meter",
            "venID": ven["id"],
            "targets": [{"type": "SERVICE_AREA", "values": ["9"]}],
        }
    ]


def test_ven_callers_targets_are_ignored_and_grants_kept(world):
    own = world.a1.create("/vens", _ven301("mine", targets=TARGETS, resources=[_resource301("r", targets=TARGETS)]))
    assert "targets" not in own and "targets" not in own["resources"][0]
    assert world.bl.get(f"/vens/{own['id']}").get_json()["clientID"] == world.a.client_id
    world.bl1.put(
        f"/vens/{own['id']}", _ven301("mine", targets=TARGETS, resources=[_resource301("r", targets=TARGETS)])
    )
    forged = [{"type": "GROUP", "values": ["fleet-b"]}]
    after = world.a1.put(
        f"/vens/{own['id']}", _ven301("mine", targets=forged, resources=[_resource301("r", targets=forged)])
    )
    assert after.get_json()["targets"] == TARGETS
    assert after.get_json()["resources"][0]["targets"] == TARGETS


def test_vens_query(world):
    one = world.bl1.create("/vens", _ven301("one", targets=[{"type": "SERVICE_AREA", "values": ["1"]}]))
    two = world.bl1.create("/vens", _ven301("two", targets=[{"type": "GROUP", "values": ["1"]}]))
    assert _ids(world.bl1.get("/vens", query={"venName": "two"})) == [two["id"]]
    assert _ids(world.bl1.get("/vens", query={"targetType": "SERVICE_AREA", "targetValues": "1"})) == [one["id"]]
    assert _ids(world.bl1.get("/vens", query={"targetValues": "1"})) == [two["id"]]  # GROUP by default
    assert _ids(world.bl1.get("/vens", query={"skip": 1, "limit": 1})) == [two["id"]]


def test_ven_resources_path(world):
    ven = world.a1.create("/vens", _ven301("a-ven"))
    other = world.a1.create("/vens", _ven301("a-other", resources=[_resource301("elsewhere")]))
    elsewhere = other["resources"][0]["id"]
    path = f"/vens/{ven['id']}/resources"
    created = world.a1.create(path, {"resourceName": "r1", "venID": other["id"], "attributes": None})  # venID ignored
    assert created["venID"] == ven["id"] and _written(created) == {"resourceName": "r1", "venID": ven["id"]}
    granted = world.bl1.create(path, _resource301("r2", targets=TARGETS))
    assert _written(granted) == {"resourceName": "r2", "venID": ven["id"], "targets": TARGETS}
    assert _ids(world.a1.get(path)) == [created["id"], granted["id"]]
    assert _ids(world.a1.get(path, query={"resourceName": "r2"})) == [granted["id"]]
    assert _ids(world.a1.get(path, query={"targetType": "SERVICE_AREA", "targetValues": "7"})) == [granted["id"]]
    assert world.a1.get(f"{path}/{created['id']}").get_json() == created
    assert world.a1.get(f"{path}/{elsewhere}").status_code == 404  # a resource of another ven
    assert world.a1.put(f"{path}/{elsewhere}", _resource301("x")).status_code == 404
    assert world.a1.delete(f"{path}/{elsewhere}").status_code == 404
    replaced = world.a1.put(f"{path}/{granted['id']}", _resource301("r2b", targets=[])).get_json()
    assert replaced["resourceName"] == "r2b" and replaced["targets"] == TARGETS  # a VEN keeps BL's grants
    assert world.a1.delete(f"{path}/{created['id']}").get_json()["id"] == created["id"]
    assert _ids(world.a1.get(path)) == [granted["id"]]
    assert world.a1.get("/vens/no-such-ven/resources").status_code == 404
    assert world.a1.post("/vens/no-such-ven/resources", _resource301("x")).status_code == 404


def test_delete_ven_returns_it_with_its_resources(world):
    ven = world.a1.create("/vens", _ven301("gone", resources=[_resource301("r")]))
    deleted = world.a1.delete(f"/vens/{ven['id']}")
    assert deleted.status_code == 200 and deleted.get_json() == ven
    assert world.bl.get("/resources").get_json() == []
    assert world.a1.get(f"/vens/{ven['id']}").status_code == 404


def _event(world, **overrides) -> dict:
    program = world.bl.create("/programs", b.program())
    return world.bl.create("/events", b.event(program["id"], **overrides))


def _report301(event: dict, client_name="fleet-a", **extra) -> dict:
    body = b.report(event["id"], client_name=client_name)
    return {"programID": event["programID"], **body, **extra}


def test_report_round_trips_with_program_id(world):
    event = _event(world)
    descriptors = [{"payloadType": "USAGE", "readingType": "DIRECT_READ", "units": "KWH"}]
    body = _report301(event, payloadDescriptors=descriptors)
    created = world.a1.create("/reports", body)
    typed = [d | {"objectType": "REPORT_PAYLOAD_DESCRIPTOR"} for d in descriptors]  # typed, as on 3.1.0
    assert _written(created) == body | {"payloadDescriptors": typed}
    assert world.a1.get(f"/reports/{created['id']}").get_json() == created
    assert world.a1.get("/reports").get_json() == [created]
    in310 = world.a.get(f"/reports/{created['id']}").get_json()
    assert "programID" not in in310 and in310["clientID"] == world.a.client_id
    replaced = world.a1.put(f"/reports/{created['id']}", body | {"reportName": "again"}).get_json()
    assert replaced["reportName"] == "again" and replaced["programID"] == event["programID"]
    assert world.a1.delete(f"/reports/{created['id']}").get_json() == replaced
    assert world.a1.get("/reports").get_json() == []


def test_report_program_id_must_be_the_events(world):
    event, other = _event(world), _event(world)
    response = world.a1.post("/reports", _report301(event, programID=other["programID"]))
    assert response.status_code == 400
    assert "does not match" in response.get_json()["detail"]
    missing = _report301(event)
    del missing["programID"]
    assert world.a1.post("/reports", missing).status_code == 400
    created = world.a1.create("/reports", _report301(event))
    assert world.a1.put(f"/reports/{created['id']}", _report301(event, programID=other["programID"])).status_code == 400
    assert world.bl.get("/reports").get_json()[0]["id"] == created["id"]


def test_310_report_reads_in_301_with_program_and_periods(world):
    event = _event(world)
    report = b.report(event["id"])
    report["resources"][0]["intervalPeriod"] = {"start": "2026-07-01T17:00:00Z"}
    report["resources"][0]["intervals"][0]["intervalPeriod"] = {"duration": "PT5M"}
    created = world.a.create("/reports", report)
    seen = world.a1.get(f"/reports/{created['id']}").get_json()
    assert seen["programID"] == event["programID"] and "clientID" not in seen
    resource = seen["resources"][0]
    assert resource["intervalPeriod"] == {"start": "2026-07-01T17:00:00Z", "duration": "PT0S"}
    assert resource["intervals"][0]["intervalPeriod"] == {"start": "0001-01-01T00:00:00Z", "duration": "PT5M"}
    assert "intervalPeriod" not in resource["intervals"][1]


def test_reports_query(world):
    event, other = _event(world), _event(world)
    one = world.a1.create("/reports", _report301(event, client_name="c1"))
    two = world.a1.create("/reports", _report301(other, client_name="c2"))
    assert _ids(world.bl1.get("/reports", query={"programID": other["programID"]})) == [two["id"]]
    assert _ids(world.bl1.get("/reports", query={"eventID": event["id"]})) == [one["id"]]
    assert _ids(world.bl1.get("/reports", query={"clientName": "c2"})) == [two["id"]]
    assert _ids(world.bl1.get("/reports", query={"skip": 1, "limit": 1})) == [two["id"]]


def test_another_ven_neither_sees_nor_changes_vens_resources_reports(world):
    ven = world.a1.create("/vens", _ven301("a-ven", resources=[_resource301("r")]))
    resource = ven["resources"][0]
    report = world.a1.create("/reports", _report301(_event(world)))
    thief = world.b1
    assert _ids(thief.get("/vens")) == [] and _ids(thief.get("/reports")) == []
    for path, body in (
        (f"/vens/{ven['id']}", _ven301("stolen")),
        (f"/vens/{ven['id']}/resources/{resource['id']}", _resource301("stolen")),
        (f"/reports/{report['id']}", _report301(_event(world))),
    ):
        assert thief.get(path).status_code == 404
        assert thief.put(path, body).status_code == 404
        assert thief.delete(path).status_code == 404
    assert thief.get(f"/vens/{ven['id']}/resources").status_code == 404
    assert thief.post(f"/vens/{ven['id']}/resources", _resource301("planted")).status_code == 404
    assert world.a1.get(f"/vens/{ven['id']}").get_json() == ven
    assert world.a1.get(f"/reports/{report['id']}").get_json() == report
    assert _ids(world.bl1.get("/vens")) == [ven["id"]] and _ids(world.bl1.get("/reports")) == [report["id"]]


def test_sync_records_one_change_per_resource_and_the_ven(world, app):
    ven = world.bl1.create("/vens", _ven301(resources=[_resource301("r1"), _resource301("r2")]))
    world.bl1.put(f"/vens/{ven['id']}", _ven301(resources=[_resource301("r2"), _resource301("r3")]))
    with app.extensions["vtn"].db.transaction() as conn:
        rows = conn.execute("SELECT object_type, operation FROM change ORDER BY seq").fetchall()
    assert [(r["object_type"], r["operation"]) for r in rows] == [
        ("VEN", "CREATE"),
        ("RESOURCE", "CREATE"),
        ("RESOURCE", "CREATE"),
        ("VEN", "UPDATE"),
        ("RESOURCE", "DELETE"),
        ("RESOURCE", "UPDATE"),
        ("RESOURCE", "CREATE"),
    ]


def test_duplicate_ven_name_is_409(world):
    world.bl1.create("/vens", _ven301("same"))
    assert world.bl1.post("/vens", _ven301("same")).status_code == 409
