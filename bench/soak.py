"""Soak: the polling and ingest scenarios together for ten minutes, worker memory sampled throughout.

    .venv/bin/python -m bench.soak                  # 10 minutes (issue 6), about 12 with the world
    .venv/bin/python -m bench.soak --minutes 1      # a short look

One `vtn serve` (gunicorn, --workers) on a scratch database holding the quick run's larger world. In every round
(--round seconds) VENs poll GET /events (closed loop, --pollers processes) while others post 96-interval reports
(closed loop, --posters processes), both at once; every worker's RSS is sampled each second. Printed: one line per
round (requests, errors, statuses, throughput, worker RSS) and a verdict: no errors and no memory growth trend
(the least-squares slope of the workers' RSS over the rounds after warm-up, and the last round's RSS against the
first's). Writes bench/results/soak.json and soak_memory.png.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import load, plots, procs, scenarios  # noqa: E402
from bench.run import RESULTS, drop, say, scratch  # noqa: E402
from bench.world import WorldSize, build  # noqa: E402
from tests.served import ServedVTN  # noqa: E402

WORLD = WorldSize(vens=50, resources=2_000, events=1_000, readings=250_000, cohort=200)
GROWTH_MB_PER_HOUR = 10.0  # a slope above this, held over the soak, would be a leak worth chasing
WARMUP_ROUNDS = 2  # caches fill and the allocator settles in the first minute; the trend is read after it


def run_round(vtn: ServedVTN, poll_plans, report_plans, args) -> dict:
    """Polling and ingest at once for one round; both results."""
    results: dict = {}

    def drive(name, plans, concurrency):
        results[name] = load.closed_loop(vtn.base, plans, concurrency, args.round, warmup=0.5, name=name)

    threads = [
        threading.Thread(target=drive, args=("poll", poll_plans, args.pollers)),
        threading.Thread(target=drive, args=("ingest", report_plans, args.posters)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def slope_mb_per_hour(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of (seconds, MiB) points, in MiB per hour."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    cov = sum((t - mean_t) * (m - mean_m) for t, m in points)
    return cov / var * 3600 if var else 0.0


def worker_rss(sampler: procs.MemorySampler, since: float) -> list[tuple[float, float]]:
    """(seconds, summed RSS of all workers) per sample instant after ``since``."""
    by_time: dict[float, float] = {}
    for t, _, rss in sampler.samples:
        if t >= since:
            by_time[t] = by_time.get(t, 0.0) + rss
    return sorted(by_time.items())


def soak(args) -> dict:
    """Build the world, serve it, run the rounds; every figure as one dict."""
    url = scratch(args.server)
    try:
        say(f"world: {WORLD}")
        world = build(url, WORLD, progress=say)
        vtn = ServedVTN(url, workers=args.workers)
        try:
            return _rounds(vtn, world, args)
        finally:
            vtn.stop()
    finally:
        drop(args.server, url)


def _rounds(vtn: ServedVTN, world, args) -> dict:
    pollers, posters = world.vens[:16], world.vens[16:32]
    poll_plans = scenarios.poll_plans(pollers, scenarios.tokens(vtn.api, pollers))
    report_plans = scenarios.report_plans(vtn.base, posters, scenarios.tokens(vtn.api, posters), args.resources)
    rounds, started = [], time.monotonic()
    with procs.MemorySampler(vtn.process.pid, interval=1.0) as memory:
        while time.monotonic() - started < args.minutes * 60:
            at = time.monotonic() - started
            result = run_round(vtn, poll_plans, report_plans, args)
            rss = worker_rss(memory, since=at)
            rounds.append(_round_line(len(rounds) + 1, at, result, rss))
            say(rounds[-1]["line"])
    return {"rounds": rounds, "samples": memory.samples, "workers": args.workers}


def _round_line(n: int, at: float, result: dict, rss: list) -> dict:
    poll, ingest = result["poll"], result["ingest"]
    errors = poll.errors + ingest.errors + sum(v for k, v in {**poll.statuses, **ingest.statuses}.items() if k >= 400)
    mb = rss[-1][1] if rss else float("nan")
    line = (
        f"round {n:2d} t={at:5.0f}s  poll {poll.ok:6d} ok {poll.throughput:6.0f}/s p99 {poll.p99:6.1f} ms  "
        f"ingest {ingest.ok:5d} ok {ingest.throughput:5.1f}/s  errors {errors}  workers {mb:6.1f} MiB"
    )
    return {
        "round": n,
        "at": at,
        "poll": scenarios.summary(poll),
        "ingest": scenarios.summary(ingest),
        "errors": errors,
        "workers_mb": mb,
        "line": line,
    }


def verdict(figures: dict) -> dict:
    """No errors, and no upward trend in the workers' memory after warm-up."""
    rounds = figures["rounds"]
    steady = rounds[WARMUP_ROUNDS:] or rounds
    points = [(r["at"], r["workers_mb"]) for r in steady]
    slope = slope_mb_per_hour(points)
    return {
        "rounds": len(rounds),
        "polls": sum(r["poll"]["ok"] for r in rounds),
        "reports": sum(r["ingest"]["ok"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "workers_mb_first": steady[0]["workers_mb"],
        "workers_mb_last": steady[-1]["workers_mb"],
        "workers_mb_peak": max(r["workers_mb"] for r in rounds),
        "slope_mb_per_hour": round(slope, 2),
        "ok": sum(r["errors"] for r in rounds) == 0 and slope <= GROWTH_MB_PER_HOUR,
    }


def main(argv=None) -> None:
    """Parse arguments, soak, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--round", type=float, default=30.0, help="seconds per round")
    parser.add_argument("--pollers", type=int, default=2, help="polling processes")
    parser.add_argument("--posters", type=int, default=1, help="report-posting processes")
    parser.add_argument("--resources", type=int, default=10, help="vehicles per report (x 96 readings)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    figures = soak(args)
    figures["verdict"] = verdict(figures)
    RESULTS.mkdir(exist_ok=True)
    plots.memory_over_time(figures["samples"], RESULTS / "soak_memory.png")
    samples = figures.pop("samples")
    (RESULTS / "soak.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures["verdict"], indent=2))
    say(f"{len(samples)} memory samples; bench/results/soak.json and soak_memory.png written")
    sys.exit(0 if figures["verdict"]["ok"] else 1)


if __name__ == "__main__":
    main()
