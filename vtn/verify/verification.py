"""Load-shed verification of an event: per VEN and resource, baseline vs measured, shed, export, compliance.

Measured power comes from the telemetry index (store/readings.py): DEMAND readings (kW) where a resource has
them, else USAGE (energy per interval, as average kW). Net import is positive; export (V2G) shows as negative
power and is counted as exported energy. The baseline is the program's method (docs/verification.md). Only the
windows the method needs are read (windows.py, fleet.py); figures.py turns the per-slot kW into the answer. A slot
without complete usable data stays None: missing data is reported, never filled with zeros.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import timedelta

from ..errors import Conflict, NotFound
from ..wire.verification import DEFAULTS
from . import baselines, figures, fleet, windows

_EVENT = """
SELECT e.id, e.program_id, e.event_name, e.interval_period, e.intervals, e.modified,
       CASE WHEN isfinite(e.starts) THEN e.starts END AS starts, CASE WHEN isfinite(e.ends) THEN e.ends END AS ends,
       coalesce(v.settings, '{}'::jsonb) AS settings
FROM event e LEFT JOIN program_verification v ON v.program_id = e.program_id
WHERE e.id = %(id)s"""

_PARTICIPANTS = """
SELECT DISTINCT r.client_id, (SELECT min(ven_name) FROM ven WHERE ven.client_id = r.client_id) AS ven_name
FROM report r WHERE r.event_id = %(id)s ORDER BY r.client_id"""

_EVENT_DAYS = """
SELECT DISTINCT (starts AT TIME ZONE %(tz)s)::date AS day FROM event
WHERE program_id = %(program_id)s AND isfinite(starts) AND starts < %(before)s"""


def settings_of(event: dict) -> dict:
    """The program's verification settings, defaults filled in."""
    return DEFAULTS | dict(event["settings"])


def load_event(conn, event_id: str) -> dict:
    """The event with its program's settings; NotFound, or Conflict when it has no bounded timing."""
    event = conn.execute(_EVENT, {"id": event_id}).fetchone()
    if event is None:
        raise NotFound(f"No event {event_id}.")
    if event["starts"] is None or event["ends"] is None:
        raise Conflict(f"Event {event_id} has no bounded timing to verify against.")
    return event


def event_days(conn, event: dict, settings: dict) -> set:
    """The days (in the program's time zone) of the program's events before this one: never baseline days."""
    args = {"tz": settings["timezone"], "program_id": event["program_id"], "before": event["starts"]}
    return {row["day"] for row in conn.execute(_EVENT_DAYS, args).fetchall()}


def participants(conn, event_id: str) -> list[dict]:
    """The VENs (client_id, ven_name) that reported on the event, by clientID."""
    return conn.execute(_PARTICIPANTS, {"id": event_id}).fetchall()


def verify_event(conn, event_id: str, detail: str = "slots", helper=None) -> dict:
    """The verification of one event: per VEN (with per resource detail, as much as asked) and in total.
    ``helper()``, if given, gives a second connection to read with (fleet.read)."""
    with collecting_later():
        return figures.present(compute(conn, event_id, helper), detail)


def compute(conn, event_id: str, helper=None) -> figures.Verified:
    """Each participant's resources with their per-slot baseline and measured kW (``helper``: as above)."""
    event = load_event(conn, event_id)
    settings = settings_of(event)
    vens = participants(conn, event_id)
    clients = [ven["client_id"] for ven in vens]
    known = fleet.known(conn, clients)
    longest = max(known.bounds.values(), default=timedelta(0))
    plan = windows.plan(event["starts"], event["ends"], settings, event_days(conn, event, settings), longest)
    context = _Context(settings, plan)
    with collecting_later():
        data = fleet.read(conn, plan, clients, known, helper)
        found = [(ven, _resources(data.get(ven["client_id"], {}), context)) for ven in vens]
    return figures.Verified(event, settings, figures.Frame(event, settings), found)


@contextmanager
def collecting_later():
    """Cyclic garbage collection paused: a fleet's verification makes a million short-lived objects and no cycles,
    and collecting while they live costs a fifth of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Context:
    """What computing every resource of one event shares: the settings and the plan of windows."""

    def __init__(self, settings: dict, plan: windows.Plan):
        self.settings, self.plan = settings, plan
        self.slots = plan.windows[plan.event].cells
        self.nothing = [None] * len(self.slots)
        self.adjustments = {day.back: day.adjustment for day in plan.days}


def _resources(named: dict, context: _Context) -> list[tuple[str, list, list]]:
    return [_resource(name, kinds, context) for name, kinds in sorted(named.items())]


def _resource(name: str, kinds: dict, context: _Context) -> tuple[str, list, list]:
    series = kinds.get("DEMAND") or kinds.get("USAGE")
    measured = series.cells(context.plan.event) if series else context.nothing
    return name, _baseline(kinds, series, context), measured


def _baseline(kinds: dict, series, context: _Context) -> list:
    method, plan = context.settings["baseline"], context.plan
    if method == "REPORTED":
        reported = kinds.get("BASELINE")
        return reported.cells(plan.event) if reported else context.nothing
    if method == "WINDOW":
        return [series.span(plan.baseline) if series else None] * len(context.slots)
    return _x_of_y(series, context)


def _x_of_y(series, context: _Context) -> list:
    """baselines.x_of_y_baseline, over the plan's candidate days."""
    settings, plan = context.settings, context.plan
    if not 1 <= settings["x"] <= settings["y"]:
        raise ValueError("need 1 <= x <= y")
    if series is None:
        return context.nothing
    chosen = baselines.choose(map(series.day, plan.days), x=settings["x"], y=settings["y"])
    if chosen is None:
        return context.nothing
    factor = 1.0
    if plan.adjustment is not None:
        typical = [series.span(context.adjustments[day.back]) for day in chosen]
        factor = baselines.ratio(series.span(plan.adjustment), typical, settings["cap"])
    return baselines.mean_of(chosen, factor)
