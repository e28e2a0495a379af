"""3.0.1 /programs and /events beside 3.1.0 on one store (docs/versions.md, "Programs" and "Events").

Every 3.0.1 response is checked against the 3.0.1 YAML by the party (tests/openapi301.py), every 3.1.0 one against
3.1.0.
"""

from __future__ import annotations

import pytest

from . import builders

PROGRAM_301 = {
    "programName": "ResTOU",
    "programLongName": "Residential Time of Use-A",
    "retailerName": "ACME",
    "retailerLongName": "ACME Electric Inc.",
    "programType": "PRICING_TARIFF",
    "country": "US",
    "principalSubdivision": "CO",
    "timeZoneOffset": "-PT7H",
    "intervalPeriod": {"start": "2026-07-01T00:00:00Z", "duration": "P1D"},
    "programDescriptions": [{"URL": "https://example.com/restou"}],
    "bindingEvents": True,
    "localPrice": False,
    "payloadDescriptors": [
        {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "PRICE", "units": "KWH", "currency": "USD"}
    ],
    "targets": [
        {"type": "GROUP", "values": ["fleet-a"]},
        {"type": "GROUP", "values": ["fleet-b"]},  # split: kept exactly
        {"type": "POWER_SERVICE_LOCATION", "values": [5, "PSL-9"]},  # a number: kept exactly
    ],
}
ATTRIBUTES_310 = [
    {"type": "PROGRAM_LONG_NAME", "values": ["Residential Time of Use-A"]},
    {"type": "RETAILER_NAME", "values": ["ACME"]},
    {"type": "RETAILER_LONG_NAME", "values": ["ACME Electric Inc."]},
    {"type": "PROGRAM_TYPE", "values": ["PRICING_TARIFF"]},
    {"type": "COUNTRY", "values": ["US"]},
    {"type": "PRINCIPAL_SUBDIVISION", "values": ["CO"]},
    {"type": "BINDING_EVENTS", "values": [True]},
    {"type": "LOCAL", "values": [False]},
    {"type": "TIME_ZONE_OFFSET", "values": ["-PT7H"]},
]
PROVISIONED = ("id", "createdDateTime", "modificationDateTime", "objectType")


def _sent(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in PROVISIONED}


