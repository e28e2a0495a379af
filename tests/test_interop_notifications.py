"""Interoperability of notifications: python-oa3-client's webhook channel receives what the VTN sends.

python-oa3-client's receiver does not answer the echo check (its GET answers {"status": "ok"}), so this
VTN runs with VTN_WEBHOOK_VERIFY_ON_SUBSCRIBE=false, the documented setting for such receivers; it also
listens on plain http on loopback, hence the two allow settings.
"""

from __future__ import annotations

import json

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
