"""Object privacy (Definition.md "Object Privacy"): VEN-owned objects, clientID stamping, granted targets,
program/event targeting and target hiding, as the project's decisions state them."""

from __future__ import annotations

import itertools

import pytest

from vtn import create_app
from vtn.auth.scopes import ROLE_SCOPES

from . import builders as b
from .conftest import Party, make_config

_clients = itertools.count(1)


class FastParty(Party):
    """A Party whose token the VTN's token service issues directly: no client row, no slow secret hashing
    (the token endpoint is tested elsewhere; privacy depends only on the token's client id and scopes)."""

    def __init__(self, app, role: str):
        self._tokens = app.extensions["vtn"].tokens
        super().__init__(app.test_client(), f"{role}-{next(_clients)}", secret=None, role=role)

    def _token(self) -> str:
        return self._tokens.issue(self.client_id, self.role, ROLE_SCOPES[self.role])[0]


# ---------------------------------------------------------------------------------------------------------
# VEN-owned objects: vens, resources, reports, subscriptions
# ---------------------------------------------------------------------------------------------------------

VEN_OBJECTS = ("vens", "resources", "reports", "subscriptions")


class Scene:
    """A fresh database with BL and two VEN clients, and makers of objects each VEN owns."""

    def __init__(self, app):
        self.app = app
        self.bl = FastParty(app, "bl")
        self.a = FastParty(app, "ven")
        self.b = FastParty(app, "ven")
        self._event = None

    def event_id(self) -> str:
        """An untargeted event of an untargeted program (every VEN may report on it)."""
        if self._event is None:
            program = self.bl.create("/programs", b.program())
            self._event = self.bl.create("/events", b.event(program["id"]))
        return self._event["id"]

    def own(self, collection: str, owner) -> dict:
        """A new object of ``collection`` created by VEN ``owner`` itself."""
        if collection == "vens":
            return owner.create("/vens", b.ven_by_ven())
        if collection == "resources":
            return owner.create("/resources", b.resource_by_ven(owner.create("/vens", b.ven_by_ven())["id"]))
        if collection == "reports":
            return owner.create("/reports", b.report(self.event_id(), client_name=owner.client_id))
        return owner.create("/subscriptions", b.subscription(client_name=owner.client_id))

    @staticmethod
    def ven_body(collection: str, obj: dict) -> dict:
        """A VEN's replacement body for ``obj``."""
        return {
            "vens": lambda: b.ven_by_ven(),
            "resources": lambda: b.resource_by_ven(obj["venID"]),
            "reports": lambda: b.report(obj["eventID"]),
            "subscriptions": lambda: b.subscription(client_name="renamed"),
        }[collection]()

    @staticmethod
    def filter_for(collection: str, obj: dict) -> dict:
        """A list query that names ``obj`` specifically."""
        key = {"vens": "venName", "resources": "venID", "reports": "clientName", "subscriptions": "clientName"}
        return {key[collection]: obj[key[collection]]}


@pytest.fixture
def scene(app) -> Scene:
    """BL, VEN A and VEN B on a fresh database."""
    return Scene(app)


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [o["id"] for o in response.get_json()]


@pytest.mark.parametrize("collection", VEN_OBJECTS)
def test_another_ven_neither_sees_nor_changes_the_object(scene, collection):
    mine = scene.own(collection, scene.a)
    theirs = scene.own(collection, scene.b)
    path = f"/{collection}/{mine['id']}"

    assert _ids(scene.b.get(f"/{collection}")) == [theirs["id"]]
    assert _ids(scene.b.get(f"/{collection}", query=Scene.filter_for(collection, mine))) == []
    assert scene.b.get(path).status_code == 404
    assert scene.b.put(path, Scene.ven_body(collection, mine)).status_code == 404
    assert scene.b.delete(path).status_code == 404
    assert scene.a.get(path).get_json() == mine


