"""The benchmark's scenarios against a running `vtn serve` on a world from bench/world.py.

Each function measures one scenario of issue 5 and returns plain figures (or load.Result objects); run.py
decides the order, the sizes and what is printed.
"""

from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import psycopg
import requests
from psycopg.rows import dict_row

from vtn.auth.tokens import Caller
from vtn.store import events as event_store

from . import load
from .load import Request

API = "/openadr3/3.1.0"
EXT = "/vtn/v1"


def tokens(api_url: str, clients: list[dict], parallel: int = 8) -> list[str]:
    """Real access tokens for the clients (client_credentials at /auth/token), fetched in parallel."""

    def one(client: dict) -> str:
        form = {"grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": client["secret"]}
        response = requests.post(f"{api_url}/auth/token", data=form, timeout=60)
        response.raise_for_status()
        return response.json()["access_token"]

    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(one, clients))


def bearer(token: str, **extra) -> dict:
    """Request headers with a bearer token."""
    return {"Authorization": f"Bearer {token}", **extra}


def poll_path(ven: dict) -> str:
    """Scenario 1's request: a VEN's events with its targets, 50 per page."""
    return f"{API}/events?" + urlencode([("targets", t) for t in ven["targets"]] + [("limit", 50)])


def poll_plans(vens: list[dict], ven_tokens: list[str]) -> list[list[Request]]:
    """One plan per VEN: GET its targeted events page, again and again."""
    return [[Request("GET", poll_path(ven), bearer(token))] for ven, token in zip(vens, ven_tokens, strict=True)]


def bl_list_plans(bl_token: str, pages: int = 20) -> list[list[Request]]:
    """Scenario 2a: BL pages through all events, 50 at a time."""
    return [[Request("GET", f"{API}/events?skip={50 * n}&limit=50", bearer(bl_token)) for n in range(pages)]]


def bl_create_plans(bl_token: str, program_id: str, regions: int = 10) -> list[list[Request]]:
    """Scenario 2b: BL creates peak-pause events, each for one region, two hours of quarter-hour limits."""
    plans = []
    for region in range(regions):
        event = {
            "programID": program_id,
            "eventName": f"bench-peak-region-{region}",
            "targets": [f"region-{region}"],
            "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT15M"},
            "payloadDescriptors": [{"payloadType": "IMPORT_CAPACITY_LIMIT", "units": "KW"}],
            "intervals": [
                {"id": i, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [3.6]}]} for i in range(8)
            ],
        }
        body = json.dumps(event).encode()
        plans.append([Request("POST", f"{API}/events", bearer(bl_token, **{"Content-Type": "application/json"}), body)])
    return plans


def report_body(event_id: str, ven: dict, resources: int, day: int) -> dict:
    """A VEN's report of 96 quarter-hour USAGE intervals for ``resources`` vehicles on one day."""
    start = (datetime(2026, 6, 17, tzinfo=UTC) + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "eventID": event_id,
        "clientName": ven["ven_name"],
        "reportName": f"telemetry-{day}",
        "payloadDescriptors": [{"payloadType": "USAGE", "readingType": "DIRECT_READ", "units": "KWH"}],
        "resources": [
            {
                "resourceName": f"{ven['ven_name']}-ev-{n:03d}",
                "intervalPeriod": {"start": start, "duration": "PT15M"},
                "intervals": [
                    {"id": i, "payloads": [{"type": "USAGE", "values": [round(0.5 + (i * 7 + n) % 11 / 5, 2)]}]}
                    for i in range(96)
                ],
            }
            for n in range(resources)
        ],
    }


def report_plans(base_url: str, vens: list[dict], ven_tokens: list[str], resources: int) -> list[list[Request]]:
    """Scenario 3: each VEN posts reports on the first event of its poll page (one it may read)."""
    plans = []
    with requests.Session() as http:
        for ven, token in zip(vens, ven_tokens, strict=True):
            page = http.get(base_url + poll_path(ven), headers=bearer(token), timeout=30).json()
            if not page:
                continue
            headers = bearer(token, **{"Content-Type": "application/json"})
            bodies = [json.dumps(report_body(page[0]["id"], ven, resources, day)).encode() for day in range(3)]
            plans.append([Request("POST", f"{API}/reports", headers, body) for body in bodies])
    return plans


def raw_db_polls(url: str, vens: list[dict], rounds: int = 20) -> list[float]:
    """The database's own time for scenario 1: the same page query, sequential, prepared, in milliseconds."""
    timings = []
    with psycopg.connect(url, row_factory=dict_row, prepare_threshold=0) as conn:
        for _ in range(rounds):
            for ven in vens:
                caller = Caller(ven["client_id"], "ven", frozenset({"read_targets"}))
                start = time.perf_counter()
                event_store.list_events(conn, caller, targets=ven["targets"], limit=50)
                timings.append((time.perf_counter() - start) * 1000)
            conn.rollback()
    return sorted(timings)


def ceiling_body(base_url: str, ven: dict, token: str) -> bytes:
    """The exact response bytes of one VEN's poll, for the ceiling server to answer with."""
    response = requests.get(base_url + poll_path(ven), headers=bearer(token), timeout=30)
    response.raise_for_status()
    return response.content


def timed_get(url: str, token: str, runs: int = 3, **params) -> tuple[list[float], requests.Response]:
    """Wall-clock seconds of ``runs`` sequential GETs, and the last response."""
    seconds, response = [], None
    for _ in range(runs):
        start = time.perf_counter()
        response = requests.get(url, headers=bearer(token), params=params, timeout=600)
        response.raise_for_status()
        seconds.append(time.perf_counter() - start)
    return seconds, response


def verification(base_url: str, bl_token: str, event_id: str, runs: int = 2) -> dict:
    """Scenario 5: GET /vtn/v1/events/{id}/verification over the cohort, seconds per run."""
    seconds, response = timed_get(f"{base_url}{EXT}/events/{event_id}/verification", bl_token, runs)
    result = response.json()
    resources = sum(len(ven.get("resources", [])) for ven in result["vens"])
    return {"seconds": seconds, "vens": len(result["vens"]), "resources": resources, "bytes": len(response.content)}


def settlement(base_url: str, bl_token: str, program_id: str, month: tuple, runs: int = 2) -> dict:
    """Scenario 6: the CSV settlement export of a month; rows per second of each run (the first may compute)."""
    since, until = (moment.strftime("%Y-%m-%dT%H:%M:%SZ") for moment in month)
    url = f"{base_url}{EXT}/programs/{program_id}/settlement"
    seconds, response = timed_get(url, bl_token, runs, since=since, until=until, format="csv")
    rows = response.text.count("\n") - 1
    return {"seconds": seconds, "rows": rows, "rows_per_second": [rows / s for s in seconds]}


def summary(result: load.Result) -> dict:
    """The figures of one load result, for results.json."""
    keys = ("name", "concurrency", "seconds", "sent", "ok", "errors", "throughput", "p50", "p95", "p99", "max")
    return {key: getattr(result, key) for key in keys} | {"rate": result.rate}


def median(values: list[float]) -> float:
    """The median (NaN for none)."""
    return statistics.median(values) if values else float("nan")
