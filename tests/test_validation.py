"""Request validation: bad input to every create (POST) and replace (PUT) is a 400 (or 415) problem and
stores nothing; the lenient cases the spec asks for (nulls, 'now' sentinels, offsets, ignored members,
3.0-era payload descriptors) are accepted and answered in canonical form."""

from __future__ import annotations

import copy
import itertools
import json
from datetime import datetime
from functools import cached_property

import pytest

from . import builders as b

_n = itertools.count(1)
MISSING = object()
LONG = "x" * 129

# kind -> (collection path, writing role). "vens:ven" and "resources:ven" are the VEN's request variants.
KINDS = {
    "programs": ("/programs", "bl"),
    "events": ("/events", "bl"),
    "reports": ("/reports", "ven"),
    "subscriptions": ("/subscriptions", "ven"),
    "vens": ("/vens", "bl"),
    "vens:ven": ("/vens", "ven"),
    "resources": ("/resources", "bl"),
    "resources:ven": ("/resources", "ven"),
}
# A program's payloadDescriptors: anyOf event/report descriptor, objectType as discriminator.
PROGRAM_DESCRIPTORS = [
    {"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "PRICE", "units": "KWH", "currency": "EUR"},
    {
        "objectType": "REPORT_PAYLOAD_DESCRIPTOR",
        "payloadType": "USAGE",
        "readingType": "DIRECT_READ",
        "units": "KWH",
        "accuracy": 0.5,
        "confidence": 90,
    },
]
BODY_KINDS = list(KINDS)
METHODS = ["POST", "PUT"]


class World:
    """The parties and objects a test needs, made on first use (tokens and objects cost time)."""

    def __init__(self, parties):
        self.parties = parties

    @cached_property
    def bl(self):
        return self.parties("bl", "utility DR system")

    @cached_property
    def ven(self):
        return self.parties("ven", "automaker A fleet")

    @cached_property
    def program(self) -> dict:
        return self.bl.create("/programs", b.program())

    @cached_property
    def event(self) -> dict:
        return self.bl.create("/events", b.event(self.program["id"]))

    @cached_property
    def ven_obj(self) -> dict:
        return self.bl.create("/vens", b.ven_by_bl(self.ven.client_id))

    def writer(self, kind: str):
        return getattr(self, KINDS[kind][1])

    def body(self, kind: str) -> dict:
        """A valid request of ``kind`` using every member its schema has."""
        name = f"n{next(_n)}"
        if kind == "programs":
            return {
                "programName": f"program-{name}",
                "intervalPeriod": {"start": "2026-07-01T00:00:00Z", "duration": "P1M", "randomizeStart": "PT5M"},
                "programDescriptions": [{"URL": "https://utility.example.com/dr"}],
                "payloadDescriptors": copy.deepcopy(PROGRAM_DESCRIPTORS),
                "attributes": [{"type": "REGION", "values": [1, 2.5, "north", True, {"x": 1.0, "y": 2.0}]}],
                "targets": ["feeder-7"],
            }
        if kind == "events":
            return {
                "programID": self.program["id"],
                "eventName": f"event-{name}",
                "duration": "PT2H",
                "priority": 1,
                "targets": ["feeder-7"],
                "reportDescriptors": [
                    {
                        "payloadType": "USAGE",
                        "readingType": "DIRECT_READ",
                        "units": "KWH",
                        "targets": ["feeder-7"],
                        "aggregate": False,
                        "startInterval": -1,
                        "numIntervals": -1,
                        "historical": True,
                        "frequency": -1,
                        "repeat": 1,
                        "reportIntervals": "INTERVALS",
                    }
                ],
                "payloadDescriptors": [
                    {
                        "objectType": "EVENT_PAYLOAD_DESCRIPTOR",
                        "payloadType": "PRICE",
                        "units": "KWH",
                        "currency": "EUR",
                    }
                ],
                "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT1H", "randomizeStart": "PT5M"},
                "intervals": [
                    {
                        "id": 0,
                        "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT1H"},
                        "payloads": [{"type": "PRICE", "values": [0.27]}],
                    }
                ],
            }
        if kind == "reports":
            return {
                "eventID": self.event["id"],
                "clientName": "fleet-a",
                "reportName": f"report-{name}",
                "payloadDescriptors": [
                    {
                        "objectType": "REPORT_PAYLOAD_DESCRIPTOR",
                        "payloadType": "USAGE",
                        "readingType": "DIRECT_READ",
                        "units": "KWH",
                        "accuracy": 0.1,
                        "confidence": 95,
                    }
                ],
                "resources": [
                    {
                        "resourceName": "charger-1",
                        "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT15M"},
                        "intervals": [
                            {
                                "id": 0,
                                "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT15M"},
                                "payloads": [{"type": "USAGE", "values": [1.5]}],
                            }
                        ],
                    }
                ],
            }
        if kind == "subscriptions":
            return {
                "clientName": "fleet-a",
                "programID": self.program["id"],
                "objectOperations": [
                    {
                        "objects": ["EVENT", "PROGRAM"],
                        "operations": ["CREATE", "UPDATE"],
                        "callbackUrl": "https://ven.example.com/cb",
                        "bearerToken": "token-for-the-vtn",
                    }
                ],
                "targets": ["feeder-7"],
            }
        attributes = [{"type": "LOCATION", "values": ["garage"]}]
        if kind == "vens":
            return b.ven_by_bl(self.ven.client_id, f"ven-{name}", targets=["feeder-7"], attributes=attributes)
        if kind == "vens:ven":
            return b.ven_by_ven(f"ven-{name}", attributes=attributes)
        if kind == "resources":
            return b.resource_by_bl(
                self.ven_obj["id"],
                f"res-{name}",
                targets=["feeder-7"],
                clientID=self.ven.client_id,
                attributes=attributes,
            )
        if kind == "resources:ven":
            return b.resource_by_ven(self.ven_obj["id"], f"res-{name}", attributes=attributes)
        raise AssertionError(kind)

    def url(self, kind: str, method: str) -> str:
        """Where to send a ``method`` request of ``kind``: the collection, or a freshly created object."""
        path = KINDS[kind][0]
        if method == "POST":
            return path
        return f"{path}/{self.writer(kind).create(path, self.body(kind))['id']}"

    def listing(self, kind: str) -> list:
        """The writer's view of the collection."""
        response = self.writer(kind).get(KINDS[kind][0])
        assert response.status_code == 200
        return response.get_json()

    def write(self, kind: str, method: str, body: dict, url: str | None = None) -> dict:
        """Send ``body`` as a create or replace of ``kind``; expect success, return the object."""
        response = self.writer(kind).request(method, url or self.url(kind, method), json=body)
        assert response.status_code == (201 if method == "POST" else 200), response.get_json()
        return response.get_json()

    def read(self, kind: str, obj: dict) -> dict:
        """GET the object back."""
        response = self.writer(kind).get(f"{KINDS[kind][0]}/{obj['id']}")
        assert response.status_code == 200
        return response.get_json()


