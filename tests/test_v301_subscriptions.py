"""3.0.1 /subscriptions beside 3.1.0's: every operation (checked against the 3.0.1 YAML), round trips both ways,
queries, the programID rule and privacy (docs/versions.md, "Subscriptions")."""

from __future__ import annotations

import base64

import pytest
from werkzeug.test import EnvironBuilder

from . import builders as b
from . import openapi301
from .conftest import Party

PROVISIONED = ("id", "createdDateTime", "modificationDateTime", "objectType")


def sent301(program_id: str, **overrides) -> dict:
    """A 3.0.1 subscription body with verbs, typed targets (split maps, a number) and explicit nulls."""
    body = {
        "clientName": "fleet-a",
        "programID": program_id,
        "objectOperations": [
            {
                "objects": ["EVENT", "PROGRAM"],
                "operations": ["POST", "PUT", "DELETE"],
                "callbackUrl": "https://ven.example.com/cb",
                "bearerToken": "secret-1",
            },
            {
                "objects": ["REPORT"],
                "operations": ["GET"],
                "callbackUrl": "https://ven.example.com/r",
                "bearerToken": None,
            },
        ],
        "targets": [
            {"type": "GROUP", "values": ["fleet-a"]},
            {"type": "GROUP", "values": ["fleet-b"]},
            {"type": "POWER_SERVICE_LOCATION", "values": [5]},
        ],
    }
    return body | overrides


def without(obj: dict, *keys: str) -> dict:
    """``obj`` without the VTN-provisioned members."""
    return {key: value for key, value in obj.items() if key not in keys + PROVISIONED}


def api_version(app, subscription_id: str) -> str:
    """The stored api_version of a subscription."""
    with app.extensions["vtn"].db.transaction() as conn:
        row = conn.execute("SELECT api_version FROM subscription WHERE id = %s", (subscription_id,)).fetchone()
    return row["api_version"]


@pytest.fixture
def program(bl):
    """A program made through 3.1.0."""
    return bl.create("/programs", b.program())


def test_v301_crud_round_trips_exactly(app, bl, ven, program):
    v = ven.v301()
    sent = sent301(program["id"])
    created = v.create("/subscriptions", sent)
    assert created["objectType"] == "SUBSCRIPTION" and "clientID" not in created
    assert without(created) == sent
    assert api_version(app, created["id"]) == "3.0.1"
    got = v.get(f"/subscriptions/{created['id']}").get_json()
    assert got == created
    assert v.get("/subscriptions").get_json() == [created]

    changed = sent301(program["id"], clientName="fleet-a2", targets=[{"type": "SERVICE_AREA", "values": ["a", "b"]}])
    changed["objectOperations"][0]["operations"] = ["DELETE"]
    put = v.put(f"/subscriptions/{created['id']}", changed)
    assert put.status_code == 200 and without(put.get_json()) == changed
    assert v.get(f"/subscriptions/{created['id']}").get_json() == put.get_json()

    gone = v.delete(f"/subscriptions/{created['id']}")
    assert gone.status_code == 200 and without(gone.get_json()) == changed
    assert v.get(f"/subscriptions/{created['id']}").status_code == 404
    assert v.delete(f"/subscriptions/{created['id']}").status_code == 404


def test_v301_write_reads_sensibly_in_310(app, ven, program):
    created = ven.v301().create("/subscriptions", sent301(program["id"]))
    got = ven.get(f"/subscriptions/{created['id']}").get_json()
    assert got["clientID"] == ven.client_id and got["programID"] == program["id"]
    assert [op["operations"] for op in got["objectOperations"]] == [["CREATE", "UPDATE", "DELETE"], ["READ"]]
    assert got["targets"] == ["fleet-a", "fleet-b", "POWER_SERVICE_LOCATION:5"]
    # A 3.1.0 PUT makes it a 3.1.0 subscription again (and clears the exact 3.0.1 form).
    ven.put(f"/subscriptions/{created['id']}", b.subscription(programID=program["id"], targets=["fleet-a"]))
    assert api_version(app, created["id"]) == "3.1.0"
    again = ven.v301().get(f"/subscriptions/{created['id']}").get_json()
    assert again["targets"] == [{"type": "GROUP", "values": ["fleet-a"]}]
    assert again["objectOperations"][0]["operations"] == ["POST", "PUT"]


