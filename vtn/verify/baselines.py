"""Baselines for load-shed verification: pure functions over telemetry samples (no database, no Flask).

Missing data is never filled: an average over a span is None unless usable samples cover the whole span,
and a baseline that cannot be computed from complete data is None rather than guessed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from math import fsum
from statistics import fmean
from typing import NamedTuple

UNUSABLE_QUALITIES = frozenset({"MISSING", "BAD"})
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Sample:
    """One telemetry reading of one resource, already converted to average power over [start, end)."""

    start: datetime  # aware UTC
    end: datetime
    kw: float | None  # None when the value is missing
    quality: str | None  # DATA_QUALITY: None/"OK"/"ESTIMATED" are usable; "MISSING" and "BAD" are not


Slot = tuple[datetime, datetime]  # one verification interval [start, end) of the event


class Day(NamedTuple):
    """An eligible baseline day: how many whole days before the event, its per-slot kW, its event-window kWh."""

    back: int
    kws: list[float]
    kwh: float


def usable(sample: Sample) -> bool:
    """Whether the sample has a value and a DATA_QUALITY that may be used (None, OK, ESTIMATED)."""
    return sample.kw is not None and sample.quality not in UNUSABLE_QUALITIES


def slots(start: datetime, end: datetime, step: timedelta = timedelta(minutes=15)) -> list[Slot]:
    """Consecutive slots of ``step`` covering [start, end); the last one may be shorter."""
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    out: list[Slot] = []
    cursor = start
    while cursor < end:
        stop = min(cursor + step, end)
        out.append((cursor, stop))
        cursor = stop
    return out


def span_hours(span: timedelta) -> float:
    """A timedelta in hours."""
    return span / _HOUR


class _Usable:
    """The usable samples sorted by start, searchable by time (a slot's samples by bisection, not a full scan)."""

    def __init__(self, samples: Sequence[Sample]):
        self.samples = sorted((s for s in samples if usable(s)), key=lambda s: s.start)
        self.starts = [s.start for s in self.samples]
        self.longest = max((s.end - s.start for s in self.samples), default=timedelta(0))

    def overlapping(self, low: datetime, high: datetime) -> list[Sample]:
        """The samples that overlap [low, high)."""
        first = bisect_left(self.starts, low - self.longest)
        last = bisect_left(self.starts, high)
        return [s for s in self.samples[first:last] if s.end > low]


def _usable(samples: Sequence[Sample] | _Usable) -> _Usable:
    return samples if isinstance(samples, _Usable) else _Usable(samples)


def _pieces(samples: Sequence[Sample] | _Usable, slot: Slot) -> list[tuple[datetime, datetime, float]]:
    """The parts of the usable samples inside the slot, as (start, end, kW), earliest first."""
    low, high = slot
    return [(max(s.start, low), min(s.end, high), s.kw) for s in _usable(samples).overlapping(low, high)]


def _covers(pieces: list[tuple[datetime, datetime, float]], slot: Slot) -> bool:
    """Whether the pieces (earliest first) leave no gap in the slot."""
    cursor, end = slot
    for start, stop, _ in pieces:
        if start > cursor:
            return False
        cursor = max(cursor, stop)
    return cursor >= end


def average_kw(samples: Sequence[Sample], slot: Slot) -> float | None:
    """The time-weighted average kW over the slot; None unless usable samples cover all of it."""
    if slot[1] <= slot[0]:
        return None
    pieces = _pieces(samples, slot)
    if not _covers(pieces, slot):
        return None
    weights = [span_hours(stop - start) for start, stop, _ in pieces]
    return sum(weight * kw for weight, (_, _, kw) in zip(weights, pieces, strict=True)) / sum(weights)


def measured(samples: Sequence[Sample], slots: Sequence[Slot]) -> list[float | None]:
    """The measured average kW of each slot (None where the data does not cover it)."""
    indexed = _usable(samples)
    return [average_kw(indexed, slot) for slot in slots]


def reported_baseline(baseline_samples: Sequence[Sample], slots: Sequence[Slot]) -> list[float | None]:
    """The VEN-reported BASELINE series per slot, by the same rule as ``measured``."""
    return measured(baseline_samples, slots)


def window_baseline(
    samples: Sequence[Sample], event_start: datetime, window: timedelta, slots: Sequence[Slot]
) -> list[float | None]:
    """The average kW over [event_start - window, event_start) for every slot; all None if not fully covered."""
    return [average_kw(samples, (event_start - window, event_start))] * len(slots)


def _complete(values: Sequence[float | None]) -> list[float] | None:
    """The values when none is missing, else None."""
    present = [value for value in values if value is not None]
    return present if len(present) == len(values) else None


def _shift(moment: datetime, days: int, tz: tzinfo) -> datetime:
    """The same wall-clock time in ``tz``, ``days`` whole days earlier, in UTC."""
    return (moment.astimezone(tz) - timedelta(days=days)).astimezone(UTC)


def shift_slot(slot: Slot, days: int, tz: tzinfo) -> Slot:
    """The slot at the same time of day in ``tz``, ``days`` whole days earlier."""
    return _shift(slot[0], days, tz), _shift(slot[1], days, tz)


def _day(samples: Sequence[Sample], window: Slot, slots: Sequence[Slot], back: int, tz: tzinfo) -> Day | None:
    """The day ``back`` days before the event when its data covers the event window and every slot, else None."""
    shifted = shift_slot(window, back, tz)
    return eligible_day(
        back,
        average_kw(samples, shifted),
        [average_kw(samples, shift_slot(slot, back, tz)) for slot in slots],
        span_hours(shifted[1] - shifted[0]),
    )


def eligible_day(back: int, average: float | None, kws: Sequence[float | None], hours: float) -> Day | None:
    """A candidate day from its event-window average and per-slot kW; None unless all of them are known."""
    complete = _complete(kws)
    if average is None or complete is None:
        return None
    return Day(back, complete, average * hours)


def candidate_backs(
    event_day: date, *, excluded_days: AbstractSet[date], weekdays_only: bool, limit: int
) -> Iterator[int]:
    """How many days back each candidate day is (1, 2, ... up to ``limit``), leaving out weekends and event days."""
    for back in range(1, limit + 1):
        day = event_day - timedelta(days=back)
        if not ((weekdays_only and day.weekday() >= 5) or day in excluded_days):
            yield back


def choose(days: Iterable[Day | None], *, x: int, y: int) -> list[Day] | None:
    """The X highest of the first Y eligible days (None entries are ineligible); None when fewer than X."""
    found: list[Day] = []
    for day in days:
        if day is not None:
            found.append(day)
            if len(found) == y:
                break
    return _highest(found, x) if len(found) >= x else None


def _candidate_days(
    samples: Sequence[Sample],
    window: Slot,
    slots: Sequence[Slot],
    *,
    excluded_days: AbstractSet[date],
    weekdays_only: bool,
    tz: tzinfo,
) -> Iterator[Day | None]:
    """The candidate days before the event day, most recent first, while there are data that far back."""
    starts = _usable(samples).starts
    if not starts:
        return
    earliest, event_day = starts[0], window[0].astimezone(tz).date()
    limit = (event_day - earliest.astimezone(tz).date()).days + 1
    for back in candidate_backs(event_day, excluded_days=excluded_days, weekdays_only=weekdays_only, limit=limit):
        if _shift(window[0], back, tz) < earliest:  # no data that far back: no older day can be eligible
            return
        yield _day(samples, window, slots, back, tz)


def _highest(days: list[Day], x: int) -> list[Day]:
    """The X days with the most event-window energy; ties go to the more recent (the input is most recent first)."""
    return sorted(days, key=lambda day: -day.kwh)[:x]


def _clamp(ratio: float, cap: float | None) -> float:
    """The ratio limited to [1 - cap, 1 + cap] (unlimited when cap is None)."""
    return ratio if cap is None else min(max(ratio, 1 - cap), 1 + cap)


def adjustment_window(event_start: datetime, hours: float, gap_hours: float) -> Slot:
    """The same-day adjustment window: ``hours`` long, ending ``gap_hours`` before the event."""
    end = event_start - timedelta(hours=gap_hours)
    return end - timedelta(hours=hours), end


def ratio(actual: float | None, typical: Sequence[float | None], cap: float | None) -> float:
    """The same-day adjustment ratio (event day / chosen days, clamped); 1 when it cannot be computed."""
    known = _complete(typical)
    if actual is None or not known or fmean(known) == 0:
        return 1.0
    return _clamp(actual / fmean(known), cap)


def mean_of(chosen: list[Day], factor: float = 1.0) -> list[float]:
    """Per slot, ``factor`` times the mean kW of the chosen days (statistics.fmean's fsum / n, without its checks)."""
    return [factor * (fsum(column) / len(column)) for column in zip(*(day.kws for day in chosen), strict=True)]


def x_of_y_baseline(
    samples: Sequence[Sample],
    event_start: datetime,
    event_end: datetime,
    slots: Sequence[Slot],
    *,
    x: int = 10,
    y: int = 10,
    excluded_days: AbstractSet[date] = frozenset(),
    weekdays_only: bool = True,
    adjustment_hours: float | None = None,
    adjustment_gap_hours: float = 1.0,
    cap: float | None = 0.2,
    tz: tzinfo = UTC,
) -> list[float | None]:
    """The X-of-Y baseline per slot (mean of the X highest of the Y recent eligible days); all None if < X days."""
    if not 1 <= x <= y:
        raise ValueError("need 1 <= x <= y")
    window = (event_start, event_end)
    samples = _usable(samples)  # indexed once for the whole walk back
    days = _candidate_days(samples, window, slots, excluded_days=excluded_days, weekdays_only=weekdays_only, tz=tz)
    chosen = choose(days, x=x, y=y)
    if chosen is None:
        return [None] * len(slots)
    factor = 1.0
    if adjustment_hours is not None:
        adjust = adjustment_window(event_start, adjustment_hours, adjustment_gap_hours)
        typical = [average_kw(samples, shift_slot(adjust, day.back, tz)) for day in chosen]
        factor = ratio(average_kw(samples, adjust), typical, cap)
    return mean_of(chosen, factor)


def energy_kwh(kws: Sequence[float | None], slots: Sequence[Slot]) -> float | None:
    """The energy of a per-slot kW series (sum of kW x slot hours); None if any value is missing."""
    values = _complete(kws)
    if values is None:
        return None
    return sum(kw * span_hours(end - start) for kw, (start, end) in zip(values, slots, strict=True))
