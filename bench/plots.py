"""PNG plots (matplotlib, Agg backend) and Markdown tables of load-test results."""

from __future__ import annotations

import math
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

from .load import Result  # noqa: E402


def throughput_vs_concurrency(series: dict[str, list[Result]], path, title: str, p99: bool = True) -> None:
    """One throughput line per series (e.g. VTN and ceiling) against concurrency; p99 dashed on a right axis."""
    fig, ax = plt.subplots(figsize=(8, 5))
    right = ax.twinx() if p99 else None
    for index, (label, results) in enumerate(series.items()):
        color = f"C{index}"
        levels = [r.concurrency for r in results]
        ax.plot(levels, [r.throughput for r in results], "o-", color=color, label=f"{label} req/s")
        if right is not None:
            right.plot(levels, [r.p99 for r in results], "s--", color=color, alpha=0.6, label=f"{label} p99")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("concurrency (client processes)")
    ax.set_ylabel("throughput (2xx answers/s)")
    ax.set_ylim(bottom=0)
    lines, labels = ax.get_legend_handles_labels()
    if right is not None:
        right.set_ylabel("p99 latency (ms)")
        right.set_ylim(bottom=0)
        more_lines, more_labels = right.get_legend_handles_labels()
        lines, labels = lines + more_lines, labels + more_labels
    ax.legend(lines, labels, loc="upper left", fontsize="small")
    _finish(fig, ax, title, path)


def latency_vs_size(points: list[tuple[int, float, float]], path, title: str, xlabel: str) -> None:
    """p50 and p99 latency (ms) against a size (e.g. response bytes or items per page)."""
    fig, ax = plt.subplots(figsize=(8, 5))
    points = sorted(points)
    sizes = [size for size, _, _ in points]
    ax.plot(sizes, [p50 for _, p50, _ in points], "o-", label="p50")
    ax.plot(sizes, [p99 for _, _, p99 in points], "s--", label="p99")
    if sizes and min(sizes) > 0 and max(sizes) / min(sizes) >= 20:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("latency (ms)")
    ax.set_ylim(bottom=0)
    ax.legend()
    _finish(fig, ax, title, path)


def memory_over_time(samples: list[tuple[float, int, float]], path, title: str = "RSS per worker") -> None:
    """One RSS line per process from MemorySampler.samples (seconds, pid, MiB)."""
    by_pid: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for seconds, pid, rss in samples:
        by_pid[pid].append((seconds, rss))
    fig, ax = plt.subplots(figsize=(8, 5))
    for pid, points in sorted(by_pid.items()):
        ax.plot([t for t, _ in points], [rss for _, rss in points], label=f"pid {pid}")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("RSS (MiB)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small")
    _finish(fig, ax, title, path)


def _finish(fig, ax, title: str, path) -> None:
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def markdown_table(results: list[Result], extra_cols: dict | None = None, ceiling=None) -> str:
    """A Markdown table of results; ``extra_cols`` maps a heading to one value per row, ``ceiling`` adds a ratio.

    ``ceiling`` is a list of Results (the one of the same concurrency is the denominator) or a rate in req/s.
    """
    extra_cols = extra_cols or {}
    if isinstance(ceiling, int | float):
        by_level = {r.concurrency: ceiling for r in results}
    else:
        by_level = {r.concurrency: r.throughput for r in ceiling or []}
    head = ["run", "concurrency", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "sent", "errors"]
    head += [*extra_cols] + (["of ceiling"] if ceiling else [])
    rows = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    for index, r in enumerate(results):
        cells = [r.name, str(r.concurrency), f"{r.throughput:,.0f}", *(_ms(v) for v in (r.p50, r.p95, r.p99, r.max))]
        cells += [str(r.sent), str(r.errors)] + [str(values[index]) for values in extra_cols.values()]
        if ceiling:
            base = by_level.get(r.concurrency)
            cells.append(f"{r.throughput / base:.0%}" if base else "-")
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"
