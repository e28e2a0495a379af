"""Notification fan-out latency: from an event's 201 to the last of N VENs' webhooks and MQTT messages.

    .venv/bin/python bench/notify_latency.py [--vens 1000] [--rounds 5] [--no-mqtt]

Runs a real `vtn serve` (2 gunicorn workers, delivery in the `vtn worker` beside it) on a scratch database
of the PostgreSQL at 127.0.0.1:5432, and an anonymous Mosquitto configured by `vtn mqtt broker-config`.
N VEN clients, each with a ven object granting target region-1, a webhook subscription to EVENT CREATE on
a local keep-alive HTTP receiver, and registered for MQTT, are written straight into the database (setup
takes seconds, not minutes). BL then creates targeted events one after another; each round measures the
time from the 201 to the last webhook's arrival and to the last MQTT message (one subscriber on `#`, QoS 0,
standing in for N VEN clients that each get one message).

measure() does the same for a caller that brings its own scratch database.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from uuid import uuid4

import paho.mqtt.client as paho
import psycopg
import requests
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import procs  # noqa: E402
from tests.mosquitto import Mosquitto  # noqa: E402
from tests.pg import with_database  # noqa: E402
from tests.served import VTN, ServedVTN, free_port, vtn_env  # noqa: E402
from vtn.auth.secrets import hash_secret, new_secret  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
NOTIFY_ENV = {"VTN_WEBHOOK_ALLOW_HTTP": "true", "VTN_WEBHOOK_ALLOW_PRIVATE": "true"}

# One secret, hashed once, for every client (scrypt takes ~50 ms per hash).
_CLIENTS = """INSERT INTO client (client_id, name, role, secret_hash)
SELECT 'bench-ven-' || n, 'fleet-' || n, 'ven', %(hash)s FROM generate_series(1, %(vens)s) AS n
UNION ALL SELECT 'bench-bl', 'utility', 'bl', %(hash)s"""
_VENS = """INSERT INTO ven (client_id, ven_name, targets)
SELECT 'bench-ven-' || n, 'fleet-' || n, '{region-1}' FROM generate_series(1, %(vens)s) AS n"""
_SUBSCRIPTIONS = """
INSERT INTO subscription (client_id, client_name, object_operations, objects, targets, owner_sees_all)
SELECT 'bench-ven-' || n, 'fleet-' || n,
       jsonb_build_array(jsonb_build_object('objects', '["EVENT"]'::jsonb, 'operations', '["CREATE"]'::jsonb,
                                            'callbackUrl', %(callback)s || n)),
       '{EVENT}', '{}', false
FROM generate_series(1, %(vens)s) AS n"""
_MQTT_CLIENTS = """INSERT INTO mqtt_client (client_id, sees_all)
SELECT 'bench-ven-' || n, false FROM generate_series(1, %(vens)s) AS n"""
_UNSETTLED = """SELECT (SELECT count(*) FROM change WHERE NOT fanned_out)
                     + (SELECT count(*) FROM delivery WHERE state = 'pending')"""


class Listener:
    """A webhook receiver or MQTT subscriber in a child process (so that the bench's own threads do not delay
    it), which reports one line per arrival: its monotonic time (the clock is system-wide) and path or topic."""

    def __init__(self, *args: str):
        command = [sys.executable, __file__, "--listen", *args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.port = int(self.process.stdout.readline().split()[1])  # "ready <port>"
        self.times: list[float] = []
        self.keys: dict[str, int] = {}
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True, name="bench-listener").start()

    def _read(self) -> None:
        for line in self.process.stdout:
            when, _, key = line.rstrip("\n").partition(" ")
            with self._cond:
                self.times.append(float(when))
                self.keys[key] = self.keys.get(key, 0) + 1
                self._cond.notify_all()

    def last_of(self, count: int, timeout: float) -> float:
        """When the count-th arrival came (the latest of the first ``count``); TimeoutError if it does not."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.times) >= count, timeout):
                raise TimeoutError(f"{len(self.times)} of {count} notifications arrived in {timeout} s")
            return max(self.times[:count])

    def check_each(self, vens: int, rounds: int) -> None:
        """Every VEN got exactly one notification per round (on its own path or topic)."""
        wrong = [key for key, n in self.keys.items() if n != rounds]
        if len(self.keys) != vens or wrong:
            raise AssertionError(f"{len(self.keys)} VENs notified, {len(wrong)} of them not {rounds} times")

    def stop(self) -> None:
        """End the child process."""
        self.process.terminate()
        self.process.wait(10)


