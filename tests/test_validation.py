"""Request validation: bad input to every create (POST) and replace (PUT) is a 400 (or 415) problem and
stores nothing; the lenient cases the spec asks for (nulls, 'now' sentinels, offsets, ignored members,
3.0-era payload descriptors) are accepted and answered in canonical form."""

from __future__ import annotations

import copy
import itertools
import json
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
                "payloadDescriptors": [
                    {
                        "objectType": "EVENT_PAYLOAD_DESCRIPTOR",
                        "payloadType": "PRICE",
                        "units": "KWH",
                        "currency": "EUR",
                    },
                    {
                        "objectType": "REPORT_PAYLOAD_DESCRIPTOR",
                        "payloadType": "USAGE",
                        "readingType": "DIRECT_READ",
                        "units": "KWH",
                        "accuracy": 0.5,
                        "confidence": 90,
                    },
                ],
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

    def write(self, kind: str, method: str, body: dict):
        """Send ``body`` as a create or replace of ``kind``; expect success, return the object."""
        response = self.writer(kind).request(method, self.url(kind, method), json=body)
        assert response.status_code == (201 if method == "POST" else 200), response.get_json()
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
        except (KeyError, IndexError, TypeError):
            return default
    return obj


def assert_problem(response, status: int) -> None:
    """``response`` is a problem object with ``status``, tied to the request id."""
    assert response.status_code == status, (response.status_code, response.get_json())
    problem = response.get_json()
    assert {"type", "title", "status", "detail", "instance"} <= set(problem), problem
    assert problem["status"] == status
    assert problem["instance"] == f"urn:request:{response.headers['X-Request-ID']}"


def cases(kind_paths_values, label=""):
    """pytest params (kind, path, value) with readable ids."""
    params = []
    for kind, path, value in kind_paths_values:
        shown = "missing" if value is MISSING else json.dumps(value)
        shown = shown if len(shown) <= 24 else f"{shown[:10]}..({len(shown)})"
        params.append(pytest.param(kind, path, value, id=f"{kind}:{path}={shown}{label}"))
    return params


# Every required member of every request schema of the YAML (objectType of the ven/resource variants excepted:
# the VTN chooses the variant by role and ignores objectType; BlResourceRequest.clientID is optional, see below).
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
MISSING_CASES = cases((kind, path, MISSING) for kind, paths in REQUIRED.items() for path in paths)

