"""Object life cycle and integrity: create, read, list, replace (PUT replaces the whole object) and delete on
every collection; unique names (409); references to other objects (404); deletion rules (programs with
events, reports of deleted events, resources of deleted vens)."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from . import builders as b

_n = itertools.count(1)
NO_SUCH_ID = "no-such-object-0000"
# What differs between an object's last state and what DELETE returns: deleting may stamp modificationDateTime.
VOLATILE = {"modificationDateTime"}


def assert_problem(response, status: int) -> None:
    """``response`` is a problem object with ``status``."""
    assert response.status_code == status, (response.status_code, response.get_json())
    problem = response.get_json()
    assert {"type", "title", "status", "detail", "instance"} <= set(problem), problem
    assert problem["status"] == status


def when(text: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def without(obj: dict, keys=VOLATILE) -> dict:
    """``obj`` without ``keys``."""
    return {k: v for k, v in obj.items() if k not in keys}


def pruned(value):
    """``value`` without null members (the VTN may echo optional members as null)."""
    if isinstance(value, dict):
        return {k: pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [pruned(v) for v in value]
    return value


def ids(party, path: str, query=None) -> list[str]:
    """The ids a list query returns (it must succeed)."""
    response = party.get(path, query=query)
    assert response.status_code == 200, response.get_json()
    return [obj["id"] for obj in response.get_json()]


class Scene:
    """BL, a VEN, and the program, event and ven objects that requests refer to (made on first use)."""

    def __init__(self, parties):
        self.parties = parties
        self.bl = parties("bl", "utility DR system")
        self.ven = parties("ven", "automaker A fleet")
        self._cache: dict = {}

    def _once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def program(self) -> dict:
        return self._once("program", lambda: self.bl.create("/programs", b.program()))

    @property
    def event(self) -> dict:
        return self._once("event", lambda: self.bl.create("/events", b.event(self.program["id"])))

    @property
    def ven_obj(self) -> dict:
        """A ven of the VEN client, registered by BL."""
        return self._once("ven_obj", lambda: self.bl.create("/vens", b.ven_by_bl(self.ven.client_id)))

    def party(self, role: str):
        return self.bl if role == "bl" else self.ven


def full_body(scene: Scene, collection: str, role: str) -> dict:
    """A request with the optional members set."""
    attributes = [{"type": "LOCATION", "values": ["garage", 1, 2.5, True]}]
    if collection == "programs":
        return b.program(
            intervalPeriod={"start": "2026-07-01T00:00:00Z", "duration": "P1M"},
            programDescriptions=[{"URL": "https://utility.example.com/dr"}],
            attributes=attributes,
            targets=["feeder-7"],
        )
    if collection == "events":
        return b.event(
            scene.program["id"],
            priority=2,
            duration="PT1H",
            targets=["feeder-7"],
            reportDescriptors=[{"payloadType": "USAGE", "readingType": "DIRECT_READ", "units": "KWH"}],
            payloadDescriptors=[{"objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "PRICE", "units": "KWH"}],
        )
    if collection == "reports":
        return b.report(
            scene.event["id"],
            payloadDescriptors=[{"objectType": "REPORT_PAYLOAD_DESCRIPTOR", "payloadType": "USAGE", "units": "KWH"}],
        )
    if collection == "subscriptions":
        body = b.subscription(programID=scene.program["id"], targets=["feeder-7"])
        body["objectOperations"][0]["bearerToken"] = "token-for-the-vtn"
        return body
    if collection == "vens":
        if role == "bl":
            return b.ven_by_bl(scene.ven.client_id, targets=["feeder-7"], attributes=attributes)
        return b.ven_by_ven(attributes=attributes)
    if role == "bl":
        return b.resource_by_bl(scene.ven_obj["id"], targets=["feeder-7"], attributes=attributes)
    return b.resource_by_ven(scene.ven_obj["id"], attributes=attributes)


def minimal_body(scene: Scene, collection: str, role: str) -> dict:
    """A request with only the required members (and a new name where there is one)."""
    if collection == "programs":
        return {"programName": f"renamed-{next(_n)}"}
    if collection == "events":
        return {"programID": scene.program["id"]}
    if collection == "reports":
        return {"eventID": scene.event["id"], "clientName": "fleet-b", "resources": []}
    if collection == "subscriptions":
        return {
            "clientName": "fleet-b",
            "objectOperations": [
                {"objects": ["PROGRAM"], "operations": ["DELETE"], "callbackUrl": "https://x.example"}
            ],
        }
    if collection == "vens":
        if role == "bl":
            return {"objectType": "BL_VEN_REQUEST", "clientID": scene.ven.client_id, "venName": f"renamed-{next(_n)}"}
        return {"objectType": "VEN_VEN_REQUEST", "venName": f"renamed-{next(_n)}"}
    kind = "BL_RESOURCE_REQUEST" if role == "bl" else "VEN_RESOURCE_REQUEST"
    return {"objectType": kind, "venID": scene.ven_obj["id"], "resourceName": f"renamed-{next(_n)}"}


DROPPED = {
    "programs": ["intervalPeriod", "programDescriptions", "attributes", "targets"],
    "events": [
        "eventName",
        "priority",
        "duration",
        "targets",
        "reportDescriptors",
        "payloadDescriptors",
        "intervalPeriod",
        "intervals",
    ],
    "reports": ["reportName", "payloadDescriptors"],
    "subscriptions": ["programID", "targets"],
    "vens": ["attributes", "targets"],
    "resources": ["attributes", "targets"],
}
OBJECT_TYPE = {
    "programs": "PROGRAM",
    "events": "EVENT",
    "reports": "REPORT",
    "subscriptions": "SUBSCRIPTION",
    "vens": "VEN",
    "resources": "RESOURCE",
}
WRITERS = [
    ("programs", "bl"),
    ("events", "bl"),
    ("reports", "ven"),
    ("subscriptions", "ven"),
    ("subscriptions", "bl"),
    ("vens", "bl"),
    ("vens", "ven"),
    ("resources", "bl"),
    ("resources", "ven"),
]


@pytest.fixture
def scene(parties) -> Scene:
    return Scene(parties)


# ---------------------------------------------------------------- life cycle


@pytest.mark.parametrize("collection, role", WRITERS, ids=[f"{c}-by-{r}" for c, r in WRITERS])
def test_create_read_list_replace_delete(scene, collection, role):
    party = scene.party(role)
    path = f"/{collection}"
    sent = full_body(scene, collection, role)

    created = party.create(path, sent)
    assert created["objectType"] == OBJECT_TYPE[collection]
    assert when(created["modificationDateTime"]) >= when(created["createdDateTime"])
    for name in set(sent) - {"objectType"}:
        assert name in created, name
    url = f"{path}/{created['id']}"
    assert party.get(url).get_json() == created
    assert created in party.get(path).get_json()

    replaced_by = minimal_body(scene, collection, role)
    response = party.put(url, replaced_by)
    assert response.status_code == 200, response.get_json()
    replaced = response.get_json()
    assert replaced["id"] == created["id"]
    assert replaced["createdDateTime"] == created["createdDateTime"]
    assert when(replaced["modificationDateTime"]) > when(created["modificationDateTime"])
    for name, value in replaced_by.items():
        if name != "objectType":
            assert pruned(replaced[name]) == value, name
    for name in DROPPED[collection]:
        assert replaced.get(name) in (None, []), (name, replaced.get(name))
    assert party.get(url).get_json() == replaced
    assert replaced in party.get(path).get_json()

    response = party.delete(url)
    assert response.status_code == 200, response.get_json()
    assert without(response.get_json()) == without(replaced)
    assert_problem(party.get(url), 404)
    assert created["id"] not in ids(party, path)
    assert_problem(party.put(url, minimal_body(scene, collection, role)), 404)
    assert_problem(party.delete(url), 404)


OWNED = [(c, r) for c, r in WRITERS if c not in ("programs", "events")]


@pytest.mark.parametrize("collection, role", OWNED, ids=[f"{c}-by-{r}" for c, r in OWNED])
def test_owner_client_id_is_stamped(scene, collection, role):
    party = scene.party(role)
    created = party.create(f"/{collection}", full_body(scene, collection, role))
    owner = scene.ven.client_id if collection in ("vens", "resources") else party.client_id
    assert created["clientID"] == owner
    replaced = party.put(f"/{collection}/{created['id']}", minimal_body(scene, collection, role)).get_json()
    assert replaced["clientID"] == owner


@pytest.mark.parametrize("collection", list(OBJECT_TYPE))
def test_unknown_id_is_404(scene, collection):
    party = scene.ven if collection == "reports" else scene.bl
    url = f"/{collection}/{NO_SUCH_ID}"
    assert_problem(party.get(url), 404)
    assert_problem(party.put(url, full_body(scene, collection, "ven" if collection == "reports" else "bl")), 404)
    assert_problem(party.delete(url), 404)
    assert NO_SUCH_ID not in ids(party, f"/{collection}")


# ---------------------------------------------------------------- unique names


def test_duplicate_program_name_is_409_on_create(scene):
    first = scene.bl.create("/programs", b.program("summer-dr"))
    assert_problem(scene.bl.post("/programs", b.program("summer-dr", targets=["x"])), 409)
    assert ids(scene.bl, "/programs") == [first["id"]]


def test_duplicate_program_name_is_409_on_replace(scene):
    first = scene.bl.create("/programs", b.program("summer-dr"))
    second = scene.bl.create("/programs", b.program("winter-dr"))
    assert_problem(scene.bl.put(f"/programs/{second['id']}", b.program("summer-dr")), 409)
    assert scene.bl.get(f"/programs/{second['id']}").get_json() == second
    response = scene.bl.put(f"/programs/{first['id']}", b.program("summer-dr", targets=["x"]))
    assert response.status_code == 200, response.get_json()


def test_program_name_is_free_again_after_delete(scene):
    old = scene.bl.create("/programs", b.program("summer-dr"))
    assert scene.bl.delete(f"/programs/{old['id']}").status_code == 200
    new = scene.bl.create("/programs", b.program("summer-dr"))
    assert new["id"] != old["id"]
    other = scene.bl.create("/programs", b.program("winter-dr"))
    assert scene.bl.delete(f"/programs/{new['id']}").status_code == 200
    response = scene.bl.put(f"/programs/{other['id']}", b.program("summer-dr"))
    assert response.status_code == 200, response.get_json()


def _ven_request(scene: Scene, role: str, name: str) -> dict:
    return b.ven_by_bl(scene.ven.client_id, name) if role == "bl" else b.ven_by_ven(name)


VEN_PAIRS = [("bl", "bl"), ("bl", "ven"), ("ven", "bl"), ("ven", "ven")]


@pytest.mark.parametrize("first, second", VEN_PAIRS, ids=[f"{a}-then-{c}" for a, c in VEN_PAIRS])
def test_duplicate_ven_name_is_409(scene, first, second):
    taken = scene.party(first).create("/vens", _ven_request(scene, first, "depot-ven"))
    before = ids(scene.bl, "/vens")
    assert_problem(scene.party(second).post("/vens", _ven_request(scene, second, "depot-ven")), 409)
    assert ids(scene.bl, "/vens") == before
    own = scene.party(second).create("/vens", _ven_request(scene, second, "other-ven"))
    assert_problem(scene.party(second).put(f"/vens/{own['id']}", _ven_request(scene, second, "depot-ven")), 409)
    assert scene.bl.get(f"/vens/{own['id']}").get_json()["venName"] == "other-ven"
    assert scene.bl.get(f"/vens/{taken['id']}").get_json()["venName"] == "depot-ven"


def _resource_request(role: str, ven_id: str, name: str) -> dict:
    return b.resource_by_bl(ven_id, name) if role == "bl" else b.resource_by_ven(ven_id, name)


@pytest.mark.parametrize("role", ["bl", "ven"])
def test_duplicate_resource_name_is_409_within_a_ven_only(scene, role):
    party = scene.party(role)
    v1 = scene.ven_obj["id"]
    v2 = scene.bl.create("/vens", b.ven_by_bl(scene.ven.client_id))["id"]
    meter = party.create("/resources", _resource_request(role, v1, "meter"))
    assert_problem(party.post("/resources", _resource_request(role, v1, "meter")), 409)
    assert ids(scene.bl, "/resources") == [meter["id"]]

    elsewhere = party.create("/resources", _resource_request(role, v2, "meter"))
    assert elsewhere["resourceName"] == "meter"
    charger = party.create("/resources", _resource_request(role, v1, "charger"))
    assert_problem(party.put(f"/resources/{charger['id']}", _resource_request(role, v1, "meter")), 409)
    assert_problem(party.put(f"/resources/{elsewhere['id']}", _resource_request(role, v1, "meter")), 409)
    assert scene.bl.get(f"/resources/{charger['id']}").get_json() == charger
    assert scene.bl.get(f"/resources/{elsewhere['id']}").get_json() == elsewhere
    response = party.put(f"/resources/{meter['id']}", _resource_request(role, v1, "meter"))
    assert response.status_code == 200, response.get_json()


# ---------------------------------------------------------------- references


REFERENCES = [
    ("events", "bl", "programID"),
    ("reports", "ven", "eventID"),
    ("resources", "bl", "venID"),
    ("resources", "ven", "venID"),
    ("subscriptions", "ven", "programID"),
    ("subscriptions", "bl", "programID"),
]


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("collection, role, field", REFERENCES, ids=[f"{c}.{f}-by-{r}" for c, r, f in REFERENCES])
def test_reference_to_unknown_object_is_404(scene, method, collection, role, field):
    party = scene.party(role)
    path = f"/{collection}"
    url = path if method == "POST" else f"{path}/{party.create(path, full_body(scene, collection, role))['id']}"
    before = party.get(path).get_json()
    response = party.request(method, url, json=full_body(scene, collection, role) | {field: NO_SUCH_ID})
    assert_problem(response, 404)
    assert party.get(path).get_json() == before


def _deleted(scene: Scene, collection: str) -> str:
    """The id of a freshly deleted object of ``collection`` (programs, events, vens)."""
    if collection == "programs":
        obj = scene.bl.create("/programs", b.program())
    elif collection == "events":
        obj = scene.bl.create("/events", b.event(scene.program["id"]))
    else:
        obj = scene.bl.create("/vens", b.ven_by_bl(scene.ven.client_id))
    assert scene.bl.delete(f"/{collection}/{obj['id']}").status_code == 200
    return obj["id"]


DELETED_REFERENCES = [
    ("events", "bl", "programID", "programs"),
    ("reports", "ven", "eventID", "events"),
    ("resources", "bl", "venID", "vens"),
    ("subscriptions", "ven", "programID", "programs"),
]


@pytest.mark.parametrize(
    "collection, role, field, target", DELETED_REFERENCES, ids=[f"{c}.{f}" for c, _, f, _ in DELETED_REFERENCES]
)
def test_reference_to_deleted_object_is_404(scene, collection, role, field, target):
    party = scene.party(role)
    gone = _deleted(scene, target)
    before = party.get(f"/{collection}").get_json()
    assert_problem(party.post(f"/{collection}", full_body(scene, collection, role) | {field: gone}), 404)
    assert party.get(f"/{collection}").get_json() == before


def test_ven_cannot_add_a_resource_to_another_clients_ven(scene):
    other = scene.parties("ven", "automaker B fleet")
    foreign = scene.bl.create("/vens", b.ven_by_bl(other.client_id))
    assert_problem(scene.ven.post("/resources", b.resource_by_ven(foreign["id"])), 404)
    assert ids(scene.bl, "/resources") == []


# ---------------------------------------------------------------- deletion rules


def test_program_with_events_cannot_be_deleted(scene):
    program = scene.bl.create("/programs", b.program())
    first = scene.bl.create("/events", b.event(program["id"]))
    second = scene.bl.create("/events", b.event(program["id"]))
    url = f"/programs/{program['id']}"
    assert_problem(scene.bl.delete(url), 409)
    assert scene.bl.get(url).get_json() == program
    assert program["id"] in ids(scene.bl, "/programs")
    assert ids(scene.bl, "/events", f"programID={program['id']}") == [first["id"], second["id"]]

    assert scene.bl.delete(f"/events/{first['id']}").status_code == 200
    assert_problem(scene.bl.delete(url), 409)
    assert scene.bl.delete(f"/events/{second['id']}").status_code == 200
    response = scene.bl.delete(url)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == program["id"]
    assert_problem(scene.bl.get(url), 404)


def test_reports_of_a_deleted_event_stay_readable(scene):
    event = scene.event
    report = scene.ven.create("/reports", b.report(event["id"]))
    deleted = scene.bl.delete(f"/events/{event['id']}")
    assert deleted.status_code == 200
    assert deleted.get_json()["id"] == event["id"]
    assert_problem(scene.bl.get(f"/events/{event['id']}"), 404)
    assert_problem(scene.ven.get(f"/events/{event['id']}"), 404)

    for party in (scene.bl, scene.ven):
        read = party.get(f"/reports/{report['id']}")
        assert read.status_code == 200, read.get_json()
        assert read.get_json() == report
        assert ids(party, "/reports") == [report["id"]]
        assert ids(party, "/reports", f"eventID={event['id']}") == [report["id"]]

    assert_problem(scene.ven.post("/reports", b.report(event["id"])), 404)
    assert ids(scene.bl, "/reports") == [report["id"]]


@pytest.mark.parametrize("role", ["bl", "ven"])
def test_deleting_a_ven_deletes_its_resources(scene, role):
    party = scene.party(role)
    doomed = party.create("/vens", _ven_request(scene, role, "doomed"))
    kept = party.create("/vens", _ven_request(scene, role, "kept"))
    gone = [party.create("/resources", _resource_request(role, doomed["id"], name))["id"] for name in ("a", "b")]
    stays = party.create("/resources", _resource_request(role, kept["id"], "a"))["id"]

    response = party.delete(f"/vens/{doomed['id']}")
    assert response.status_code == 200, response.get_json()
    assert without(response.get_json()) == without(doomed)
    for resource_id in gone:
        assert_problem(party.get(f"/resources/{resource_id}"), 404)
        assert_problem(scene.bl.get(f"/resources/{resource_id}"), 404)
    assert ids(party, "/resources") == [stays]
    assert ids(scene.bl, "/resources", f"venID={doomed['id']}") == []
    assert_problem(party.post("/resources", _resource_request(role, doomed["id"], "c")), 404)
