"""Issue 5's targets checked against a run's figures, written as the Markdown of bench/results/summary.md."""

from __future__ import annotations

from . import plots
from .scenarios import median

MEMORY_MB = 150


def _check(met: bool) -> str:
    return "met" if met else "MISSED"


def targets(figures: dict) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for every target of issue 5."""
    poll, writes, fan, ver = figures["polling"], figures["writes"], figures["fanout"], figures["verify"]
    vtn_max = max(r.throughput for r in poll["sweep"])
    top_max = max(r.throughput for r in poll["ceiling"])
    half = poll["half"]
    growth = figures["growth"]
    grew = growth[-1]["result"]["p50"] / growth[0]["result"]["p50"]
    webhook = median(fan["webhook_last_ms"])
    mqtt = median(fan.get("mqtt_last_ms", []))
    # The first run computes (cold); later runs of the same event read stored results.
    verify_s = ver["verification"]["seconds"][0]
    settle = max(ver["settlement"]["rows_per_second"])
    return [
        (
            "polling throughput >= 50% of ceiling",
            f"{vtn_max:,.0f} vs {top_max:,.0f} req/s = {vtn_max / top_max:.0%}",
            _check(vtn_max >= top_max / 2),
        ),
        (
            "p99 < 50 ms at half max, 0 errors",
            f"p99 {half.p99:.1f} ms at {half.rate:,.0f} req/s, {half.errors} errors",
            _check(half.p99 < 50 and half.errors == 0),
        ),
        (
            "report ingest >= 20,000 readings/s",
            f"{writes['readings_per_second']:,.0f} readings/s",
            _check(writes["readings_per_second"] >= 20_000),
        ),
        ("1,000th webhook <= 5 s", f"{webhook:,.0f} ms (median of rounds)", _check(webhook <= 5000)),
        ("1,000th MQTT message <= 1 s", f"{mqtt:,.0f} ms (median of rounds)", _check(mqtt <= 1000)),
        (
            "GET /events latency grows <= 2x",
            f"p50 x{grew:.2f} from the smallest to the largest world",
            _check(grew <= 2),
        ),
        (
            "verification of 10,000 resources <= 2 s",
            f"{verify_s:.2f} s first run, {min(ver['verification']['seconds']):.2f} s repeated,"
            f" {ver['verification']['resources']:,} resources",
            _check(verify_s <= 2),
        ),
        (
            "settlement >= 50,000 rows/s",
            f"{settle:,.0f} rows/s of stored results ({ver['settlement']['rows']:,} rows;"
            f" first run, computing: {ver['settlement']['rows_per_second'][0]:,.0f} rows/s)",
            _check(settle >= 50_000),
        ),
        (
            f"<= {MEMORY_MB} MB per worker under polling",
            f"{poll['peak_worker_mb']:.0f} MB peak",
            _check(poll["peak_worker_mb"] <= MEMORY_MB),
        ),
    ]


def verdicts(figures: dict, quick: bool) -> str:
    """The whole summary: targets, then every table."""
    poll, writes, fan, ver = figures["polling"], figures["writes"], figures["fanout"], figures["verify"]
    lines = [f"# Benchmark results ({'quick' if quick else 'full'} run)", ""]
    if quick:
        lines += [
            "A quick run uses a small world: the verification, fan-out and growth targets are for the full one.",
            "",
        ]
    lines += ["| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {v} |" for t, m, v in targets(figures)]
    lines += ["", "## Scenario 1: VENs polling GET /events (targets, 50 per page)", ""]
    lines += [
        f"Response {poll['response_bytes']:,} bytes; raw database time of the same query: "
        f"p50 {poll['raw_db_ms']['p50']:.2f} ms, p99 {poll['raw_db_ms']['p99']:.2f} ms.",
        "",
    ]
    lines += [plots.markdown_table(poll["sweep"], ceiling=poll["ceiling"]), ""]
    lines += [plots.markdown_table(poll["ceiling"]), ""]
    lines += [plots.markdown_table([poll["half"]]), ""]
    lines += ["## Scenarios 2 and 3: BL events, VEN reports", ""]
    lines += [plots.markdown_table([writes["bl_list"], writes["bl_create"], writes["ingest"]]), ""]
    lines += [f"Report ingest: {writes['readings_per_second']:,.0f} readings/s.", ""]
    lines += ["## Scenario 4: fan-out", "", f"`{fan}`", ""]
    lines += ["## Scenarios 5 and 6: verification and settlement", "", f"`{ver}`", ""]
    lines += ["## Growth (polling at concurrency 4)", "", "| world | p50 ms | p99 ms | req/s |", "|---|---:|---:|---:|"]
    for point in figures["growth"]:
        r, counts = point["result"], point["counts"]
        lines.append(f"| {counts} | {r['p50']:.1f} | {r['p99']:.1f} | {r['throughput']:,.0f} |")
    return "\n".join(lines) + "\n"
