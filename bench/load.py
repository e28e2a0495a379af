"""A small multi-process HTTP load generator: one keep-alive http.client connection per process.

closed_loop(): N processes each send their next request as soon as the previous answer is read.
open_loop(): a fixed arrival rate spread over the processes; latency counts from the *scheduled* send time,
so a slow server is charged for the requests it delayed (no coordinated omission).

Processes fork by default; with start_method="spawn" the calling script needs an ``if __name__ == "__main__"`` guard.
Cost on the 2-core dev machine (slow vCPUs): about 200 us of generator CPU per request with small bodies and
300-600 us with 50 KB bodies; 4 processes drove 5,600 req/s against a trivial asyncio server.
"""

from __future__ import annotations

import http.client
import itertools
import math
import multiprocessing
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from queue import Empty
from urllib.parse import urlsplit

START_SLACK = 0.05  # seconds between "go" and the first send, so every process starts at the same instant


@dataclass(frozen=True)
class Request:
    """One HTTP request of a plan; ``path`` is appended to the base URL's path."""

    method: str
    path: str
    headers: dict
    body: bytes | None = None


@dataclass
class Result:
    """What one run measured; latencies (of 2xx answers) in milliseconds, throughput in 2xx answers per second."""

    name: str
    concurrency: int
    seconds: float
    sent: int
    ok: int
    errors: int
    statuses: dict[int, int]
    throughput: float
    p50: float
    p95: float
    p99: float
    max: float
    client_cpu: float = 0.0  # CPU seconds the generator's processes used while measuring
    rate: float | None = None  # open loop: the offered rate
    unsent: int = 0  # open loop: scheduled inside the window but not sent before it closed
    error_sample: str = ""


