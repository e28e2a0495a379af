"""Load-shed verification with known answers: a synthetic fleet, hand-computed baseline, shed and compliance.

The fleet: 50 vehicles charging at 7 kW each (1.75 kWh per 15 minutes). History: the 10 weekdays before the
event (1-14 July 2026 less two weekends), charging 17:00-19:00 UTC, reported through a telemetry program;
a weekend day at a silly 100 kW per vehicle must be ignored. The event, Wednesday 15 July 17:00-19:00, pauses
charging (IMPORT_CAPACITY_LIMIT 0) and the fleet reports 0 kWh every 15 minutes.

By hand: baseline = 50 x 7 = 350 kW for 2 h = 700 kWh; measured 0; shed 700 kWh; max shed 350 kW; compliant;
per vehicle 14 kWh and 7 kW. Every report carries the same 8 intervals of 50 resources.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from . import builders as b

VEHICLES = 50
HISTORY = [date(2026, 7, d) for d in (1, 2, 3, 6, 7, 8, 9, 10, 13, 14)]
WEEKEND = date(2026, 7, 11)
EVENT_DAY = date(2026, 7, 15)


def _report(event_id: str, day: date, kwh: float, start: str = "17:00:00", intervals: int = 8, quality=None):
    resources = []
    for n in range(VEHICLES):
        rows = []
        for i in range(intervals):
            payloads = [{"type": "USAGE", "values": [kwh]}]
            if quality and n == 0 and i == 3:
                payloads = [{"type": "USAGE", "values": [0]}, {"type": "DATA_QUALITY", "values": [quality]}]
            rows.append({"id": i, "payloads": payloads})
        resources.append(
            {
                "resourceName": f"vehicle-{n:02d}",
                "intervalPeriod": {"start": f"{day.isoformat()}T{start}Z", "duration": "PT15M"},
                "intervals": rows,
            }
        )
    return b.report(event_id, payloadDescriptors=[{"payloadType": "USAGE", "units": "KWH"}], resources=resources)


@pytest.fixture
def fleet(bl, ven):
    """The programs, the fleet's ven, its history and the paused event with its report."""
    dr = bl.create("/programs", b.program("ev-peak", targets=["fleet-a"]))
    telemetry = bl.create("/programs", b.program("telemetry", targets=["fleet-a"]))
    bl.create("/vens", b.ven_by_bl(ven.client_id, name="automaker-a", targets=["fleet-a"]))
    meter = bl.create(
        "/events",
        b.event(
            telemetry["id"], targets=["fleet-a"], intervalPeriod={"start": "2026-06-01T00:00:00Z", "duration": "P60D"}
        ),
    )
    for day in HISTORY:
        ven.create("/reports", _report(meter["id"], day, 1.75))
        ven.create("/reports", _report(meter["id"], day, 1.75, start="16:00:00", intervals=4))
    ven.create("/reports", _report(meter["id"], WEEKEND, 25.0))
    event = bl.create(
        "/events",
        b.event(
            dr["id"],
            targets=["fleet-a"],
            intervalPeriod={"start": "2026-07-15T17:00:00Z", "duration": "PT2H"},
            intervals=[{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [0]}]}],
        ),
    )
    ven.create("/reports", _report(event["id"], EVENT_DAY, 1.75, start="16:00:00", intervals=4))
    return {"program": dr, "event": event, "meter": meter}


def _verify(party, event_id: str) -> dict:
    response = party.http.get(
        f"/vtn/v1/events/{event_id}/verification", headers={"Authorization": f"Bearer {party.token}"}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _openssl_verifies(key, path, signature) -> bool:
    """The documented offline check: openssl pkeyutl -verify with the export public key."""
    check = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(key), "-rawin", "-in", str(path),
             "-sigfile", str(signature)]  # fmt: skip
    return subprocess.run(check, capture_output=True).returncode == 0