@pytest.mark.parametrize("collection", VEN_OBJECTS)
def test_owner_ven_lists_reads_replaces_and_deletes_its_object(scene, collection):
    mine = scene.own(collection, scene.a)
    scene.own(collection, scene.b)
    path = f"/{collection}/{mine['id']}"

    assert _ids(scene.a.get(f"/{collection}")) == [mine["id"]]
    assert scene.a.get(path).get_json() == mine
    replaced = scene.a.put(path, Scene.ven_body(collection, mine))
    assert replaced.status_code == 200, replaced.get_json()
    assert replaced.get_json()["clientID"] == scene.a.client_id
    deleted = scene.a.delete(path)
    assert deleted.status_code == 200, deleted.get_json()
    assert deleted.get_json()["id"] == mine["id"]
    assert scene.a.get(path).status_code == 404


@pytest.mark.parametrize("reader", ("bl", "auditor"))
@pytest.mark.parametrize("collection", VEN_OBJECTS)
def test_bl_and_auditor_read_every_clients_objects(scene, collection, reader):
    mine = scene.own(collection, scene.a)
    theirs = scene.own(collection, scene.b)
    party = scene.bl if reader == "bl" else FastParty(scene.app, "auditor")

    assert _ids(party.get(f"/{collection}")) == [mine["id"], theirs["id"]]
    for obj, owner in ((mine, scene.a), (theirs, scene.b)):
        got = party.get(f"/{collection}/{obj['id']}").get_json()
        assert got == obj
        assert got["clientID"] == owner.client_id


@pytest.mark.parametrize("collection", ("vens", "resources", "subscriptions"))
def test_bl_replaces_and_deletes_a_vens_objects(scene, collection):
    mine = scene.own(collection, scene.a)
    path = f"/{collection}/{mine['id']}"
    body = {
        "vens": lambda: b.ven_by_bl(scene.a.client_id),
        "resources": lambda: b.resource_by_bl(mine["venID"]),
        "subscriptions": lambda: b.subscription(client_name="renamed"),
    }[collection]()

    replaced = scene.bl.put(path, body)
    assert replaced.status_code == 200, replaced.get_json()
    assert replaced.get_json()["clientID"] == scene.a.client_id
    assert scene.bl.delete(path).status_code == 200
    assert scene.a.get(path).status_code == 404


def test_ven_cannot_add_a_resource_to_another_clients_ven(scene):
    their_ven = scene.own("vens", scene.b)
    response = scene.a.post("/resources", b.resource_by_ven(their_ven["id"]))
    assert response.status_code == 404, response.get_json()
    assert _ids(scene.bl.get("/resources")) == []


# ---------------------------------------------------------------------------------------------------------
# clientID stamping
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("collection", VEN_OBJECTS)
def test_ven_cannot_spoof_client_id(scene, collection):
    spoof = {"clientID": scene.b.client_id}
    if collection == "resources":
        ven_id = scene.own("vens", scene.a)["id"]
        created = scene.a.create("/resources", b.resource_by_ven(ven_id, **spoof))
    else:
        body = {"vens": b.ven_by_ven, "reports": lambda: b.report(scene.event_id()), "subscriptions": b.subscription}
        created = scene.a.create(f"/{collection}", body[collection]() | spoof)
    path = f"/{collection}/{created['id']}"
    assert created["clientID"] == scene.a.client_id

    replaced = scene.a.put(path, Scene.ven_body(collection, created) | spoof)
    assert replaced.status_code == 200, replaced.get_json()
    assert replaced.get_json()["clientID"] == scene.a.client_id
    assert scene.b.get(path).status_code == 404
    assert _ids(scene.b.get(f"/{collection}")) == []


def test_bl_ven_and_its_resources_belong_to_the_named_client(scene):
    ven = scene.bl.create("/vens", b.ven_by_bl(scene.a.client_id))
    assert ven["clientID"] == scene.a.client_id

    wrong = scene.bl.post("/resources", b.resource_by_bl(ven["id"], clientID=scene.b.client_id))
    assert wrong.status_code == 400, wrong.get_json()
    resource = scene.bl.create("/resources", b.resource_by_bl(ven["id"]))
    assert resource["clientID"] == scene.a.client_id
    assert _ids(scene.a.get("/resources")) == [resource["id"]]
    assert _ids(scene.b.get("/resources")) == []


# ---------------------------------------------------------------------------------------------------------
# Only BL writes targets; targets of a VEN's ven and resource objects are granted to it
# ---------------------------------------------------------------------------------------------------------


