"""Faults under a longer load: PostgreSQL restarted, stopped, crashed; gunicorn workers killed; the webhook receiver
and the MQTT broker down for a while. Prints the same counts as tests/test_faults.py, per fault and in total.

    .venv/bin/python -m bench.faults                 # 3 cycles of every fault, about 4 minutes
    .venv/bin/python -m bench.faults --cycles 1      # a short look

A private PostgreSQL cluster (initdb + pg_ctl on a free port; never the shared server) holds the VTN's database.
`vtn serve` (2 workers x 4 threads, delivery beside it) takes events from BL writer threads and reports from VEN
writer threads while readers poll GET /events; each cycle restarts PostgreSQL (pg_ctl restart -m fast), stops it
for --outage seconds, crashes it (-m immediate: committed writes must survive WAL recovery) and SIGKILLs a gunicorn
worker, with --gap seconds of load between faults. Then a `vtn worker` delivers event notifications by webhook and
MQTT while the receiver and the broker are stopped for --outage seconds in each cycle.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.faults import PrivatePostgres, gunicorn_workers, make_world, mixed_load, rows_found, wait_until  # noqa: E402
from tests.faults_notify import NotifyRig  # noqa: E402
from tests.served import ServedVTN, vtn_command  # noqa: E402

RECOVERY_BOUND = 30.0


def _fault(name: str, pg: PrivatePostgres, served: ServedVTN, outage: float) -> float:
    """Inject one fault; returns the monotonic time from which recovery is measured."""
    if name == "restart":
        pg.restart("fast")
    elif name == "outage":
        pg.stop("fast")
        time.sleep(outage)
        pg.start()
    elif name == "crash":
        pg.stop("immediate")
        pg.start()
    elif name == "kill-worker":
        before = gunicorn_workers(served.process.pid)
        os.kill(before[0], signal.SIGKILL)
        wait_until(lambda: len(set(gunicorn_workers(served.process.pid)) - set(before)) == 1, 30)
    return time.monotonic()


def database_faults(pg: PrivatePostgres, args) -> bool:
    """The database and worker faults under load; prints the counts; True when nothing was lost or hung."""
    url = pg.create_database("bench_faults")
    vtn_command(url, "db", "upgrade")
    served = ServedVTN(url, workers=2)
    try:
        events, reports = mixed_load(make_world(served, url), writers=args.writers, readers=args.readers)
        events.start(), reports.start()
        recoveries: dict[str, list[float]] = {}
        for cycle in range(args.cycles):
            for name in ("restart", "outage", "crash", "kill-worker"):
                time.sleep(args.gap)
                back = _fault(name, pg, served, args.outage)
                recovered = events.wait_for_success(back, RECOVERY_BOUND)
                recoveries.setdefault(name, []).append(recovered if recovered is not None else float("inf"))
                print(f"cycle {cycle + 1} {name}: recovered in {recovered} s; events {events.tally.line()}", flush=True)
        time.sleep(args.gap)
        tallies = {"event": events.stop(), "report": reports.stop()}
        ok = served.process.poll() is None
        print(f"\n{args.cycles} cycles of restart, {args.outage:g} s outage, crash and worker SIGKILL:")
        for table, tally in tallies.items():
            found = rows_found(url, table, tally.acknowledged)
            print(f"  {table}s: {tally.line(found)}")
            ok = ok and found == len(tally.acknowledged) and tally.hangs == 0 and not tally.other
        for name, seconds in recoveries.items():
            print(f"  recovery after {name}: max {max(seconds):.2f} s, each {[round(s, 2) for s in seconds]}")
        return ok
    finally:
        served.stop()


def notification_faults(pg: PrivatePostgres, args) -> bool:
    """Receiver and broker outages while events are created; prints the counts; True when all were delivered."""
    url = pg.create_database("bench_faults_notify")
    vtn_command(url, "db", "upgrade")
    folder = tempfile.TemporaryDirectory(prefix="bench-faults-")  # noqa: SIM115 - removed in the finally below
    rig = NotifyRig(url, Path(folder.name))
    try:
        for cycle in range(args.cycles):
            rig.create_events(args.events)
            rig.receiver.stop()
            rig.broker.stop()
            rig.create_events(args.events)
            time.sleep(args.outage)
            rig.broker.start()
            rig.create_events(args.events)
            time.sleep(args.outage / 2)
            rig.receiver.start()
            print(f"cycle {cycle + 1}: receiver and broker back; {rig.line()}", flush=True)
        rig.create_events(args.events)
        started = time.monotonic()
        delivered = rig.wait_all(300)
        print(f"\nreceiver and broker outages ({args.cycles} x {args.outage:g} s):")
        print(f"  {rig.line()}; all delivered {time.monotonic() - started:.1f} s after the last event")
        return delivered
    finally:
        rig.close()
        folder.cleanup()


def main() -> int:
    """Run both parts on a private PostgreSQL cluster."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=3, help="rounds of every fault")
    parser.add_argument("--gap", type=float, default=8.0, help="seconds of load between faults")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds PostgreSQL/receiver/broker stay down")
    parser.add_argument("--writers", type=int, default=8, help="writer threads (half events, half reports)")
    parser.add_argument("--readers", type=int, default=4, help="GET /events reader threads")
    parser.add_argument("--events", type=int, default=20, help="events created per notification phase")
    args = parser.parse_args()
    pg = PrivatePostgres()
    try:
        ok = database_faults(pg, args)
        ok = notification_faults(pg, args) and ok
    finally:
        pg.destroy()
    print("\nverdict:", "nothing acknowledged was lost, nothing hung, every notification delivered" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
