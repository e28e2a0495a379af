"""A fast loader for interval lists, the bulk of every report (96 intervals per resource and day).

Loading thousands of intervals through nested marshmallow schemas costs more than everything else a report
POST does. IntervalList accepts the common, valid shape with plain loops and produces exactly what the
nested schemas would (unknown members dropped, nulls dropped); anything else — a missing member, a wrong
type, a point value, an out-of-range id — goes through the nested schemas, so errors read the same.
tests/test_wire_intervals.py checks that both paths agree.
"""

from __future__ import annotations

import math

from marshmallow import ValidationError, fields

from .common import Interval, IntervalPeriod

_INT32 = (-(2**31), 2**31 - 1)
_SLOW = object()  # the marker of input the fast path leaves to the nested schemas


class IntervalList(fields.List):
    """``fields.List(fields.Nested(Interval))`` with a fast path for well-formed input."""

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(Interval), **kwargs)
        self._period = IntervalPeriod()

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            loaded = [self._interval(item) for item in value]
            if _SLOW not in loaded:
                return loaded
        return super()._deserialize(value, attr, data, **kwargs)

    def _interval(self, item):
        if not isinstance(item, dict):
            return _SLOW
        interval_id, payloads = item.get("id"), item.get("payloads")
        if type(interval_id) is not int or not _INT32[0] <= interval_id <= _INT32[1] or type(payloads) is not list:
            return _SLOW
        loaded_payloads = [_payload(payload) for payload in payloads]
        if _SLOW in loaded_payloads:
            return _SLOW
        period = item.get("intervalPeriod")
        if period is None:
            return {"id": interval_id, "payloads": loaded_payloads}
        if type(period) is not dict:
            return _SLOW
        try:
            loaded_period = self._period.load(period)
        except ValidationError:  # reported by the nested schemas, with the member's path
            return _SLOW
        return {"id": interval_id, "intervalPeriod": loaded_period, "payloads": loaded_payloads}


def _payload(payload):
    if type(payload) is not dict:
        return _SLOW
    kind, values = payload.get("type"), payload.get("values")
    if type(kind) is not str or not 1 <= len(kind) <= 128 or type(values) is not list:
        return _SLOW
    for value in values:
        kind_of_value = type(value)
        if kind_of_value is float:
            if not math.isfinite(value):
                return _SLOW
        elif kind_of_value not in (int, str, bool):
            return _SLOW
    return {"type": kind, "values": list(values)}