@pytest.fixture
def world(parties) -> World:
    return World(parties)


def changed(body: dict, path: str, value) -> dict:
    """A copy of ``body`` with the member at dotted ``path`` set to ``value`` (or removed, for MISSING)."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    key = int(last) if isinstance(node, list) else last
    if value is MISSING:
        del node[key]
    else:
        node[key] = value
    return body


def member(obj, path: str, default=None):
    """The value at dotted ``path`` of ``obj``, or ``default`` when absent."""
    for key in path.split("."):
        try:
            obj = obj[int(key)] if isinstance(obj, list) else obj[key]
        except (KeyError, IndexError, TypeError, ValueError):
            return default
    return obj


def assert_problem(response, status: int) -> None:
    """``response`` is a problem object with ``status``, tied to the request id."""
    assert response.status_code == status, (response.status_code, response.get_json())
    problem = response.get_json()
    assert {"type", "title", "status", "detail", "instance"} <= set(problem), problem
    assert problem["status"] == status
    assert problem["instance"] == f"urn:request:{response.headers['X-Request-ID']}"


def _show(value) -> str:
    shown = "missing" if value is MISSING else json.dumps(value)
    return shown if len(shown) <= 30 else f"{shown[:12]}..({len(shown)} chars)"


def by_kind(triples) -> dict:
    """{kind: [(label, make_request, status)]} from (kind, path, value) member changes."""
    cases: dict = {}
    for kind, path, value in triples:
        make = (lambda p, v: lambda body: {"json": changed(body, p, v)})(path, value)
        cases.setdefault(kind, []).append((f"{path}={_show(value)}", make, 400))
    return cases


def check_rejected(world: World, kind: str, method: str, cases: list) -> None:
    """Send every bad request of ``cases``; each must be a problem, and the collection must stay as it was."""
    world.body(kind)  # make the objects the requests refer to before looking at the collection
    url = world.url(kind, method)
    before = world.listing(kind)
    accepted = []
    for label, make, status in cases:
        try:
            response = world.writer(kind).request(method, url, **make(world.body(kind)))
            assert_problem(response, status)
        except AssertionError as exc:
            accepted.append(f"{method} {kind} {label}: expected {status}, got {str(exc)[:300]}")
    assert not accepted, "\n".join(accepted)
    assert world.listing(kind) == before


# Every required member of every request schema of the YAML, nested ones included. Not listed: objectType of
# the ven/resource variants (the VTN picks the variant by role and ignores objectType, see
# test_ven_and_resource_requests_need_no_object_type) and BlResourceRequest.clientID (the ven's clientID is
# used; BL may send it, and it must then match).
REQUIRED = {
    "programs": [
        "programName",
        "programDescriptions.0.URL",
        "payloadDescriptors.0.payloadType",
        "payloadDescriptors.1.payloadType",
        "attributes.0.type",
        "attributes.0.values",
        "attributes.0.values.4.x",
        "attributes.0.values.4.y",
    ],
    "events": [
        "programID",
        "intervals.0.id",
        "intervals.0.payloads",
        "intervals.0.payloads.0.type",
        "intervals.0.payloads.0.values",
        "reportDescriptors.0.payloadType",
        "payloadDescriptors.0.payloadType",
    ],
    "reports": [
        "eventID",
        "clientName",
        "resources",
        "resources.0.resourceName",
        "resources.0.intervals",
        "resources.0.intervals.0.id",
        "resources.0.intervals.0.payloads",
        "resources.0.intervals.0.payloads.0.type",
        "resources.0.intervals.0.payloads.0.values",
        "payloadDescriptors.0.payloadType",
    ],
    "subscriptions": [
        "clientName",
        "objectOperations",
        "objectOperations.0.objects",
        "objectOperations.0.operations",
        "objectOperations.0.callbackUrl",
    ],
    "vens": ["venName", "clientID", "attributes.0.type", "attributes.0.values"],
    "vens:ven": ["venName", "attributes.0.type"],
    "resources": ["resourceName", "venID", "attributes.0.type", "attributes.0.values"],
    "resources:ven": ["resourceName", "venID"],
}
MISSING_CASES = by_kind((kind, path, MISSING) for kind, paths in REQUIRED.items() for path in paths)

WRONG_TYPE_CASES = by_kind(
    [
        ("programs", "programName", 5),
        ("programs", "programName", None),
        ("programs", "intervalPeriod", "PT1H"),
        ("programs", "intervalPeriod.start", 20260701),
        ("programs", "intervalPeriod.duration", 3600),
        ("programs", "targets", {"feeder": 7}),
        ("programs", "targets", "feeder-7"),
        ("programs", "targets.0", 7),
        ("programs", "attributes", {"type": "REGION", "values": []}),
        ("programs", "attributes.0.type", 1),
        ("programs", "attributes.0.values", "north"),
        ("programs", "attributes.0.values.0", [1]),
        ("programs", "attributes.0.values.4", {"x": "1", "y": 2.0}),
        ("programs", "programDescriptions", "https://utility.example.com/dr"),
        ("programs", "programDescriptions.0.URL", 5),
        ("programs", "payloadDescriptors", {}),
        ("programs", "payloadDescriptors.0", "PRICE"),
        ("programs", "payloadDescriptors.0.units", 5),
        ("programs", "payloadDescriptors.1.accuracy", "high"),
        ("programs", "payloadDescriptors.1.accuracy", True),
        ("programs", "payloadDescriptors.1.confidence", 50.5),
        ("programs", "payloadDescriptors.1.confidence", "50"),
        ("events", "programID", 5),
        ("events", "programID", None),
        ("events", "eventName", 5),
        ("events", "priority", "1"),
        ("events", "priority", 1.5),
        ("events", "priority", True),
        ("events", "duration", 3600),
        ("events", "targets", {"feeder": 7}),
        ("events", "intervalPeriod", []),
        ("events", "intervals", {"id": 0, "payloads": []}),
        ("events", "intervals.0", 5),
        ("events", "intervals.0.id", "0"),
        ("events", "intervals.0.id", True),
        ("events", "intervals.0.id", 0.5),
        ("events", "intervals.0.payloads", {}),
        ("events", "intervals.0.payloads.0.values", 0.27),
        ("events", "reportDescriptors", {}),
        ("events", "reportDescriptors.0.aggregate", "false"),
        ("events", "reportDescriptors.0.aggregate", 0),
        ("events", "reportDescriptors.0.historical", 1),
        ("events", "reportDescriptors.0.frequency", "1"),
        ("events", "reportDescriptors.0.numIntervals", 1.5),
        ("events", "reportDescriptors.0.repeat", False),
        ("events", "reportDescriptors.0.targets", "feeder-7"),
        ("events", "payloadDescriptors.0.currency", 1),
        ("reports", "eventID", 5),
        ("reports", "eventID", None),
        ("reports", "clientName", 5),
        ("reports", "reportName", 5),
        ("reports", "resources", {}),
        ("reports", "resources", None),
        ("reports", "resources.0", "charger-1"),
        ("reports", "resources.0.resourceName", 1),
        ("reports", "resources.0.intervals", {}),
        ("reports", "resources.0.intervals.0.id", "0"),
        ("reports", "resources.0.intervals.0.payloads.0.values.0", {"a": 1}),
        ("reports", "resources.0.intervals.0.payloads.0.values.0", None),
        ("reports", "payloadDescriptors", "USAGE"),
        ("reports", "payloadDescriptors.0.accuracy", "0.1"),
        ("reports", "payloadDescriptors.0.confidence", True),
        ("subscriptions", "clientName", 1.5),
        ("subscriptions", "clientName", None),
        ("subscriptions", "programID", 5),
        ("subscriptions", "objectOperations", {}),
        ("subscriptions", "objectOperations", None),
        ("subscriptions", "objectOperations.0", "EVENT"),
        ("subscriptions", "objectOperations.0.objects", "EVENT"),
        ("subscriptions", "objectOperations.0.objects.0", 1),
        ("subscriptions", "objectOperations.0.operations", "CREATE"),
        ("subscriptions", "objectOperations.0.callbackUrl", 5),
        ("subscriptions", "objectOperations.0.bearerToken", 5),
        ("subscriptions", "targets", "feeder-7"),
        ("subscriptions", "targets.0", True),
        ("vens", "venName", 5),
        ("vens", "venName", None),
        ("vens", "clientID", 5),
        ("vens", "attributes", "garage"),
        ("vens", "targets", {}),
        ("vens", "targets.0", 1.5),
        ("vens:ven", "venName", True),
        ("vens:ven", "attributes", {}),
        ("resources", "resourceName", 5),
        ("resources", "resourceName", None),
        ("resources", "venID", 5),
        ("resources", "clientID", 5),
        ("resources", "attributes", {}),
        ("resources", "targets", "feeder-7"),
        ("resources:ven", "venID", []),
        ("resources:ven", "resourceName", {"name": "x"}),
    ]
)

BAD_BODY_ID_CASES = by_kind(
    (kind, path, value)
    for kind, path in [
        ("events", "programID"),
        ("reports", "eventID"),
        ("subscriptions", "programID"),
        ("resources", "venID"),
        ("resources:ven", "venID"),
    ]
    for value in ["a/b", "a b", LONG, "", "a.b", "caf\u00e9"]
)

# Strings the YAML bounds to 1..128 characters: 129 characters, and empty.
LENGTH_CASES = by_kind(
    (kind, path, value)
    for kind, path in [
        ("programs", "programName"),
        ("programs", "targets.0"),
        ("programs", "attributes.0.type"),
        ("programs", "payloadDescriptors.0.payloadType"),
        ("programs", "payloadDescriptors.0.units"),
        ("events", "targets.0"),
        ("events", "reportDescriptors.0.payloadType"),
        ("events", "reportDescriptors.0.readingType"),
        ("events", "reportDescriptors.0.targets.0"),
        ("events", "payloadDescriptors.0.payloadType"),
        ("events", "intervals.0.payloads.0.type"),
        ("reports", "clientName"),
        ("reports", "resources.0.resourceName"),
        ("reports", "payloadDescriptors.0.payloadType"),
        ("reports", "payloadDescriptors.0.readingType"),
        ("subscriptions", "clientName"),
        ("subscriptions", "targets.0"),
        ("vens", "venName"),
        ("vens", "clientID"),
        ("vens", "targets.0"),
        ("vens:ven", "venName"),
        ("resources", "resourceName"),
        ("resources", "targets.0"),
        ("resources:ven", "resourceName"),
    ]
    for value in (LONG, "")
)

BAD_DATETIMES = ["2026-07-01T17:00:00", "garbage", "2026-13-01T17:00:00Z"]
MORE_BAD_DATETIMES = ["2026-07-01", "2026-02-30T17:00:00Z", "2026-07-01T24:30:00Z", "2026-07-01T17:00:00+0200", ""]
DATETIME_CASES = by_kind(
    [("events", "intervalPeriod.start", v) for v in BAD_DATETIMES + MORE_BAD_DATETIMES]
    + [
        (kind, path, v)
        for kind, path in [
            ("programs", "intervalPeriod.start"),
            ("events", "intervals.0.intervalPeriod.start"),
            ("reports", "resources.0.intervalPeriod.start"),
            ("reports", "resources.0.intervals.0.intervalPeriod.start"),
        ]
        for v in BAD_DATETIMES
    ]
)

BAD_DURATIONS = ["1H", "P", "PT", "PT1", "P1H", "PT1M2H", "-P", "", "1 hour"]
DURATION_CASES = by_kind(
    [("events", path, v) for path in ("duration", "intervalPeriod.duration") for v in BAD_DURATIONS]
    + [
        (kind, path, v)
        for kind, path in [
            ("events", "intervalPeriod.randomizeStart"),
            ("events", "intervals.0.intervalPeriod.duration"),
            ("programs", "intervalPeriod.duration"),
            ("reports", "resources.0.intervalPeriod.duration"),
        ]
        for v in ("1H", "P", "PT")
    ]
)

ENUM_CASES = by_kind(
    [
        ("subscriptions", "objectOperations.0.objects", ["FOO"]),
        ("subscriptions", "objectOperations.0.objects", ["event"]),
        ("subscriptions", "objectOperations.0.operations", ["FOO"]),
        ("subscriptions", "objectOperations.0.operations", ["read"]),
        ("events", "reportDescriptors.0.reportIntervals", "X"),
        ("programs", "payloadDescriptors.0.objectType", "FOO"),
        ("events", "payloadDescriptors.0.objectType", "FOO"),
        ("events", "payloadDescriptors.0.objectType", "REPORT_PAYLOAD_DESCRIPTOR"),
        ("reports", "payloadDescriptors.0.objectType", "FOO"),
        ("reports", "payloadDescriptors.0.objectType", "EVENT_PAYLOAD_DESCRIPTOR"),
    ]
)

RANGE_CASES = by_kind(
    [
        ("events", "priority", -1),
        ("events", "intervals.0.id", 2**31),
        ("reports", "payloadDescriptors.0.confidence", 101),
        ("reports", "payloadDescriptors.0.confidence", -1),
        ("programs", "payloadDescriptors.1.confidence", 101),
        ("programs", "programDescriptions.0.URL", "x"),
        ("subscriptions", "objectOperations.0.callbackUrl", "not a url"),
    ]
)


JSON = "application/json"


def _raw(data, content_type: str = JSON):
    return lambda body: {"data": data, "content_type": content_type}


def _as(content_type: str):
    return lambda body: {"data": json.dumps(body), "content_type": content_type}


MALFORMED = [
    ("a list", _raw("[]"), 400),
    ("a string", _raw('"program"'), 400),
    ("a number", _raw("5"), 400),
    ("null", _raw("null"), 400),
    ("a boolean", _raw("true"), 400),
    ("unclosed JSON", _raw("{"), 400),
    ("single-quoted JSON", _raw("{'programName': 'x'}"), 400),
    ("an empty body", _raw(""), 400),
    ("bytes that are not UTF-8", _raw(b"\xff\xfe"), 400),
]
# RFC 8259 has no NaN or Infinity; Python's json module accepts them unless told not to.
NON_STANDARD_JSON = [
    ("a NaN token", lambda body: {"data": json.dumps(body | {"x_extension": float("nan")}), "content_type": JSON}, 400),
    (
        "an Infinity token",
        lambda body: {"data": json.dumps(body | {"x_extension": float("inf")}), "content_type": JSON},
        400,
    ),
]
CONTENT_TYPES = [(ct, _as(ct), 415) for ct in ("text/plain", "application/xml", "application/x-www-form-urlencoded")]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(MISSING_CASES))
def test_missing_required_member_is_rejected(world, method, kind):
    check_rejected(world, kind, method, MISSING_CASES[kind])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(WRONG_TYPE_CASES))
def test_member_of_wrong_type_is_rejected(world, method, kind):
    check_rejected(world, kind, method, WRONG_TYPE_CASES[kind])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(BAD_BODY_ID_CASES))
def test_bad_object_id_in_body_is_rejected(world, method, kind):
    check_rejected(world, kind, method, BAD_BODY_ID_CASES[kind])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(LENGTH_CASES))
def test_string_too_long_or_empty_is_rejected(world, method, kind):
    check_rejected(world, kind, method, LENGTH_CASES[kind])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(DATETIME_CASES))
def test_malformed_date_time_is_rejected(world, method, kind):
    check_rejected(world, kind, method, DATETIME_CASES[kind])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(DURATION_CASES))
def test_malformed_duration_is_rejected(world, method, kind):
    check_rejected(world, kind, method, DURATION_CASES[kind])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(ENUM_CASES))
def test_unknown_enum_value_is_rejected(world, method, kind):
    check_rejected(world, kind, method, ENUM_CASES[kind])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(RANGE_CASES))
def test_value_out_of_range_is_rejected(world, method, kind):
    check_rejected(world, kind, method, RANGE_CASES[kind])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", BODY_KINDS)
def test_body_that_is_not_a_json_object_is_400_and_not_json_is_415(world, method, kind):
    check_rejected(world, kind, method, MALFORMED + CONTENT_TYPES)


@pytest.mark.parametrize("method", METHODS)
def test_resource_client_id_other_than_its_vens_is_rejected(world, method):
    check_rejected(world, "resources", method, by_kind([("resources", "clientID", "ven-of-someone-else")])["resources"])


@pytest.mark.parametrize("method", METHODS)
def test_non_standard_json_tokens_are_rejected(world, method):
    check_rejected(world, "events", method, NON_STANDARD_JSON)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/ld+json", "Application/JSON"])
def test_json_content_types_are_accepted(world, content_type):
    response = world.bl.post("/programs", data=json.dumps(world.body("programs")), content_type=content_type)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("kind", ["programs", "events", "reports", "subscriptions", "vens", "resources"])
def test_bad_object_id_in_path_is_400_and_well_formed_unknown_id_is_404(world, kind):
    path = KINDS[kind][0]
    body = world.body(kind)
    before = world.listing(kind)
    wrong = []
    for method in ("GET", "PUT", "DELETE"):
        sent = body if method == "PUT" else None
        for object_id, status in [
            ("bad%20id", 400),
            ("a.b", 400),
            (LONG, 400),
            ("caf%C3%A9", 400),
            ("a+b", 400),
            ("x" * 128, 404),
            ("A-z_0-9", 404),
            ("_", 404),
        ]:
            try:
                assert_problem(world.writer(kind).request(method, f"{path}/{object_id}", json=sent), status)
            except AssertionError as exc:
                wrong.append(f"{method} {path}/{object_id[:20]}: expected {status}, got {str(exc)[:300]}")
    assert not wrong, "\n".join(wrong)
    assert world.listing(kind) == before


# ---------------------------------------------------------------- what is accepted


def create_then_replace(world: World, kind: str, make) -> list[tuple[str, dict, dict]]:
    """POST ``make(body)``, then PUT ``make(body)`` onto the created object: [(method, sent, returned)].

    Each time, a GET must return what the write returned.
    """
    sent = make(world.body(kind))
    created = world.write(kind, "POST", sent)
    assert world.read(kind, created) == created
    resent = make(world.body(kind))
    replaced = world.write(kind, "PUT", resent, url=f"{KINDS[kind][0]}/{created['id']}")
    assert replaced["id"] == created["id"]
    assert world.read(kind, replaced) == replaced
    return [("POST", sent, created), ("PUT", resent, replaced)]


# Optional members sent as null: top-level ones at once, then nested ones (keeping their parents).
NULLABLE = {
    ("programs", "top"): ["intervalPeriod", "programDescriptions", "payloadDescriptors", "attributes", "targets"],
    ("programs", "nested"): ["intervalPeriod.start", "intervalPeriod.duration", "intervalPeriod.randomizeStart"],
    ("programs", "descriptors"): [
        "payloadDescriptors.0.units",
        "payloadDescriptors.0.currency",
        "payloadDescriptors.1.readingType",
        "payloadDescriptors.1.units",
        "payloadDescriptors.1.accuracy",
        "payloadDescriptors.1.confidence",
    ],
    ("events", "top"): [
        "eventName",
        "duration",
        "priority",
        "targets",
        "reportDescriptors",
        "payloadDescriptors",
        "intervalPeriod",
        "intervals",
    ],
    ("events", "nested"): [
        "intervalPeriod.start",
        "intervalPeriod.duration",
        "intervalPeriod.randomizeStart",
        "intervals.0.intervalPeriod",
        "payloadDescriptors.0.units",
        "payloadDescriptors.0.currency",
    ]
    + [
        f"reportDescriptors.0.{name}"
        for name in (
            "readingType",
            "units",
            "targets",
            "aggregate",
            "startInterval",
            "numIntervals",
            "historical",
            "frequency",
            "repeat",
            "reportIntervals",
        )
    ],
    ("reports", "top"): ["reportName", "payloadDescriptors"],
    ("reports", "nested"): [
        "resources.0.intervalPeriod",
        "resources.0.intervals.0.intervalPeriod",
        "payloadDescriptors.0.readingType",
        "payloadDescriptors.0.units",
        "payloadDescriptors.0.accuracy",
        "payloadDescriptors.0.confidence",
    ],
    ("subscriptions", "top"): ["programID", "targets"],
    ("subscriptions", "nested"): ["objectOperations.0.bearerToken"],
    ("vens", "top"): ["targets", "attributes"],
    ("vens:ven", "top"): ["attributes"],
    ("resources", "top"): ["targets", "attributes"],
    ("resources:ven", "top"): ["attributes"],
}


@pytest.mark.parametrize("kind, where", list(NULLABLE), ids=[f"{k}-{w}" for k, w in NULLABLE])
def test_null_for_optional_members_is_accepted(world, kind, where):
    def nulled(body):
        for path in NULLABLE[kind, where]:
            body = changed(body, path, None)
        return body

    for method, _sent, stored in create_then_replace(world, kind, nulled):
        for path in NULLABLE[kind, where]:
            assert member(stored, path) in (None, []), (method, path, member(stored, path))


START_PATHS = [
    ("programs", "intervalPeriod.start"),
    ("events", "intervalPeriod.start"),
    ("events", "intervals.0.intervalPeriod.start"),
    ("reports", "resources.0.intervalPeriod.start"),
    ("reports", "resources.0.intervals.0.intervalPeriod.start"),
]
CANONICAL_STARTS = [
    ("0001-01-01", "0001-01-01T00:00:00Z"),
    ("0001-01-01T00:00:00", "0001-01-01T00:00:00Z"),
    ("2026-07-01T19:00:00+02:00", "2026-07-01T17:00:00Z"),
    ("2026-07-01T12:00:00-05:00", "2026-07-01T17:00:00Z"),
    ("2026-07-02T01:30:00+08:30", "2026-07-01T17:00:00Z"),
    ("2026-07-01T17:00:00+00:00", "2026-07-01T17:00:00Z"),
    ("2026-07-01T17:00:00Z", "2026-07-01T17:00:00Z"),
    ("2026-07-01T19:00:00.250+02:00", "2026-07-01T17:00:00.25Z"),
]


def _same_time(returned, expected: str) -> bool:
    """Equal text, or (with fractional seconds) the same instant written in UTC with a Z."""
    if returned == expected:
        return True
    if "." not in expected or not isinstance(returned, str) or not returned.endswith("Z"):
        return False
    return datetime.fromisoformat(returned[:-1] + "+00:00") == datetime.fromisoformat(expected[:-1] + "+00:00")


@pytest.mark.parametrize("kind, path", START_PATHS, ids=[f"{k}:{p}" for k, p in START_PATHS])
def test_start_is_returned_in_utc_with_z_and_now_sentinels_as_year_one(world, kind, path):
    wrong = []
    for sent, expected in CANONICAL_STARTS:
        for method, _body, stored in create_then_replace(world, kind, lambda body, s=sent: changed(body, path, s)):
            returned = member(stored, path)
            if not _same_time(returned, expected):
                wrong.append(f"{method} {sent!r}: returned {returned}, expected {expected!r}")
    assert not wrong, "\n".join(wrong)


def test_lowercase_t_and_z_are_accepted_and_returned_uppercase(world):
    for method, _sent, stored in create_then_replace(
        world, "events", lambda body: changed(body, "intervalPeriod.start", "2026-07-01t17:00:00z")
    ):
        assert stored["intervalPeriod"]["start"] == "2026-07-01T17:00:00Z", method


BOUNDARY = [
    ("programs", "programName"),
    ("programs", "targets.0"),
    ("events", "targets.0"),
    ("reports", "clientName"),
    ("reports", "resources.0.resourceName"),
    ("subscriptions", "clientName"),
    ("vens", "venName"),
    ("vens", "clientID"),
    ("vens:ven", "venName"),
    ("resources", "resourceName"),
]


@pytest.mark.parametrize("kind, path", BOUNDARY, ids=[f"{k}:{p}" for k, p in BOUNDARY])
def test_string_of_128_characters_is_accepted(world, kind, path):
    for char in ("x", "\u00e9", "\U0001f600"):
        prefix = f"{next(_n)}-"
        value = prefix + char * (128 - len(prefix))
        for method, _sent, stored in create_then_replace(world, kind, lambda body, v=value: changed(body, path, v)):
            assert member(stored, path) == value, (method, char)


OWN_TYPE = {
    "programs": "PROGRAM",
    "events": "EVENT",
    "reports": "REPORT",
    "subscriptions": "SUBSCRIPTION",
    "vens": "VEN",
    "vens:ven": "VEN",
    "resources": "RESOURCE",
    "resources:ven": "RESOURCE",
}


@pytest.mark.parametrize("kind", BODY_KINDS)
def test_vtn_provisioned_members_in_requests_are_ignored(world, kind):
    def provisioned(body):
        return body | {
            "id": "chosen-by-client",
            "createdDateTime": "2000-01-01T00:00:00Z",
            "modificationDateTime": "2000-01-01T00:00:00Z",
            "objectType": "PROGRAM" if OWN_TYPE[kind] != "PROGRAM" else "EVENT",
        }

    (_, _, created), (_, _, replaced) = create_then_replace(world, kind, provisioned)
    for stored in (created, replaced):
        assert stored["id"] != "chosen-by-client"
        assert stored["objectType"] == OWN_TYPE[kind]
        assert not stored["createdDateTime"].startswith("2000")
        assert not stored["modificationDateTime"].startswith("2000")
    assert replaced["createdDateTime"] == created["createdDateTime"]
    assert world.writer(kind).get(f"{KINDS[kind][0]}/chosen-by-client").status_code == 404


@pytest.mark.parametrize("kind", ["vens", "vens:ven", "resources", "resources:ven"])
def test_ven_and_resource_requests_need_no_object_type(world, kind):
    for _method, _sent, stored in create_then_replace(world, kind, lambda body: changed(body, "objectType", MISSING)):
        assert stored["objectType"] == OWN_TYPE[kind]


def test_bl_ven_request_labelled_as_ven_variant_is_read_as_bl_variant(world):
    stored = world.write("vens", "POST", world.body("vens") | {"objectType": "VEN_VEN_REQUEST"})
    assert stored["clientID"] == world.ven.client_id
    assert stored["targets"] == ["feeder-7"]


NESTED_OBJECT = {
    "programs": "intervalPeriod",
    "events": "intervals.0",
    "reports": "resources.0",
    "subscriptions": "objectOperations.0",
    "vens": "attributes.0",
    "vens:ven": "attributes.0",
    "resources": "attributes.0",
    "resources:ven": "attributes.0",
}


@pytest.mark.parametrize("kind", BODY_KINDS)
def test_unknown_members_are_ignored_and_not_echoed(world, kind):
    nested = NESTED_OBJECT[kind]

    def extended(body):
        body = body | {"myPrivateObject": {"vendor": "acme"}, "x_extension": 7}
        return changed(body, f"{nested}.myPrivateMember", [1, 2])

    for method, _sent, stored in create_then_replace(world, kind, extended):
        assert "myPrivateObject" not in stored, method
        assert "x_extension" not in stored, method
        assert "myPrivateMember" not in member(stored, nested), method


DESCRIPTORS_30 = [
    ("programs", {"payloadType": "PRICE", "units": "KWH", "currency": "USD"}, "EVENT_PAYLOAD_DESCRIPTOR"),
    ("programs", {"payloadType": "USAGE", "readingType": "DIRECT_READ"}, "REPORT_PAYLOAD_DESCRIPTOR"),
    ("events", {"payloadType": "PRICE", "units": "KWH"}, "EVENT_PAYLOAD_DESCRIPTOR"),
    ("reports", {"payloadType": "USAGE", "units": "KWH"}, "REPORT_PAYLOAD_DESCRIPTOR"),
]


@pytest.mark.parametrize(
    "kind, descriptor, expected", DESCRIPTORS_30, ids=[f"{k}-{len(d)}-{e[:5]}" for k, d, e in DESCRIPTORS_30]
)
def test_payload_descriptor_without_object_type_is_returned_with_it(world, kind, descriptor, expected):
    for method, _sent, stored in create_then_replace(
        world, kind, lambda body: body | {"payloadDescriptors": [descriptor]}
    ):
        assert stored["payloadDescriptors"] == [descriptor | {"objectType": expected}], method
