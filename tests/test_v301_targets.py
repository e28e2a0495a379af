"""Typed 3.0.1 targets as 3.1.0 target strings and back (vtn/wire/v301/targets.py, docs/versions.md)."""

from __future__ import annotations

import pytest

from vtn.errors import BadRequest
from vtn.wire.v301 import targets as t


@pytest.mark.parametrize(
    ("target_type", "value", "encoded"),
    [
        ("GROUP", "fleet-a", "fleet-a"),
        ("SERVICE_AREA", "area-9", "SERVICE_AREA:area-9"),
        ("VEN_NAME", "ven 1", "VEN_NAME:ven 1"),
        ("GROUP", "FOO:bar", "GROUP:FOO:bar"),  # a GROUP value that looks typed keeps its type
        ("GROUP", "urn:x", "urn:x"),  # lower-case prefixes are not types
        ("POWER_SERVICE_LOCATION", 5, "POWER_SERVICE_LOCATION:5"),
        ("PRIVATE_X", {"y": 2, "x": 1}, 'PRIVATE_X:{"x":1,"y":2}'),
    ],
)
def test_encode_decode(target_type, value, encoded):
    assert t.encode(target_type, value) == encoded
    assert t.decode(encoded) == (target_type, value if isinstance(value, str) else encoded.split(":", 1)[1])


def test_matching_is_type_exact():
    assert t.encode("SERVICE_AREA", "1") != t.encode("GROUP", "1")


def test_canonical_maps_round_trip_without_an_exact_form():
    typed = [{"type": "GROUP", "values": ["a", "b"]}, {"type": "VEN_NAME", "values": ["x"]}]
    assert t.to_strings(typed) == ["a", "b", "VEN_NAME:x"]
    assert t.to_typed(t.to_strings(typed)) == typed
    assert t.exact_form(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        [{"type": "GROUP", "values": ["a"]}, {"type": "GROUP", "values": ["b"]}],  # split
        [{"type": "SERVICE_AREA", "values": [7]}],  # a number
        [{"type": "GROUP", "values": ["a", "a"]}],  # repeated
        [{"type": "GROUP", "values": []}],  # empty
    ],
)
def test_other_maps_keep_their_exact_form(typed):
    assert t.exact_form(typed) == typed
    assert t.view(t.to_strings(typed), typed) == typed


def test_view_hides_what_a_ven_may_not_see():
    exact = [{"type": "SERVICE_AREA", "values": [7, 8]}, {"type": "GROUP", "values": ["a"]}]
    assert t.view(["SERVICE_AREA:8"], exact) == [{"type": "SERVICE_AREA", "values": [8]}]
    assert t.view([], exact) == []


def test_view_ignores_an_exact_form_that_no_longer_agrees():
    exact = [{"type": "SERVICE_AREA", "values": [7]}]
    assert t.view(["b"], exact) == [{"type": "GROUP", "values": ["b"]}]


def test_query():
    assert t.query("VEN_NAME", ["x", "y"]) == ["VEN_NAME:x", "VEN_NAME:y"]
    assert t.query(None, ["a"]) == ["a"]
    assert t.query("GROUP", None) is None


def test_too_long_is_a_bad_request():
    with pytest.raises(BadRequest):
        t.encode("SERVICE_AREA", "x" * 120)
