"""The basic BL + VEN flow through every collection."""

from . import builders as b


def test_bl_and_ven_flow(bl, ven):
    program = bl.create("/programs", b.program(targets=["feeder-7"]))
    ven_obj = bl.create("/vens", b.ven_by_bl(ven.client_id, targets=["feeder-7"]))
    event = bl.create("/events", b.event(program["id"], targets=["feeder-7"]))
    seen = ven.get("/events").get_json()
    assert [e["id"] for e in seen] == [event["id"]]
    report = ven.create("/reports", b.report(event["id"]))
    assert report["clientID"] == ven.client_id
    assert bl.get(f"/reports/{report['id']}").get_json()["id"] == report["id"]
    resource = ven.create("/resources", b.resource_by_ven(ven_obj["id"]))
    assert resource["clientID"] == ven.client_id
    sub = ven.create("/subscriptions", b.subscription())
    assert sub["clientID"] == ven.client_id
