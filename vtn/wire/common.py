"""Nested OpenADR structures shared by several objects: intervalPeriod, valuesMap, interval, descriptors.

Nested structures keep their wire (camelCase) names: they are stored as jsonb in spec form and sent back
as stored. Optional members sent as null are dropped, which the spec allows (Definition.md "Required and
optional properties": a VTN may omit optional properties that have their default value).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from .fields import Boolean, DateTime, Duration, Integer, Number, String, Url

OBJECT_TYPES = ("PROGRAM", "EVENT", "REPORT", "SUBSCRIPTION", "VEN", "RESOURCE")


class SpecSchema(Schema):
    """Base of every wire schema: unknown members are ignored (Definition.md "Model Extension")."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _require_object(self, data, **kwargs):
        if not isinstance(data, dict):
            raise ValidationError("Must be a JSON object.")
        return data


class NestedSchema(SpecSchema):
    """A nested structure: null optional members are dropped from what is stored."""

    @post_load
    def _drop_nulls(self, data, **kwargs):
        return {key: value for key, value in data.items() if value is not None}


def listed(nested, **kwargs) -> fields.List:
    """An optional, nullable list of ``nested`` (a schema class or a field)."""
    inner = fields.Nested(nested) if isinstance(nested, type) else nested
    kwargs.setdefault("allow_none", True)
    kwargs.setdefault("load_default", None)
    return fields.List(inner, **kwargs)


def targets_field(**kwargs) -> fields.List:
    """A nullable list of target strings (1-128 characters each)."""
    return listed(String(), **kwargs)


class IntervalPeriod(NestedSchema):
    """Temporal aspects of an interval or set of intervals (User Guide 7.3)."""

    start = DateTime(allow_none=True)
    duration = Duration(allow_none=True)
    randomizeStart = Duration(allow_none=True)


class Point(NestedSchema):
    """A pair of numbers."""

    x = Number(required=True)
    y = Number(required=True)


class Value(fields.Field):
    """One item of valuesMap.values: a number, integer, string, boolean or point."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool | int | float | str):
            return Number().deserialize(value) if isinstance(value, float) else value
        if isinstance(value, dict):
            return Point().load(value)
        raise ValidationError("Must be a number, integer, string, boolean or point.")


class ValuesMap(NestedSchema):
    """A type and its list of values."""

    type = String(required=True)
    values = fields.List(Value(), required=True)


class Interval(NestedSchema):
    """A temporal window with its payloads."""

    id = Integer(required=True)
    intervalPeriod = fields.Nested(IntervalPeriod, allow_none=True)
    payloads = fields.List(fields.Nested(ValuesMap), required=True)


def _descriptor_type(name: str):
    return fields.String(validate=validate.OneOf([name]), load_default=name, allow_none=True)


class EventPayloadDescriptor(NestedSchema):
    """Context for event payload values (units, currency)."""

    objectType = _descriptor_type("EVENT_PAYLOAD_DESCRIPTOR")
    payloadType = String(required=True)
    units = String(allow_none=True)
    currency = fields.String(allow_none=True)

    @post_load
    def _typed(self, data, **kwargs):
        data["objectType"] = "EVENT_PAYLOAD_DESCRIPTOR"
        return data


class ReportPayloadDescriptor(NestedSchema):
    """Context for report payload values (reading type, units, accuracy, confidence)."""

    objectType = _descriptor_type("REPORT_PAYLOAD_DESCRIPTOR")
    payloadType = String(required=True)
    readingType = String(allow_none=True)
    units = String(allow_none=True)
    accuracy = Number(allow_none=True)
    confidence = Integer(minimum=0, maximum=100, allow_none=True)

    @post_load
    def _typed(self, data, **kwargs):
        data["objectType"] = "REPORT_PAYLOAD_DESCRIPTOR"
        return data


class AnyPayloadDescriptor(fields.Field):
    """A program's payloadDescriptor: event or report, by its objectType discriminator.

    3.0-era clients send no objectType; report-only members (readingType, accuracy, confidence) then
    mark a report descriptor, anything else an event descriptor.
    """

    _REPORT_ONLY = ("readingType", "accuracy", "confidence")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("Must be a JSON object.")
        kind = value.get("objectType")
        if kind is None:
            kind = (
                "REPORT_PAYLOAD_DESCRIPTOR"
                if any(k in value for k in self._REPORT_ONLY)
                else ("EVENT_PAYLOAD_DESCRIPTOR")
            )
        if kind == "EVENT_PAYLOAD_DESCRIPTOR":
            return EventPayloadDescriptor().load(value)
        if kind == "REPORT_PAYLOAD_DESCRIPTOR":
            return ReportPayloadDescriptor().load(value)
        raise ValidationError({"objectType": ["Must be EVENT_PAYLOAD_DESCRIPTOR or REPORT_PAYLOAD_DESCRIPTOR."]})


class ReportDescriptor(NestedSchema):
    """A request, in an event, for the VEN to report."""

    payloadType = String(required=True)
    readingType = String(allow_none=True)
    units = String(allow_none=True)
    targets = targets_field()
    aggregate = Boolean(allow_none=True)
    startInterval = Integer(allow_none=True)
    numIntervals = Integer(allow_none=True)
    historical = Boolean(allow_none=True)
    frequency = Integer(allow_none=True)
    repeat = Integer(allow_none=True)
    reportIntervals = fields.String(
        allow_none=True, validate=validate.OneOf(["INTERVALS", "SUB_INTERVALS", "OPEN_INTERVALS"])
    )


class ProgramDescription(NestedSchema):
    """A link to a human or machine readable program description."""

    URL = Url(required=True)
