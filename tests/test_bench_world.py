"""bench/world.py: a tiny world has the planned counts, stores what the API would, and the API reads it back."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row, tuple_row

from bench import world
from bench.world_sql import EVENT_KEYS
from vtn import create_app
from vtn.store.readings import readings_of
from vtn.timing import lifespan
from vtn.wire.events import EventRequest

from .conftest import Party, make_config

SIZE = world.WorldSize(vens=12, resources=60, events=60, readings=1_000, cohort=10)
_READING_COLUMNS = """report_id, client_id, event_id, program_id, resource_name, payload_type, interval_id,
    sub_interval, starts, ends, value, text_value, reading_type, units, quality"""


@pytest.fixture
def built(database_url):
    """The tiny world and an app on it."""
    built_world = world.build(database_url, SIZE, progress=lambda _line: None)
    app = create_app(make_config(database_url), migrate=False)
    yield built_world, app
    app.extensions["vtn"].db.close()


def test_counts(built):
    """Every client, vehicle and event is there; reports and readings as the shape plans them."""
    w, _app = built
    s = world.shape(SIZE)
    days = len(s.history_days) + 1
    assert days == 11 and s.cohort_vens == 2 and len(s.rebate_days) == 6
    assert w.counts["client"] == SIZE.vens + 2
    assert (w.counts["ven"], w.counts["resource"], w.counts["event"]) == (SIZE.vens, SIZE.resources, SIZE.events)
    assert w.counts["report"] == SIZE.vens * len(s.rebate_days) + s.cohort_vens * days
    assert w.counts["reading"] == SIZE.vens * len(s.rebate_days) * 12 + s.cohort_vens * s.per_ven * 96 * days


def test_rows_are_what_the_api_stores(built, database_url):
    """Each report's readings are exactly those vtn/store/readings.py derives; each event's lifespan is vtn.timing's."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        for report in conn.execute("SELECT * FROM report").fetchall():
            with conn.cursor(row_factory=tuple_row) as cur:
                cur.execute(f"SELECT {_READING_COLUMNS} FROM reading WHERE report_id = %s", (report["id"],))
                stored = cur.fetchall()
            assert sorted(stored) == sorted(readings_of(report))
        for event in conn.execute("SELECT * FROM event").fetchall():
            stored = {key: event[key] for key in EVENT_KEYS}
            request = {member: stored[key] for key, member in EVENT_KEYS.items() if stored[key] is not None}
            assert EventRequest().load(request) == stored | {"targets": stored["targets"] or None}
            starts, ends = lifespan(event["interval_period"], event["intervals"], event["duration"])
            assert (event["starts"].isoformat(), event["ends"].isoformat()) == (starts, ends)


def test_the_api_reads_the_world(built):
    """A VEN polls its events (target-hidden), BL lists reports, the auditor verifies with 10 baseline days."""
    w, app = built
    http = app.test_client()
    ven_of = w.vens[0]
    ven = Party(http, ven_of["client_id"], ven_of["secret"], "ven")
    bl = Party(http, w.bl["client_id"], w.bl["secret"], "bl")
    polled = ven.get("/events", query={"targets": ven_of["targets"]}).get_json()
    assert 0 < len(polled) <= 50
    assert all(set(event["targets"]) <= set(ven_of["targets"]) for event in polled)
    full = {event["id"]: bl.get(f"/events/{event['id']}").get_json()["targets"] for event in polled}
    assert any(len(full[event["id"]]) > len(event["targets"]) for event in polled)
    assert w.verification_event in {event["id"] for event in polled}
    reports = bl.get("/reports").get_json()
    assert len(reports) == 50
    usage = bl.get("/reports", query={"eventID": w.verification_event}).get_json()
    assert {report["clientID"] for report in usage} == {v["client_id"] for v in w.vens[:2]}
    auditor = Party(http, w.auditor["client_id"], w.auditor["secret"], "auditor")
    auth = {"Authorization": f"Bearer {auditor.token}"}
    result = http.get(f"/vtn/v1/events/{w.verification_event}/verification", headers=auth).get_json()
    # Vehicles only: the VENs' peak-rebate AGGREGATED_REPORTs (other days, other hours) show up without figures.
    vehicles = [r for v in result["vens"] for r in v["resources"] if r["resourceName"] != "AGGREGATED_REPORT"]
    assert len(vehicles) == 10 and all(r["completeness"] == 1.0 and r["shedKWh"] > 0 for r in vehicles)
    assert all(v["completeness"] == 1.0 for v in result["vens"])
    since, until = (moment.isoformat().replace("+00:00", "Z") for moment in w.month)
    query = {"since": since, "until": until, "format": "json"}
    settled = http.get(f"/vtn/v1/programs/{w.settlement_program}/settlement", query_string=query, headers=auth)
    rows = settled.get_json()["rows"]
    assert len(rows) == SIZE.vens * 6 and all(row["dataQuality"] == "COMPLETE" and row["shedKWh"] > 0 for row in rows)