def _grantable(scene, collection: str, targets) -> dict:
    """A ven of VEN A (collection "vens"), or a resource of one, created by BL with ``targets``."""
    ven = scene.bl.create("/vens", b.ven_by_bl(scene.a.client_id, targets=targets if collection == "vens" else []))
    if collection == "vens":
        return ven
    return scene.bl.create("/resources", b.resource_by_bl(ven["id"], targets=targets))


@pytest.mark.parametrize("collection", ("vens", "resources"))
def test_ven_cannot_write_targets_on_create(scene, collection):
    program = scene.bl.create("/programs", b.program(targets=["stolen"]))
    if collection == "vens":
        created = scene.a.create("/vens", b.ven_by_ven(targets=["stolen"]))
    else:
        ven_id = scene.own("vens", scene.a)["id"]
        created = scene.a.create("/resources", b.resource_by_ven(ven_id, targets=["stolen"]))

    assert (created.get("targets") or []) == []
    assert (scene.bl.get(f"/{collection}/{created['id']}").get_json().get("targets") or []) == []
    assert scene.a.get(f"/programs/{program['id']}").status_code == 404
    assert _ids(scene.a.get("/programs")) == []


@pytest.mark.parametrize("collection", ("vens", "resources"))
def test_ven_replacing_its_object_keeps_the_targets_bl_granted(scene, collection):
    granted = _grantable(scene, collection, ["feeder-1"])
    stolen = scene.bl.create("/programs", b.program(targets=["stolen"]))
    path = f"/{collection}/{granted['id']}"
    base = Scene.ven_body(collection, granted)

    for targets in (["stolen"], [], None, "absent"):
        body = base if targets == "absent" else base | {"targets": targets}
        response = scene.a.put(path, body)
        assert response.status_code == 200, (targets, response.get_json())
        assert response.get_json()["targets"] == ["feeder-1"], targets
        assert scene.bl.get(path).get_json()["targets"] == ["feeder-1"], targets
    assert scene.a.get(f"/programs/{stolen['id']}").status_code == 404


@pytest.mark.parametrize("collection", ("vens", "resources"))
def test_bl_grants_and_revokes_targets_through_ven_and_resource_objects(scene, collection):
    program = scene.bl.create("/programs", b.program(targets=["feeder-9"]))
    event = scene.bl.create("/events", b.event(program["id"], targets=["feeder-9"]))
    granted = _grantable(scene, collection, [])
    path = f"/{collection}/{granted['id']}"
    body = b.ven_by_bl(scene.a.client_id) if collection == "vens" else b.resource_by_bl(granted["venID"])

    assert scene.a.get(f"/programs/{program['id']}").status_code == 404
    assert scene.bl.put(path, body | {"targets": ["feeder-9"]}).status_code == 200
    assert scene.a.get(f"/programs/{program['id']}").get_json()["targets"] == ["feeder-9"]
    assert _ids(scene.a.get("/events")) == [event["id"]]
    assert _ids(scene.b.get("/events")) == []
    assert scene.bl.put(path, body | {"targets": []}).status_code == 200
    assert scene.a.get(f"/programs/{program['id']}").status_code == 404
    assert _ids(scene.a.get("/events")) == []


# ---------------------------------------------------------------------------------------------------------
# Program and event targeting: one shared, read-only world
# ---------------------------------------------------------------------------------------------------------

# VEN A is granted a (its ven) and b (its resource); VEN B is granted c; VEN N has no ven object.
PROGRAMS = {"open": [], "a": ["a"], "b": ["b"], "ac": ["a", "c"], "c": ["c"]}
# name: (program, targets). Most live in the untargeted program; the last four test inheritance.
EVENTS = {
    "e-open": ("open", []),
    "e-a": ("open", ["a"]),
    "e-b": ("open", ["b"]),
    "e-ac": ("open", ["a", "c"]),
    "e-c": ("open", ["c"]),
    "e-in-a": ("a", []),
    "e-in-c": ("c", []),
    "e-a-in-c": ("c", ["a"]),
    "e-c-in-a": ("a", ["c"]),
}
ALL_PROGRAMS = dict(PROGRAMS)
ALL_EVENTS = {name: targets for name, (_, targets) in EVENTS.items()}


def _only(table: dict, *names: str) -> dict:
    return {name: table[name] for name in names}


