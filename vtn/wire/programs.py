"""Program: programRequest (load), program (dump), and the programs query."""

from marshmallow import fields

from .base import ObjectOut, TargetsQuery
from .common import AnyPayloadDescriptor, IntervalPeriod, ProgramDescription, SpecSchema, ValuesMap, listed
from .common import targets_field as _targets
from .fields import String


class ProgramRequest(SpecSchema):
    """What a BL client sends to create or replace a program."""

    program_name = String(required=True, data_key="programName")
    interval_period = fields.Nested(IntervalPeriod, allow_none=True, load_default=None, data_key="intervalPeriod")
    program_descriptions = listed(ProgramDescription, data_key="programDescriptions")
    payload_descriptors = listed(AnyPayloadDescriptor(), data_key="payloadDescriptors")
    attributes = listed(ValuesMap)
    targets = _targets()


class Program(ObjectOut, ProgramRequest):
    """A program as the VTN returns it."""

    object_type = "PROGRAM"


class ProgramQuery(TargetsQuery):
    """GET /programs: targets, skip, limit."""
