"""Hostile input: oversized, deeply nested, huge, malformed or forged requests get a 4xx problem, store nothing,
and leave the VTN answering the next valid request.

Covered elsewhere and not repeated here: non-object JSON, invalid UTF-8 bytes, NaN/Infinity, wrong content
types, bad members (tests/test_validation.py); alg none, wrong key, expired, wrong audience or issuer, HS256
with the public key (tests/test_auth.py test_forged_token_is_401_invalid_token; tests/test_access.py).
"""

from __future__ import annotations

import base64
import json

import pytest
import requests

from . import builders as b
from .conftest import BASE
from .served import ServedVTN, add_client

TABLES = ("program", "event", "report", "subscription", "ven", "resource")
JSON = "application/json"


def nested(depth: int) -> str:
    """A JSON array nested ``depth`` levels deep."""
    return "[" * depth + "]" * depth


def program_with(raw_member: str) -> str:
    """A valid programRequest's JSON text with an extra (ignored) member whose JSON text is ``raw_member``."""
    return '{"programName": "hostile", "x_extension": ' + raw_member + "}"


def with_start(start: str) -> dict:
    """A programRequest whose intervalPeriod starts at ``start``."""
    return b.program(intervalPeriod={"start": start, "duration": "PT1H"})


# (id, request body: JSON text, bytes or a dict to dump, content type, expected status); all POST /programs as BL.
BODIES = [
    ("nesting-33-levels", program_with(nested(33)), JSON, 400),
    ("nesting-beyond-orjson-1024", program_with(nested(5000)), JSON, 400),
    ("nested-objects-40-levels", program_with('{"a":' * 40 + "1" + "}" * 40), JSON, 400),
    ("array-of-10001-items", program_with(json.dumps([0] * 10_001)), JSON, 400),
    ("array-of-10001-targets", json.dumps(b.program(targets=["t"] * 10_001)), JSON, 400),
    ("lone-surrogate", program_with('"\\ud800"'), JSON, 400),
    ("overlong-utf8", b'{"programName": "\xc0\xaf"}', JSON, 400),
    ("utf8-bom", b'\xef\xbb\xbf{"programName": "bom"}', JSON, 400),
    ("utf16-body", '{"programName": "wide"}'.encode("utf-16"), JSON, 400),
    ("nul-in-string", {"programName": "a\u0000b"}, JSON, 400),
    ("number-overflowing-double", program_with("1e400"), JSON, 400),
    ("integer-of-5000-digits", program_with("9" * 5000), JSON, 400),
    ("year-0", with_start("0000-01-01T00:00:00Z"), JSON, 400),
    ("year-10000", with_start("10000-01-01T00:00:00Z"), JSON, 400),
    ("february-30", with_start("2026-02-30T00:00:00Z"), JSON, 400),
    ("offset-25-hours", with_start("2026-07-01T00:00:00+25:00"), JSON, 400),
    ("leap-second", with_start("2026-06-30T23:59:60Z"), JSON, 400),
    ("multipart-body", {"programName": "m"}, "multipart/form-data; boundary=x", 415),
    ("json-like-type", {"programName": "j"}, "application/jsonx", 415),
]
# Bad numbers inside an event's intervals (the members that are numbers in the YAML).
EVENT_NUMBERS = [
    ("interval-id-2^63", {"id": 2**63}),
    ("interval-id-negative-2^63", {"id": -(2**63) - 1}),
    ("interval-id-float", {"id": 1.5}),
    ("priority-2^63", {"priority": 2**63}),
]


@pytest.fixture
def snapshot(app):
    """A function returning the row count and latest modification time of every object table."""

    def take() -> dict:
        with app.extensions["vtn"].db.transaction() as conn:
            return {t: conn.execute(f"SELECT count(*) AS n, max(modified) AS m FROM {t}").fetchone() for t in TABLES}

    return take


def assert_problem(response, *statuses: int) -> None:
    """``response`` is an application/problem+json-style problem object with one of ``statuses``."""
    assert response.status_code in statuses, (response.status_code, response.get_data()[:300])
    problem = response.get_json()
    assert {"type", "title", "status", "detail", "instance"} <= set(problem), problem
    assert problem["status"] == response.status_code
    assert problem["detail"]


