"""The notification side of the fault tests: a `vtn worker` delivering to a webhook receiver and to a Mosquitto
with persistent sessions, both of which the tests stop and start again on the same port."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

import requests

from . import builders
from .faults import wait_until
from .mosquitto import Mosquitto
from .receiver import Receiver
from .served import VTN, ServedVTN, add_client, free_port, vtn_env

NOTIFY_ENV = {"VTN_WEBHOOK_ALLOW_HTTP": "true", "VTN_WEBHOOK_ALLOW_PRIVATE": "true", "VTN_MQTT_AUTH": "anonymous"}


class SessionSubscriber:
    """A QoS 1 MQTT subscriber with a persistent session, so that nothing published while it reconnects is lost.

    The broker keeps the session (and its queued messages) across its own restart when it runs with persistence.
    """

    def __init__(self, port: int, topic: str):
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self.topic = topic
        self.payloads: list[bytes] = []
        self._lock = threading.Lock()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"faults-{os.urandom(4).hex()}", protocol=5)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(self.topic, qos=1)
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(min_delay=1, max_delay=1)
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 600
        self.client.connect("127.0.0.1", port, keepalive=10, clean_start=False, properties=properties)
        self.client.loop_start()

    def _on_message(self, client, userdata, message) -> None:
        with self._lock:
            self.payloads.append(message.payload)

    def received(self) -> list[bytes]:
        """Every payload received so far."""
        with self._lock:
            return list(self.payloads)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


def persistent_broker_conf(conf: Path) -> None:
    """Make a generated mosquitto.conf keep sessions across a restart (saved on SIGTERM, loaded on start)."""
    text = conf.read_text().replace("persistence false", f"persistence true\npersistence_location {conf.parent}/")
    conf.write_text(text)


class NotifyRig:
    """`vtn serve` (delivery off) and a separate `vtn worker`; BL subscribed to EVENT CREATE by webhook and MQTT."""

    def __init__(self, database_url: str, folder: Path):
        self.port = free_port()
        env = {**NOTIFY_ENV, "VTN_MQTT_URI": f"mqtt://127.0.0.1:{self.port}"}
        command = [VTN, "mqtt", "broker-config", "--dir", str(folder / "broker"), "--port", str(self.port)]
        subprocess.run(command, env=vtn_env(database_url, **env), check=True, capture_output=True)
        persistent_broker_conf(folder / "broker" / "mosquitto.conf")
        self.broker, self.receiver = Mosquitto(folder / "broker" / "mosquitto.conf", self.port), Receiver()
        self.broker.start()
        self.served = ServedVTN(database_url, workers=1, VTN_DELIVERY_IN_SERVE="false", **env)
        self.worker = subprocess.Popen(
            [VTN, "worker"], env=vtn_env(database_url, **env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.subscriber: SessionSubscriber | None = None
        self.created: list[str] = []
        self._subscribe(database_url)

    def _subscribe(self, database_url: str) -> None:
        api = self.served.api
        self.bl = {"Authorization": f"Bearer {self.served.token(add_client(database_url, 'bl', 'utility'))}"}
        subscription = builders.subscription("utility", ("EVENT",), ("CREATE",))
        subscription["objectOperations"][0]["callbackUrl"] = self.receiver.url()
        requests.post(f"{api}/subscriptions", json=subscription, headers=self.bl, timeout=15).raise_for_status()
        topics = requests.get(f"{api}/notifiers/mqtt/topics/events", headers=self.bl, timeout=15).json()["topics"]
        self.subscriber = SessionSubscriber(self.port, topics["CREATE"])
        program = requests.post(f"{api}/programs", json=builders.program(), headers=self.bl, timeout=15)
        self.program_id = program.json()["id"]

    def create_events(self, count: int) -> None:
        """BL creates ``count`` events (each acknowledged with a 201)."""
        for _ in range(count):
            body = builders.event(self.program_id)
            response = requests.post(f"{self.served.api}/events", json=body, headers=self.bl, timeout=15)
            response.raise_for_status()
            self.created.append(response.json()["id"])

    def webhook_ids(self) -> set[str]:
        """Ids of the events whose notification reached the receiver."""
        return {body["object"]["id"] for body in self.receiver.bodies()}

    def mqtt_ids(self) -> set[str]:
        """Ids of the events whose notification reached the MQTT subscriber."""
        return {json.loads(payload)["object"]["id"] for payload in self.subscriber.received()}

    def wait_all(self, seconds: float) -> bool:
        """Wait until every created event was notified on both channels."""
        expected = set(self.created)
        return wait_until(lambda: expected <= self.webhook_ids() and expected <= self.mqtt_ids(), seconds)

    def line(self) -> str:
        """The counts: expected, delivered per channel (and raw arrivals, duplicates included)."""
        expected = set(self.created)
        return (
            f"notifications expected={len(expected)} webhook delivered={len(expected & self.webhook_ids())} "
            f"(posts {len(self.receiver.bodies())}) mqtt delivered={len(expected & self.mqtt_ids())} "
            f"(messages {len(self.subscriber.received())})"
        )

    def close(self) -> None:
        """Stop everything started."""
        if self.subscriber is not None:
            self.subscriber.close()
        self.worker.terminate()
        try:
            self.worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.worker.kill()
            self.worker.wait()
        self.served.stop()
        self.receiver.stop()
        self.broker.stop()
