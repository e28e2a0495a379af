"""The shared world of tests/test_isolation.py: BL, VEN A and VEN B, the objects that belong to (or are
targeted only at) A, a few that B may see as positive controls, and a snapshot of A's objects."""

from __future__ import annotations

import itertools

from vtn.auth.scopes import ROLE_SCOPES

from . import builders as b
from .conftest import Parties, Party

_clients = itertools.count(1)


class FastParty(Party):
    """A Party whose token the VTN's token service issues directly (no client row, no secret hashing)."""

    def __init__(self, app, role: str):
        self._tokens = app.extensions["vtn"].tokens
        super().__init__(app.test_client(), f"iso-{role}-{next(_clients)}", secret=None, role=role)

    def _token(self) -> str:
        return self._tokens.issue(self.client_id, self.role, ROLE_SCOPES[self.role])[0]


class World:
    """A's objects (``self.a_objects``: collection -> objects) and B's, laid out once for every case.

    A is granted feeder-a (its BL-made ven) and feeder-a2 (a resource of it); B is granted feeder-b.
    """

    def __init__(self, app):
        self.app = app
        self.bl = FastParty(app, "bl")
        parties = Parties(app)  # real clients with secrets: /auth/token is part of the matrix
        self.a, self.b = parties("ven", "isolation A"), parties("ven", "isolation B")
        bl, a = self.bl, self.a
        ven_a = bl.create("/vens", b.ven_by_bl(a.client_id, targets=["feeder-a"]))
        own_ven = a.create("/vens", b.ven_by_ven())
        res_bl = bl.create("/resources", b.resource_by_bl(ven_a["id"], targets=["feeder-a2"]))
        res_own = a.create("/resources", b.resource_by_ven(own_ven["id"]))
        self.ven_b = bl.create("/vens", b.ven_by_bl(self.b.client_id, targets=["feeder-b"]))
        self.program_a = bl.create("/programs", b.program(targets=["feeder-a"]))
        self.program_ac = bl.create("/programs", b.program(targets=["feeder-a", "feeder-b"]))
        self.program_open = bl.create("/programs", b.program())
        self.event_a = bl.create("/events", b.event(self.program_a["id"], targets=["feeder-a"]))
        self.event_in_a = bl.create("/events", b.event(self.program_a["id"]))  # untargeted, in A's program
        self.event_a_open = bl.create("/events", b.event(self.program_open["id"], targets=["feeder-a"]))
        self.event_ac = bl.create("/events", b.event(self.program_open["id"], targets=["feeder-a", "feeder-b"]))
        self.event_open = bl.create("/events", b.event(self.program_open["id"]))
        report = a.create("/reports", b.report(self.event_a["id"], client_name=a.client_id))
        sub = a.create("/subscriptions", b.subscription(client_name=a.client_id, programID=self.program_a["id"]))
        self.a_objects = {
            "vens": [ven_a, own_ven],
            "resources": [res_bl, res_own],
            "reports": [report],
            "subscriptions": [sub],
            "programs": [self.program_a],
            "events": [self.event_a, self.event_in_a, self.event_a_open],
        }
        # B's own objects: positive controls that B's lists and reads work at all.
        self.b_objects = {
            "vens": [self.ven_b],
            "resources": [bl.create("/resources", b.resource_by_bl(self.ven_b["id"]))],
            "reports": [self.b.create("/reports", b.report(self.event_open["id"], client_name=self.b.client_id))],
            "subscriptions": [self.b.create("/subscriptions", b.subscription(client_name=self.b.client_id))],
            "programs": [self.program_open, self.program_ac],
            "events": [self.event_open, self.event_ac],
        }

    def a_ids(self) -> set[str]:
        """The ids of every object B must not learn of."""
        return {o["id"] for objs in self.a_objects.values() for o in objs}

    def snapshot(self) -> dict:
        """Every object of A as A and BL read it, and A's lists: any change by B shows up here."""
        shot = {}
        for collection, objs in self.a_objects.items():
            shot[collection] = self.a.get(f"/{collection}").get_json()
            for obj in objs:
                path = f"/{collection}/{obj['id']}"
                shot[path] = (self.a.get(path).get_json(), self.bl.get(path).get_json())
        return shot

    def body(self, collection: str, obj: dict) -> dict:
        """A valid PUT body a VEN could send for ``obj`` (only the target decides the outcome)."""
        return {
            "vens": lambda: b.ven_by_ven(),
            "resources": lambda: b.resource_by_ven(obj["venID"]),
            "reports": lambda: b.report(obj["eventID"]),
            "subscriptions": lambda: b.subscription(client_name="stolen"),
            "programs": lambda: b.program(),
            "events": lambda: b.event(obj["programID"]),
        }[collection]()
