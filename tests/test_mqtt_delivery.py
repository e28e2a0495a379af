"""MQTT end to end: a write -> outbox -> fan-out -> the delivery worker's publisher -> a real Mosquitto ->
the VENs' own clients, with the certificates GET /notifiers gave them. Each VEN hears only what it may read."""

from __future__ import annotations

import contextlib
import json
import queue
import time

import pytest

from vtn.db import Database
from vtn.notify.worker import DeliveryWorker

from . import builders as b
from .test_mqtt import _connected, _topics, clients, mosquitto, mqtt_app, mqtt_config, mqtt_parties, mqtt_port

__all__ = ["clients", "mosquitto", "mqtt_app", "mqtt_config", "mqtt_parties", "mqtt_port"]


@pytest.fixture
def worker(mqtt_app, mqtt_config, mosquitto):
    """The delivery worker (with its MQTT publisher) on the test's database and broker."""
    database = Database(mqtt_config.database_url, 1, 8)
    delivery = DeliveryWorker(mqtt_config.with_overrides(delivery_threads=2), database)
    delivery.start()
    yield delivery
    delivery.stop()
    database.close()


def _next(client, seconds: float = 5.0) -> tuple[str, dict]:
    topic, payload = client.next_message(seconds)
    return topic, json.loads(payload)


def _next_on(client, topic: str, seconds: float = 5.0) -> dict:
    """The next message on ``topic`` (earlier messages on other topics, e.g. of setup writes, are skipped)."""
    deadline = time.monotonic() + seconds
    while True:
        got, message = _next(client, max(0.01, deadline - time.monotonic()))
        if got == topic:
            return message


def test_events_reach_each_ven_on_its_own_topic_only(worker, mqtt_parties, clients):
    bl, ven_a, ven_b = mqtt_parties("bl"), mqtt_parties("ven"), mqtt_parties("ven")
    ven_obj_a = bl.create("/vens", b.ven_by_bl(ven_a.client_id, targets=["fleet-a"]))
    ven_obj_b = bl.create("/vens", b.ven_by_bl(ven_b.client_id, targets=["fleet-b"]))
    a, b_client, bl_client = _connected(clients, ven_a), _connected(clients, ven_b), _connected(clients, bl)
    topics_a = _topics(ven_a, f"/vens/{ven_obj_a['id']}/events")
    topics_b = _topics(ven_b, f"/vens/{ven_obj_b['id']}/events")
    topics_bl = _topics(bl, "/events")
    assert (
        a.subscribe(topics_a["ALL"]) and b_client.subscribe(topics_b["ALL"]) and bl_client.subscribe(topics_bl["ALL"])
    )
    assert b_client.subscribe(topics_a["ALL"])  # granted by Mosquitto, yet nothing of A's reaches B (below)
    program = bl.create("/programs", b.program())
    started = time.monotonic()
    event = bl.create("/events", b.event(program["id"], targets=["fleet-a", "secret-group"]))
    topic, message = _next(a)
    latency = time.monotonic() - started
    assert topic == topics_a["CREATE"] and latency < 1.0
    assert message["operation"] == "CREATE" and message["object"]["id"] == event["id"]
    assert message["object"]["targets"] == ["fleet-a"]  # target hiding
    topic, message = _next(bl_client)
    assert topic == topics_bl["CREATE"] and message["object"]["targets"] == ["fleet-a", "secret-group"]
    bl.delete(f"/events/{event['id']}")
    assert _next(a)[0] == topics_a["DELETE"]
    assert b_client.received(1.0) == []


def test_ven_hears_of_its_own_ven_and_resources(worker, mqtt_parties, clients):
    bl, ven = mqtt_parties("bl"), mqtt_parties("ven")
    ven_obj = bl.create("/vens", b.ven_by_bl(ven.client_id, targets=["t"]))
    client = _connected(clients, ven)
    resource_topics = _topics(ven, f"/vens/{ven_obj['id']}/resources")
    ven_topics = _topics(ven, f"/vens/{ven_obj['id']}")
    assert client.subscribe(resource_topics["ALL"]) and client.subscribe(ven_topics["ALL"])
    resource = bl.create("/resources", b.resource_by_bl(ven_obj["id"], targets=["u"]))
    assert _next_on(client, resource_topics["CREATE"])["object"]["id"] == resource["id"]
    bl.put(f"/vens/{ven_obj['id']}", b.ven_by_bl(ven.client_id, name=ven_obj["venName"], targets=["t", "v"]))
    assert _next_on(client, ven_topics["UPDATE"])["object"]["targets"] == ["t", "v"]


def test_nothing_is_lost_while_the_broker_is_down(worker, mqtt_parties, clients, mosquitto):
    bl = mqtt_parties("bl")
    client = _connected(clients, bl)
    topics = _topics(bl, "/programs")
    assert client.subscribe(topics["ALL"])
    mosquitto.stop()
    created = [bl.create("/programs", b.program()) for _ in range(3)]
    time.sleep(1.0)
    mosquitto.start()
    client.close()
    client = _connected(clients, bl)
    assert client.subscribe(topics["ALL"])
    got = []
    deadline = time.monotonic() + 20
    while len(got) < 3 and time.monotonic() < deadline:
        with contextlib.suppress(queue.Empty):
            got.append(_next(client, 1.0)[1]["object"]["id"])
    assert got == [p["id"] for p in created]
