"""Interoperability of notifications: python-oa3-client's webhook channel receives what the VTN sends.

python-oa3-client's receiver does not answer the echo check (its GET answers {"status": "ok"}), so this
VTN runs with VTN_WEBHOOK_VERIFY_ON_SUBSCRIBE=false, the documented setting for such receivers; it also
listens on plain http on loopback, hence the two allow settings.
"""

from __future__ import annotations

import json
import subprocess
import time

from openadr3 import coerce_notification
from openadr3_client import BlClient, VenClient

from .served import ServedVTN, add_client


def test_python_oa3_client_webhook_channel(database_url):
    served = ServedVTN(database_url, workers=1, VTN_WEBHOOK_ALLOW_HTTP="true", VTN_WEBHOOK_ALLOW_PRIVATE="true")
    bl_creds, ven_creds = add_client(database_url, "bl", "utility"), add_client(database_url, "ven", "fleet")
    bl = BlClient(url=served.api, client_id=bl_creds["client_id"], client_secret=bl_creds["client_secret"]).start()
    ven = VenClient(url=served.api, client_id=ven_creds["client_id"], client_secret=ven_creds["client_secret"])
    ven.start()
    channel = ven.add_webhook(host="127.0.0.1", port=0, bearer_token="vtn-may-call-me")
    channel.start()
    try:
        program = bl.create_program({"programName": "ev-peak"}).json()
        bl.create_ven({"venName": "fleet", "clientID": ven_creds["client_id"], "targets": ["fleet"]})
        ven.subscribe(["ev-peak"], ["EVENT"], ["CREATE", "UPDATE"], channel)
        event = bl.create_event({"programID": program["id"], "eventName": "pause", "targets": ["fleet"]}).json()
        [message] = channel.await_messages(1, timeout=10)
        notification = message.payload  # already parsed by the channel with openadr3.coerce_notification
        assert coerce_notification(json.loads(message.raw_payload)).object.id == event["id"]
        assert notification.operation == "CREATE"
        assert notification.object.id == event["id"]
    finally:
        channel.stop()
        bl.stop()
        ven.stop()
        served.stop()


def test_python_oa3_client_mqtt_channel(database_url, tmp_path):
    """Its MQTT channel connects without credentials, so the VTN runs the (development-only) anonymous mode."""
    from .mosquitto import Mosquitto
    from .served import VTN, free_port, vtn_env

    port = free_port()
    mqtt = {"VTN_MQTT_URI": f"mqtt://127.0.0.1:{port}", "VTN_MQTT_AUTH": "anonymous"}
    command = [VTN, "mqtt", "broker-config", "--dir", str(tmp_path), "--port", str(port)]
    subprocess.run(command, env=vtn_env(database_url, **mqtt), check=True, capture_output=True)
    broker = Mosquitto(tmp_path / "mosquitto.conf", port)
    broker.start()
    served = ServedVTN(database_url, workers=1, **mqtt)
    bl_creds, ven_creds = add_client(database_url, "bl", "utility"), add_client(database_url, "ven", "fleet")
    bl = BlClient(url=served.api, client_id=bl_creds["client_id"], client_secret=bl_creds["client_secret"]).start()
    ven = VenClient(url=served.api, client_id=ven_creds["client_id"], client_secret=ven_creds["client_secret"])
    ven.start()
    channel = None
    try:
        assert ven.vtn_supports_mqtt() and ven.get_mqtt_broker_uris() == [mqtt["VTN_MQTT_URI"]]
        program = bl.create_program({"programName": "ev-peak"}).json()
        ven_obj = bl.create_ven({"venName": "fleet", "clientID": ven_creds["client_id"], "targets": ["fleet"]}).json()
        topics = ven.get_mqtt_topics_ven_events(ven_obj["id"]).json()["topics"]
        channel = ven.add_mqtt(mqtt["VTN_MQTT_URI"])
        channel.start()
        channel.subscribe_topics([topics["ALL"]])
        time.sleep(0.5)
        event = bl.create_event({"programID": program["id"], "eventName": "pause", "targets": ["fleet"]}).json()
        [message] = channel.await_messages(1, timeout=10)
        assert message.topic == topics["CREATE"]
        assert message.payload.object.id == event["id"]
    finally:
        if channel is not None:
            channel.stop()
        bl.stop()
        ven.stop()
        served.stop()
        broker.stop()
