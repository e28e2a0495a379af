"""Publishing notifications to the VTN's MQTT broker (QoS 1, each message acknowledged before success).

A batch is published as a sliding window as wide as the broker lets a client have unacknowledged messages
(its CONNACK Receive Maximum; the generated Mosquitto configuration says 1,000): paho's own limit of 20
in flight made a batch of 1,000 messages wait for 50 round trips.
"""

from __future__ import annotations

import logging
import os
import shutil
import ssl
import tempfile
import threading
import time
import weakref
from collections import deque
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from . import broker

log = logging.getLogger("vtn.mqtt")

_RECEIVE_MAXIMUM = 65535  # MQTT 5: what a broker allows when its CONNACK names no Receive Maximum


class PublishError(Exception):
    """Some message was not acknowledged by the broker (the caller keeps it pending and retries)."""


class Publisher:
    """One MQTT connection of the VTN to its broker (VTN_MQTT_URI), made on first use and remade after failures.

    ``publish`` may be called from any thread, but calls are serialised by a lock: meant for one delivery
    thread at a time. The network runs on paho's own thread, which reconnects after the broker restarts.
    """

    def __init__(self, config, db):
        if not config.mqtt_uri:
            raise ValueError("MQTT is off (VTN_MQTT_URI is not set)")
        self.config = config
        self.db = db
        self.tls, self.host, self.port = broker.parse_uri(config.mqtt_uri)
        self.certificate = broker.auth_mode(config) == "certificate"
        if self.certificate and not self.tls:
            raise ValueError("VTN_MQTT_AUTH=certificate needs an mqtts:// VTN_MQTT_URI")
        self._lock = threading.Lock()
        self._client: paho.Client | None = None
        self._connected = threading.Event()
        self._window = _RECEIVE_MAXIMUM
        self._failures: dict[int, str] = {}
        self._dir: Path | None = None
        self._cert_expires = 0.0
        self._cleanup = None

    def publish(self, messages: list[tuple[str, bytes]], timeout: float = 10.0) -> None:
        """Publish every (topic, payload) with QoS 1; return once all are acknowledged, else PublishError."""
        if not messages:
            return
        with self._lock:
            deadline = time.monotonic() + timeout
            try:
                self._publish(messages, deadline)
            except Exception as exc:
                # Drop the connection and its queue: a later call starts afresh rather than resending stale ones.
                self._reset()
                if isinstance(exc, PublishError):
                    raise
                raise PublishError(f"MQTT publish to {self.host}:{self.port} failed: {exc}") from exc

    def _publish(self, messages, deadline: float) -> None:
        client = self._client or self._connect()
        if not self._connected.wait(max(0.0, deadline - time.monotonic())):
            raise PublishError(f"not connected to the MQTT broker {self.host}:{self.port}")
        in_flight: deque = deque()
        for topic, payload in messages:
            if len(in_flight) >= self._window:
                self._acknowledged(in_flight.popleft(), deadline)
            info = client.publish(topic, payload, qos=1, retain=False)
            if info.rc != paho.MQTT_ERR_SUCCESS:
                raise PublishError(f"could not send to {self.host}:{self.port}: {paho.error_string(info.rc)}")
            in_flight.append(info)
        while in_flight:
            self._acknowledged(in_flight.popleft(), deadline)

    def _acknowledged(self, info, deadline: float) -> None:
        info.wait_for_publish(max(0.0, deadline - time.monotonic()))
        if not info.is_published():
            raise PublishError(f"no PUBACK from {self.host}:{self.port} in time")
        failure = self._failures.pop(info.mid, None)
        if failure is not None:
            raise PublishError(f"the broker refused a message: {failure}")

    def _connect(self) -> paho.Client:
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"{broker.PUBLISHER}-{os.getpid()}-{os.urandom(4).hex()}",
            protocol=paho.MQTTv5,
        )
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.max_inflight_messages_set(0)  # no limit in paho: _publish keeps to the broker's window
        if self.tls:
            self._tls(client)
        self._connected.clear()
        self._failures.clear()
        client.connect_async(self.host, self.port, keepalive=30, clean_start=True)
        client.loop_start()
        self._client = client
        return client

    def _tls(self, client: paho.Client) -> None:
        if not self.certificate:
            client.tls_set(cert_reqs=ssl.CERT_REQUIRED)  # a broker with a publicly trusted certificate
            return
        if self._dir is None or self._cert_expires - time.time() < 30 * 86400:
            self._write_credentials()
        client.tls_set(
            ca_certs=str(self._dir / "ca.crt"),
            certfile=str(self._dir / "client.crt"),
            keyfile=str(self._dir / "client.key"),
            cert_reqs=ssl.CERT_REQUIRED,
        )

    def _write_credentials(self) -> None:
        """Issue a vtn-publisher certificate and keep it, with the CA, in a private temporary folder."""
        with self.db.transaction() as conn:
            ca_pem, cert_pem, key_pem = broker.publisher_credentials(conn)
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="vtn-mqtt-"))  # 0700
            self._cleanup = weakref.finalize(self, shutil.rmtree, str(self._dir), True)
        for name, text in (("ca.crt", ca_pem), ("client.crt", cert_pem), ("client.key", key_pem)):
            broker.write_private(self._dir / name, text)
        self._cert_expires = time.time() + broker.PUBLISHER_DAYS * 86400

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("MQTT broker %s:%s refused the connection: %s", self.host, self.port, reason_code)
            return
        self._window = getattr(properties, "ReceiveMaximum", _RECEIVE_MAXIMUM)
        log.info("connected to the MQTT broker %s:%s", self.host, self.port)
        self._connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._connected.clear()
        log.info("disconnected from the MQTT broker %s:%s: %s", self.host, self.port, reason_code)

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._failures[mid] = str(reason_code)

    def _reset(self) -> None:
        client, self._client = self._client, None
        self._connected.clear()
        if client is not None:
            client.disconnect()
            client.loop_stop()

    def close(self) -> None:
        """Disconnect and remove the temporary credentials."""
        with self._lock:
            self._reset()
            if self._cleanup is not None:
                self._cleanup()
                self._dir = None
