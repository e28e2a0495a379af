"""The telemetry of an event's participants over its verification windows: per VEN, resource and payload type, a
windows.Series, in as few queries as the data allow (one for the cells, one for windows the cells cannot answer,
one for resources that reported in the period but in none of the windows). Given a second connection, half the
VENs' cells are read on it at the same time: the database does most of a fleet's work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from ..store import readings
from .baselines import Sample
from .windows import WIDTH, Plan, Series

TYPES = ["DEMAND", "USAGE", "BASELINE"]  # what verification reads; a resource with any of them is listed

Fleet = dict[str, dict[str, dict[str, Series]]]  # client: resource: payload type: series


@dataclass
class Known:
    """What the telemetry index knows of some VENs before reading any window."""

    series: list[tuple[str, str, str]] = field(default_factory=list)  # every (client, resource, type) ever read
    bounds: dict[str, timedelta] = field(default_factory=dict)  # per VEN its longest reading


def known(conn, clients: list[str]) -> Known:
    """The VENs' series and longest readings."""
    found = Known()
    for client, name, kind, longest in readings.series_keys(conn, clients, TYPES) if clients else []:
        found.series.append((client, name, kind))
        found.bounds[client] = max(found.bounds.get(client, longest), longest)
    return found


def read(conn, plan: Plan, clients: list[str], known: Known, helper: Callable | None = None) -> Fleet:
    """The participants' series: every resource with DEMAND, USAGE or BASELINE readings in the plan's period.
    ``helper()``, if given, is a context manager giving another connection (a pool's transaction)."""
    found: Fleet = defaultdict(lambda: defaultdict(dict))
    if not clients:
        return found
    wanted: dict[tuple, list[str]] = defaultdict(list)
    layouts: dict = {}
    for client, name, kind, codes, kws in _cells(conn, plan, clients, known.bounds, helper):
        series = found[client][name][kind] = Series(plan.windows)
        for number in series.take(codes, kws, layouts):
            wanted[(client, kind, number)].append(name)
    _sampled(conn, found, wanted, known.bounds, plan)
    unseen = [(client, name, kind) for client, name, kind in known.series if kind not in found[client].get(name, ())]
    for client, name, kind in readings.in_period(conn, unseen, plan.period) if unseen else []:
        found[client][name][kind] = Series(plan.windows)  # in the period, in none of the windows
    return found


def _cells(conn, plan: Plan, clients: list[str], bounds: dict, helper: Callable | None) -> list[tuple]:
    """readings.window_cells of the VENs, the second half read through ``helper`` meanwhile."""

    def cells(on, part: list[str]) -> list[tuple]:
        margins = [bounds.get(client, timedelta(0)) for client in part]
        return readings.window_cells(on, part, margins, windows, TYPES, WIDTH, plan.period)

    def helped(part: list[str]) -> list[tuple]:
        with helper() as other:
            return cells(other, part)

    windows = [(w.lo, w.hi, w.step) for w in plan.windows]
    if helper is None or len(clients) < _SPLIT:
        return cells(conn, clients)
    half = len(clients) // 2
    with ThreadPoolExecutor(1) as pool:
        second = pool.submit(helped, clients[half:])
        return cells(conn, clients[:half]) + second.result()


_SPLIT = 8  # VENs below which one query on one connection is as quick


def _sampled(conn, found: Fleet, wanted: dict, bounds: dict, plan: Plan) -> None:
    """Give the series the samples of the windows their cells could not answer."""
    windows = [(w.lo, w.hi, w.step) for w in plan.windows]
    asked = [(client, kind, number, bounds.get(client, timedelta(0)), names) for (client, kind, number), names in
             wanted.items()]  # fmt: skip
    for client, name, kind, number, starts, ends, kw in readings.window_readings(conn, asked, windows, plan.period):
        found[client][name][kind].samples.setdefault(number, []).append(Sample(starts, ends, kw, None))
