"""The benchmark suite of issue 5: a fleet world, the VTN under load, its ceiling, figures against targets.

    .venv/bin/python -m bench.run --quick     # about two minutes: a small world, short runs
    .venv/bin/python -m bench.run             # the full default world (1,000 VENs, 100,000 vehicles, ...)

Uses the PostgreSQL at --server (default 127.0.0.1:5432; one scratch database per world size, dropped after),
starts `vtn serve` as a user runs it (gunicorn, --workers, 4 threads each) and, for the ceiling, the same
gunicorn configuration answering the VTN's own response bytes from memory. Writes bench/results/: summary.md
(the table, with every figure's ratio to its ceiling and its target), results.json and PNG plots.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import ceiling, load, plots, procs, scenarios  # noqa: E402
from bench import notify_latency as fanout  # noqa: E402
from bench.targets import verdicts  # noqa: E402
from bench.world import WorldSize, build  # noqa: E402
from tests.pg import with_database  # noqa: E402
from tests.served import ServedVTN  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Plan:
    """How much of everything a run does."""

    sizes: tuple[WorldSize, ...]  # growth: polled at each; the last one gets every scenario
    levels: tuple[int, ...]  # concurrency levels of the polling sweep
    seconds: float  # per measurement
    pollers: int  # VEN clients with tokens
    report_resources: int  # vehicles per posted report (x 96 readings)
    fanout_vens: int
    fanout_rounds: int


QUICK = Plan(
    sizes=(
        WorldSize(vens=10, resources=100, events=100, readings=20_000, cohort=50),
        WorldSize(vens=50, resources=2_000, events=1_000, readings=250_000, cohort=200),
    ),
    levels=(1, 4, 16),
    seconds=2.0,
    pollers=16,
    report_resources=10,
    fanout_vens=100,
    fanout_rounds=2,
)
FULL = Plan(
    sizes=(
        WorldSize(vens=10, resources=100, events=100, readings=20_000, cohort=50),
        WorldSize(vens=100, resources=10_000, events=1_000, readings=1_000_000, cohort=1_000),
        WorldSize(),
    ),
    levels=(1, 2, 4, 8, 16),
    seconds=6.0,
    pollers=64,
    report_resources=10,
    fanout_vens=1000,
    fanout_rounds=5,
)


def scratch(server: str) -> str:
    """A new empty database on the server; its URL."""
    name = f"vtn_bench_{uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(server, name)


def drop(server: str, url: str) -> None:
    """Drop a scratch database."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def say(text: str) -> None:
    """Progress on stderr, so that stdout holds the table."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def growth_point(vtn: ServedVTN, world, plan: Plan) -> dict:
    """Scenario 1 at a fixed concurrency on one world size: the latency-vs-size figure."""
    vens = world.vens[: plan.pollers]
    plans = scenarios.poll_plans(vens, scenarios.tokens(vtn.api, vens))
    result = load.closed_loop(vtn.base, plans, concurrency=4, seconds=plan.seconds, name="poll c=4")
    return {"counts": world.counts, "result": scenarios.summary(result)}


def polling(vtn: ServedVTN, world, url: str, plan: Plan, workers: int) -> dict:
    """Scenario 1 in full: sweep, memory, ceiling sweep, half-load latency, raw database time."""
    vens = world.vens[: plan.pollers]
    ven_tokens = scenarios.tokens(vtn.api, vens)
    plans = scenarios.poll_plans(vens, ven_tokens)
    with procs.MemorySampler(vtn.process.pid) as memory:
        sweep = load.sweep(vtn.base, plans, levels=plan.levels, seconds=plan.seconds, name="VTN GET /events")
        best = max(sweep, key=lambda r: r.throughput)
        half = load.open_loop(vtn.base, plans, rate=best.throughput / 2, seconds=plan.seconds, name="VTN at half max")
    body = scenarios.ceiling_body(vtn.base, vens[0], ven_tokens[0])
    process, base = ceiling.start_ceiling(body, workers=workers, threads=4)
    try:
        top = load.sweep(base, plans, levels=plan.levels, seconds=plan.seconds, name="ceiling")
    finally:
        ceiling.stop(process)
    raw = scenarios.raw_db_polls(url, vens[:16])
    plots.throughput_vs_concurrency({"VTN": sweep, "ceiling": top}, RESULTS / "poll_throughput.png", "GET /events")
    plots.memory_over_time(memory.samples, RESULTS / "poll_memory.png")
    return {
        "sweep": sweep,
        "ceiling": top,
        "half": half,
        "raw_db_ms": {"p50": scenarios.median(raw), "p99": raw[int(len(raw) * 0.99)] if raw else float("nan")},
        "response_bytes": len(body),
        "peak_worker_mb": memory.peak_per_worker_mb(),
    }


def bl_and_ingest(vtn: ServedVTN, world, plan: Plan) -> dict:
    """Scenarios 2 and 3: BL lists and creates events; VENs post 96-interval reports."""
    bl_token = scenarios.tokens(vtn.api, [world.bl])[0]
    listing = load.closed_loop(vtn.base, scenarios.bl_list_plans(bl_token), 4, plan.seconds, name="BL GET /events")
    program = world.program_ids["peak-pause"]
    creating = load.closed_loop(
        vtn.base, scenarios.bl_create_plans(bl_token, program), 4, plan.seconds, name="BL POST /events"
    )
    vens = world.vens[: plan.pollers]
    report_plans = scenarios.report_plans(vtn.base, vens, scenarios.tokens(vtn.api, vens), plan.report_resources)
    ingest = load.closed_loop(vtn.base, report_plans, 4, plan.seconds, name="VEN POST /reports")
    readings = ingest.throughput * plan.report_resources * 96
    return {"bl_list": listing, "bl_create": creating, "ingest": ingest, "readings_per_second": readings}


def verification_and_settlement(vtn: ServedVTN, world) -> dict:
    """Scenarios 5 and 6 through the HTTP API."""
    bl_token = scenarios.tokens(vtn.api, [world.bl])[0]
    return {
        "verification": scenarios.verification(vtn.base, bl_token, world.verification_event),
        "settlement": scenarios.settlement(vtn.base, bl_token, world.settlement_program, world.month),
    }


def run(plan: Plan, server: str, workers: int) -> dict:
    """Every scenario; the figures as one dict."""
    RESULTS.mkdir(exist_ok=True)
    figures: dict = {"growth": []}
    for n, size in enumerate(plan.sizes):
        url = scratch(server)
        try:
            say(f"world {n + 1}/{len(plan.sizes)}: {size}")
            world = build(url, size, progress=say)
            vtn = ServedVTN(url, workers=workers)
            try:
                say("polling at fixed concurrency (growth)")
                figures["growth"].append(growth_point(vtn, world, plan))
                if n == len(plan.sizes) - 1:
                    say("scenario 1: polling sweep, ceiling, half load, raw database")
                    figures["polling"] = polling(vtn, world, url, plan, workers)
                    say("scenarios 2 and 3: BL events, report ingest")
                    figures["writes"] = bl_and_ingest(vtn, world, plan)
                    say("scenarios 5 and 6: verification, settlement")
                    figures["verify"] = verification_and_settlement(vtn, world)
            finally:
                vtn.stop()
        finally:
            drop(server, url)
    say(f"scenario 4: fan-out to {plan.fanout_vens} VENs")
    figures["fanout"] = fanout.measure(scratch_url := scratch(server), vens=plan.fanout_vens, rounds=plan.fanout_rounds)
    drop(server, scratch_url)
    points = [(g["counts"].get("reading", 0), g["result"]["p50"], g["result"]["p99"]) for g in figures["growth"]]
    plots.latency_vs_size(points, RESULTS / "poll_latency_vs_size.png", "GET /events (c=4)", "readings in the world")
    return figures


def main(argv=None) -> None:
    """Parse arguments, run, write bench/results/."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small world and short runs (about two minutes)")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, for the VTN and its ceiling")
    args = parser.parse_args(argv)
    started = time.monotonic()
    figures = run(QUICK if args.quick else FULL, args.server, args.workers)
    table = verdicts(figures, quick=args.quick)
    (RESULTS / "summary.md").write_text(table)
    (RESULTS / "results.json").write_text(json.dumps(figures, default=_plain, indent=2))
    print(table)
    say(f"done in {time.monotonic() - started:.0f} s; bench/results/ written")


def _plain(value):
    return scenarios.summary(value) if isinstance(value, load.Result) else str(value)


if __name__ == "__main__":
    main()