def listen_http() -> None:
    """Child process: an HTTP/1.1 keep-alive receiver on 127.0.0.1 that reports every POST."""

    async def serve(reader, writer) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                length = [
                    v for k, _, v in (h.partition(":") for h in head.split("\r\n")) if k.lower() == "content-length"
                ]
                await reader.readexactly(int(length[0]) if length else 0)
                if head.startswith("POST "):
                    sys.stdout.write(f"{time.monotonic()} {head.split(' ', 2)[1]}\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def run() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=4096)
        print("ready", server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(run())


def listen_mqtt(port: int, suffix: str) -> None:
    """Child process: one MQTT subscriber on `#` (QoS 0) that reports every message whose topic ends in suffix."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{uuid4().hex[:8]}")
    client.on_connect = lambda c, *_: c.subscribe("#", qos=0)
    client.on_subscribe = lambda *_: print("ready", port)
    client.on_message = lambda c, u, m: m.topic.endswith(suffix) and sys.stdout.write(f"{time.monotonic()} {m.topic}\n")
    client.connect("127.0.0.1", port)
    client.loop_forever()


def delivery_pid(vtn: ServedVTN) -> int:
    """The pid of the `vtn worker` that `vtn serve` runs beside gunicorn."""
    for _ in range(100):
        _, delivery = procs.split_children(vtn.process.pid)
        if delivery:
            return delivery[0]
        time.sleep(0.1)
    raise RuntimeError("no delivery worker beside vtn serve")


def profiler(pid: int, out: str) -> subprocess.Popen:
    """py-spy sampling ``pid`` (every thread, on CPU) into ``out`` (collapsed stacks) until SIGINT."""
    spy = str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "-p", str(pid), "-r", "250", "--threads", "--format", "raw", "-o", out]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_broker(database_url: str) -> tuple[Mosquitto, dict]:
    """An anonymous Mosquitto configured by `vtn mqtt broker-config`; (broker, the VTN's MQTT settings)."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="vtn-bench-mqtt-"))
    mqtt_env = {"VTN_MQTT_URI": f"mqtt://127.0.0.1:{port}", "VTN_MQTT_AUTH": "anonymous"}
    subprocess.run(
        [VTN, "mqtt", "broker-config", "--dir", str(folder), "--port", str(port)],
        env=vtn_env(database_url, **mqtt_env),
        check=True,
        capture_output=True,
    )
    broker = Mosquitto(folder / "mosquitto.conf", port)
    broker.start()
    return broker, mqtt_env


def populate(database_url: str, vens: int, callback_base: str, secret: str) -> None:
    """BL and N VENs (ven object, webhook subscription, MQTT registration), written in one transaction."""
    args = {"hash": hash_secret(secret), "vens": vens, "callback": f"{callback_base}/ven"}
    with psycopg.connect(database_url) as conn:
        for statement in (_CLIENTS, _VENS, _SUBSCRIPTIONS, _MQTT_CLIENTS):
            conn.execute(statement, args)


def bl_session(api: str, secret: str) -> requests.Session:
    """A session with BL's bearer token."""
    form = {"grant_type": "client_credentials", "client_id": "bench-bl", "client_secret": secret}
    token = requests.post(f"{api}/auth/token", data=form, timeout=30)
    token.raise_for_status()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session


def settle(database_url: str, timeout: float = 60.0) -> None:
    """Wait until every change is fanned out and every delivery sent (and its outcome committed)."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as conn:
        while conn.execute(_UNSETTLED).fetchone()[0] and time.monotonic() < deadline:
            time.sleep(0.05)


def run_rounds(vtn, bl, vens, rounds, receiver, counter, spy=None, timeout=60.0) -> dict:
    """An unmeasured warm-up event, then ``rounds`` events for every VEN: ms from each 201 to the last arrival."""
    program = bl.post(f"{vtn.api}/programs", json={"programName": f"peak-{uuid4().hex[:6]}"}, timeout=30)
    program.raise_for_status()
    settle(vtn.database_url)  # the program's own notifications (MQTT, to every VEN)
    figures = {"webhook_last_ms": [], "mqtt_last_ms": []}
    for r in range(rounds + 1):
        if r == 1 and spy is not None:
            spy = spy()
        body = {"programID": program.json()["id"], "eventName": f"e{r}", "targets": ["region-1"]}
        bl.post(f"{vtn.api}/events", json=body, timeout=30).raise_for_status()
        created = time.monotonic()
        for key, listener in (("webhook_last_ms", receiver), ("mqtt_last_ms", counter)):
            if listener is not None:
                figures[key].append((listener.last_of((r + 1) * vens, timeout) - created) * 1000)
        settle(vtn.database_url)
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
    for listener in (receiver, counter):
        if listener is not None:
            listener.check_each(vens, rounds + 1)
    figures["warmup"] = {key: values.pop(0) for key, values in figures.items() if values}
    return figures


def measure(
    database_url: str, vens: int = 1000, rounds: int = 3, mqtt: bool = True, workers: int = 2, profile=None
) -> dict:
    """Fan-out latency on ``database_url`` (an empty scratch database): {"webhook_last_ms", "mqtt_last_ms"}, one
    figure per round in ms, and "warmup" (the same for the unmeasured first event).

    Starts and stops everything it needs (broker, listeners, `vtn serve`); leaves the database to the caller.
    ``profile``: a file for py-spy's collapsed stacks of the delivery worker during the rounds.
    """
    secret = new_secret()
    receiver = Listener("http")
    broker, env = None, dict(NOTIFY_ENV)
    counter = vtn = None
    try:
        if mqtt:
            broker, mqtt_env = start_broker(database_url)
            env.update(mqtt_env)
            counter = Listener("mqtt", str(broker.port))
        vtn = ServedVTN(database_url, workers=workers, **env)
        populate(database_url, vens, f"http://127.0.0.1:{receiver.port}", secret)
        spy = (lambda: profiler(delivery_pid(vtn), profile)) if profile else None
        return run_rounds(vtn, bl_session(vtn.api, secret), vens, rounds, receiver, counter, spy)
    finally:
        for part in (vtn, counter, receiver, broker):
            if part is not None:
                part.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vens", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-mqtt", action="store_true")
    parser.add_argument("--profile", help="write py-spy collapsed stacks of the delivery worker to this file")
    args = parser.parse_args()
    name = f"vtn_bench_{uuid4().hex[:8]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        figures = measure(
            with_database(SERVER, name), args.vens, args.rounds, mqtt=not args.no_mqtt, profile=args.profile
        )
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    print(f"VENs={args.vens} rounds={args.rounds}: time from the event's 201 to the last VEN's notification")
    for label, key in (("webhook", "webhook_last_ms"), ("mqtt", "mqtt_last_ms")):
        if values := figures[key]:
            p50, p95 = statistics.median(values), statistics.quantiles(values, n=20, method="inclusive")[-1]
            print(f"  {label:8} p50={p50:8.1f} ms  p95={p95:8.1f} ms  max={max(values):8.1f} ms  (n={len(values)})")
    rounded = {key: [round(v) for v in figures[key]] for key in ("webhook_last_ms", "mqtt_last_ms")}
    print(f"  per round: {rounded}; warm-up event (not counted): {figures['warmup']}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--listen"]:
        sys.stdout.reconfigure(line_buffering=True)
        listen_http() if sys.argv[2] == "http" else listen_mqtt(int(sys.argv[3]), "/events/create")
    else:
        main()
