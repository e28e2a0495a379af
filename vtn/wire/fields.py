"""Field types of the OpenADR 3.1.0 YAML: objectID, dateTime, duration, strict numbers and strings."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from marshmallow import ValidationError, fields, validate

OBJECT_ID = re.compile(r"^[a-zA-Z0-9_-]*$")
# The YAML's duration pattern (ISO 8601), verbatim.
DURATION = re.compile(
    r"^(-?)P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)([DW]))?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
# User Guide 7.3: "0001-01-01" or "0001-01-01T00:00:00" (no offset) means 'now'.
NOW_SENTINELS = {"0001-01-01", "0001-01-01T00:00:00"}
NOW_CANONICAL = "0001-01-01T00:00:00Z"


def parse_datetime(text: str) -> datetime:
    """An aware datetime from RFC 3339 text (or the 'now' sentinel, as 0001-01-01 UTC)."""
    if text in NOW_SENTINELS:
        return datetime(1, 1, 1, tzinfo=UTC)
    if not _RFC3339.match(text):
        raise ValueError("not an RFC 3339 date-time with a UTC offset")
    return datetime.fromisoformat(text.upper())  # RFC 3339 allows 't' and 'z'; fromisoformat does not


def format_datetime(value: datetime) -> str:
    """RFC 3339 in UTC with a Z; fractional seconds only when present."""
    value = value.astimezone(UTC).replace(tzinfo=None)
    if value.microsecond:
        return value.isoformat(timespec="microseconds").rstrip("0") + "Z"
    return value.isoformat(timespec="seconds") + "Z"


class String(fields.String):
    """A string bounded by the YAML's minLength/maxLength."""

    def __init__(self, min_len: int = 1, max_len: int = 128, **kwargs):
        super().__init__(validate=validate.Length(min_len, max_len), **kwargs)


class ObjectID(fields.String):
    """The YAML objectID: 1-128 characters of [a-zA-Z0-9_-]."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=[
                validate.Length(1, 128),
                validate.Regexp(OBJECT_ID, error="must contain only letters, digits, '_' and '-'"),
            ],
            **kwargs,
        )


class Duration(fields.String):
    """An ISO 8601 duration matching the YAML's pattern."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Regexp(DURATION, error="not an ISO 8601 duration"), **kwargs)


class DateTime(fields.Field):
    """RFC 3339 date-time; loads to canonical UTC text (the form stored in jsonb and sent back)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Not a valid RFC 3339 date-time string.")
        if value in NOW_SENTINELS:
            return NOW_CANONICAL
        try:
            return format_datetime(parse_datetime(value))
        except (ValueError, OverflowError) as exc:
            raise ValidationError(f"Not a valid RFC 3339 date-time with a UTC offset: {value!r}.") from exc


class Timestamp(fields.Field):
    """A VTN timestamp (createdDateTime, modificationDateTime), dumped as RFC 3339 UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_datetime(value)


class Integer(fields.Integer):
    """A JSON integer (no strings, no booleans, no fractions) within int32 unless told otherwise."""

    def __init__(self, minimum: int = -(2**31), maximum: int = 2**31 - 1, **kwargs):
        super().__init__(strict=True, validate=validate.Range(minimum, maximum), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


class Number(fields.Field):
    """A JSON number (int or float, not a boolean or a string), kept as given."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Not a valid number.")
        if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            raise ValidationError("Not a finite number.")
        return value


class Boolean(fields.Field):
    """A JSON boolean, nothing else."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean.")
        return value


class Url(fields.String):
    """A URI of 2-8000 characters (YAML format: uri)."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=[validate.Length(2, 8000), validate.Regexp(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", error="not a URI")],
            **kwargs,
        )