# (reader, targets query) -> what the reader gets: {name: targets shown}.
PROGRAM_CASES = {
    ("A", None): {"open": [], "a": ["a"], "b": ["b"], "ac": ["a"]},
    ("A", ("a",)): {"a": ["a"], "ac": ["a"]},
    ("A", ("b",)): {"b": ["b"]},
    ("A", ("a", "b")): {"a": ["a"], "b": ["b"], "ac": ["a"]},
    ("A", ("a", "c")): {"a": ["a"], "ac": ["a"]},
    ("A", ("c",)): {},
    ("A", ("nowhere",)): {},
    ("B", None): {"open": [], "ac": ["c"], "c": ["c"]},
    ("B", ("a",)): {},
    ("N", None): {"open": []},
    ("N", ("a",)): {},
    ("bl", None): ALL_PROGRAMS,
    ("bl", ("c",)): _only(ALL_PROGRAMS, "ac", "c"),
    ("bl", ("a", "b")): _only(ALL_PROGRAMS, "a", "b", "ac"),
    ("auditor", None): ALL_PROGRAMS,
    ("auditor", ("a",)): _only(ALL_PROGRAMS, "a", "ac"),
}
EVENT_CASES = {
    ("A", None): {"e-open": [], "e-a": ["a"], "e-b": ["b"], "e-ac": ["a"], "e-in-a": [], "e-a-in-c": ["a"]},
    ("A", ("a",)): {"e-a": ["a"], "e-ac": ["a"], "e-a-in-c": ["a"]},
    ("A", ("b",)): {"e-b": ["b"]},
    ("A", ("a", "b")): {"e-a": ["a"], "e-b": ["b"], "e-ac": ["a"], "e-a-in-c": ["a"]},
    ("A", ("a", "c")): {"e-a": ["a"], "e-ac": ["a"], "e-a-in-c": ["a"]},
    ("A", ("c",)): {},
    ("A", ("nowhere",)): {},
    ("B", None): {"e-open": [], "e-ac": ["c"], "e-c": ["c"], "e-in-c": [], "e-c-in-a": ["c"]},
    ("B", ("a",)): {},
    ("N", None): {"e-open": []},
    ("N", ("a",)): {},
    ("bl", None): ALL_EVENTS,
    ("bl", ("c",)): _only(ALL_EVENTS, "e-ac", "e-c", "e-c-in-a"),
    ("bl", ("a", "b")): _only(ALL_EVENTS, "e-a", "e-b", "e-ac", "e-a-in-c"),
    ("auditor", None): ALL_EVENTS,
    ("auditor", ("a",)): _only(ALL_EVENTS, "e-a", "e-ac", "e-a-in-c"),
}
READER_ROLES = {"A": "ven", "B": "ven", "N": "ven", "bl": "bl", "auditor": "auditor"}
READERS = tuple(READER_ROLES)


class TargetingWorld:
    """Programs, events and readers laid out as PROGRAMS, EVENTS and the comment above them say."""

    def __init__(self, app):
        self.readers = {name: FastParty(app, role) for name, role in READER_ROLES.items()}
        bl = self.readers["bl"]
        ven_a = bl.create("/vens", b.ven_by_bl(self.readers["A"].client_id, targets=["a"]))
        bl.create("/resources", b.resource_by_bl(ven_a["id"], targets=["b"]))
        bl.create("/vens", b.ven_by_bl(self.readers["B"].client_id, targets=["c"]))
        self.programs = {n: bl.create("/programs", b.program(targets=t)) for n, t in PROGRAMS.items()}
        self.events = {
            n: bl.create("/events", b.event(self.programs[p]["id"], targets=t)) for n, (p, t) in EVENTS.items()
        }
        self.names = {o["id"]: n for n, o in (self.programs | self.events).items()}

    def seen(self, response) -> dict:
        """{name: targets} of a list or single-object response."""
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        return {self.names[o["id"]]: o.get("targets") or [] for o in (body if isinstance(body, list) else [body])}


@pytest.fixture(scope="module")
def targeting(databases):
    """The shared world of the targeting tables (read-only apart from the reports/subscriptions tests)."""
    url = databases.create()
    app = create_app(make_config(url), migrate=False)
    yield TargetingWorld(app)
    app.extensions["vtn"].db.close()
    databases.drop(url)


