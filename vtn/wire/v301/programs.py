"""3.0.1 program: its top-level members kept as 3.1.0 program attributes, typed targets (docs/versions.md, "Programs").

3.1.0 moved programLongName, retailerName, ... into ``attributes`` (issue 320; Definition.md "Program Attributes
Enumerations" names them); timeZoneOffset has no 3.1.0 name and is kept as the private attribute TIME_ZONE_OFFSET.
"""

from __future__ import annotations

from marshmallow import fields, post_load, pre_dump

from ..base import ListQuery, ObjectOut
from ..common import AnyPayloadDescriptor, ProgramDescription, SpecSchema, listed
from ..common import IntervalPeriod as IntervalPeriod310
from ..fields import DURATION, Boolean, DateTime, Duration, String
from . import targets as codec
from .common import period, shown_targets, side_column, stored_targets, typed_targets


class IntervalPeriod(IntervalPeriod310):
    """3.0.1 intervalPeriod: ``start`` is required."""

    start = DateTime(required=True)


# (3.0.1 member, 3.1.0 attribute type, does a stored value fit the member?)
ATTRIBUTES = (
    ("programLongName", "PROGRAM_LONG_NAME", lambda v: isinstance(v, str)),
    ("retailerName", "RETAILER_NAME", lambda v: isinstance(v, str)),
    ("retailerLongName", "RETAILER_LONG_NAME", lambda v: isinstance(v, str)),
    ("programType", "PROGRAM_TYPE", lambda v: isinstance(v, str)),
    ("country", "COUNTRY", lambda v: isinstance(v, str)),
    ("principalSubdivision", "PRINCIPAL_SUBDIVISION", lambda v: isinstance(v, str)),
    ("bindingEvents", "BINDING_EVENTS", lambda v: isinstance(v, bool)),
    ("localPrice", "LOCAL", lambda v: isinstance(v, bool)),
    ("timeZoneOffset", "TIME_ZONE_OFFSET", lambda v: isinstance(v, str) and DURATION.match(v) is not None),
)
EXPRESSED = frozenset(kind for _, kind, _ in ATTRIBUTES)


class ProgramRequest(SpecSchema):
    """A 3.0.1 program body (POST, PUT), loaded into the program the store keeps (plus ``v301``)."""

    program_name = String(required=True, data_key="programName")
    programLongName = fields.String(allow_none=True, load_default=None)
    retailerName = fields.String(allow_none=True, load_default=None)
    retailerLongName = fields.String(allow_none=True, load_default=None)
    programType = fields.String(allow_none=True, load_default=None)
    country = fields.String(allow_none=True, load_default=None)
    principalSubdivision = fields.String(allow_none=True, load_default=None)
    timeZoneOffset = Duration(allow_none=True, load_default=None)
    interval_period = fields.Nested(IntervalPeriod, allow_none=True, load_default=None, data_key="intervalPeriod")
    program_descriptions = listed(ProgramDescription, data_key="programDescriptions")
    bindingEvents = Boolean(allow_none=True, load_default=None)
    localPrice = Boolean(allow_none=True, load_default=None)
    payload_descriptors = listed(AnyPayloadDescriptor(), data_key="payloadDescriptors")
    targets = typed_targets()

    @post_load
    def _stored(self, data, **kwargs):
        members = {member: data.pop(member) for member, _, _ in ATTRIBUTES}
        entries = [{"type": kind, "values": [members[m]]} for m, kind, _ in ATTRIBUTES if members[m] is not None]
        data["attributes"] = entries or None
        data["targets"], exact = stored_targets(data["targets"])
        data["v301"] = side_column(targets=exact)
        return data


def keep(stored: dict, program: dict) -> dict:
    """``program`` (a 3.0.1 PUT) with the stored attribute entries 3.0.1 cannot express kept first, in order."""
    kept = [entry for entry in stored["attributes"] or () if entry.get("type") not in EXPRESSED]
    entries = kept + (program["attributes"] or [])
    program["attributes"] = entries if entries or stored["attributes"] is not None else None
    return program


def members(attributes: list[dict] | None) -> dict:
    """The 3.0.1 members a program's attributes give: the first entry of each type, if it has one fitting value."""
    found = {}
    for member, kind, fits in ATTRIBUTES:
        entry = next((e for e in attributes or () if e.get("type") == kind), None)
        if entry is not None and len(entry.get("values") or ()) == 1 and fits(entry["values"][0]):
            found[member] = entry["values"][0]
    return found


class Program(ObjectOut):
    """A stored program as a 3.0.1 program."""

    object_type = "PROGRAM"

    programName = fields.Raw()
    programLongName = fields.Raw()
    retailerName = fields.Raw()
    retailerLongName = fields.Raw()
    programType = fields.Raw()
    country = fields.Raw()
    principalSubdivision = fields.Raw()
    timeZoneOffset = fields.Raw()
    intervalPeriod = fields.Raw()
    programDescriptions = fields.Raw()
    bindingEvents = fields.Raw()
    localPrice = fields.Raw()
    payloadDescriptors = fields.Raw()
    targets = fields.Raw()

    @pre_dump
    def _shaped(self, row, **kwargs):
        return {
            "id": row["id"],
            "created": row["created"],
            "modified": row["modified"],
            "programName": row["program_name"],
            "intervalPeriod": period(row["interval_period"]),
            "programDescriptions": row["program_descriptions"],
            "payloadDescriptors": row["payload_descriptors"],
            "targets": shown_targets(row["targets"], row.get("v301")),
            **members(row["attributes"]),
        }


class ProgramQuery(ListQuery):
    """GET /programs: targetType, targetValues, skip, limit (loaded as the 3.1.0 ``targets`` filter)."""

    targetType = String(load_default=None)
    targetValues = fields.List(String(), load_default=None)

    @post_load
    def _targets(self, data, **kwargs):
        data["targets"] = codec.query(data.pop("targetType"), data.pop("targetValues"))
        return data
