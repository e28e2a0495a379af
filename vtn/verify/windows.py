"""What one event's verification reads (its windows of telemetry), and one resource's readings over them.

The rules are the reference functions of baselines.py over samples. At fleet scale the database hands over, per
window cell, the reading that fills the cell exactly (vtn/store/readings.py window_cells). Where every reading of
a window fills one cell, the averages follow from those values by the float operations of the reference, in its
order, so the figures are the reference's to the last bit; anything else (readings finer or coarser than the
cells, overlaps, a window crossing a daylight-saving change) is answered by the reference from the window's samples.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import repeat
from operator import add, mul, truediv
from typing import NamedTuple
from zoneinfo import ZoneInfo

from . import baselines
from .baselines import Sample, Slot

WIDTH = 1 << 16  # cell codes: window number * WIDTH + cell number; WIDTH - 1 is "fills no cell"
_DAY = timedelta(days=1)
_ZERO = repeat(0.0)


@dataclass(frozen=True)
class Window:
    """A span of time verification reads, cut into cells: the slots, or slot-long steps from its start."""

    lo: datetime
    hi: datetime
    step: timedelta
    cells: tuple[Slot, ...]
    weights: tuple[float, ...]  # each cell's hours, as the reference weighs a reading that fills it
    total: float  # their sum, in the reference's order
    codes: tuple[int, ...] | None  # the cell codes of a window whose cells are the step grid; None if they are not


def window(number: int, span: Slot, cells: list[Slot], step: timedelta) -> Window:
    """Window ``number`` of the plan: ``span``, cut into ``cells``."""
    weights = tuple(baselines.span_hours(end - start) for start, end in cells)
    grid = bool(cells) and cells == baselines.slots(*span, step) and len(cells) < WIDTH - 1
    codes = tuple(range(number * WIDTH, number * WIDTH + len(cells))) if grid else None
    return Window(span[0], span[1], step, tuple(cells), weights, sum(weights), codes)


class Day(NamedTuple):
    """A candidate X-of-Y day: days back, its event-window window, that window's hours, its adjustment window."""

    back: int
    window: int
    hours: float
    adjustment: int | None


@dataclass
class Plan:
    """The windows of one event's verification and what each is for."""

    period: tuple[datetime, datetime]  # [since, until): the readings the verification may use
    windows: list[Window] = field(default_factory=list)
    event: int = 0  # the event, in slots
    days: list[Day] = field(default_factory=list)  # X_OF_Y candidate days, most recent first
    adjustment: int | None = None  # X_OF_Y: the event day's adjustment window
    baseline: int | None = None  # WINDOW: the window before the event

    def add(self, span: Slot, step: timedelta, cells: list[Slot] | None = None) -> int:
        """Add a window, cut into ``cells`` (by default steps of ``step`` from its start); its number."""
        cells = baselines.slots(*span, step) if cells is None else cells
        self.windows.append(window(len(self.windows), span, cells, step))
        return len(self.windows) - 1


def plan(start: datetime, end: datetime, settings: dict, excluded: set[date], longest: timedelta) -> Plan:
    """The windows an event's verification reads under the program's settings (docs/verification.md)."""
    step = timedelta(minutes=settings["slotMinutes"])
    method, tz = settings["baseline"], ZoneInfo(settings["timezone"])
    lookback = max(settings["y"] * 2 + 14, 3) if method == "X_OF_Y" else 2
    result = Plan((start - timedelta(days=lookback, minutes=settings["windowMinutes"]), end))
    slots = baselines.slots(start, end, step)
    result.event = result.add((start, end), step, slots)
    if method == "WINDOW":
        result.baseline = result.add((start - timedelta(minutes=settings["windowMinutes"]), start), step)
    if method != "X_OF_Y":
        return result
    adjustment = None
    if settings["adjustmentHours"] is not None:
        adjustment = baselines.adjustment_window(start, settings["adjustmentHours"], settings["adjustmentGapHours"])
        result.adjustment = result.add(adjustment, step)
    # A day further back than the period, its window and the longest reading reach cannot be eligible.
    reach = timedelta(minutes=settings["windowMinutes"], hours=1) + longest
    limit = lookback + 1 + math.ceil(reach / _DAY)
    backs = baselines.candidate_backs(
        start.astimezone(tz).date(), excluded_days=excluded, weekdays_only=settings["weekdaysOnly"], limit=limit
    )
    for back in backs:
        own = None if adjustment is None else result.add(baselines.shift_slot(adjustment, back, tz), step)
        shifted = baselines.shift_slot((start, end), back, tz)
        cells = [baselines.shift_slot(slot, back, tz) for slot in slots]
        result.days.append(
            Day(back, result.add(shifted, step, cells), baselines.span_hours(shifted[1] - shifted[0]), own)
        )
    return result


class Layout(NamedTuple):
    """How a series' arrays split into windows, when they hold whole windows in cell order."""

    spans: dict[int, tuple[int, int]]  # window: (first, end) in the arrays
    weights: list[float]  # each cell's hours, in the arrays' order


