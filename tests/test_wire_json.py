"""List pages built by PostgreSQL (store/wire_json.py) are the JSON the response schemas dump for one object."""

import pytest

from tests import builders

FULL_EVENT = {
    "eventName": "peak pause ✓",
    "priority": 2,
    "duration": "PT2H",
    "targets": ["feeder-1", "region-9"],
    "reportDescriptors": [{"payloadType": "USAGE", "readingType": "DIRECT_READ", "units": "KWH", "frequency": 4}],
    "payloadDescriptors": [{"payloadType": "IMPORT_CAPACITY_LIMIT", "units": "KW", "currency": "USD"}],
    "intervalPeriod": {"start": "2026-07-01T17:00:00.25Z", "duration": "PT15M", "randomizeStart": "PT5M"},
    "intervals": [
        {
            "id": 0,
            "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT30M"},
            "payloads": [
                {"type": "IMPORT_CAPACITY_LIMIT", "values": [0, 7.25, -1e-7, 12345678901234]},
                {"type": "X_LABELS", "values": ['a"b', "ünï", True, False]},
                {"type": "X_CURVE", "values": [{"x": 1.5, "y": -2}]},
            ],
        },
        {"id": 1, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": []}]},
    ],
}


@pytest.fixture
def events(bl, ven):
    """A program, a VEN granted feeder-1, and three events: bare, full, untargeted."""
    program = bl.post("/programs", json=builders.program()).get_json()
    bl.post("/vens", json=builders.ven_by_bl(ven.client_id, targets=["feeder-1"]))
    bare = {"programID": program["id"], "targets": ["feeder-1"]}
    for body in (bare, builders.event(program["id"], **FULL_EVENT), builders.event(program["id"])):
        assert bl.post("/events", json=body).status_code == 201


@pytest.mark.parametrize("role", ["bl", "ven"])
def test_event_page_equals_each_event_dumped(events, role, bl, ven):
    party = {"bl": bl, "ven": ven}[role]
    page = party.get("/events").get_json()
    assert len(page) == 3  # the untargeted event follows its public program
    for item in page:
        assert item == party.get(f"/events/{item['id']}").get_json()


def test_page_text_is_compact_json_array(events, bl):
    response = bl.get("/events", query={"limit": 0})
    assert response.mimetype == "application/json"
    assert response.get_json() == []