def _event_301(program_id: str, **overrides) -> dict:
    body = {
        "programID": program_id,
        "eventName": "price event",
        "priority": 1,
        "targets": [{"type": "GROUP", "values": ["fleet-a"]}, {"type": "VEN_NAME", "values": ["ven-7"]}],
        "reportDescriptors": [
            {
                "payloadType": "USAGE",
                "readingType": "DIRECT_READ",
                "units": "KWH",
                "targets": [{"type": "RESOURCE_NAME", "values": [1, "charger-1"]}],
                "aggregate": False,
                "startInterval": -1,
                "numIntervals": -1,
                "historical": True,
                "frequency": -1,
                "repeat": 1,
            }
        ],
        "payloadDescriptors": [{"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "PRICE", "units": "KWH"}],
        "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT1H", "randomizeStart": "PT5M"},
        "intervals": [
            {"id": 0, "payloads": [{"type": "PRICE", "values": [0.17]}]},
            {
                "id": 1,
                "intervalPeriod": {"start": "2026-07-01T18:00:00Z", "duration": "PT1H"},
                "payloads": [{"type": "PRICE", "values": [0.25]}],
            },
        ],
    }
    return body | overrides


@pytest.fixture
def bl301(bl):
    """BL speaking 3.0.1."""
    return bl.v301()


# --- programs ----------------------------------------------------------------------------------------------


def test_program_every_operation_and_exact_round_trip(bl, bl301):
    created = bl301.create("/programs", PROGRAM_301)
    assert created["objectType"] == "PROGRAM"
    assert _sent(created) == PROGRAM_301
    program_id = created["id"]
    assert _sent(bl301.get(f"/programs/{program_id}").get_json()) == PROGRAM_301
    assert [_sent(p) for p in bl301.get("/programs").get_json()] == [PROGRAM_301]

    changed = PROGRAM_301 | {"programLongName": "Renamed", "localPrice": None, "targets": None}
    replaced = bl301.put(f"/programs/{program_id}", changed)
    assert replaced.status_code == 200
    expected = {k: v for k, v in changed.items() if v is not None and k != "localPrice"} | {"targets": []}
    assert _sent(replaced.get_json()) == expected

    deleted = bl301.delete(f"/programs/{program_id}")
    assert deleted.status_code == 200 and deleted.get_json()["id"] == program_id
    assert bl301.get(f"/programs/{program_id}").status_code == 404
    assert bl301.put(f"/programs/{program_id}", PROGRAM_301).status_code == 404
    assert bl301.delete(f"/programs/{program_id}").status_code == 404


def test_program_status_codes_as_310(bl301):
    bl301.create("/programs", {"programName": "p"})
    assert bl301.post("/programs", {"programName": "p"}).status_code == 409
    assert bl301.post("/programs", {"programLongName": "no name"}).status_code == 400
    assert bl301.post("/programs", {"programName": "q", "timeZoneOffset": "7 hours"}).status_code == 400
    assert bl301.post("/programs", {"programName": "q", "bindingEvents": "yes"}).status_code == 400
    assert bl301.get("/programs/bad%20id").status_code == 400
    assert bl301.get("/programs", query={"limit": 51}).status_code == 400


def test_explicit_nulls_are_absent(bl301):
    nulls = {key: None for key in PROGRAM_301 if key != "programName"}
    created = bl301.create("/programs", {"programName": "nulls", **nulls})
    assert _sent(created) == {"programName": "nulls", "targets": []}


def test_301_program_reads_in_310_as_attributes(bl, bl301):
    created = bl301.create("/programs", PROGRAM_301)
    read = bl.get(f"/programs/{created['id']}").get_json()
    assert read["attributes"] == ATTRIBUTES_310
    assert read["targets"] == ["fleet-a", "fleet-b", "POWER_SERVICE_LOCATION:5", "POWER_SERVICE_LOCATION:PSL-9"]
    assert read["programName"] == "ResTOU" and read["payloadDescriptors"] == PROGRAM_301["payloadDescriptors"]


def test_310_attributes_read_in_301_as_fields(bl, bl301):
    attributes = ATTRIBUTES_310 + [
        {"type": "PRIVATE_X", "values": [1, 2]},
        {"type": "RETAILER_NAME", "values": ["second entry: ignored"]},
    ]
    attributes[2] = {"type": "RETAILER_LONG_NAME", "values": ["two", "values"]}  # not one value: not expressible
    created = bl.create(
        "/programs", builders.program("p310", attributes=attributes, targets=["fleet-a", "VEN_NAME:x", "b"])
    )
    read = bl301.get(f"/programs/{created['id']}").get_json()
    expected = {k: v for k, v in PROGRAM_301.items() if k in ("programLongName", "retailerName", "programType")}
    expected |= {k: PROGRAM_301[k] for k in ("country", "principalSubdivision", "bindingEvents", "localPrice")}
    expected |= {"timeZoneOffset": "-PT7H", "programName": "p310"}
    expected["targets"] = [{"type": "GROUP", "values": ["fleet-a", "b"]}, {"type": "VEN_NAME", "values": ["x"]}]
    assert _sent(read) == expected


def test_301_put_keeps_attribute_entries_301_cannot_express(bl, bl301):
    private = {"type": "PRIVATE_X", "values": [1, 2]}
    two = {"type": "RETAILER_LONG_NAME", "values": ["two", "values"]}
    created = bl.create("/programs", builders.program("keep", attributes=[private, two], targets=["fleet-a"]))
    replaced = bl301.put(f"/programs/{created['id']}", {"programName": "keep", "country": "NL"}).get_json()
    assert _sent(replaced) == {"programName": "keep", "country": "NL", "targets": []}
    read = bl.get(f"/programs/{created['id']}").get_json()
    # RETAILER_LONG_NAME is a 3.0.1 member: the 3.0.1 PUT (without it) replaced it.
    assert read["attributes"] == [private, {"type": "COUNTRY", "values": ["NL"]}]
    # A 3.1.0 PUT replaces everything again, and clears the exact 3.0.1 forms.
    bl.put(f"/programs/{created['id']}", builders.program("keep", targets=["fleet-a"]))
    assert "attributes" not in bl.get(f"/programs/{created['id']}").get_json()


def test_310_program_without_start_reads_with_the_now_sentinel(bl, bl301):
    created = bl.create("/programs", builders.program("nostart", intervalPeriod={"duration": "PT1H"}))
    read = bl301.get(f"/programs/{created['id']}").get_json()
    assert read["intervalPeriod"] == {"start": "0001-01-01T00:00:00Z", "duration": "PT1H"}
    created = bl.create("/programs", builders.program("noduration", intervalPeriod={"start": "2026-07-01T00:00:00Z"}))
    read = bl301.get(f"/programs/{created['id']}").get_json()
    assert read["intervalPeriod"] == {"start": "2026-07-01T00:00:00Z", "duration": "PT0S"}


def test_program_target_queries(bl301):
    bl301.create("/programs", PROGRAM_301)
    bl301.create("/programs", {"programName": "other", "targets": [{"type": "SERVICE_AREA", "values": ["fleet-a"]}]})

    def names(**q):
        response = bl301.get("/programs", query=q)
        assert response.status_code == 200
        return [p["programName"] for p in response.get_json()]

    assert names(targetType="GROUP", targetValues="fleet-a") == ["ResTOU"]
    assert names(targetValues="fleet-b") == ["ResTOU"]  # GROUP when no type is given
    assert names(targetType="SERVICE_AREA", targetValues="fleet-a") == ["other"]
    assert names(targetType="POWER_SERVICE_LOCATION", targetValues="5") == ["ResTOU"]
    assert names(targetType="GROUP", targetValues=["nothing", "fleet-a"]) == ["ResTOU"]
    assert names(targetType="GROUP") == ["ResTOU", "other"]  # a type without values filters nothing
    assert names(skip=1, limit=1) == ["other"]


# --- events ------------------------------------------------------------------------------------------------


def test_event_every_operation_and_exact_round_trip(bl301):
    program = bl301.create("/programs", {"programName": "p"})
    sent = _event_301(program["id"])
    created = bl301.create("/events", sent)
    assert created["objectType"] == "EVENT"
    assert _sent(created) == sent
    event_id = created["id"]
    assert _sent(bl301.get(f"/events/{event_id}").get_json()) == sent
    assert [_sent(e) for e in bl301.get("/events").get_json()] == [sent]

    changed = sent | {"eventName": "moved", "intervals": [], "reportDescriptors": None}
    replaced = bl301.put(f"/events/{event_id}", changed)
    assert replaced.status_code == 200
    assert _sent(replaced.get_json()) == {k: v for k, v in changed.items() if v is not None}

    assert bl301.delete(f"/events/{event_id}").get_json()["id"] == event_id
    assert bl301.get(f"/events/{event_id}").status_code == 404
    assert bl301.put(f"/events/{event_id}", sent).status_code == 404
    assert bl301.delete(f"/events/{event_id}").status_code == 404


def test_event_status_codes_as_310(bl301):
    program = bl301.create("/programs", {"programName": "p"})
    without_intervals = {k: v for k, v in _event_301(program["id"]).items() if k != "intervals"}
    assert bl301.post("/events", without_intervals).status_code == 400  # required in 3.0.1
    no_start = _event_301(program["id"], intervalPeriod={"duration": "PT1H"})
    assert bl301.post("/events", no_start).status_code == 400  # intervalPeriod.start is required in 3.0.1
    assert bl301.post("/events", _event_301("no-such-program")).status_code == 404
    too_long = _event_301(program["id"], targets=[{"type": "GROUP", "values": ["x" * 129]}])
    assert bl301.post("/events", too_long).status_code == 400
    assert bl301.delete(f"/programs/{program['id']}").status_code == 200


def test_301_event_reads_sensibly_in_310(bl, bl301):
    program = bl301.create("/programs", {"programName": "p"})
    created = bl301.create("/events", _event_301(program["id"]))
    read = bl.get(f"/events/{created['id']}").get_json()
    assert read["targets"] == ["fleet-a", "VEN_NAME:ven-7"]
    assert read["reportDescriptors"][0]["targets"] == ["RESOURCE_NAME:1", "RESOURCE_NAME:charger-1"]
    assert "duration" not in read


def test_310_event_reads_in_301(bl, bl301):
    program = bl.create("/programs", builders.program("p"))
    descriptor = {"payloadType": "USAGE", "targets": ["fleet-a", "VEN_NAME:x"], "reportIntervals": "INTERVALS"}
    created = bl.create(
        "/events",
        {
            "programID": program["id"],
            "duration": "PT2H",
            "targets": ["fleet-a", "VEN_NAME:x"],
            "reportDescriptors": [descriptor],
            "intervalPeriod": {"duration": "PT1H"},
        },
    )
    read = bl301.get(f"/events/{created['id']}").get_json()
    typed = [{"type": "GROUP", "values": ["fleet-a"]}, {"type": "VEN_NAME", "values": ["x"]}]
    assert _sent(read) == {
        "programID": program["id"],
        "targets": typed,
        "reportDescriptors": [{"payloadType": "USAGE", "targets": typed}],
        "intervalPeriod": {"start": "0001-01-01T00:00:00Z", "duration": "PT1H"},
        "intervals": [],
    }


def test_301_event_put_keeps_duration_and_report_intervals(bl, bl301):
    program = bl.create("/programs", builders.program("p"))
    event = builders.event(program["id"], duration="PT2H")
    event["reportDescriptors"] = [{"payloadType": "USAGE", "reportIntervals": "SUB_INTERVALS"}]
    created = bl.create("/events", event)
    sent = _event_301(program["id"])
    replaced = bl301.put(f"/events/{created['id']}", sent).get_json()
    assert _sent(replaced) == sent
    read = bl.get(f"/events/{created['id']}").get_json()
    assert read["duration"] == "PT2H"
    assert read["reportDescriptors"][0]["reportIntervals"] == "SUB_INTERVALS"
    bl.put(f"/events/{created['id']}", builders.event(program["id"]))  # a 3.1.0 PUT replaces all
    assert "duration" not in bl.get(f"/events/{created['id']}").get_json()


def test_event_queries(bl301):
    first = bl301.create("/programs", {"programName": "p1"})
    second = bl301.create("/programs", {"programName": "p2"})
    a = bl301.create("/events", _event_301(first["id"], eventName="a"))
    bl301.create("/events", _event_301(second["id"], eventName="b", targets=[{"type": "GROUP", "values": ["1"]}]))
    bl301.create("/events", _event_301(second["id"], eventName="c", targets=[{"type": "SERVICE_AREA", "values": [1]}]))

    def names(**q):
        response = bl301.get("/events", query=q)
        assert response.status_code == 200
        return [e["eventName"] for e in response.get_json()]

    assert names(programID=first["id"]) == ["a"]
    assert names(programID=second["id"]) == ["b", "c"]
    assert names(targetType="GROUP", targetValues="1") == ["b"]
    assert names(targetType="SERVICE_AREA", targetValues="1") == ["c"]
    assert names(targetType="VEN_NAME", targetValues="ven-7") == ["a"]
    assert names(programID=second["id"], targetValues="1") == ["b"]
    assert names(skip=2, limit=5) == ["c"]
    assert bl301.get("/events", query={"programID": "bad id"}).status_code == 400
    assert bl301.get(f"/events/{a['id']}").status_code == 200


# --- privacy and scopes ------------------------------------------------------------------------------------


def test_ven_sees_its_group_through_both_versions_with_other_targets_hidden(bl, bl301, ven, parties):
    bl.create("/vens", builders.ven_by_bl(ven.client_id, targets=["fleet-a"]))
    program = bl301.create("/programs", {"programName": "p"})
    targets = [{"type": "GROUP", "values": ["fleet-a", "fleet-b"]}, {"type": "SERVICE_AREA", "values": [9]}]
    event = bl301.create("/events", _event_301(program["id"], targets=targets))
    other = bl301.create("/events", _event_301(program["id"], targets=[{"type": "GROUP", "values": ["fleet-b"]}]))

    ven301 = ven.v301()
    listed = ven301.get("/events").get_json()
    assert [e["id"] for e in listed] == [event["id"]]
    assert listed[0]["targets"] == [{"type": "GROUP", "values": ["fleet-a"]}]
    assert ven301.get(f"/events/{event['id']}").get_json()["targets"] == [{"type": "GROUP", "values": ["fleet-a"]}]
    assert ven301.get(f"/events/{other['id']}").status_code == 404
    assert ven.get(f"/events/{event['id']}").get_json()["targets"] == ["fleet-a"]
    assert [e["id"] for e in ven.get("/events").get_json()] == [event["id"]]
    assert [e["id"] for e in ven301.get("/events", query={"targetValues": "fleet-a"}).get_json()] == [event["id"]]
    assert ven301.get("/events", query={"targetValues": "fleet-b"}).get_json() == []

    stranger = parties("ven", "automaker B").v301()
    assert stranger.get("/events").get_json() == []
    assert stranger.get(f"/events/{event['id']}").status_code == 404


def test_a_grant_of_another_type_unlocks_nothing(bl, bl301, ven):
    bl.create("/vens", builders.ven_by_bl(ven.client_id, targets=["SERVICE_AREA:1"]))
    program = bl301.create("/programs", {"programName": "p", "targets": [{"type": "GROUP", "values": ["1"]}]})
    event = bl301.create("/events", _event_301(program["id"], targets=[{"type": "GROUP", "values": ["1"]}]))
    ven301 = ven.v301()
    assert ven301.get("/events").get_json() == []
    assert ven301.get(f"/events/{event['id']}").status_code == 404
    assert ven301.get("/programs").get_json() == []
    assert ven301.get(f"/programs/{program['id']}").status_code == 404
    assert ven301.get("/events", query={"targetType": "GROUP", "targetValues": "1"}).get_json() == []


def test_ven_reads_programs_its_targets_allow(bl, bl301, ven):
    bl.create("/vens", builders.ven_by_bl(ven.client_id, targets=["fleet-a"]))
    program = bl301.create("/programs", PROGRAM_301)
    read = ven.v301().get(f"/programs/{program['id']}").get_json()
    assert read["targets"] == [{"type": "GROUP", "values": ["fleet-a"]}]
    assert read["programLongName"] == PROGRAM_301["programLongName"]


def test_ven_cannot_write_programs_or_events(bl301, ven):
    program = bl301.create("/programs", {"programName": "p"})
    event = bl301.create("/events", _event_301(program["id"]))
    ven301 = ven.v301()
    assert ven301.post("/programs", {"programName": "mine"}).status_code == 403
    assert ven301.put(f"/programs/{program['id']}", {"programName": "mine"}).status_code == 403
    assert ven301.delete(f"/programs/{program['id']}").status_code == 403
    assert ven301.post("/events", _event_301(program["id"])).status_code == 403
    assert ven301.put(f"/events/{event['id']}", _event_301(program["id"])).status_code == 403
    assert ven301.delete(f"/events/{event['id']}").status_code == 403


def test_event_explicit_nulls_are_absent(bl301):
    program = bl301.create("/programs", {"programName": "p"})
    sent = {
        "programID": program["id"],
        "eventName": None,
        "priority": None,
        "targets": None,
        "reportDescriptors": [{"payloadType": "USAGE", "readingType": None, "units": None, "targets": None}],
        "payloadDescriptors": None,
        "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": None, "randomizeStart": None},
        "intervals": [{"id": 0, "intervalPeriod": None, "payloads": [{"type": "PRICE", "values": [1]}]}],
    }
    created = bl301.create("/events", sent)
    assert _sent(created) == {
        "programID": program["id"],
        "targets": [],
        "reportDescriptors": [{"payloadType": "USAGE"}],
        "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT0S"},  # 3.0.1's default, documented
        "intervals": [{"id": 0, "payloads": [{"type": "PRICE", "values": [1]}]}],
    }


def test_301_writes_refresh_the_310_event_page_a_ven_reads(bl, bl301, ven):
    bl.create("/vens", builders.ven_by_bl(ven.client_id, targets=["fleet-a"]))
    program = bl301.create("/programs", {"programName": "p"})
    event = bl301.create("/events", _event_301(program["id"]))
    assert [e["eventName"] for e in ven.get("/events").get_json()] == ["price event"]
    bl301.put(f"/events/{event['id']}", _event_301(program["id"], eventName="renamed"))
    assert [e["eventName"] for e in ven.get("/events").get_json()] == ["renamed"]
    bl301.delete(f"/events/{event['id']}")
    assert ven.get("/events").get_json() == []