WRONG_TYPES = [
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

BAD_IDS = ["a/b", "a b", LONG, "", "a.b", "caf\u00e9"]
BAD_BODY_IDS = [
    (kind, path, value)
    for kind, path in [
        ("events", "programID"),
        ("reports", "eventID"),
        ("subscriptions", "programID"),
        ("resources", "venID"),
        ("resources:ven", "venID"),
    ]
    for value in BAD_IDS
]

# Length-bounded strings (1..128): too long and empty.
BOUNDED = [
    ("programs", "programName"),
    ("programs", "targets.0"),
    ("programs", "payloadDescriptors.0.payloadType"),
    ("programs", "payloadDescriptors.0.units"),
    ("programs", "attributes.0.type"),
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
BAD_LENGTHS = [(kind, path, value) for kind, path in BOUNDED for value in (LONG, "")]

BAD_DATETIMES = ["2026-07-01T17:00:00", "garbage", "2026-13-01T17:00:00Z"]
BAD_DATETIMES_MORE = ["2026-07-01", "2026-02-30T17:00:00Z", "2026-07-01T24:30:00Z", "2026-07-01T17:00:00+0200", ""]
START_PATHS = [
    ("programs", "intervalPeriod.start"),
    ("events", "intervals.0.intervalPeriod.start"),
    ("reports", "resources.0.intervalPeriod.start"),
    ("reports", "resources.0.intervals.0.intervalPeriod.start"),
]
DATETIME_CASES = [("events", "intervalPeriod.start", v) for v in BAD_DATETIMES + BAD_DATETIMES_MORE] + [
    (kind, path, v) for kind, path in START_PATHS for v in BAD_DATETIMES
]

BAD_DURATIONS = ["1H", "P", "PT", "PT1", "P1H", "PT1M2H", "-P", "", "1 hour"]
DURATION_PATHS = [
    ("events", "intervalPeriod.randomizeStart"),
    ("events", "intervals.0.intervalPeriod.duration"),
    ("programs", "intervalPeriod.duration"),
    ("reports", "resources.0.intervalPeriod.duration"),
]
DURATION_CASES = (
    [("events", "duration", v) for v in BAD_DURATIONS]
    + [("events", "intervalPeriod.duration", v) for v in BAD_DURATIONS]
    + [(kind, path, v) for kind, path in DURATION_PATHS for v in ("1H", "P", "PT")]
)

ENUM_CASES = [
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

RANGE_CASES = [
    ("events", "priority", -1),
    ("events", "intervals.0.id", 2**31),
    ("reports", "payloadDescriptors.0.confidence", 101),
    ("reports", "payloadDescriptors.0.confidence", -1),
    ("programs", "payloadDescriptors.1.confidence", 101),
    ("programs", "programDescriptions.0.URL", "x"),
    ("subscriptions", "objectOperations.0.callbackUrl", "not a url"),
]

INVALID = (
    cases(WRONG_TYPES, " (type)")
    + cases(BAD_BODY_IDS, " (objectID)")
    + cases(BAD_LENGTHS, " (length)")
    + cases(DATETIME_CASES, " (date-time)")
    + cases(DURATION_CASES, " (duration)")
    + cases(ENUM_CASES, " (enum)")
    + cases(RANGE_CASES, " (range)")
)


def rejects(world: World, kind: str, method: str, status: int = 400, **request) -> None:
    """Send a request of ``kind``; expect a problem with ``status`` and an unchanged collection."""
    url = world.url(kind, method)
    before = world.listing(kind)
    response = world.writer(kind).request(method, url, **request)
    assert_problem(response, status)
    assert world.listing(kind) == before


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind, path, value", MISSING_CASES)
def test_missing_required_member_is_rejected(world, method, kind, path, value):
    rejects(world, kind, method, json=changed(world.body(kind), path, value))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind, path, value", INVALID)
def test_invalid_member_is_rejected(world, method, kind, path, value):
    rejects(world, kind, method, json=changed(world.body(kind), path, value))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", BODY_KINDS)
@pytest.mark.parametrize(
    "raw", ["[]", '"program"', "5", "null", "true"], ids=["list", "string", "number", "null", "bool"]
)
def test_body_that_is_not_an_object_is_rejected(world, method, kind, raw):
    rejects(world, kind, method, data=raw, content_type="application/json")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", BODY_KINDS)
@pytest.mark.parametrize(
    "raw", ["{", "{'programName': 'x'}", "", b"\xff\xfe"], ids=["unclosed", "quotes", "empty", "bytes"]
)
def test_invalid_json_is_rejected(world, method, kind, raw):
    rejects(world, kind, method, data=raw, content_type="application/json")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", BODY_KINDS)
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_415(world, method, kind, content_type):
    rejects(world, kind, method, 415, data=json.dumps(world.body(kind)), content_type=content_type)


def test_json_suffix_content_type_is_accepted(world):
    body = world.body("programs")
    response = world.bl.post("/programs", data=json.dumps(body), content_type="application/merge-patch+json")
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("kind", ["programs", "events", "reports", "subscriptions", "vens", "resources"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("bad_id", ["bad%20id", "a.b", LONG, "caf%C3%A9"], ids=["space", "dot", "129", "accent"])
def test_bad_object_id_in_path_is_rejected(world, kind, method, bad_id):
    path = KINDS[kind][0]
    body = world.body(kind) if method == "PUT" else None
    before = world.listing(kind)
    response = world.writer(kind).request(method, f"{path}/{bad_id}", json=body)
    assert_problem(response, 400)
    assert world.listing(kind) == before


# ---------------------------------------------------------------- what is accepted


# Optional members, all sent as null at once: top-level ones, then nested ones (keeping their parents).
NULLABLE = {
    ("programs", "top"): ["intervalPeriod", "programDescriptions", "payloadDescriptors", "attributes", "targets"],
    ("programs", "nested"): [
        "intervalPeriod.start",
        "intervalPeriod.duration",
        "intervalPeriod.randomizeStart",
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
    ("subscriptions", "top"): ["programID", "targets", "objectOperations.0.bearerToken"],
    ("vens", "top"): ["targets", "attributes"],
    ("vens:ven", "top"): ["attributes"],
    ("resources", "top"): ["targets", "attributes"],
    ("resources:ven", "top"): ["attributes"],
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind, where", list(NULLABLE), ids=[f"{k}-{w}" for k, w in NULLABLE])
def test_null_optional_members_are_accepted(world, method, kind, where):
    body = world.body(kind)
    for path in NULLABLE[kind, where]:
        body = changed(body, path, None)
    stored = world.write(kind, method, body)
    for path in NULLABLE[kind, where]:
        assert member(stored, path) in (None, []), path
    assert world.writer(kind).get(f"{KINDS[kind][0]}/{stored['id']}").get_json() == stored


NOW_PATHS = [
    ("programs", "intervalPeriod.start"),
    ("events", "intervalPeriod.start"),
    ("events", "intervals.0.intervalPeriod.start"),
    ("reports", "resources.0.intervalPeriod.start"),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind, path", NOW_PATHS, ids=[f"{k}:{p}" for k, p in NOW_PATHS])
@pytest.mark.parametrize("sentinel", ["0001-01-01", "0001-01-01T00:00:00"])
def test_now_sentinel_start_is_accepted_and_canonical(world, method, kind, path, sentinel):
    stored = world.write(kind, method, changed(world.body(kind), path, sentinel))
    assert member(stored, path) == "0001-01-01T00:00:00Z"
    assert member(world.writer(kind).get(f"{KINDS[kind][0]}/{stored['id']}").get_json(), path) == (
        "0001-01-01T00:00:00Z"
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind, path", NOW_PATHS, ids=[f"{k}:{p}" for k, p in NOW_PATHS])
@pytest.mark.parametrize(
    "sent",
    [
        "2026-07-01T19:00:00+02:00",
        "2026-07-01T12:00:00-05:00",
        "2026-07-02T01:30:00+08:30",
        "2026-07-01T17:00:00+00:00",
    ],
)
def test_date_time_with_offset_is_returned_in_utc(world, method, kind, path, sent):
    stored = world.write(kind, method, changed(world.body(kind), path, sent))
    assert member(stored, path) == "2026-07-01T17:00:00Z"


def test_lowercase_z_is_returned_as_uppercase(world):
    stored = world.write(
        "events", "POST", changed(world.body("events"), "intervalPeriod.start", "2026-07-01t17:00:00z")
    )
    assert stored["intervalPeriod"]["start"] == "2026-07-01T17:00:00Z"


OTHER_TYPE = {"programs": "EVENT", "events": "PROGRAM", "reports": "EVENT", "subscriptions": "PROGRAM"}
OWN_TYPE = {"programs": "PROGRAM", "events": "EVENT", "reports": "REPORT", "subscriptions": "SUBSCRIPTION"}
OWN_TYPE |= {"vens": "VEN", "vens:ven": "VEN", "resources": "RESOURCE", "resources:ven": "RESOURCE"}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", BODY_KINDS)
def test_vtn_provisioned_members_are_ignored(world, method, kind):
    url = world.url(kind, method)
    original = world.writer(kind).get(url).get_json() if method == "PUT" else None
    body = world.body(kind) | {
        "id": "chosen-by-client",
        "createdDateTime": "2000-01-01T00:00:00Z",
        "modificationDateTime": "2000-01-01T00:00:00Z",
        "objectType": OTHER_TYPE.get(kind, "SUBSCRIPTION"),
    }
    response = world.writer(kind).request(method, url, json=body)
    assert response.status_code == (201 if method == "POST" else 200), response.get_json()
    stored = response.get_json()
    assert stored["id"] != "chosen-by-client"
    assert stored["objectType"] == OWN_TYPE[kind]
    assert not stored["createdDateTime"].startswith("2000")
    assert not stored["modificationDateTime"].startswith("2000")
    if original is not None:
        assert stored["id"] == original["id"]
        assert stored["createdDateTime"] == original["createdDateTime"]
    assert world.writer(kind).get(f"{KINDS[kind][0]}/chosen-by-client").status_code == 404


@pytest.mark.parametrize("kind", ["vens", "vens:ven", "resources", "resources:ven"])
def test_ven_and_resource_requests_need_no_object_type(world, kind):
    body = changed(world.body(kind), "objectType", MISSING)
    stored = world.write(kind, "POST", body)
    assert stored["objectType"] == OWN_TYPE[kind]


def test_bl_ven_request_labelled_as_ven_variant_is_read_as_bl_variant(world):
    body = world.body("vens") | {"objectType": "VEN_VEN_REQUEST"}
    stored = world.write("vens", "POST", body)
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


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", BODY_KINDS)
def test_unknown_members_are_ignored_and_not_echoed(world, method, kind):
    nested = NESTED_OBJECT[kind]
    body = world.body(kind) | {"myPrivateObject": {"vendor": "acme"}, "x_extension": 7}
    body = changed(body, f"{nested}.myPrivateMember", [1, 2])
    stored = world.write(kind, method, body)
    read = world.writer(kind).get(f"{KINDS[kind][0]}/{stored['id']}").get_json()
    for obj in (stored, read):
        assert "myPrivateObject" not in obj
        assert "x_extension" not in obj
        assert "myPrivateMember" not in member(obj, nested)


DESCRIPTORS_30 = [
    ("programs", {"payloadType": "PRICE", "units": "KWH", "currency": "USD"}, "EVENT_PAYLOAD_DESCRIPTOR"),
    ("programs", {"payloadType": "USAGE", "readingType": "DIRECT_READ"}, "REPORT_PAYLOAD_DESCRIPTOR"),
    ("events", {"payloadType": "PRICE", "units": "KWH"}, "EVENT_PAYLOAD_DESCRIPTOR"),
    ("reports", {"payloadType": "USAGE", "units": "KWH"}, "REPORT_PAYLOAD_DESCRIPTOR"),
]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind, descriptor, expected", DESCRIPTORS_30, ids=lambda v: v if isinstance(v, str) else None)
def test_payload_descriptor_without_object_type_is_accepted(world, method, kind, descriptor, expected):
    stored = world.write(kind, method, world.body(kind) | {"payloadDescriptors": [descriptor]})
    assert stored["payloadDescriptors"] == [descriptor | {"objectType": expected}]
