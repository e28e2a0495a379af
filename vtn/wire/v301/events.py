"""3.0.1 event: typed targets, required intervals, no 3.1.0 duration or reportIntervals (docs/versions.md, "Events")."""

from __future__ import annotations

from marshmallow import fields, post_load, pre_dump

from ..base import ObjectOut, object_id_query
from ..common import EventPayloadDescriptor, NestedSchema, SpecSchema, ValuesMap, listed
from ..fields import Integer, ObjectID
from .common import ReportDescriptor, period, shown_targets, side_column, stored_targets, typed_targets
from .programs import IntervalPeriod, ProgramQuery

_THREE_ONE_ONLY = ("reportIntervals",)  # reportDescriptor members 3.0.1 cannot express


class Interval(NestedSchema):
    """3.0.1 interval: its own intervalPeriod, when given, has a start."""

    id = Integer(required=True)
    intervalPeriod = fields.Nested(IntervalPeriod, allow_none=True)
    payloads = fields.List(fields.Nested(ValuesMap), required=True)


class EventRequest(SpecSchema):
    """A 3.0.1 event body (POST, PUT), loaded into the event the store keeps (plus ``v301``)."""

    program_id = ObjectID(required=True, data_key="programID")
    event_name = fields.String(allow_none=True, load_default=None, data_key="eventName")
    priority = Integer(minimum=0, allow_none=True, load_default=None)
    targets = typed_targets()
    report_descriptors = listed(ReportDescriptor, data_key="reportDescriptors")
    payload_descriptors = listed(EventPayloadDescriptor, data_key="payloadDescriptors")
    interval_period = fields.Nested(IntervalPeriod, allow_none=True, load_default=None, data_key="intervalPeriod")
    intervals = fields.List(fields.Nested(Interval), required=True)

    @post_load
    def _stored(self, data, **kwargs):
        data["duration"] = None  # 3.1.0 only: kept by keep() on a PUT
        data["targets"], exact = stored_targets(data["targets"])
        exact_descriptors = []
        for descriptor in data["report_descriptors"] or ():
            if "targets" in descriptor:
                descriptor["targets"], descriptor_exact = stored_targets(descriptor["targets"])
            else:
                descriptor_exact = None
            exact_descriptors.append(descriptor_exact)
        kept = exact_descriptors if any(e is not None for e in exact_descriptors) else None
        data["v301"] = side_column(targets=exact, reportDescriptors=kept)
        return data


def keep(stored: dict, event: dict) -> dict:
    """``event`` (a 3.0.1 PUT) with the stored 3.1.0-only members kept: duration, and each reportDescriptor's
    reportIntervals (matched by position)."""
    event["duration"] = stored["duration"]
    before = stored["report_descriptors"] or []
    for descriptor, old in zip(event["report_descriptors"] or (), before, strict=False):
        descriptor.update({key: old[key] for key in _THREE_ONE_ONLY if key in old})
    return event


def _descriptors(stored: list[dict] | None, v301: dict | None) -> list[dict] | None:
    """Stored reportDescriptors as 3.0.1 ones: typed targets, no 3.1.0-only members."""
    if stored is None:
        return None
    exact = (v301 or {}).get("reportDescriptors") or []
    shown = []
    for index, descriptor in enumerate(stored):
        out = {key: value for key, value in descriptor.items() if key not in _THREE_ONE_ONLY}
        if "targets" in out:
            side = {"targets": exact[index]} if index < len(exact) else None
            out["targets"] = shown_targets(out["targets"], side)
        shown.append(out)
    return shown


def _interval(interval: dict) -> dict:
    if "intervalPeriod" not in interval:
        return interval
    return interval | {"intervalPeriod": period(interval["intervalPeriod"])}


class Event(ObjectOut):
    """A stored event as a 3.0.1 event."""

    object_type = "EVENT"

    programID = fields.Raw()
    eventName = fields.Raw()
    priority = fields.Raw()
    targets = fields.Raw()
    reportDescriptors = fields.Raw()
    payloadDescriptors = fields.Raw()
    intervalPeriod = fields.Raw()
    intervals = fields.Raw()

    @pre_dump
    def _shaped(self, row, **kwargs):
        return {
            "id": row["id"],
            "created": row["created"],
            "modified": row["modified"],
            "programID": row["program_id"],
            "eventName": row["event_name"],
            "priority": row["priority"],
            "targets": shown_targets(row["targets"], row.get("v301")),
            "reportDescriptors": _descriptors(row["report_descriptors"], row.get("v301")),
            "payloadDescriptors": row["payload_descriptors"],
            "intervalPeriod": period(row["interval_period"]),
            "intervals": [_interval(i) for i in row["intervals"] or ()],  # required in 3.0.1
        }


class EventQuery(ProgramQuery):
    """GET /events: programID, targetType, targetValues, skip, limit."""

    program_id = object_id_query(data_key="programID")
