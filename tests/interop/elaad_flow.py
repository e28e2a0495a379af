"""A full BL + VEN flow with ElaadNL's openadr3-client (PyPI) in OpenADR 3.1.0 mode.

Runs in its own virtual environment (the library needs Python >= 3.12):
    python elaad_flow.py BASE_URL BL_ID BL_SECRET VEN_ID VEN_SECRET
Prints OK at the end; any VTN answer the library rejects (strict pydantic models) raises.
"""

import os
import sys
from datetime import UTC, datetime, timedelta

os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the test VTN speaks plain HTTP on loopback

from openadr3_client._models.common.interval import Interval  # noqa: E402
from openadr3_client._models.common.interval_period import IntervalPeriod  # noqa: E402
from openadr3_client.bl.http_factory import BusinessLogicHttpClientFactory  # noqa: E402
from openadr3_client.oadr310._vtn.interfaces.filters import PaginationFilter, TargetFilter  # noqa: E402
from openadr3_client.oadr310.models.event.event import EventUpdate, NewEvent  # noqa: E402
from openadr3_client.oadr310.models.event.event_payload import (  # noqa: E402
    EventPayload,
    EventPayloadDescriptor,
    EventPayloadType,
)
from openadr3_client.oadr310.models.program.program import NewProgram, ProgramUpdate  # noqa: E402
from openadr3_client.oadr310.models.report.report import NewReport, ReportResource  # noqa: E402
from openadr3_client.oadr310.models.report.report_payload import ReportPayload, ReportPayloadType  # noqa: E402
from openadr3_client.oadr310.models.resource.resource import (  # noqa: E402
    NewResourceBlRequest,
    NewResourceVenRequest,
    ResourceUpdateVenRequest,
)
from openadr3_client.oadr310.models.subscriptions.subscription import (  # noqa: E402
    NewSubscription,
    Object,
    ObjectOperation,
    Operation,
)
from openadr3_client.oadr310.models.ven.ven import NewVenBlRequest, VenUpdateVenRequest  # noqa: E402
from openadr3_client.ven.http_factory import VirtualEndNodeHttpClientFactory  # noqa: E402
from openadr3_client.version import OADRVersion  # noqa: E402

BASE, BL_ID, BL_SECRET, VEN_ID, VEN_SECRET = sys.argv[1:6]

# BL names the token URL; the VEN discovers it through GET /auth/server. Both use HTTP Basic.
bl = BusinessLogicHttpClientFactory.create_http_bl_client(
    vtn_base_url=BASE,
    client_id=BL_ID,
    client_secret=BL_SECRET,
    token_url=f"{BASE}/auth/token",
    allow_insecure_http=True,
    version=OADRVersion.OADR_310,
)
ven = VirtualEndNodeHttpClientFactory.create_http_ven_client(
    vtn_base_url=BASE,
    client_id=VEN_ID,
    client_secret=VEN_SECRET,
    allow_insecure_http=True,
    version=OADRVersion.OADR_310,
)

program = bl.programs.create_program(NewProgram(program_name="ev-managed-charging", targets=("fleet-a",)))
bl.programs.update_program_by_id(program.id, ProgramUpdate(program_name="ev-managed-charging", targets=("fleet-a",)))
ven_obj = bl.vens.create_ven(NewVenBlRequest(ven_name="automaker-a", client_id=VEN_ID, targets=("fleet-a",)))
start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
event = bl.events.create_event(
    NewEvent(
        program_id=program.id,
        event_name="pause-charging",
        targets=("fleet-a",),
        payload_descriptors=(EventPayloadDescriptor(payload_type=EventPayloadType.SIMPLE),),
        interval_period=IntervalPeriod(start=start, duration=timedelta(hours=2)),
        intervals=(Interval(id=0, payloads=(EventPayload(type=EventPayloadType.SIMPLE, values=(1,)),)),),
    )
)
bl.events.update_event_by_id(
    event.id,
    EventUpdate(
        program_id=program.id,
        event_name="pause-charging",
        targets=("fleet-a",),
        interval_period=IntervalPeriod(start=start, duration=timedelta(hours=2)),
        intervals=(Interval(id=0, payloads=(EventPayload(type=EventPayloadType.SIMPLE, values=(1,)),)),),
    ),
)

seen = ven.events.get_events(target=TargetFilter(targets=["fleet-a"]), pagination=None, program_id=None)
assert [e.id for e in seen] == [event.id], seen
assert [p.id for p in ven.programs.get_programs(target=None, pagination=PaginationFilter(skip=0, limit=10))] == [
    program.id
]
assert ven.vens.get_vens(ven_name=None, target=None, pagination=None)[0].id == ven_obj.id
ven.vens.update_ven_by_id(ven_obj.id, VenUpdateVenRequest(ven_name="automaker-a"))

own = ven.resources.create_resource(NewResourceVenRequest(resource_name="charger-1", ven_id=ven_obj.id))
ven.resources.update_resource_by_id(own.id, ResourceUpdateVenRequest(resource_name="charger-1b", ven_id=ven_obj.id))
granted = bl.resources.create_resource(
    NewResourceBlRequest(resource_name="vehicle-7", ven_id=ven_obj.id, client_id=VEN_ID, targets=("feeder-9",))
)
assert {r.id for r in ven.resources.get_resources(ven_id=ven_obj.id)} == {own.id, granted.id}

report = ven.reports.create_report(
    NewReport(
        event_id=event.id,
        client_name="automaker-a",
        report_name="fleet usage",
        resources=(
            ReportResource(
                resource_name="charger-1b",
                interval_period=IntervalPeriod(start=start, duration=timedelta(minutes=15)),
                intervals=(Interval(id=0, payloads=(ReportPayload(type=ReportPayloadType.USAGE, values=(2.5,)),)),),
            ),
        ),
    )
)
got = bl.reports.get_reports(pagination=None, program_id=None, event_id=event.id, client_name=None)
assert [(r.id, r.client_id) for r in got] == [(report.id, VEN_ID)], got
assert bl.reports.get_report_by_id(report.id).client_id == VEN_ID

subscription = ven.subscriptions.create_subscription(
    NewSubscription(
        client_name="automaker-a",
        object_operations=(
            ObjectOperation(
                objects=(Object.EVENT,),
                operations=(Operation.POST, Operation.PUT),
                callback_url="https://ven.example.com/cb",
                bearer_token="token-for-vtn",
            ),
        ),
    )
)
subs = bl.subscriptions.get_subscriptions(pagination=None, program_id=None, client_name=None, objects=(Object.EVENT,))
assert [s.id for s in subs] == [subscription.id]

ven.subscriptions.delete_subscription_by_id(subscription.id)
ven.reports.delete_report_by_id(report.id)
ven.resources.delete_resource_by_id(own.id)
bl.events.delete_event_by_id(event.id)
bl.vens.delete_ven_by_id(ven_obj.id)
bl.programs.delete_program_by_id(program.id)
print("OK")