class Series:
    """One resource's readings of one payload type over a plan's windows, as the averages the baselines need."""

    __slots__ = ("windows", "values", "samples", "_spans", "_products", "_kws")

    def __init__(self, windows: list[Window]):
        self.windows = windows
        self.values: dict[int, list] = {}  # window: per cell the kW of the reading that fills it (None: none usable)
        self.samples: dict[int, list[Sample]] = {}  # window: its samples, where the cells do not tell
        # Where every cell of the arrays has a usable reading (the usual case): each window's place in two lists of
        # all of them, computed at once: hours * kW, and (hours * kW + 0) / hours (the reference's cell average).
        self._spans: dict[int, tuple[int, int]] = {}
        self._products: list[float] = []
        self._kws: list[float] = []

    def cells(self, number: int) -> list[float | None]:
        """The average kW of each cell of the window (None where the data do not cover it)."""
        if number in self._spans:
            at, stop = self._spans[number]
            return self._kws[at:stop]
        window, values = self.windows[number], self.values.get(number)
        if values is not None:  # the reference: (0 + hours * kW) / (0 + hours) for one reading filling the cell
            pairs = zip(window.weights, values, strict=True)
            return [None if kw is None else (hours * kw + 0.0) / hours for hours, kw in pairs]
        samples = self.samples.get(number)
        return baselines.measured(samples, window.cells) if samples else [None] * len(window.cells)

    def span(self, number: int) -> float | None:
        """The average kW over the whole window (None unless the data cover all of it)."""
        if number in self._spans:  # the reference: sum of hours * kW in time order, over the sum of the hours
            at, stop = self._spans[number]
            return sum(self._products[at:stop]) / self.windows[number].total
        window, values = self.windows[number], self.values.get(number)
        if values is not None:
            return None if None in values else sum(map(mul, window.weights, values)) / window.total
        samples = self.samples.get(number)
        return baselines.average_kw(samples, (window.lo, window.hi)) if samples else None

    def day(self, day: Day) -> baselines.Day | None:
        """The candidate day as baselines.eligible_day has it: None unless its window and every cell are covered."""
        span = self._spans.get(day.window)
        if span is not None:
            at, stop = span
            average = sum(self._products[at:stop]) / self.windows[day.window].total
            return baselines.Day(day.back, self._kws[at:stop], average * day.hours)
        values = self.values.get(day.window)
        if values is None:
            average = self.span(day.window) if day.window in self.samples else None
            if average is None:
                return None
            return baselines.eligible_day(day.back, average, self.cells(day.window), day.hours)
        if None in values:  # a cell without a usable reading: the window is not covered either
            return None
        window = self.windows[day.window]
        products = list(map(mul, window.weights, values))  # hours * kW, as the reference weighs each reading
        kws = list(map(truediv, map(add, products, _ZERO), window.weights))  # (hours * kW + 0) / hours, per cell
        return baselines.Day(day.back, kws, sum(products) / window.total * day.hours)

    def take(self, codes: bytes, kws: list, layouts: dict) -> set[int]:
        """Take the cell values of the database's rows (``codes``: their cell codes, big-endian int32); the windows
        whose readings do not fill cells one for one. ``layouts`` remembers how the arrays of earlier series split
        into windows (resources alike share one)."""
        if codes not in layouts:
            layouts[codes] = self._layout(_numbers(codes))
        layout = layouts[codes]
        if layout is None:
            return self._regroup(_numbers(codes), kws)
        try:
            self._products = list(map(mul, layout.weights, kws))
        except TypeError:  # a cell without a usable reading: window by window
            self.values = {number: kws[at:stop] for number, (at, stop) in layout.spans.items()}
        else:
            self._spans = layout.spans
            self._kws = list(map(truediv, map(add, self._products, _ZERO), layout.weights))
        return set()

    def in_cells(self) -> set[int]:
        """The windows that the database's cells answer (the others from samples, if any)."""
        return set(self._spans) | set(self.values)

    def _layout(self, codes: tuple[int, ...]) -> Layout | None:
        """Where each window is in the arrays, when they hold whole windows in cell order; else None."""
        spans, weights, at = {}, [], 0
        while at < len(codes):
            number = codes[at] // WIDTH
            full = self.windows[number].codes
            if full is None or number in spans or codes[at : at + len(full)] != full:
                return None
            spans[number] = (at, at + len(full))
            weights += self.windows[number].weights
            at += len(full)
        return Layout(spans, weights)

    def _regroup(self, codes: tuple[int, ...], kws: list) -> set[int]:
        """Take them in any order, with missing cells; the windows to answer from samples."""
        self.values.clear()
        found: dict[int, dict[int, float | None]] = {}
        odd = set()
        for code, kw in zip(codes, kws, strict=True):
            number, cell = divmod(code, WIDTH)
            cells = found.setdefault(number, {})
            if self.windows[number].codes is None or cell == WIDTH - 1 or cell in cells:
                odd.add(number)
            cells[cell] = kw
        for number, cells in found.items():
            if number not in odd:
                self.values[number] = [cells.get(cell) for cell in range(len(self.windows[number].cells))]
        return odd


def _numbers(codes: bytes) -> tuple[int, ...]:
    return struct.unpack(f">{len(codes) // 4}i", codes)
