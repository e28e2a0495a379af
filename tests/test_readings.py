"""The telemetry index: report intervals become time series in the report's own transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vtn.store import readings

from . import builders as b

T0 = "2026-07-01T17:00:00Z"


def _rows(app, report_id: str) -> list[dict]:
    with app.extensions["vtn"].db.transaction() as conn:
        return conn.execute(
            """SELECT resource_name, payload_type, interval_id, sub_interval, starts, ends, value, text_value,
                      reading_type, units, quality
               FROM reading WHERE report_id = %(id)s ORDER BY resource_name, payload_type, starts, sub_interval""",
            {"id": report_id},
        ).fetchall()


def _at(hh: int, mm: int) -> datetime:
    return datetime(2026, 7, 1, hh, mm, tzinfo=UTC)


def _setup(bl, ven):
    program = bl.create("/programs", b.program())
    bl.create("/vens", b.ven_by_bl(ven.client_id, targets=["fleet"]))
    return bl.create("/events", b.event(program["id"], targets=["fleet"]))


def test_intervals_timing_sub_intervals_descriptors_and_quality(app, bl, ven):
    event = _setup(bl, ven)
    report = ven.create("/reports", b.report(
        event["id"],
        payloadDescriptors=[{"payloadType": "USAGE", "readingType": "DIRECT_READ", "units": "KWH"}],
        resources=[
            {"resourceName": "charger-1", "intervalPeriod": {"start": T0, "duration": "PT15M"},
             "intervals": [
                 {"id": 0, "payloads": [{"type": "USAGE", "values": [1.5]}]},
                 {"id": 1, "payloads": [{"type": "USAGE", "values": [0]},
                                        {"type": "DATA_QUALITY", "values": ["MISSING"]}]},
                 {"id": 2, "intervalPeriod": {"start": "2026-07-01T18:00:00Z", "duration": "PT30M"},
                  "payloads": [{"type": "USAGE", "values": [2, 4]}]},
             ]},
        ],
    ))  # fmt: skip
    rows = _rows(app, report["id"])
    assert [(r["interval_id"], r["sub_interval"], r["starts"], r["ends"], r["value"], r["quality"]) for r in rows] == [
        (0, 0, _at(17, 0), _at(17, 15), 1.5, None),
        (1, 0, _at(17, 15), _at(17, 30), 0.0, "MISSING"),
        (2, 0, _at(18, 0), _at(18, 15), 2.0, None),
        (2, 1, _at(18, 15), _at(18, 30), 4.0, None),
    ]
    assert {(r["reading_type"], r["units"]) for r in rows} == {("DIRECT_READ", "KWH")}


def test_put_replaces_and_delete_removes_the_readings(app, bl, ven):
    event = _setup(bl, ven)
    report = ven.create("/reports", b.report(event["id"]))
    assert len(_rows(app, report["id"])) == 4
    corrected = b.report(event["id"])
    corrected["resources"][0]["intervals"] = [{"id": 0, "payloads": [{"type": "USAGE", "values": [9.0]}]}]
    ven.put(f"/reports/{report['id']}", corrected)
    assert [r["value"] for r in _rows(app, report["id"])] == [9.0]
    ven.delete(f"/reports/{report['id']}")
    assert _rows(app, report["id"]) == []


def test_series_reads_a_vens_time_series(app, bl, ven):
    event = _setup(bl, ven)
    ven.create("/reports", b.report(event["id"]))
    with app.extensions["vtn"].db.transaction() as conn:
        got = readings.series(conn, ven.client_id, "USAGE", _at(17, 15), _at(17, 45))
    assert [(r["starts"], r["value"]) for r in got] == [(_at(17, 15), 2.5), (_at(17, 30), 3.5)]


def test_non_numeric_values_and_untimed_intervals_are_kept_as_such(app, bl, ven):
    event = _setup(bl, ven)
    report = ven.create("/reports", b.report(event["id"], resources=[
        {"resourceName": "AGGREGATED_REPORT",
         "intervals": [{"id": 0, "payloads": [{"type": "STATUS", "values": ["ON"]}]}]},
    ]))  # fmt: skip
    [row] = _rows(app, report["id"])
    assert (row["starts"], row["ends"], row["value"], row["text_value"]) == (None, None, None, "ON")


def _extents(app) -> tuple[list, list]:
    with app.extensions["vtn"].db.transaction() as conn:
        spans = conn.execute(
            """SELECT resource_name, payload_type, first_start, last_start, first_end, last_end FROM reading_span
               ORDER BY resource_name, payload_type"""
        ).fetchall()
        keys = conn.execute("SELECT resource_name, payload_type, longest FROM reading_key ORDER BY 1, 2").fetchall()
    return [tuple(row.values()) for row in spans], [tuple(row.values()) for row in keys]


def test_usable_kw_and_the_extents_verification_reads_follow_the_readings(app, bl, ven):
    event = _setup(bl, ven)
    report = ven.create("/reports", b.report(
        event["id"],
        payloadDescriptors=[{"payloadType": "USAGE", "units": "Wh"}, {"payloadType": "DEMAND", "units": "MW"}],
        resources=[
            {"resourceName": "charger-1", "intervalPeriod": {"start": T0, "duration": "PT15M"},
             "intervals": [
                 {"id": 0, "payloads": [{"type": "USAGE", "values": [500]}, {"type": "DEMAND", "values": [0.002]}]},
                 {"id": 1, "payloads": [{"type": "USAGE", "values": [250]},
                                        {"type": "DATA_QUALITY", "values": ["BAD"]}]},
                 {"id": 2, "payloads": [{"type": "USAGE", "values": ["n/a"]}]},
             ]},
        ],
    ))  # fmt: skip
    with app.extensions["vtn"].db.transaction() as conn:
        kws = conn.execute("SELECT payload_type, kw FROM reading ORDER BY starts, payload_type").fetchall()
    # 500 Wh in a quarter hour is 2 kW, as is 0.002 MW; a BAD or non-numeric reading has no usable kW.
    assert [(row["payload_type"], row["kw"]) for row in kws] == [("DEMAND", 2.0), ("USAGE", 2.0), ("USAGE", None),
                                                                 ("USAGE", None)]  # fmt: skip
    quarter = timedelta(minutes=15)
    assert _extents(app) == (
        [("charger-1", "DEMAND", _at(17, 0), _at(17, 0), _at(17, 15), _at(17, 15)),
         ("charger-1", "USAGE", _at(17, 0), _at(17, 30), _at(17, 15), _at(17, 45))],
        [("charger-1", "DEMAND", quarter), ("charger-1", "USAGE", quarter)],
    )  # fmt: skip
    corrected = b.report(event["id"])
    corrected["resources"][0]["intervals"] = [
        {"id": 0, "intervalPeriod": {"start": "2026-07-01T18:00:00Z", "duration": "PT1H"},
         "payloads": [{"type": "USAGE", "values": [9.0]}]}
    ]  # fmt: skip
    ven.put(f"/reports/{report['id']}", corrected)
    spans, keys = _extents(app)
    assert spans == [("charger-1", "USAGE", _at(18, 0), _at(18, 0), _at(19, 0), _at(19, 0))]
    assert keys == [("charger-1", "DEMAND", quarter), ("charger-1", "USAGE", timedelta(hours=1))]  # only grows
    ven.delete(f"/reports/{report['id']}")
    assert _extents(app)[0] == []
