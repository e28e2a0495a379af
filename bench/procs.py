"""Memory of a gunicorn server under load: VmRSS of its workers, sampled from /proc.

For `vtn serve` the served process is the gunicorn master; its children are the gunicorn workers and one
delivery child (`python -m vtn.cli worker`), which is reported on its own rather than as a worker.
"""

from __future__ import annotations

import os
import threading
import time


def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` in MiB (VmRSS), or None when it has gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # The command name (field 2) may hold spaces and parentheses; the parent pid follows the last ')'.
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


def cmdline(pid: int) -> list[str]:
    """The argument vector of ``pid`` (empty when it has gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return [arg.decode(errors="replace") for arg in file.read().split(b"\0") if arg]
    except (FileNotFoundError, ProcessLookupError):
        return []


def is_delivery(pid: int) -> bool:
    """True for `vtn serve`'s delivery child (`python -m vtn.cli worker`)."""
    args = cmdline(pid)
    return "vtn.cli" in args and "worker" in args


def split_children(master_pid: int) -> tuple[list[int], list[int]]:
    """(gunicorn worker pids, delivery child pids) of a gunicorn master."""
    workers, delivery = [], []
    for pid in children(master_pid):
        (delivery if is_delivery(pid) else workers).append(pid)
    return workers, delivery


class MemorySampler:
    """A thread sampling the RSS of a gunicorn master's workers every ``interval`` seconds.

    ``samples`` holds (seconds since start, pid, MiB) of workers; ``delivery_samples`` and ``master_samples``
    the same for the delivery child and the master. Use as a context manager, or start()/stop().
    """

    def __init__(self, master_pid: int, interval: float = 0.2):
        self.master_pid, self.interval = master_pid, interval
        self.samples: list[tuple[float, int, float]] = []
        self.delivery_samples: list[tuple[float, int, float]] = []
        self.master_samples: list[tuple[float, int, float]] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._started = 0.0

    def start(self) -> MemorySampler:
        """Begin sampling (one sample is taken at once)."""
        self._started = time.monotonic()
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sampling, after one last sample."""
        self._stopping.set()
        self._thread.join()
        self.sample()

    def __enter__(self) -> MemorySampler:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        """Take one sample of every process now."""
        now = time.monotonic() - self._started
        workers, delivery = split_children(self.master_pid)
        for pids, into in (
            (workers, self.samples),
            (delivery, self.delivery_samples),
            ([self.master_pid], self.master_samples),
        ):
            into.extend((now, pid, rss) for pid in pids if (rss := rss_mb(pid)) is not None)

    def peak_per_worker_mb(self) -> float:
        """The largest RSS any one worker reached (MiB); NaN before any sample."""
        return max((rss for _, _, rss in self.samples), default=float("nan"))

    def peaks_by_pid(self) -> dict[int, float]:
        """Each worker's own peak RSS (MiB)."""
        peaks: dict[int, float] = {}
        for _, pid, rss in self.samples:
            peaks[pid] = max(rss, peaks.get(pid, 0.0))
        return peaks

    def peak_delivery_mb(self) -> float:
        """The largest RSS of the delivery child (MiB); NaN when there is none."""
        return max((rss for _, _, rss in self.delivery_samples), default=float("nan"))

    def peak_master_mb(self) -> float:
        """The largest RSS of the master (MiB)."""
        return max((rss for _, _, rss in self.master_samples), default=float("nan"))
