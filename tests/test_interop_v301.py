"""Interoperability across versions: one 3.1.0 BL event reaches a 3.1.0 VEN and two 3.0.1 VENs, each through an
independent client library, against a real `vtn serve`; all three report and the BL reads every report.

- BL and the 3.1.0 VEN: python-oa3-client (PyPI) at /openadr3/3.1.0.
- 3.0.1 VEN 1: ElaadNL's openadr3-client 2.4.2 in OADR_301 mode (own venv, Python >= 3.12; HTTP Basic at the 3.0.1
  token URL, explicit nulls, strict pydantic answers): tests/interop/elaad301_flow.py.
- 3.0.1 VEN 2: toadr3 (PyPI, prelectai), in process: credentials and scope `read_all` in the form body.
"""

import asyncio
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import toadr3
import yaml
from jsonschema import Draft4Validator
from openadr3 import coerce
from openadr3_client import BlClient, VenClient
from toadr3.models import Interval, IntervalPeriod, Report, ReportData, ValuesMap

from .interop.venv import elaad_python
from .openapi301 import SCHEMA as YAML_301
from .served import add_client

ELAAD_VEN = Path(__file__).parent / "interop" / "elaad301_flow.py"


def test_one_event_reaches_ven_clients_of_both_versions(served, database_url):
    creds = {
        role: add_client(database_url, kind, name)
        for role, kind, name in (
            ("bl", "bl", "utility DR system"),
            ("v310", "ven", "automaker A"),
            ("elaad", "ven", "automaker B"),
            ("toadr3", "ven", "automaker C"),
        )
    }
    bl = BlClient(url=served.api, client_id=creds["bl"]["client_id"], client_secret=creds["bl"]["client_secret"])
    bl.start()
    try:
        event = _publish(bl, [creds[name]["client_id"] for name in ("v310", "elaad", "toadr3")])
        reports = {
            "v310": _report_310(served, creds["v310"], event),
            "elaad": _report_elaad(served, creds["elaad"], event),
            "toadr3": asyncio.run(_report_toadr3(served, creds["toadr3"], event)),
        }
        seen = {(r.id, r.client_id) for r in bl.reports(eventID=event.id)}
        assert seen == {(reports[name], creds[name]["client_id"]) for name in reports}
    finally:
        bl.stop()
    through_301 = _get(served, creds["bl"], f"/openadr3/3.0.1/reports?eventID={event.id}")
    assert not list(_reports_301().iter_errors(through_301))
    assert {r["id"]: r["programID"] for r in through_301} == {report: event.program_id for report in reports.values()}
    assert {r["clientName"] for r in through_301} == {"automaker-a", "automaker-b", "automaker-c"}


def _publish(bl, ven_client_ids: list[str]):
    """BL (3.1.0): a program, one ven object per VEN client granted `fleet-a`, and one event for `fleet-a`."""
    program = coerce(_ok(bl.create_program({"programName": "ev-peak", "targets": ["fleet-a"]})))
    for number, client_id in enumerate(ven_client_ids):
        body = {"objectType": "BL_VEN_REQUEST", "venName": f"ven-{number}", "clientID": client_id}
        _ok(bl.create_ven({**body, "targets": ["fleet-a"]}))
    start = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return coerce(
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


def _report_310(served, creds: dict, event) -> str:
    """The 3.1.0 VEN (python-oa3-client) finds the event by target and reports; returns the report id."""
    ven = VenClient(url=served.api, client_id=creds["client_id"], client_secret=creds["client_secret"]).start()
    try:
        assert [e.id for e in ven.events(targets=["fleet-a"])] == [event.id]
        body = {"eventID": event.id, "clientName": "automaker-a", "resources": [_resource("charger-310", 2.5)]}
        return coerce(_ok(ven.create_report(body))).id
    finally:
        ven.stop()


def _report_elaad(served, creds: dict, event) -> str:
    """The 3.0.1 VEN on ElaadNL's library, in its own venv; returns the report id it printed."""
    args = [served.base, event.id, creds["client_id"], creds["client_secret"], "automaker-b"]
    done = subprocess.run([elaad_python(), str(ELAAD_VEN), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1]


async def _report_toadr3(served, creds: dict, event) -> str:
    """The 3.0.1 VEN on toadr3: token for read_all + write_reports, events by GROUP target, a report with programID."""
    base = f"{served.base}/openadr3/3.0.1"
    oauth = toadr3.OAuthScopeConfig(
        token_url=f"{base}/auth/token",
        grant_type="client_credentials",
        scope="read_all write_reports",  # a token grants only what it asks for
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
    )
    async with toadr3.ToadrClient(vtn_url=base, oauth_config=oauth) as client:
        events = await client.get_events(target_type="GROUP", target_values=["fleet-a"])
        assert [(e.id, e.program_id) for e in events] == [(event.id, event.program_id)]
        assert [(t.type, t.values) for t in events[0].targets] == [("GROUP", ["fleet-a"])]
        start = datetime.now(UTC).replace(microsecond=0)
        report = Report(
            program_id=event.program_id,
            event_id=event.id,
            client_name="automaker-c",
            resources=[
                ReportData(
                    resource_name="charger-toadr3",
                    interval_period=IntervalPeriod(start=start, duration="PT15M"),  # it parses strings only
                    intervals=[Interval(id=0, payloads=[ValuesMap(type="USAGE", values=[4.5])])],
                )
            ],
        )
        created = await client.post_report(report)
        assert (created.program_id, created.event_id) == (event.program_id, event.id)
        # The other VENs reported first; a VEN reads only its own reports on the 3.0.1 path too.
        assert [r.id for r in await client.get_reports(event_id=event.id)] == [created.id]
        return created.id


def _resource(name: str, value: float) -> dict:
    start = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "resourceName": name,
        "intervalPeriod": {"start": start, "duration": "PT15M"},
        "intervals": [{"id": 0, "payloads": [{"type": "USAGE", "values": [value]}]}],
    }


def _get(served, creds: dict, path: str):
    response = requests.get(served.base + path, headers={"Authorization": f"Bearer {served.token(creds)}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _reports_301() -> Draft4Validator:
    """The 3.0.1 YAML's answer to GET /reports: an array of report (which requires programID)."""
    components = yaml.safe_load(YAML_301.read_text())["components"]
    return Draft4Validator(
        {"type": "array", "items": {"$ref": "#/components/schemas/report"}, "components": components}
    )


def _ok(response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()
