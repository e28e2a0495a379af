"""Report: reportRequest (load), report (dump), and the reports query."""

from marshmallow import fields

from .base import ListQuery, ObjectOut, object_id_query
from .common import IntervalPeriod, NestedSchema, ReportPayloadDescriptor, SpecSchema, listed
from .fields import ObjectID, String
from .intervals import IntervalList


class ReportResource(NestedSchema):
    """Report data for one resource (or AGGREGATED_REPORT)."""

    resourceName = String(required=True)
    intervalPeriod = fields.Nested(IntervalPeriod, allow_none=True)
    intervals = IntervalList(required=True)


class ReportRequest(SpecSchema):
    """What a VEN sends to create or replace a report."""

    event_id = ObjectID(required=True, data_key="eventID")
    client_name = String(required=True, data_key="clientName")
    report_name = fields.String(allow_none=True, load_default=None, data_key="reportName")
    payload_descriptors = listed(ReportPayloadDescriptor, data_key="payloadDescriptors")
    resources = fields.List(fields.Nested(ReportResource), required=True)


class Report(ObjectOut, ReportRequest):
    """A report as the VTN returns it, with the clientID of the VEN that wrote it."""

    object_type = "REPORT"
    client_id = fields.String(dump_only=True, data_key="clientID")


class ReportQuery(ListQuery):
    """GET /reports: programID, eventID, clientName, skip, limit."""

    program_id = object_id_query(data_key="programID")
    event_id = object_id_query(data_key="eventID")
    client_name = String(load_default=None, data_key="clientName")
