"""3.0.1 report: the request (3.1.0's plus the required programID), the response (dumped from a stored row), the query.

3.0.1 reports name their program; the store derives it from the event, so a 3.0.1 write must agree with it
(docs/versions.md, "Reports"). Responses carry no clientID, and every intervalPeriod has the start and duration
3.0.1 clients expect.
"""

from __future__ import annotations

from marshmallow import fields

from ..base import ListQuery, ObjectOut, object_id_query
from ..fields import ObjectID
from ..reports import ReportRequest as ReportRequest310
from .common import period


class ReportRequest(ReportRequest310):
    """What a 3.0.1 VEN sends to create or replace a report."""

    program_id = ObjectID(required=True, data_key="programID")


def _periods(item: dict) -> dict:
    return item | {"intervalPeriod": period(item["intervalPeriod"])} if "intervalPeriod" in item else item


def _resources(row: dict) -> list[dict]:
    return [
        _periods(resource) | {"intervals": [_periods(interval) for interval in resource["intervals"]]}
        for resource in row["resources"]
    ]


class Report(ObjectOut):
    """A stored report as 3.0.1 returns it: with programID, without clientID."""

    object_type = "REPORT"

    program_id = fields.String(data_key="programID")
    event_id = fields.String(data_key="eventID")
    client_name = fields.String(data_key="clientName")
    report_name = fields.String(data_key="reportName")
    payload_descriptors = fields.Raw(data_key="payloadDescriptors")
    resources = fields.Function(_resources)


class ReportQuery(ListQuery):
    """GET /reports: programID, eventID, clientName, skip, limit."""

    program_id = object_id_query(data_key="programID")
    event_id = object_id_query(data_key="eventID")
    client_name = fields.String(load_default=None, data_key="clientName")