def test_310_write_reads_sensibly_in_v301_and_each_keeps_its_spelling(app, ven, program):
    crud = ven.create("/subscriptions", b.subscription(programID=program["id"], targets=["fleet-a", "VEN_NAME:x"]))
    assert api_version(app, crud["id"]) == "3.1.0"
    got = ven.v301().get(f"/subscriptions/{crud['id']}").get_json()
    assert got["objectOperations"][0]["operations"] == ["POST", "PUT"]
    assert got["targets"] == [{"type": "GROUP", "values": ["fleet-a"]}, {"type": "VEN_NAME", "values": ["x"]}]
    assert ven.get(f"/subscriptions/{crud['id']}").get_json() == crud  # 3.1.0 reads back its own words
    # A 3.1.0 client that sends verbs (ElaadNL 3.1 mode; off the 3.1.0 YAML, so sent unchecked) keeps them.
    headers = {"Authorization": f"Bearer {ven.token}"}
    body = b.subscription(programID=program["id"], operations=("POST", "PUT"))
    verbs = ven.http.post("/openadr3/3.1.0/subscriptions", json=body, headers=headers).get_json()
    assert verbs["objectOperations"][0]["operations"] == ["POST", "PUT"]
    got = ven.v301().get(f"/subscriptions/{verbs['id']}").get_json()
    assert got["objectOperations"][0]["operations"] == ["POST", "PUT"]


def test_310_subscription_without_program_is_invisible_in_v301(bl, ven, program):
    v = ven.v301()
    loose = ven.create("/subscriptions", b.subscription())
    bound = ven.create("/subscriptions", b.subscription(programID=program["id"]))
    assert [s["id"] for s in v.get("/subscriptions").get_json()] == [bound["id"]]
    assert [s["id"] for s in bl.v301().get("/subscriptions").get_json()] == [bound["id"]]
    assert v.get(f"/subscriptions/{loose['id']}").status_code == 404
    assert v.put(f"/subscriptions/{loose['id']}", sent301(program["id"])).status_code == 404
    assert v.delete(f"/subscriptions/{loose['id']}").status_code == 404
    assert ven.get(f"/subscriptions/{loose['id']}").status_code == 200  # untouched


def test_v301_queries(bl, ven, program):
    v = ven.v301()
    other = bl.create("/programs", b.program())
    first = v.create("/subscriptions", sent301(program["id"]))
    second = v.create(
        "/subscriptions",
        sent301(
            other["id"],
            clientName="fleet-z",
            targets=[{"type": "SERVICE_AREA", "values": ["area-9"]}],
            objectOperations=[{"objects": ["VEN"], "operations": ["POST"], "callbackUrl": "https://v.example.com/x"}],
        ),
    )

    def ids(query):
        response = v.get("/subscriptions", query=query)
        assert response.status_code == 200
        return [s["id"] for s in response.get_json()]

    assert ids({"programID": other["id"]}) == [second["id"]]
    assert ids({"clientName": "fleet-a"}) == [first["id"]]
    assert ids({"targetValues": ["fleet-b"]}) == [first["id"]]  # GROUP by default
    assert ids({"targetType": "SERVICE_AREA", "targetValues": ["area-9", "nope"]}) == [second["id"]]
    assert ids({"targetType": "GROUP", "targetValues": ["area-9"]}) == []  # type-exact
    assert ids({"targetType": "POWER_SERVICE_LOCATION", "targetValues": ["5"]}) == [first["id"]]
    assert ids({"targetType": "SERVICE_AREA"}) == [first["id"], second["id"]]  # no values: no filter
    assert ids({"objects": ["VEN"]}) == [second["id"]]
    assert ids({"objects": ["REPORT", "VEN"]}) == [first["id"], second["id"]]
    assert ids({"skip": 1, "limit": 1}) == [second["id"]]
    assert ids({"limit": 0}) == []
    assert v.get("/subscriptions", query={"limit": 51}).status_code == 400


def test_v301_privacy_a_ven_sees_its_own_only(parties, bl, program):
    a, other = parties("ven", "fleet A").v301(), parties("ven", "fleet B").v301()
    mine = a.create("/subscriptions", sent301(program["id"]))
    assert other.get("/subscriptions").get_json() == []
    assert other.get("/subscriptions", query={"programID": program["id"]}).get_json() == []
    assert other.get(f"/subscriptions/{mine['id']}").status_code == 404
    assert other.put(f"/subscriptions/{mine['id']}", sent301(program["id"])).status_code == 404
    assert other.delete(f"/subscriptions/{mine['id']}").status_code == 404
    assert [s["id"] for s in bl.v301().get("/subscriptions").get_json()] == [mine["id"]]
    assert a.get(f"/subscriptions/{mine['id']}").get_json() == mine


