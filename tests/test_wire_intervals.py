"""The fast interval loader (wire/intervals.py) gives what the nested schemas give, errors included."""

import pytest
from marshmallow import ValidationError, fields

from vtn.wire.common import Interval
from vtn.wire.intervals import IntervalList

NESTED = fields.List(fields.Nested(Interval))
FAST = IntervalList()


def _load(field, value):
    try:
        return "ok", field.deserialize(value)
    except ValidationError as exc:
        return "error", exc.messages


CASES = {
    "plain": [{"id": 0, "payloads": [{"type": "USAGE", "values": [1.5]}]}],
    "many values": [{"id": 1, "payloads": [{"type": "X", "values": [0, -1, 2.5, "text", True, False]}]}],
    "own period": [
        {"id": 0, "intervalPeriod": {"start": "2026-07-01T17:00:00+02:00", "duration": "PT15M"}, "payloads": []}
    ],
    "null period": [{"id": 0, "intervalPeriod": None, "payloads": []}],
    "unknown members": [{"id": 0, "x-vendor": 1, "payloads": [{"type": "USAGE", "values": [], "extra": "x"}]}],
    "point value": [{"id": 0, "payloads": [{"type": "CURVE", "values": [{"x": 1, "y": 2, "z": 3}]}]}],
    "empty": [],
    "missing id": [{"payloads": []}],
    "boolean id": [{"id": True, "payloads": []}],
    "string id": [{"id": "0", "payloads": []}],
    "id out of range": [{"id": 2**31, "payloads": []}],
    "missing payloads": [{"id": 0}],
    "payloads not a list": [{"id": 0, "payloads": {}}],
    "payload not an object": [{"id": 0, "payloads": ["USAGE"]}],
    "empty type": [{"id": 0, "payloads": [{"type": "", "values": []}]}],
    "long type": [{"id": 0, "payloads": [{"type": "T" * 129, "values": []}]}],
    "null value": [{"id": 0, "payloads": [{"type": "USAGE", "values": [None]}]}],
    "list value": [{"id": 0, "payloads": [{"type": "USAGE", "values": [[1]]}]}],
    "nan value": [{"id": 0, "payloads": [{"type": "USAGE", "values": [float("nan")]}]}],
    "bad period": [{"id": 0, "intervalPeriod": {"start": "yesterday"}, "payloads": []}],
    "period not an object": [{"id": 0, "intervalPeriod": "PT1H", "payloads": []}],
    "interval not an object": [7],
    "second interval wrong": [{"id": 0, "payloads": []}, {"id": "1", "payloads": []}],
    "not a list": {"id": 0},
}


@pytest.mark.parametrize("name", CASES)
def test_fast_path_agrees_with_nested_schemas(name):
    assert _load(FAST, CASES[name]) == _load(NESTED, CASES[name])
