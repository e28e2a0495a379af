"""Faults under load, with real processes: PostgreSQL restarted or stopped, a gunicorn worker killed, the webhook
receiver and the MQTT broker down for a while. Every write acknowledged with a 2xx is in the database, requests
during an outage get a 503 problem rather than hang, and the VTN recovers by itself (docs/reliability.md)."""

from __future__ import annotations

import itertools
import os
import signal
import time

import pytest
import requests

from vtn.db import RECONNECT_TIMEOUT

from .faults import (
    PrivatePostgres,
    gunicorn_workers,
    is_unavailable_problem,
    make_world,
    mixed_load,
    rows_found,
    wait_until,
)
from .faults_notify import NotifyRig
from .served import ServedVTN, vtn_command

RECOVERY_BOUND = 15.0  # seconds from the database's return to the first successful request
OUTAGE = 6.0  # seconds PostgreSQL stays down: longer than vtn.db.POOL_TIMEOUT, so waiting requests get 503s
_names = itertools.count()


@pytest.fixture(scope="module")
def private_pg():
    """A PostgreSQL cluster of this module's own, which the tests stop and restart."""
    server = PrivatePostgres()
    yield server
    server.destroy()


@pytest.fixture
def private_url(private_pg):
    """A fresh database on the private cluster, migrated with `vtn db upgrade`."""
    url = private_pg.create_database(f"faults_{os.getpid()}_{next(_names)}")
    vtn_command(url, "db", "upgrade")
    return url


def _check(label: str, tally, database_url: str, table: str) -> None:
    """Print the counts; every acknowledged write is a row, nothing hung, no other failure (500s) occurred."""
    found = rows_found(database_url, table, tally.acknowledged)
    print(f"\n{label} [{table}]: {tally.line(found)}")
    assert found == len(tally.acknowledged) > 0
    assert tally.hangs == 0
    assert not tally.other, tally.other


def test_database_restart_and_outage_under_load(private_pg, private_url):
    served = ServedVTN(private_url, workers=2)
    try:
        world = make_world(served, private_url)
        events, reports = mixed_load(world, writers=4, readers=2)
        events.start(), reports.start()
        time.sleep(2)
        private_pg.restart("fast")
        back = time.monotonic()
        assert events.wait_for_success(back, RECOVERY_BOUND) is not None
        time.sleep(2)
        private_pg.stop("fast")
        down = time.monotonic()
        probe = requests.get(f"{served.base}/health", timeout=15)  # during the outage: a 503 problem, not a hang
        assert is_unavailable_problem(probe), probe.text
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - down)))
        private_pg.start()
        back = time.monotonic()
        recovered = events.wait_for_success(back, RECOVERY_BOUND)
        assert recovered is not None
        # Every worker has reconnected by now: a pending reconnection attempt is given up after RECONNECT_TIMEOUT.
        time.sleep(max(0.0, back + RECONNECT_TIMEOUT + 0.5 - time.monotonic()))
        steady = (events.tally.unavailable, reports.tally.unavailable, events.tally.sent)
        time.sleep(2)
        after = (events.tally.unavailable, reports.tally.unavailable, events.tally.sent)
        tallies = events.stop(), reports.stop()
        print(f"\nrecovered {recovered:.2f} s after the database came back")
        _check("restart + outage", tallies[0], private_url, "event")
        _check("restart + outage", tallies[1], private_url, "report")
        assert tallies[0].unavailable + tallies[1].unavailable > 0  # the outage was seen, as 503 problems
        assert after[:2] == steady[:2] and after[2] > steady[2]  # recovered: no more 503s, requests flow
        assert served.process.poll() is None
    finally:
        served.stop()


def test_gunicorn_worker_killed_under_load(private_url):
    served = ServedVTN(private_url, workers=2, VTN_DELIVERY_IN_SERVE="false")
    try:
        world = make_world(served, private_url)
        events, reports = mixed_load(world, writers=4, readers=2)
        events.start(), reports.start()
        time.sleep(2)
        before = gunicorn_workers(served.process.pid)
        os.kill(before[0], signal.SIGKILL)
        killed = time.monotonic()
        respawned = wait_until(lambda: len(set(gunicorn_workers(served.process.pid)) - set(before)) == 1, 30)
        assert respawned and len(gunicorn_workers(served.process.pid)) == 2
        assert events.wait_for_success(killed, RECOVERY_BOUND) is not None
        time.sleep(2)
        tallies = events.stop(), reports.stop()
        print(f"\nworker {before[0]} killed; respawned: {gunicorn_workers(served.process.pid)}")
        _check("worker SIGKILL", tallies[0], private_url, "event")
        _check("worker SIGKILL", tallies[1], private_url, "report")
        assert tallies[0].unavailable == tallies[1].unavailable == 0
    finally:
        served.stop()


def test_worker_respawned_during_database_outage(private_pg, private_url):
    """A worker that dies while PostgreSQL is down is replaced; gunicorn does not stop ("failed to boot")."""
    served = ServedVTN(private_url, workers=2, VTN_DELIVERY_IN_SERVE="false")
    try:
        before = gunicorn_workers(served.process.pid)
        private_pg.stop("fast")
        try:
            os.kill(before[0], signal.SIGKILL)
            assert wait_until(lambda: len(set(gunicorn_workers(served.process.pid)) - set(before)) == 1, 30)
            outage = requests.get(f"{served.base}/health", timeout=15)
            assert outage.status_code == 503 and outage.json()["status"] == 503
        finally:
            private_pg.start()
        assert wait_until(lambda: requests.get(f"{served.base}/health", timeout=15).status_code == 200, 15)
        assert all(requests.get(f"{served.base}/health", timeout=15).status_code == 200 for _ in range(6))
    finally:
        served.stop()


def test_notifications_survive_receiver_and_broker_outages(database_url, tmp_path):
    rig = NotifyRig(database_url, tmp_path)
    try:
        rig.create_events(10)
        rig.receiver.stop()
        rig.broker.stop()
        rig.create_events(10)  # acknowledged, so in the outbox: delivered once the receiver and broker are back
        time.sleep(3)  # failed tries on both channels
        rig.broker.start()
        rig.create_events(5)
        rig.receiver.start()
        rig.create_events(5)
        delivered = rig.wait_all(60)
        print(f"\nreceiver and broker down for a while: {rig.line()}")
        assert delivered
    finally:
        rig.close()