def test_v301_bad_requests(ven, program):
    v = ven.v301()
    assert (
        v.post("/subscriptions", {k: v for k, v in sent301(program["id"]).items() if k != "programID"}).status_code
        == 400
    )
    bad = sent301(program["id"])
    bad["objectOperations"][0]["operations"] = ["EXPLODE"]
    assert v.post("/subscriptions", bad).status_code == 400
    assert v.post("/subscriptions", sent301("no-such-program")).status_code in (400, 404)
    long_target = sent301(program["id"], targets=[{"type": "SERVICE_AREA", "values": ["x" * 130]}])
    assert v.post("/subscriptions", long_target).status_code == 400
    assert v.get("/subscriptions/bad%20id").status_code == 400


def test_v301_crud_words_accepted_and_read_as_verbs(ven, program):
    sent = sent301(program["id"])
    sent["objectOperations"][0]["operations"] = ["CREATE", "UPDATE"]
    got = ven.v301().create("/subscriptions", sent)
    assert got["objectOperations"][0]["operations"] == ["POST", "PUT"]


def test_v301_subscription_writes_need_the_scope(parties, program):
    auditor = parties("auditor").v301()
    assert auditor.post("/subscriptions", sent301(program["id"])).status_code == 403
    assert auditor.get("/subscriptions").status_code == 200


# POST /openadr3/3.0.1/auth/token: 3.1.0's handler with 3.0.1 scope words (docs/versions.md, "Tokens and scopes").


def token301(http, form: dict | None = None, **kwargs):
    """A token request on the 3.0.1 path, checked against the 3.0.1 YAML."""
    args = {"path": "/openadr3/3.0.1/auth/token", "method": "POST", "data": form, **kwargs}
    response = http.open(**args)
    openapi301.check(EnvironBuilder(**args).get_request(), response)
    return response


def test_v301_token_for_a_ven_asking_read_all(ven, program):
    form = {"grant_type": "client_credentials", "client_id": ven.client_id, "client_secret": ven.secret}
    got = token301(ven.http, form | {"scope": "read_all"})
    assert got.status_code == 200, got.get_json()
    answer = got.get_json()
    assert answer["token_type"] == "Bearer" and answer["expires_in"] > 0
    assert answer["scope"] == "read_all"
    whole = token301(ven.http, form).get_json()
    assert whole["scope"] == "read_all write_reports write_subscriptions write_vens"
    # The token works on both paths: its read scopes are 3.1.0's read_targets and read_ven_objects.
    v = Party(ven.http, ven.client_id, ven.secret, "ven", token=answer["access_token"]).v301()
    assert v.get("/programs").status_code == 200 and v.get("/subscriptions").status_code == 200
    assert v.post("/subscriptions", sent301(program["id"])).status_code == 403  # read_all only
    headers = {"Authorization": f"Bearer {whole['access_token']}"}
    assert ven.http.get("/openadr3/3.1.0/subscriptions", headers=headers).status_code == 200


def test_v301_token_for_bl_with_basic_credentials(bl):
    basic = base64.b64encode(f"{bl.client_id}:{bl.secret}".encode()).decode()
    got = token301(
        bl.http, {"grant_type": "client_credentials", "scope": "read_all"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert got.status_code == 200 and got.get_json()["scope"] == "read_all"
    whole = token301(bl.http, {"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"})
    assert whole.get_json()["scope"] == "read_all write_programs write_events write_subscriptions write_vens"


def test_v301_token_errors_are_auth_errors(ven):
    form = {"grant_type": "client_credentials", "client_id": ven.client_id, "client_secret": ven.secret}
    for bad, error in (
        ({"client_id": ven.client_id}, "invalid_request"),
        (form | {"grant_type": "password"}, "unsupported_grant_type"),
        (form | {"scope": "write_programs"}, "invalid_scope"),
    ):
        got = token301(ven.http, bad)
        assert got.status_code == 400 and got.get_json()["error"] == error
    wrong = token301(ven.http, form | {"client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_client"
