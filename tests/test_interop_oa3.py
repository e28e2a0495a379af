"""Interoperability: python-oa3-client (PyPI, on `openadr3`) drives a BL + VEN flow against `vtn serve`.

It discovers the token endpoint through GET /auth/server, sends credentials in the form body, parses
every object by objectType, and sends 3.0-era query parameters (targetType/targetValues) that the VTN
must ignore.
"""

from datetime import UTC, datetime, timedelta

from openadr3 import coerce
from openadr3_client import BlClient, VenClient

from .served import add_client


def test_bl_and_ven_flow(served, database_url):
    bl_creds = add_client(database_url, "bl", "utility DR system")
    ven_creds = add_client(database_url, "ven", "automaker A")
    bl = BlClient(url=served.api, client_id=bl_creds["client_id"], client_secret=bl_creds["client_secret"]).start()
    ven = VenClient(url=served.api, client_id=ven_creds["client_id"], client_secret=ven_creds["client_secret"]).start()
    try:
        program = coerce(_ok(bl.create_program({"programName": "ev-peak", "targets": ["fleet-a"]})))
        ven_obj = coerce(
            _ok(
                bl.create_ven(
                    {
                        "objectType": "BL_VEN_REQUEST",
                        "venName": "automaker-a",
                        "clientID": ven_creds["client_id"],
                        "targets": ["fleet-a"],
                    }
                )
            )
        )
        assert ven_obj.client_id == ven_creds["client_id"]
        start = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = coerce(
            _ok(
                bl.create_event(
                    {
                        "programID": program.id,
                        "eventName": "pause-charging",
                        "targets": ["fleet-a"],
                        "payloadDescriptors": [{"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "SIMPLE"}],
                        "intervalPeriod": {"start": start, "duration": "PT2H"},
                        "intervals": [{"id": 0, "payloads": [{"type": "SIMPLE", "values": [1]}]}],
                    }
                )
            )
        )
        assert [e.id for e in ven.events(targets=["fleet-a"])] == [event.id]
        assert [p.id for p in ven.programs()] == [program.id]
        assert ven.find_ven_by_name("automaker-a").id == ven_obj.id  # sends targetType/targetValues
        report = coerce(
            _ok(
                ven.create_report(
                    {
                        "eventID": event.id,
                        "clientName": "automaker-a",
                        "reportName": "fleet usage",
                        "resources": [
                            {
                                "resourceName": "charger-1",
                                "intervalPeriod": {"start": start, "duration": "PT15M"},
                                "intervals": [{"id": 0, "payloads": [{"type": "USAGE", "values": [2.5]}]}],
                            }
                        ],
                    }
                )
            )
        )
        reports = bl.reports(eventID=event.id)
        assert [(r.id, r.client_id) for r in reports] == [(report.id, ven_creds["client_id"])]
        assert bl.report(report.id).resources[0].intervals[0].payloads[0].values[0] == 2.5
        assert coerce(_ok(ven.delete_report(report.id))).id == report.id
    finally:
        bl.stop()
        ven.stop()


def _ok(response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()
