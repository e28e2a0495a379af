"""A real Mosquitto broker process for the tests, and a small paho client that behaves like a VEN's."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Mosquitto:
    """`mosquitto -c CONF` on 127.0.0.1:port; start() and stop() may be called again (same port)."""

    def __init__(self, conf: Path, port: int):
        self.conf = conf
        self.port = port
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - open for the broker's lifetime
        if os.geteuid() == 0:  # as root, mosquitto would switch to the `mosquitto` user: keep it able to read
            with conf.open("a") as out:
                out.write("user root\n")

    def start(self, seconds: float = 10) -> None:
        """Start the broker and wait until its port accepts connections."""
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.output()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port}: {self.output()}")

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL) if it runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def output(self) -> str:
        """What the broker has logged so far."""
        self.log.seek(0)
        return self.log.read()


class Client:
    """A paho MQTT v5 client with the credentials of a GET /notifiers answer (None: no certificate)."""

    def __init__(self, port: int, folder: Path, authentication: dict | None, tls: bool = True):
        self.port = port
        self.messages: queue.Queue = queue.Queue()
        self.acks: queue.Queue = queue.Queue()
        self.connected: queue.Queue = queue.Queue()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"test-{os.urandom(4).hex()}", protocol=paho.MQTTv5
        )
        self.client.on_connect = lambda c, u, f, rc, p: self.connected.put(rc)
        self.client.on_disconnect = lambda c, u, f, rc, p: self.connected.put(rc)  # refused before CONNACK
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload))
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self.acks.put(("sub", mid, rcs))
        self.client.on_publish = lambda c, u, mid, rc, p: self.acks.put(("pub", mid, rc))
        if tls:
            files = {}
            for key in ("caCert", "clientCert", "clientKey"):
                if authentication and key in authentication:
                    files[key] = folder / f"{os.urandom(4).hex()}-{key}.pem"
                    files[key].write_text(authentication[key])
            self.client.tls_set(
                ca_certs=str(files["caCert"]),
                certfile=str(files["clientCert"]) if "clientCert" in files else None,
                keyfile=str(files["clientKey"]) if "clientKey" in files else None,
            )

    def connect(self, seconds: float = 5) -> bool:
        """Connect; True when the broker accepted (CONNACK success), False when it refused or failed."""
        try:
            self.client.connect("127.0.0.1", self.port, keepalive=30)
        except OSError:
            return False
        self.client.loop_start()
        try:
            code = self.connected.get(timeout=seconds)
        except queue.Empty:
            return False
        return not code.is_failure and self.client.is_connected()

    def subscribe(self, topic: str, seconds: float = 5) -> bool:
        """Subscribe with QoS 1; True when the SUBACK grants it."""
        _rc, mid = self.client.subscribe(topic, qos=1)
        return not self._ack("sub", mid, seconds)[0].is_failure

    def publish(self, topic: str, payload: bytes, seconds: float = 5):
        """Publish with QoS 1; the PUBACK's reason code."""
        info = self.client.publish(topic, payload, qos=1)
        return self._ack("pub", info.mid, seconds)

    def _ack(self, kind: str, mid: int, seconds: float):
        deadline = time.monotonic() + seconds
        while True:
            got_kind, got_mid, codes = self.acks.get(timeout=max(0.01, deadline - time.monotonic()))
            if (got_kind, got_mid) == (kind, mid):
                return codes if isinstance(codes, list) else [codes]

    def received(self, seconds: float = 2.0) -> list[tuple[str, bytes]]:
        """The messages that arrive within ``seconds`` (waits the whole time)."""
        time.sleep(seconds)
        got = []
        while not self.messages.empty():
            got.append(self.messages.get())
        return got

    def next_message(self, seconds: float = 5.0) -> tuple[str, bytes]:
        """The next message (queue.Empty after ``seconds``)."""
        return self.messages.get(timeout=seconds)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()
