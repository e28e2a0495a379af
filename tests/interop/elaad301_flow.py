"""A VEN with ElaadNL's openadr3-client (PyPI) in OpenADR 3.0.1 mode: find one event, report against it.

Runs in the ElaadNL virtual environment (tests/interop/venv.py; the library needs Python >= 3.12):
    python elaad301_flow.py HOST EVENT_ID VEN_ID VEN_SECRET CLIENT_NAME
HOST is the VTN's scheme://host:port; the client speaks to HOST/openadr3/3.0.1. Prints the new report's id;
any VTN answer the library rejects (strict pydantic models) raises.
"""

import os
import sys
from datetime import UTC, datetime, timedelta

os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the test VTN speaks plain HTTP on loopback

from openadr3_client._models.common.interval import Interval  # noqa: E402
from openadr3_client._models.common.interval_period import IntervalPeriod  # noqa: E402
from openadr3_client.oadr301._vtn.interfaces.filters import TargetFilter  # noqa: E402
from openadr3_client.oadr301.models.report.report import NewReport, ReportResource  # noqa: E402
from openadr3_client.oadr301.models.report.report_payload import ReportPayload, ReportPayloadType  # noqa: E402
from openadr3_client.ven.http_factory import VirtualEndNodeHttpClientFactory  # noqa: E402
from openadr3_client.version import OADRVersion  # noqa: E402

HOST, EVENT_ID, VEN_ID, VEN_SECRET, CLIENT_NAME = sys.argv[1:6]
BASE = f"{HOST}/openadr3/3.0.1"

# 3.0.1 mode has no /auth/server discovery: the token URL is given; credentials go as HTTP Basic.
ven = VirtualEndNodeHttpClientFactory.create_http_ven_client(
    vtn_base_url=BASE,
    client_id=VEN_ID,
    client_secret=VEN_SECRET,
    token_url=f"{BASE}/auth/token",
    version=OADRVersion.OADR_301,
)

seen = ven.events.get_events(
    target=TargetFilter(target_type="GROUP", target_values=["fleet-a"]), pagination=None, program_id=None
)
assert [e.id for e in seen] == [EVENT_ID], seen
event = seen[0]
assert [(t.type, tuple(t.values)) for t in event.targets] == [("GROUP", ("fleet-a",))], event.targets
assert ven.events.get_event_by_id(EVENT_ID).program_id == event.program_id

# No report payloadDescriptors: 2.4.2 types them as EVENT_PAYLOAD_DESCRIPTOR and rejects the VTN's answer.
start = datetime.now(UTC).replace(microsecond=0)
report = ven.reports.create_report(
    NewReport(
        program_id=event.program_id,
        event_id=event.id,
        client_name=CLIENT_NAME,
        report_name="fleet usage (3.0.1)",
        resources=(
            ReportResource(
                resource_name="charger-301",
                interval_period=IntervalPeriod(start=start, duration=timedelta(minutes=15)),
                intervals=(Interval(id=0, payloads=(ReportPayload(type=ReportPayloadType.USAGE, values=(3.5,)),)),),
            ),
        ),
    )
)
assert (report.program_id, report.event_id) == (event.program_id, event.id), report
print(report.id)
