"""Fault injection for tests/test_faults.py and bench/faults.py: a private PostgreSQL cluster that can be stopped
and restarted, a threaded load driver that classifies every outcome, and gunicorn worker lookup."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests

from .served import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PrivatePostgres:
    """initdb + pg_ctl on a free port in a temporary folder: a server the tests may stop, kill and restart."""

    def __init__(self):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="vtn-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()

    def _run(self, *args: str, timeout: float = 120) -> None:
        done = subprocess.run(_as_postgres(list(args)), capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr or done.stdout}")

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=on"
        pg_ctl = str(PG_BIN / "pg_ctl")
        self._run(pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", action, *extra)

    def url(self, dbname: str = "postgres") -> str:
        """The URL of a database of this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (fast: open sessions are terminated, as on a host's orderly shutdown)."""
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        """Stop and start again at once."""
        self._ctl("restart", "-m", mode)

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server (immediately) and remove its files."""
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def gunicorn_workers(master_pid: int) -> list[int]:
    """The pids of the gunicorn workers of `vtn serve` (children of the master that are not `vtn worker`)."""
    found = []
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):  # it exited between the two reads (a killed worker)
            continue
        if b"worker" not in cmdline:  # the delivery child runs `python -m vtn.cli worker`
            found.append(int(child))
    return sorted(found)


@dataclass
class Tally:
    """What the load driver saw: every request is exactly one of acknowledged, 503, hang, reset or other."""

    sent: int = 0
    acknowledged: list[str] = field(default_factory=list)  # ids of 2xx writes
    reads_ok: int = 0
    unavailable: int = 0  # 503 problem responses
    hangs: int = 0  # no answer within the client timeout
    resets: int = 0  # connection refused or reset (the request may or may not have been applied)
    other: Counter = field(default_factory=Counter)  # anything else, by status: a failure
    slowest_503: float = 0.0  # seconds: how long the slowest 503 took to come
    last_ok: float = 0.0

    def line(self, found: int | None = None) -> str:
        """The counts on one line."""
        text = (
            f"sent={self.sent} acknowledged={len(self.acknowledged)} reads_ok={self.reads_ok} "
            f"503s={self.unavailable} (slowest {self.slowest_503:.1f} s) hangs={self.hangs} resets={self.resets} "
            f"other={dict(self.other)}"
        )
        return text if found is None else f"{text} found={found}"


class Load:
    """Threads that POST (writers) and GET (readers) until stop(), classifying every outcome into a Tally."""

    def __init__(self, writes: list, reads: list, timeout: float = 15.0):
        """``writes``: (url, headers, make_body) per writer thread; ``reads``: (url, headers) per reader thread."""
        self.timeout = timeout
        self.tally = Tally()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, args=w, daemon=True) for w in writes]
        self._threads += [threading.Thread(target=self._read, args=r, daemon=True) for r in reads]

    def start(self) -> Load:
        """Start every thread."""
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> Tally:
        """Stop and wait for the threads; the final tally."""
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)
        return self.tally

    def _write(self, url: str, headers: dict, make_body) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                self._one(lambda: session.post(url, json=make_body(), headers=headers, timeout=self.timeout), True)

    def _read(self, url: str, headers: dict) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                self._one(lambda: session.get(url, headers=headers, timeout=self.timeout), False)

    def _one(self, call, write: bool) -> None:
        started = time.monotonic()
        try:
            response = call()
        except requests.Timeout:
            self._count("hangs")
            return
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):  # refused, reset, or cut mid-body
            self._count("resets")
            time.sleep(0.05)  # refused while a worker restarts: do not spin
            return
        with self._lock:
            self.tally.sent += 1
            if response.ok:
                self.tally.last_ok = time.monotonic()
                if write:
                    self.tally.acknowledged.append(response.json()["id"])
                else:
                    self.tally.reads_ok += 1
            elif is_unavailable_problem(response):
                self.tally.unavailable += 1
                self.tally.slowest_503 = max(self.tally.slowest_503, time.monotonic() - started)
            else:
                self.tally.other[response.status_code] += 1
        if not response.ok:
            time.sleep(0.05)

    def _count(self, name: str) -> None:
        with self._lock:
            self.tally.sent += 1
            setattr(self.tally, name, getattr(self.tally, name) + 1)

    def wait_for_success(self, after: float, seconds: float) -> float | None:
        """Seconds from ``after`` (monotonic) until some request succeeds, or None if none does in ``seconds``."""
        deadline = after + seconds
        while time.monotonic() < deadline:
            if self.tally.last_ok > after:
                return self.tally.last_ok - after
            time.sleep(0.05)
        return None


def is_unavailable_problem(response: requests.Response) -> bool:
    """A 503 whose body is a problem object (the OpenAPI document gives problems as application/json)."""
    if response.status_code != 503 or not response.headers.get("Content-Type", "").startswith("application/json"):
        return False
    body = response.json()
    return body.get("status") == 503 and body.get("title") == "Service Unavailable"


def rows_found(database_url: str, table: str, ids: list[str]) -> int:
    """How many of ``ids`` are rows of ``table`` (program, event, report)."""
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table} WHERE id = ANY(%s)", (ids,)).fetchone()  # noqa: S608
    return row[0]


@dataclass
class World:
    """A served VTN's BL and VEN headers, a program and an event to write reports against."""

    api: str
    bl: dict
    ven: dict
    program_id: str
    event_id: str


def make_world(served, database_url: str) -> World:
    """A BL client, a VEN client (with its VEN object), a program and an event, on ``served``."""
    from .served import add_client

    bl_client, ven_client = add_client(database_url, "bl", "utility"), add_client(database_url, "ven", "fleet")
    bl = {"Authorization": f"Bearer {served.token(bl_client)}"}
    ven = {"Authorization": f"Bearer {served.token(ven_client)}"}
    ven_body = {"objectType": "BL_VEN_REQUEST", "clientID": ven_client["client_id"], "venName": "fleet"}
    requests.post(f"{served.api}/vens", json=ven_body, headers=bl, timeout=10).raise_for_status()
    program = requests.post(f"{served.api}/programs", json={"programName": "faults"}, headers=bl, timeout=10)
    program.raise_for_status()
    event = requests.post(f"{served.api}/events", json=event_body(program.json()["id"]), headers=bl, timeout=10)
    event.raise_for_status()
    return World(served.api, bl, ven, program.json()["id"], event.json()["id"])


def event_body(program_id: str) -> dict:
    """A small eventRequest."""
    from . import builders

    return builders.event(program_id)


def mixed_load(world: World, writers: int = 4, readers: int = 2, timeout: float = 15.0) -> tuple[Load, Load]:
    """Event writers (BL) and report writers (VEN), each half the writers, plus GET /events readers.

    Two Loads, one per written table, so that acknowledged ids can be compared with each table's rows.
    """
    from . import builders

    events = Load(
        [(f"{world.api}/events", world.bl, lambda: builders.event(world.program_id))] * max(1, writers // 2),
        [(f"{world.api}/events?limit=20", world.ven)] * readers,
        timeout,
    )
    report_writer = (f"{world.api}/reports", world.ven, lambda: builders.report(world.event_id))
    reports = Load([report_writer] * max(1, writers // 2), [], timeout)
    return events, reports


def wait_until(condition, seconds: float, step: float = 0.2) -> bool:
    """Poll ``condition`` until it is true (True) or ``seconds`` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())