def _connection(base_url: str):
    parts = urlsplit(base_url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return lambda: cls(parts.hostname, parts.port, timeout=30), parts.path.rstrip("/")


class _Tally:
    """One process's counts, latencies and first error."""

    def __init__(self):
        self.latencies, self.statuses = array("d"), Counter()
        self.sent = self.ok = self.errors = self.unsent = 0
        self.sample, self.cpu_from = "", None

    def answer(self, status: int, ms: float) -> None:
        """Count one HTTP answer."""
        self.sent += 1
        self.statuses[status] += 1
        if 200 <= status < 300:
            self.ok += 1
            self.latencies.append(ms)
        else:
            self.errors += 1
            self.sample = self.sample or f"HTTP {status}"

    def failure(self, exc: Exception) -> None:
        """Count one request that raised."""
        self.sent, self.errors = self.sent + 1, self.errors + 1
        self.sample = self.sample or f"{type(exc).__name__}: {exc}"

    def parts(self) -> tuple:
        """What goes back to the parent (picklable, latencies as bytes)."""
        cpu = time.process_time() - self.cpu_from if self.cpu_from is not None else 0.0
        counts = (self.sent, self.ok, self.errors, self.unsent, cpu, self.sample)
        return (self.latencies.tobytes(), dict(self.statuses), *counts)


def _worker(base_url, plan, timing, ready, go, start_at, queue) -> None:
    """One process: send ``plan`` in a cycle on one connection; put its tallies on ``queue``.

    ``timing`` is (warmup, seconds, interval, offset); interval None means back to back (closed loop).
    """
    warmup, seconds, interval, offset = timing
    connect, prefix = _connection(base_url)
    conn, tally = connect(), _Tally()
    ready.release()
    go.wait()
    begin = start_at.value
    measure_from, until = begin + warmup, begin + warmup + seconds
    for i in itertools.count():
        now = time.monotonic()
        due = now if interval is None else begin + offset + i * interval
        if due >= until:
            break
        if due > now:
            time.sleep(due - now)
        elif interval is not None and now >= until:  # fell behind: the rest of the window was never sent
            tally.unsent += max(0, math.ceil((until - max(due, measure_from)) / interval))
            break
        if tally.cpu_from is None and due >= measure_from:
            tally.cpu_from = time.process_time()
        request = plan[i % len(plan)]
        try:
            conn.request(request.method, prefix + request.path, request.body, request.headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = connect()
            if due >= measure_from:
                tally.failure(exc)
            time.sleep(0.01)  # a refused connection would otherwise spin
            continue
        if due >= measure_from:
            tally.answer(response.status, (time.monotonic() - due) * 1000)
    conn.close()
    queue.put(tally.parts())


def _run(base_url, plans, timings, name, concurrency, seconds, rate=None, start_method=None) -> Result:
    ctx = multiprocessing.get_context(start_method or _default_start_method())
    queue, ready, go, start_at = ctx.Queue(), ctx.Semaphore(0), ctx.Event(), ctx.Value("d", 0.0)
    shared = (ready, go, start_at, queue)
    procs = [
        ctx.Process(target=_worker, args=(base_url, plans[i % len(plans)], timing, *shared), daemon=True)
        for i, timing in enumerate(timings)
    ]
    for proc in procs:
        proc.start()
    _await_ready(ready, procs)
    start_at.value = time.monotonic() + START_SLACK
    go.set()
    parts = _collect(queue, procs)
    for proc in procs:
        proc.join()
    return _combine(parts, name, concurrency, seconds, rate)


def _await_ready(ready, procs, seconds: float = 60) -> None:
    """Every process is up (spawned ones import for a while) before the clock starts."""
    deadline, waiting = time.monotonic() + seconds, len(procs)
    while waiting:
        if ready.acquire(timeout=0.2):
            waiting -= 1
        elif any(proc.exitcode is not None for proc in procs) or time.monotonic() > deadline:
            for proc in procs:
                proc.kill()
            raise RuntimeError("load generator processes did not start (with spawn, guard the main module)")


def _collect(queue, procs) -> list[tuple]:
    parts = []
    while len(parts) < len(procs):
        try:
            parts.append(queue.get(timeout=1))
        except Empty:
            if not any(proc.is_alive() for proc in procs) and queue.empty():
                raise RuntimeError(f"{len(procs) - len(parts)} load generator process(es) died") from None
    return parts


def _default_start_method() -> str:
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _combine(parts, name, concurrency, seconds, rate) -> Result:
    latencies, statuses = array("d"), Counter()
    sent = ok = errors = unsent = 0
    cpu, sample = 0.0, ""
    for raw, part_statuses, p_sent, p_ok, p_errors, p_unsent, p_cpu, p_sample in parts:
        latencies.frombytes(raw)
        statuses.update(part_statuses)
        sent, ok, errors, unsent = sent + p_sent, ok + p_ok, errors + p_errors, unsent + p_unsent
        cpu, sample = cpu + p_cpu, sample or p_sample
    ordered = sorted(latencies)
    return Result(
        name=name,
        concurrency=concurrency,
        seconds=seconds,
        sent=sent,
        ok=ok,
        errors=errors,
        statuses=dict(sorted(statuses.items())),
        throughput=ok / seconds,
        p50=percentile(ordered, 50),
        p95=percentile(ordered, 95),
        p99=percentile(ordered, 99),
        max=ordered[-1] if ordered else float("nan"),
        client_cpu=cpu,
        rate=rate,
        unsent=unsent,
        error_sample=sample,
    )


def percentile(ordered, pct: float) -> float:
    """The nearest-rank percentile of sorted values (NaN when empty)."""
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(min(rank, len(ordered))) - 1]


def closed_loop(base_url, plans, concurrency, seconds, warmup=1.0, name="", start_method=None) -> Result:
    """``concurrency`` processes, process i cycling through plans[i % len(plans)] as fast as answers come."""
    timings = [(warmup, seconds, None, 0.0)] * concurrency
    return _run(base_url, plans, timings, name or f"c{concurrency}", concurrency, seconds, None, start_method)


def open_loop(base_url, plans, rate, seconds, processes=8, name="", warmup=1.0, start_method=None) -> Result:
    """``rate`` requests/s over ``processes`` processes; latency measured from each request's scheduled time."""
    interval = processes / rate
    timings = [(warmup, seconds, interval, i * interval / processes) for i in range(processes)]
    return _run(base_url, plans, timings, name or f"{rate:g}/s", processes, seconds, rate, start_method)


def sweep(base_url, plans, levels=(1, 2, 4, 8, 16, 32), seconds=5.0, warmup=1.0, name="") -> list[Result]:
    """A closed loop at each concurrency level in turn."""
    return [closed_loop(base_url, plans, level, seconds, warmup, f"{name}c{level}") for level in levels]