def _set(bl, program_id: str, settings: dict) -> None:
    response = bl.http.put(
        f"/vtn/v1/programs/{program_id}/verification", json=settings, headers={"Authorization": f"Bearer {bl.token}"}
    )
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    "settings", [{"baseline": "X_OF_Y", "x": 10, "y": 10}, {"baseline": "WINDOW", "windowMinutes": 60}]
)
def test_paused_fleet_sheds_700_kwh(bl, ven, parties, fleet, settings):
    _set(bl, fleet["program"]["id"], settings)
    ven.create("/reports", _report(fleet["event"]["id"], EVENT_DAY, 0.0))
    result = _verify(parties("auditor"), fleet["event"]["id"])
    [fleet_ven] = result["vens"]
    assert fleet_ven["clientID"] == ven.client_id and fleet_ven["venName"] == "automaker-a"
    assert fleet_ven["baselineKWh"] == pytest.approx(700)
    assert fleet_ven["measuredKWh"] == pytest.approx(0)
    assert fleet_ven["shedKWh"] == pytest.approx(700)
    assert fleet_ven["maxShedKW"] == pytest.approx(350)
    assert fleet_ven["compliant"] is True and fleet_ven["completeness"] == 1
    vehicle = fleet_ven["resources"][0]
    assert (vehicle["shedKWh"], vehicle["maxShedKW"]) == (pytest.approx(14), pytest.approx(7))
    assert [s["baselineKW"] for s in vehicle["slots"]] == [pytest.approx(7)] * 8
    assert result["shedKWh"] == pytest.approx(700)


def test_charging_through_the_pause_is_not_compliant(bl, ven, parties, fleet):
    ven.create("/reports", _report(fleet["event"]["id"], EVENT_DAY, 0.5))  # 2 kW per vehicle
    [fleet_ven] = _verify(parties("auditor"), fleet["event"]["id"])["vens"]
    assert fleet_ven["compliant"] is False
    assert fleet_ven["shedKWh"] == pytest.approx(50 * (7 - 2) * 2)


def test_missing_data_is_reported_not_zero_filled(bl, ven, parties, fleet):
    ven.create("/reports", _report(fleet["event"]["id"], EVENT_DAY, 0.0, quality="MISSING"))
    [fleet_ven] = _verify(parties("auditor"), fleet["event"]["id"])["vens"]
    vehicle = fleet_ven["resources"][0]
    assert vehicle["completeness"] == pytest.approx(7 / 8) and vehicle["dataQuality"] == "INCOMPLETE"
    assert vehicle["slots"][3]["measuredKW"] is None and vehicle["slots"][3]["shedKW"] is None
    assert vehicle["shedKWh"] == pytest.approx(7 * 0.25 * 7)  # the 7 complete slots only
    assert fleet_ven["completeness"] == pytest.approx(7 / 8)


def test_reported_baseline(bl, ven, parties, fleet):
    _set(bl, fleet["program"]["id"], {"baseline": "REPORTED"})
    report = _report(fleet["event"]["id"], EVENT_DAY, 0.0)
    for resource in report["resources"]:
        for interval in resource["intervals"]:
            interval["payloads"].append({"type": "BASELINE", "values": [1.5]})
    report["payloadDescriptors"].append({"payloadType": "BASELINE", "units": "KWH"})
    ven.create("/reports", report)
    [fleet_ven] = _verify(parties("auditor"), fleet["event"]["id"])["vens"]
    assert fleet_ven["shedKWh"] == pytest.approx(50 * 1.5 * 8)


def test_signed_settlement_file_verifies_offline(bl, ven, parties, fleet, tmp_path):
    ven.create("/reports", _report(fleet["event"]["id"], EVENT_DAY, 0.0))
    auditor = parties("auditor")
    auth = {"Authorization": f"Bearer {auditor.token}"}
    query = {"since": "2026-07-01T00:00:00Z", "until": "2026-08-01T00:00:00Z"}
    response = auditor.http.get(
        f"/vtn/v1/programs/{fleet['program']['id']}/settlement", query_string=query, headers=auth
    )
    assert response.status_code == 200, response.data[:300]
    [row] = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert (row["eventID"], row["clientID"], float(row["shedKWh"])) == (fleet["event"]["id"], ven.client_id, 700)
    keys = auditor.http.get("/vtn/v1/keys/export").get_json()["keys"]
    [key] = [k for k in keys if k["kid"] == response.headers["X-VTN-Key-ID"]]
    (tmp_path / "key.pem").write_text(key["publicKeyPem"])
    (tmp_path / "s.csv").write_bytes(response.data)
    (tmp_path / "s.csv.sig").write_bytes(base64.b64decode(response.headers["X-VTN-Signature"]))
    assert _openssl_verifies(tmp_path / "key.pem", tmp_path / "s.csv", tmp_path / "s.csv.sig")
    per_resource = auditor.http.get(
        f"/vtn/v1/programs/{fleet['program']['id']}/settlement",
        query_string=query | {"format": "json", "perResource": "true"},
        headers=auth,
    )
    assert len(json.loads(per_resource.data)["rows"]) == VEHICLES


