"""Notification latency: from an event's 201 to its arrival at subscribed VENs' webhooks (and MQTT topics).

    .venv/bin/python bench/notify_latency.py [--vens 1] [--rounds 20] [--mqtt]

Runs a real `vtn serve` (2 gunicorn workers, delivery in a `vtn worker` beside it) on a scratch database
of the PostgreSQL at 127.0.0.1:5432, N VEN clients each with a ven object granting a target and a
webhook subscription on a local receiver; BL creates targeted events one after another. With --mqtt, a
test Mosquitto with the VTN's generated configuration is started too and every VEN also listens on its
VEN-scoped event topic with the client certificate from GET /notifiers.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pg import with_database  # noqa: E402
from tests.receiver import Receiver  # noqa: E402
from tests.served import VTN, ServedVTN, add_client  # noqa: E402

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
NOTIFY_ENV = {
    "VTN_WEBHOOK_ALLOW_HTTP": "true",
    "VTN_WEBHOOK_ALLOW_PRIVATE": "true",
    "VTN_WEBHOOK_VERIFY_ON_SUBSCRIBE": "true",
}


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_broker(database_url: str):
    """A Mosquitto configured by `vtn mqtt broker-config` for this database; (broker, VTN settings)."""
    from tests.mosquitto import Mosquitto
    from tests.served import free_port, vtn_env

    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="vtn-bench-mqtt-"))
    mqtt_env = {"VTN_MQTT_URI": f"mqtts://127.0.0.1:{port}"}
    subprocess.run(
        [VTN, "mqtt", "broker-config", "--dir", str(folder), "--port", str(port)],
        env=vtn_env(database_url, **mqtt_env),
        check=True,
        capture_output=True,
    )
    broker = Mosquitto(folder / "mosquitto.conf", port)
    broker.start()
    return broker, mqtt_env


class VenListener:
    """A VEN's MQTT client on its VEN-scoped event topics, with the certificate GET /notifiers gave it."""

    def __init__(self, api: str, session: requests.Session, ven_id: str, port: int):
        from tests.mosquitto import Client

        auth = session.get(f"{api}/notifiers").json()["MQTT"]["authentication"]
        topics = session.get(f"{api}/notifiers/mqtt/topics/vens/{ven_id}/events").json()["topics"]
        self.arrivals: list[float] = []
        self.client = Client(port, Path(tempfile.mkdtemp(prefix="vtn-bench-ven-")), auth)
        self.client.client.on_message = lambda *_: self.arrivals.append(time.monotonic())  # arrival, in paho's thread
        assert self.client.connect() and self.client.subscribe(topics["ALL"])

    def wait_for(self, count: int, timeout: float) -> float:
        """When the count-th message arrived (monotonic seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.arrivals) < count and time.monotonic() < deadline:
            time.sleep(0.001)
        return self.arrivals[count - 1]

    def close(self) -> None:
        """Disconnect."""
        self.client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vens", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--mqtt", action="store_true")
    args = parser.parse_args()
    name = f"vtn_bench_{uuid4().hex[:8]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = with_database(SERVER, name)
    broker = None
    env = dict(NOTIFY_ENV)
    if args.mqtt:
        broker, mqtt_env = start_broker(url)
        env.update(mqtt_env)
    vtn = ServedVTN(url, workers=2, **env)
    receiver = Receiver()
    listeners = []
    try:
        bl = requests.Session()
        bl.headers["Authorization"] = f"Bearer {vtn.token(add_client(url, 'bl', 'utility'))}"
        program = bl.post(f"{vtn.api}/programs", json={"programName": "peak"}).json()
        for n in range(args.vens):
            creds = add_client(url, "ven", f"fleet-{n}")
            ven_obj = bl.post(
                f"{vtn.api}/vens",
                json={"venName": f"fleet-{n}", "clientID": creds["client_id"], "targets": ["region-1"]},
            ).json()
            ven = requests.Session()
            ven.headers["Authorization"] = f"Bearer {vtn.token(creds)}"
            sub = {
                "clientName": f"fleet-{n}",
                "objectOperations": [
                    {"objects": ["EVENT"], "operations": ["CREATE"], "callbackUrl": receiver.url(f"/ven{n}")}
                ],
            }
            ven.post(f"{vtn.api}/subscriptions", json=sub).raise_for_status()
            if args.mqtt:
                listeners.append(VenListener(vtn.api, ven, ven_obj["id"], broker.port))
        webhook_ms, mqtt_ms = [], []
        for r in range(args.rounds):
            body = {"programID": program["id"], "eventName": f"e{r}", "targets": ["region-1"]}
            start = time.monotonic()
            bl.post(f"{vtn.api}/events", json=body).raise_for_status()
            created = time.monotonic()
            got = receiver.wait_for((r + 1) * args.vens, timeout=30)
            webhook_ms.append((max(x["at"] for x in got[-args.vens :]) - created) * 1000)
            if listeners:
                last = max(listener.wait_for(r + 1, timeout=30) for listener in listeners)
                mqtt_ms.append((last - created) * 1000)
            _ = start
        print(f"VENs={args.vens} rounds={args.rounds}: time from the event's 201 to the last VEN's notification")
        for label, values in (("webhook", webhook_ms), ("mqtt", mqtt_ms)):
            if values:
                print(
                    f"  {label:8} p50={statistics.median(values):7.1f} ms  p95={percentile(values, 0.95):7.1f} ms"
                    f"  max={max(values):7.1f} ms"
                )
    finally:
        for listener in listeners:
            listener.close()
        vtn.stop()
        receiver.stop()
        if broker:
            broker.stop()
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