def _cases(table: dict):
    return [
        pytest.param(reader, query, expected, id=f"{reader}-{'&'.join(query) if query else 'no targets'}")
        for (reader, query), expected in table.items()
    ]


@pytest.mark.parametrize(("reader", "query", "expected"), _cases(PROGRAM_CASES))
def test_program_list_visibility_and_target_hiding(targeting, reader, query, expected):
    response = targeting.readers[reader].get("/programs", query={"targets": list(query)} if query else None)
    assert targeting.seen(response) == expected
    assert list(targeting.seen(response)) == [n for n in PROGRAMS if n in expected]  # creation order


@pytest.mark.parametrize(("reader", "query", "expected"), _cases(EVENT_CASES))
def test_event_list_visibility_and_target_hiding(targeting, reader, query, expected):
    response = targeting.readers[reader].get("/events", query={"targets": list(query)} if query else None)
    assert targeting.seen(response) == expected
    assert list(targeting.seen(response)) == [n for n in EVENTS if n in expected]  # creation order


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("collection", ("programs", "events"))
def test_get_by_id_shows_what_the_list_shows_and_404_otherwise(targeting, collection, reader):
    objects = targeting.programs if collection == "programs" else targeting.events
    expected = (PROGRAM_CASES if collection == "programs" else EVENT_CASES)[(reader, None)]
    for name, obj in objects.items():
        response = targeting.readers[reader].get(f"/{collection}/{obj['id']}")
        if name in expected:
            assert targeting.seen(response) == {name: expected[name]}
        else:
            assert response.status_code == 404, (name, response.get_json())


@pytest.mark.parametrize(
    ("reader", "event", "status"),
    [
        ("A", "e-a", 201),
        ("A", "e-in-a", 201),
        ("N", "e-open", 201),
        ("A", "e-c", 404),  # targeted, not granted
        ("A", "e-in-c", 404),  # untargeted, in a program A may not see
        ("N", "e-a", 404),  # no ven object: only untargeted objects
        ("N", "e-in-a", 404),
        ("B", "e-c-in-a", 201),  # a targeted event is judged by its own targets
    ],
)
def test_ven_reports_only_on_events_it_may_read(targeting, reader, event, status):
    ven = targeting.readers[reader]
    before = _ids(targeting.readers["bl"].get("/reports"))
    response = ven.post("/reports", b.report(targeting.events[event]["id"]))
    assert response.status_code == status, response.get_json()
    if status == 404:
        assert _ids(targeting.readers["bl"].get("/reports")) == before


def test_ven_cannot_move_its_report_to_an_invisible_event(targeting):
    ven = targeting.readers["A"]
    report = ven.create("/reports", b.report(targeting.events["e-a"]["id"]))
    response = ven.put(f"/reports/{report['id']}", b.report(targeting.events["e-c"]["id"]))
    assert response.status_code == 404, response.get_json()
    assert ven.get(f"/reports/{report['id']}").get_json() == report


@pytest.mark.parametrize(
    ("reader", "program", "status"),
    [("A", "a", 201), ("A", "open", 201), ("B", "c", 201), ("A", "c", 404), ("N", "a", 404), ("B", "b", 404)],
)
def test_ven_subscribes_only_to_programs_it_may_read(targeting, reader, program, status):
    ven = targeting.readers[reader]
    before = _ids(targeting.readers["bl"].get("/subscriptions"))
    response = ven.post("/subscriptions", b.subscription(programID=targeting.programs[program]["id"]))
    assert response.status_code == status, response.get_json()
    if status == 404:
        assert _ids(targeting.readers["bl"].get("/subscriptions")) == before


def test_ven_cannot_move_its_subscription_to_an_invisible_program(targeting):
    ven = targeting.readers["A"]
    sub = ven.create("/subscriptions", b.subscription(programID=targeting.programs["a"]["id"]))
    response = ven.put(f"/subscriptions/{sub['id']}", b.subscription(programID=targeting.programs["c"]["id"]))
    assert response.status_code == 404, response.get_json()
    assert ven.get(f"/subscriptions/{sub['id']}").get_json() == sub