def test_settings_are_validated_and_bl_only(bl, ven, fleet):
    url = f"/vtn/v1/programs/{fleet['program']['id']}/verification"
    bad = bl.http.put(url, json={"baseline": "GUESS"}, headers={"Authorization": f"Bearer {bl.token}"})
    assert bad.status_code == 400
    zone = bl.http.put(
        url, json={"baseline": "WINDOW", "timezone": "Mars/Base"}, headers={"Authorization": f"Bearer {bl.token}"}
    )
    assert zone.status_code == 400
    assert (
        ven.http.put(url, json={"baseline": "WINDOW"}, headers={"Authorization": f"Bearer {ven.token}"}).status_code
        == 403
    )
    assert (
        ven.http.get(
            f"/vtn/v1/events/{fleet['event']['id']}/verification", headers={"Authorization": f"Bearer {ven.token}"}
        ).status_code
        == 403
    )


def test_cli_verify_event_prints_per_fleet_figures(bl, ven, fleet, database_url):
    from .served import vtn_command

    ven.create("/reports", _report(fleet["event"]["id"], EVENT_DAY, 0.0))
    lines = vtn_command(database_url, "verify", "event", fleet["event"]["id"]).splitlines()
    fleet_line = next(line.split("\t") for line in lines if line.startswith(ven.client_id))
    assert fleet_line[1:6] == ["automaker-a", "700.000", "0.000", "700.000", "0.000"]
    assert fleet_line[7:] == ["True", "1.000"]


def test_cli_settlement_export(bl, ven, fleet, database_url, tmp_path):
    from .served import vtn_command

    ven.create("/reports", _report(fleet["event"]["id"], EVENT_DAY, 0.0))
    out = tmp_path / "s.csv"
    vtn_command(
        database_url,
        "settlement",
        "export",
        "--program",
        fleet["program"]["id"],
        "--since",
        "2026-07-01T00:00:00Z",
        "--until",
        "2026-08-01T00:00:00Z",
        "--out",
        str(out),
    )
    key = tmp_path / "key.pem"
    vtn_command(database_url, "settlement", "public-key", "--out", str(key))
    assert _openssl_verifies(key, out, Path(f"{out}.sig"))
    assert "700" in out.read_text()


def test_v2g_export_against_an_export_request(bl, ven, parties, fleet):
    """The fleet is asked to export 3 kW per vehicle (150 kW) for the event; it exports 4 kW (1 kWh per 15 min).

    By hand: exported 50 x 4 kW x 2 h = 400 kWh; compliant (4 >= 3 per vehicle, 200 >= 150 per fleet is not
    what is checked: the request is per resource here); shed = 7 - (-4) = 11 kW per vehicle, 1100 kWh in all.
    """
    event = bl.create("/events", b.event(
        fleet["program"]["id"], targets=["fleet-a"],
        intervalPeriod={"start": "2026-07-15T17:00:00Z", "duration": "PT2H"},
        intervals=[{"id": 0, "payloads": [{"type": "EXPORT_CAPACITY", "values": [3]}]}]))  # fmt: skip
    report = ven.create("/reports", _report(event["id"], EVENT_DAY, -1.0))
    [fleet_ven] = _verify(parties("auditor"), event["id"])["vens"]
    assert fleet_ven["exportedKWh"] == pytest.approx(400)
    assert fleet_ven["compliant"] is True
    assert fleet_ven["shedKWh"] == pytest.approx(1100)
    ven.put(f"/reports/{report['id']}", _report(event["id"], EVENT_DAY, -0.5))  # corrected: 2 kW < 3 kW asked
    [fleet_ven] = _verify(parties("auditor"), event["id"])["vens"]
    assert fleet_ven["compliant"] is False