def send(http, token: str | None, method: str, path: str, data=None, content_type: str = JSON, headers=None):
    """A raw request (unchecked against the YAML: these requests are deliberately invalid)."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if isinstance(data, dict):
        data = json.dumps(data)
    return http.open(f"{BASE}{path}", method=method, data=data, content_type=content_type, headers=headers)


def still_works(bl) -> None:
    """A valid create right after the hostile request succeeds."""
    bl.create("/programs", b.program())


@pytest.mark.parametrize(("data", "content_type", "status"), [c[1:] for c in BODIES], ids=[c[0] for c in BODIES])
def test_hostile_body_is_a_problem_and_stores_nothing(bl, http, snapshot, data, content_type, status):
    before = snapshot()
    response = send(http, bl.token, "POST", "/programs", data, content_type)
    assert_problem(response, status)
    assert snapshot() == before
    still_works(bl)


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_body_over_the_size_limit_is_413(bl, http, snapshot, app, method):
    path = "/programs" if method == "POST" else f"/programs/{bl.create('/programs', b.program())['id']}"
    limit = app.extensions["vtn"].config.max_content_length
    before = snapshot()
    response = send(http, bl.token, method, path, program_with('"' + "x" * limit + '"'))
    assert_problem(response, 413)
    assert snapshot() == before
    still_works(bl)


@pytest.mark.parametrize(("change"), [c[1] for c in EVENT_NUMBERS], ids=[c[0] for c in EVENT_NUMBERS])
def test_extreme_numbers_in_an_event_are_400(bl, http, snapshot, change):
    program = bl.create("/programs", b.program())
    event = b.event(program["id"])
    if "id" in change:
        event["intervals"][0] |= change
    else:
        event |= change
    before = snapshot()
    assert_problem(send(http, bl.token, "POST", "/events", event), 400)
    assert snapshot() == before
    bl.create("/events", b.event(program["id"]))


@pytest.mark.parametrize("duration", ["P999999999Y", "PT100000000000000000000H", "P0D"])
def test_extreme_durations_are_kept_verbatim_and_read_back(bl, ven, duration):
    # The YAML's duration is a pattern-checked string: any size matches it, and the VTN does no arithmetic on it.
    period = {"start": "2026-07-01T00:00:00Z", "duration": duration}
    program = bl.create("/programs", b.program(intervalPeriod=period))
    event = bl.create("/events", b.event(program["id"], intervalPeriod=period, duration=duration))
    assert event["intervalPeriod"]["duration"] == duration
    for party in (bl, ven):
        assert party.get("/events", query={"programID": program["id"]}).status_code == 200
    assert bl.get(f"/programs/{program['id']}").get_json()["intervalPeriod"]["duration"] == duration


def test_report_of_100_resources_of_96_intervals_is_within_the_limits(bl, ven):
    program = bl.create("/programs", b.program())
    event = bl.create("/events", b.event(program["id"]))
    report = b.report(event["id"])
    resource = report["resources"][0]
    intervals = [{"id": i, "payloads": [{"type": "USAGE", "values": [1.5]}]} for i in range(96)]
    report["resources"] = [resource | {"resourceName": f"r{n}", "intervals": intervals} for n in range(100)]
    assert ven.create("/reports", report)["id"]


def test_duplicate_keys_take_the_last_value_once(bl, http, snapshot):
    # RFC 8259 leaves duplicate names to the parser; orjson (like Python's json and JavaScript) keeps the last.
    # The schema validates and the store writes the same parsed object, so no duplicate can slip past validation.
    before = snapshot()
    raw = '{"programName": "first", "programName": "", "programLongName": "x"}'
    assert_problem(send(http, bl.token, "POST", "/programs", raw), 400)
    assert snapshot() == before
    raw = '{"programName": "", "programName": "dup-last"}'
    response = send(http, bl.token, "POST", "/programs", raw)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["programName"] == "dup-last"


SQL_LIKE = ["x'; DROP TABLE program; --", "' OR '1'='1", 'a"); DELETE FROM ven; --', "%' OR 1=1 --", "\\'; --"]


@pytest.mark.parametrize("text", SQL_LIKE)
def test_sql_like_strings_are_stored_verbatim(bl, snapshot, text):
    before = snapshot()
    created = bl.create("/programs", b.program(text[:128], targets=[text]))
    assert bl.get(f"/programs/{created['id']}").get_json()["programName"] == text
    listed = bl.get("/programs", query={"targets": text}).get_json()
    assert [p["id"] for p in listed] == [created["id"]]
    after = snapshot()
    assert after["program"]["n"] == before["program"]["n"] + 1
    assert {t: after[t] for t in TABLES if t != "program"} == {t: before[t] for t in TABLES if t != "program"}


@pytest.mark.parametrize("text", SQL_LIKE)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_sql_like_path_ids_are_400(bl, http, snapshot, method, text):
    before = snapshot()
    path = "/programs/" + requests.utils.quote(text, safe="")
    response = send(http, bl.token, method, path, b.program() if method == "PUT" else None)
    assert_problem(response, 400)
    assert snapshot() == before
    still_works(bl)


@pytest.mark.parametrize(
    "query",
    [
        {"skip": "1; DROP TABLE program"},
        {"limit": "1 OR 1=1"},
        {"skip": "99999999999999999999999"},
        {"limit": "-1"},
        {"programID": "' OR '1'='1"},
    ],
    ids=["skip-sql", "limit-sql", "skip-huge", "limit-negative", "program-id-sql"],
)
def test_hostile_query_parameters_are_400(bl, http, query):
    response = http.get(f"{BASE}/events", query_string=query, headers={"Authorization": f"Bearer {bl.token}"})
    assert_problem(response, 400)
    still_works(bl)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token_with_header(header: dict | bytes) -> str:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return f"{_b64(raw)}.{_b64(b'{}')}.{_b64(b'sig')}"


TOKENS = {
    "huge-token": "a" * 100_000,
    "header-not-json": _token_with_header(b"not json"),
    "header-a-list": _token_with_header(b"[1,2]"),
    "kid-sql": _token_with_header({"alg": "EdDSA", "kid": "' OR '1'='1"}),
    "kid-path": _token_with_header({"alg": "EdDSA", "kid": "../../../../etc/passwd"}),
    "kid-not-a-string": _token_with_header({"alg": "EdDSA", "kid": {"a": 1}}),
    "jku-foreign": _token_with_header({"alg": "EdDSA", "jku": "https://evil.example.com/jwks.json"}),
    "alg-unknown": _token_with_header({"alg": "XYZ", "kid": "x"}),
    "four-segments": "a.b.c.d",
    "not-base64": "!!!.@@@.###",
    "nul-in-token": "abc\u0000def",
}


@pytest.mark.parametrize("token", list(TOKENS.values()), ids=list(TOKENS))
def test_malformed_token_is_401(bl, http, snapshot, token):
    before = snapshot()
    response = send(http, token, "POST", "/programs", b.program())
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before
    still_works(bl)


def test_oversized_header_to_a_served_vtn_is_400_and_the_server_stays_up(database_url):
    vtn = ServedVTN(database_url, workers=1, VTN_MAX_HEADER_BYTES="2048")
    try:
        auth = {"Authorization": f"Bearer {vtn.token(add_client(database_url, 'bl', 'hostile headers'))}"}
        big = requests.get(f"{vtn.api}/programs", headers=auth | {"X-Padding": "x" * 4096}, timeout=10)
        assert big.status_code in (400, 431)  # gunicorn's own answer (not a problem object): the app never runs
        many = requests.get(f"{vtn.api}/programs", headers=auth | {f"X-H{i}": "1" for i in range(150)}, timeout=10)
        assert many.status_code in (400, 431)
        line = requests.get(f"{vtn.api}/programs?x={'a' * 5000}", headers=auth, timeout=10)
        assert line.status_code in (400, 414)
        fits = requests.get(f"{vtn.api}/programs", headers=auth | {"X-Padding": "x" * 1000}, timeout=10)
        assert fits.status_code == 200
        assert requests.get(f"{vtn.api}/programs", headers=auth, timeout=10).status_code == 200
    finally:
        vtn.stop()
