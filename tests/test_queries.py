"""List queries: paging (skip, limit, creation order) on every collection, and every filter of the YAML,
alone and combined (filters are ANDed). Unknown query parameters are ignored."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from . import builders as b
from .conftest import BASE

_n = itertools.count(1)
LONG = "x" * 129
COLLECTIONS = ["programs", "events", "reports", "subscriptions", "vens", "resources"]


def assert_problem(response, status: int = 400) -> None:
    """``response`` is a problem object with ``status``."""
    assert response.status_code == status, (response.status_code, response.get_json())
    problem = response.get_json()
    assert {"type", "title", "status", "detail", "instance"} <= set(problem), problem
    assert problem["status"] == status


class Scene:
    """A BL and a VEN party, and per collection a way to make objects (in bulk, without the slow OpenAPI check)."""

    def __init__(self, parties):
        self.bl = parties("bl", "utility DR system")
        self.ven = parties("ven", "automaker A fleet")
        self._program = None
        self._event = None
        self._ven_obj = None

    def program(self) -> dict:
        if self._program is None:
            self._program = self.bl.create("/programs", b.program())
        return self._program

    def event(self) -> dict:
        if self._event is None:
            self._event = self.bl.create("/events", b.event(self.program()["id"]))
        return self._event

    def ven_obj(self) -> dict:
        if self._ven_obj is None:
            self._ven_obj = self.bl.create("/vens", b.ven_by_bl(self.ven.client_id))
        return self._ven_obj

    def writer(self, collection: str):
        return self.ven if collection in ("reports", "subscriptions") else self.bl

    def body(self, collection: str) -> dict:
        """A valid, distinct request for ``collection``."""
        if collection == "programs":
            return b.program()
        if collection == "events":
            return b.event(self.program()["id"])
        if collection == "reports":
            return b.report(self.event()["id"])
        if collection == "subscriptions":
            return b.subscription()
        if collection == "vens":
            return b.ven_by_bl(self.ven.client_id)
        return b.resource_by_bl(self.ven_obj()["id"])

    def bulk(self, collection: str, count: int) -> list[str]:
        """Create ``count`` objects through the raw client; their ids, in creation order."""
        party = self.writer(collection)
        ids = []
        for _ in range(count):
            response = party.http.post(
                f"{BASE}/{collection}",
                json=self.body(collection),
                headers={"Authorization": f"Bearer {party.token}"},
            )
            assert response.status_code == 201, response.get_json()
            ids.append(response.get_json()["id"])
        return ids

    def ids(self, collection: str, query=None, party=None) -> list[str]:
        """The ids BL (or ``party``) gets from a list query, which must succeed."""
        response = (party or self.bl).get(f"/{collection}", query=query)
        assert response.status_code == 200, response.get_json()
        return [obj["id"] for obj in response.get_json()]


@pytest.fixture
def scene(parties) -> Scene:
    return Scene(parties)


# ---------------------------------------------------------------- paging


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_default_page_is_50_and_pages_follow_creation_order(scene, collection):
    created = scene.bulk(collection, 60)
    assert scene.ids(collection) == created[:50]
    assert scene.ids(collection, "limit=50") == created[:50]
    assert scene.ids(collection, "skip=50") == created[50:]
    assert scene.ids(collection, "skip=45&limit=10") == created[45:55]
    assert scene.ids(collection, "skip=60") == []
    assert scene.ids(collection, "skip=2147483647") == []
    walked = []
    for skip in range(0, 63, 7):
        page = scene.ids(collection, f"skip={skip}&limit=7")
        assert len(page) == min(7, max(0, 60 - skip))
        walked += page
    assert walked == created


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_limit_zero_returns_an_empty_list(scene, collection):
    scene.bulk(collection, 2)
    assert scene.ids(collection, "limit=0") == []
    assert scene.ids(collection, "limit=1") != []


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_replacing_an_object_keeps_its_place_in_the_order(scene, collection):
    created = scene.bulk(collection, 3)
    party = scene.writer(collection)
    response = party.put(f"/{collection}/{created[0]}", scene.body(collection))
    assert response.status_code == 200, response.get_json()
    assert scene.ids(collection, party=party) == created


BAD_PAGING = ["limit=51", "limit=-1", "limit=abc", "limit=1.5", "limit=2147483648", "skip=-1", "skip=abc"]
BAD_PAGING += ["skip=1.5", "skip=2147483648", "skip=-1&limit=10", "skip=0&limit=51"]


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_bad_skip_or_limit_is_rejected(scene, collection):
    wrong = []
    for query in BAD_PAGING:
        try:
            assert_problem(scene.bl.get(f"/{collection}", query=query))
        except AssertionError as exc:
            wrong.append(f"GET /{collection}?{query}: {str(exc)[:300]}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_unknown_query_parameters_are_ignored(scene, collection):
    created = scene.bulk(collection, 3)
    for query in ["foo=bar", "targetType=GROUP&targetValues=x", "Limit=1", "skip=1&unknown=&x=1&x=2"]:
        expected = created[1:] if query.startswith("skip=1") else created
        assert scene.ids(collection, query) == expected, query


# ---------------------------------------------------------------- filters


def check_queries(scene, collection: str, names: dict, cases: list, party=None) -> None:
    """Each (query, expected names) of ``cases`` must list exactly those objects, in creation order."""
    by_id = {obj_id: name for name, obj_id in names.items()}
    wrong = []
    for query, expected in cases:
        got = [by_id.get(obj_id, obj_id) for obj_id in scene.ids(collection, query, party)]
        if got != expected:
            wrong.append(f"GET /{collection}?{query}: got {got}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def check_rejected_queries(scene, collection: str, queries: list) -> None:
    """Each query is a 400 problem."""
    wrong = []
    for query in queries:
        try:
            assert_problem(scene.bl.get(f"/{collection}", query=query))
        except AssertionError as exc:
            wrong.append(f"GET /{collection}?{query}: {str(exc)[:300]}")
    assert not wrong, "\n".join(wrong)


def test_programs_filter_by_targets(scene):
    names = {
        "a": scene.bl.create("/programs", b.program(targets=["a"]))["id"],
        "b": scene.bl.create("/programs", b.program(targets=["b"]))["id"],
        "ab": scene.bl.create("/programs", b.program(targets=["a", "b"]))["id"],
        "none": scene.bl.create("/programs", b.program())["id"],
        "c": scene.bl.create("/programs", b.program(targets=["c"]))["id"],
    }
    check_queries(
        scene,
        "programs",
        names,
        [
            ("", ["a", "b", "ab", "none", "c"]),
            ("targets=a", ["a", "ab"]),
            ("targets=b&targets=c", ["b", "ab", "c"]),
            ("targets=zzz", []),
            ("targets=a&limit=1&skip=1", ["ab"]),
        ],
    )
    check_rejected_queries(scene, "programs", [f"targets={LONG}"])


def test_events_filter_by_program_and_targets(scene):
    p1 = scene.bl.create("/programs", b.program())["id"]
    p2 = scene.bl.create("/programs", b.program())["id"]
    names = {
        "p1-a": scene.bl.create("/events", b.event(p1, targets=["a"]))["id"],
        "p2-a": scene.bl.create("/events", b.event(p2, targets=["a"]))["id"],
        "p1-b": scene.bl.create("/events", b.event(p1, targets=["b"]))["id"],
        "p1-none": scene.bl.create("/events", b.event(p1))["id"],
    }
    check_queries(
        scene,
        "events",
        names,
        [
            (f"programID={p1}", ["p1-a", "p1-b", "p1-none"]),
            (f"programID={p2}", ["p2-a"]),
            ("programID=no-such-program", []),
            ("targets=a", ["p1-a", "p2-a"]),
            ("targets=a&targets=b", ["p1-a", "p2-a", "p1-b"]),
            (f"programID={p1}&targets=a", ["p1-a"]),
            (f"programID={p2}&targets=b", []),
            (f"programID={p1}&limit=1&skip=1", ["p1-b"]),
        ],
    )
    check_rejected_queries(scene, "events", ["programID=bad%20id", f"programID={LONG}", f"targets={LONG}"])


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _timed(program_id: str, start: str, duration: str, **overrides) -> dict:
    return b.event(program_id, intervalPeriod={"start": start, "duration": duration}, **overrides)


def test_events_filter_by_active(scene):
    p1 = scene.bl.create("/programs", b.program())["id"]
    p2 = scene.bl.create("/programs", b.program())["id"]
    now = datetime.now(UTC).replace(microsecond=0)
    hour_long = [{"id": i, "payloads": [{"type": "SIMPLE", "values": [i]}]} for i in range(3)]
    bodies = {
        "past": _timed(p1, "2020-01-01T00:00:00Z", "PT1H"),
        "now": _timed(p1, _at(now - timedelta(hours=1)), "PT2H"),
        "future": _timed(p1, "2099-01-01T00:00:00Z", "PT1H"),
        "do-it-now": _timed(p1, "0001-01-01", "P9999Y"),
        "just-ended": _timed(p1, _at(now - timedelta(hours=2)), "PT1H"),
        "third-of-three-now": _timed(p1, _at(now - timedelta(hours=2, minutes=30)), "PT1H", intervals=hour_long),
        "three-ended": _timed(p1, _at(now - timedelta(hours=3, minutes=30)), "PT1H", intervals=hour_long),
        "now-by-interval": b.event(
            p1,
            intervalPeriod=None,
            intervals=[
                {
                    "id": 0,
                    "intervalPeriod": {"start": _at(now - timedelta(minutes=30)), "duration": "PT1H"},
                    "payloads": [{"type": "SIMPLE", "values": [1]}],
                }
            ],
        ),
        "now-other-program": _timed(p2, _at(now - timedelta(minutes=10)), "PT1H"),
        "starts-soon": _timed(p1, _at(now + timedelta(minutes=30)), "PT1H"),
    }
    names = {name: scene.bl.create("/events", body)["id"] for name, body in bodies.items()}
    active = ["now", "do-it-now", "third-of-three-now", "now-by-interval", "now-other-program"]
    inactive = [name for name in bodies if name not in active]
    check_queries(
        scene,
        "events",
        names,
        [
            ("", list(bodies)),
            ("active=true", active),
            ("active=false", inactive),
            (f"programID={p1}&active=true", [n for n in active if n != "now-other-program"]),
            (f"programID={p2}&active=false", []),
            ("active=true&limit=2&skip=1", active[1:3]),
        ],
    )
    check_rejected_queries(scene, "events", ["active=maybe", "active=2"])


def test_reports_filter_by_program_event_and_client_name(scene):
    p1 = scene.bl.create("/programs", b.program())["id"]
    p2 = scene.bl.create("/programs", b.program())["id"]
    e1 = scene.bl.create("/events", b.event(p1))["id"]
    e2 = scene.bl.create("/events", b.event(p1))["id"]
    e3 = scene.bl.create("/events", b.event(p2))["id"]
    names = {
        "e1-a": scene.ven.create("/reports", b.report(e1, "client-a"))["id"],
        "e2-b": scene.ven.create("/reports", b.report(e2, "client-b"))["id"],
        "e3-a": scene.ven.create("/reports", b.report(e3, "client-a"))["id"],
        "e1-b": scene.ven.create("/reports", b.report(e1, "client-b"))["id"],
    }
    check_queries(
        scene,
        "reports",
        names,
        [
            (f"programID={p1}", ["e1-a", "e2-b", "e1-b"]),
            (f"programID={p2}", ["e3-a"]),
            (f"eventID={e1}", ["e1-a", "e1-b"]),
            (f"eventID={e3}", ["e3-a"]),
            ("clientName=client-a", ["e1-a", "e3-a"]),
            ("clientName=client-c", []),
            (f"programID={p1}&clientName=client-a", ["e1-a"]),
            (f"eventID={e1}&clientName=client-b", ["e1-b"]),
            (f"eventID={e3}&clientName=client-b", []),
            (f"programID={p2}&eventID={e1}", []),
            (f"programID={p1}&eventID={e2}&clientName=client-b", ["e2-b"]),
        ],
    )
    check_queries(scene, "reports", names, [(f"eventID={e1}", ["e1-a", "e1-b"])], party=scene.ven)
    check_rejected_queries(
        scene, "reports", ["programID=a.b", "eventID=bad%20id", f"eventID={LONG}", f"clientName={LONG}"]
    )


def test_subscriptions_filter_by_program_client_name_and_objects(scene):
    p1 = scene.bl.create("/programs", b.program())["id"]
    p2 = scene.bl.create("/programs", b.program())["id"]
    names = {
        "p1-a-event": scene.ven.create("/subscriptions", b.subscription("a", ["EVENT"], programID=p1))["id"],
        "p2-b-program-event": scene.ven.create(
            "/subscriptions", b.subscription("b", ["PROGRAM", "EVENT"], programID=p2)
        )["id"],
        "none-a-report": scene.ven.create("/subscriptions", b.subscription("a", ["REPORT"]))["id"],
        "p1-b-resource-ven": scene.ven.create("/subscriptions", b.subscription("b", ["RESOURCE", "VEN"], programID=p1))[
            "id"
        ],
    }
    check_queries(
        scene,
        "subscriptions",
        names,
        [
            (f"programID={p1}", ["p1-a-event", "p1-b-resource-ven"]),
            (f"programID={p2}", ["p2-b-program-event"]),
            ("clientName=a", ["p1-a-event", "none-a-report"]),
            ("objects=EVENT", ["p1-a-event", "p2-b-program-event"]),
            ("objects=REPORT&objects=VEN", ["none-a-report", "p1-b-resource-ven"]),
            ("objects=SUBSCRIPTION", []),
            (f"programID={p1}&objects=EVENT", ["p1-a-event"]),
            ("clientName=b&objects=PROGRAM", ["p2-b-program-event"]),
            (f"programID={p1}&clientName=b&objects=VEN", ["p1-b-resource-ven"]),
            (f"programID={p2}&clientName=a", []),
        ],
    )
    check_rejected_queries(
        scene, "subscriptions", ["objects=FOO", "objects=EVENT&objects=event", "programID=a/b", f"clientName={LONG}"]
    )


def test_vens_filter_by_name_and_targets(scene):
    client = scene.ven.client_id
    names = {
        "alpha": scene.bl.create("/vens", b.ven_by_bl(client, "alpha", targets=["a"]))["id"],
        "beta": scene.bl.create("/vens", b.ven_by_bl(client, "beta", targets=["b"]))["id"],
        "gamma": scene.bl.create("/vens", b.ven_by_bl(client, "gamma", targets=["a", "b"]))["id"],
        "delta": scene.bl.create("/vens", b.ven_by_bl(client, "delta"))["id"],
    }
    check_queries(
        scene,
        "vens",
        names,
        [
            ("venName=beta", ["beta"]),
            ("venName=nobody", []),
            ("targets=a", ["alpha", "gamma"]),
            ("targets=a&targets=b", ["alpha", "beta", "gamma"]),
            ("venName=alpha&targets=b", []),
            ("venName=gamma&targets=b", ["gamma"]),
        ],
    )
    check_rejected_queries(scene, "vens", [f"venName={LONG}", f"targets={LONG}"])


def test_resources_filter_by_name_ven_and_targets(scene):
    v1 = scene.bl.create("/vens", b.ven_by_bl(scene.ven.client_id))["id"]
    v2 = scene.bl.create("/vens", b.ven_by_bl(scene.ven.client_id))["id"]
    names = {
        "v1-meter": scene.bl.create("/resources", b.resource_by_bl(v1, "meter", targets=["a"]))["id"],
        "v2-meter": scene.bl.create("/resources", b.resource_by_bl(v2, "meter", targets=["b"]))["id"],
        "v1-charger": scene.bl.create("/resources", b.resource_by_bl(v1, "charger", targets=["b"]))["id"],
        "v2-battery": scene.bl.create("/resources", b.resource_by_bl(v2, "battery"))["id"],
    }
    check_queries(
        scene,
        "resources",
        names,
        [
            ("resourceName=meter", ["v1-meter", "v2-meter"]),
            ("resourceName=inverter", []),
            (f"venID={v2}", ["v2-meter", "v2-battery"]),
            ("targets=b", ["v2-meter", "v1-charger"]),
            ("targets=a&targets=b", ["v1-meter", "v2-meter", "v1-charger"]),
            (f"venID={v1}&resourceName=meter", ["v1-meter"]),
            ("resourceName=meter&targets=b", ["v2-meter"]),
            (f"venID={v1}&targets=b", ["v1-charger"]),
            (f"venID={v2}&resourceName=charger", []),
            (f"venID={v1}&resourceName=meter&targets=b", []),
        ],
    )
    check_queries(scene, "resources", names, [(f"venID={v1}", ["v1-meter", "v1-charger"])], party=scene.ven)
    check_rejected_queries(scene, "resources", ["venID=a%20b", f"resourceName={LONG}", f"targets={LONG}"])
