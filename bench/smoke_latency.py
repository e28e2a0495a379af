"""A first, sequential latency check of a real `vtn serve` (2 gunicorn workers) on a scratch database.

    .venv/bin/python bench/smoke_latency.py [postgresql://postgres@127.0.0.1:5432/postgres]

Creates and drops its own database. Prints p50/p99 of the token endpoint, event creation and a VEN's
targeted GET /events (50 per page). The full benchmark suite with a framework ceiling is bench's job
for issue 5; this is the figure the core issue reports.
"""

import statistics
import sys
import time
from pathlib import Path
from uuid import uuid4

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pg import with_database  # noqa: E402
from tests.served import ServedVTN, add_client  # noqa: E402

EVENT = {
    "targets": ["feeder-1"],
    "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT1H"},
    "intervals": [{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [0]}]}],
}


def timed(call, n: int) -> list[float]:
    """Milliseconds of n sequential calls."""
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return sorted(out)


def report(name: str, ms: list[float]) -> None:
    """One line: p50 and p99."""
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"{name:<48} n={len(ms):<4} p50={statistics.median(ms):7.2f} ms  p99={p99:7.2f} ms")


def main(server: str) -> None:
    name = f"vtn_bench_{uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server, name)
    vtn = ServedVTN(url, workers=2)
    try:
        bl, ven = add_client(url, "bl", "utility"), add_client(url, "ven", "fleet")
        report("POST /auth/token (scrypt secret check)", timed(lambda: vtn.token(bl), 20))
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {vtn.token(bl)}"
        program = http.post(f"{vtn.api}/programs", json={"programName": "peak"}).json()
        ven_obj = {"venName": "fleet", "clientID": ven["client_id"], "targets": ["feeder-1"]}
        http.post(f"{vtn.api}/vens", json=ven_obj).raise_for_status()
        event = EVENT | {"programID": program["id"]}
        report("POST /events (BL)", timed(lambda: http.post(f"{vtn.api}/events", json=event).raise_for_status(), 200))
        as_ven = requests.Session()
        as_ven.headers["Authorization"] = f"Bearer {vtn.token(ven)}"
        page = f"{vtn.api}/events?targets=feeder-1&limit=50"
        report("GET /events (VEN, targeted, 50 per page)", timed(lambda: as_ven.get(page).raise_for_status(), 300))
    finally:
        vtn.stop()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/postgres")
