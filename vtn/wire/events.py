"""Event: eventRequest (load), event (dump), and the events query."""

from marshmallow import fields

from .base import ObjectOut, TargetsQuery, object_id_query
from .common import EventPayloadDescriptor, Interval, IntervalPeriod, ReportDescriptor, SpecSchema, listed
from .common import targets_field as _targets
from .fields import Duration, Integer, ObjectID


class EventRequest(SpecSchema):
    """What a BL client sends to create or replace an event."""

    program_id = ObjectID(required=True, data_key="programID")
    event_name = fields.String(allow_none=True, load_default=None, data_key="eventName")
    duration = Duration(allow_none=True, load_default=None)
    priority = Integer(minimum=0, allow_none=True, load_default=None)
    targets = _targets()
    report_descriptors = listed(ReportDescriptor, data_key="reportDescriptors")
    payload_descriptors = listed(EventPayloadDescriptor, data_key="payloadDescriptors")
    interval_period = fields.Nested(IntervalPeriod, allow_none=True, load_default=None, data_key="intervalPeriod")
    intervals = listed(Interval)


class Event(ObjectOut, EventRequest):
    """An event as the VTN returns it."""

    object_type = "EVENT"


class EventQuery(TargetsQuery):
    """GET /events: programID, targets, active, skip, limit."""

    program_id = object_id_query(data_key="programID")
    active = fields.Boolean(load_default=None)
