"""Delivery with real processes: `vtn worker` killed mid-delivery loses nothing; `vtn serve` delivers too."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import requests

from .receiver import Receiver
from .served import VTN, add_client, vtn_env

NOTIFY_ENV = {
    "VTN_WEBHOOK_VERIFY_ON_SUBSCRIBE": "true",
    "VTN_WEBHOOK_ALLOW_HTTP": "true",
    "VTN_WEBHOOK_ALLOW_PRIVATE": "true",
}


def _start_worker(database_url: str) -> subprocess.Popen:
    env = vtn_env(database_url, **NOTIFY_ENV, VTN_DELIVERY_THREADS="2")
    return subprocess.Popen([VTN, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _subscribe_and_create(served, database_url, receiver) -> tuple[dict, dict]:
    bl = {"Authorization": f"Bearer {served.token(add_client(database_url, 'bl', 'utility'))}"}
    body = {
        "clientName": "utility",
        "objectOperations": [{"objects": ["PROGRAM"], "operations": ["CREATE"], "callbackUrl": receiver.url()}],
    }
    requests.post(f"{served.api}/subscriptions", json=body, headers=bl, timeout=10).raise_for_status()
    program = requests.post(f"{served.api}/programs", json={"programName": "p"}, headers=bl, timeout=10)
    program.raise_for_status()
    return bl, program.json()


def test_worker_killed_mid_delivery_loses_nothing(database_url):
    from .served import ServedVTN

    receiver = Receiver()
    receiver.hang_seconds = 3.0  # the first POST is in flight when the worker dies
    served = ServedVTN(database_url, workers=1, VTN_DELIVERY_IN_SERVE="false", **NOTIFY_ENV)
    first = _start_worker(database_url)
    try:
        _, program = _subscribe_and_create(served, database_url, receiver)
        time.sleep(1.0)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        receiver.hang_seconds = 0.0
        assert receiver.bodies() == []  # the hung request never completed from the worker's side
        second = _start_worker(database_url)
        try:
            got = receiver.wait_for(1, timeout=15)
            assert got and all(r["body"]["object"]["id"] == program["id"] for r in got)
        finally:
            second.terminate()
            second.wait(timeout=20)
    finally:
        served.stop()
        receiver.stop()


def test_vtn_serve_delivers_without_a_separate_worker(database_url):
    from .served import ServedVTN

    receiver = Receiver()
    served = ServedVTN(database_url, workers=1, **NOTIFY_ENV)
    try:
        started = time.monotonic()
        _, program = _subscribe_and_create(served, database_url, receiver)
        [got] = receiver.wait_for(1, timeout=10)
        assert got["body"]["object"]["id"] == program["id"]
        assert got["at"] - started < 5
    finally:
        served.stop()
        receiver.stop()
