"""Baselines for load-shed verification: pure functions over telemetry samples (no database, no Flask).

Missing data is never filled: an average over a span is None unless usable samples cover the whole span,
and a baseline that cannot be computed from complete data is None rather than guessed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
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


class _Day(NamedTuple):
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


def _hours(span: timedelta) -> float:
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
    weights = [_hours(stop - start) for start, stop, _ in pieces]
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


def _shift_slot(slot: Slot, days: int, tz: tzinfo) -> Slot:
    """The slot at the same time of day in ``tz``, ``days`` whole days earlier."""
    return _shift(slot[0], days, tz), _shift(slot[1], days, tz)


def _day(samples: Sequence[Sample], window: Slot, slots: Sequence[Slot], back: int, tz: tzinfo) -> _Day | None:
    """The day ``back`` days before the event when its data covers the event window and every slot, else None."""
    shifted = _shift_slot(window, back, tz)
    average = average_kw(samples, shifted)
    kws = _complete([average_kw(samples, _shift_slot(slot, back, tz)) for slot in slots])
    if average is None or kws is None:
        return None
    return _Day(back, kws, average * _hours(shifted[1] - shifted[0]))


def _candidate_days(
    samples: Sequence[Sample],
    window: Slot,
    slots: Sequence[Slot],
    *,
    y: int,
    excluded_days: AbstractSet[date],
    weekdays_only: bool,
    tz: tzinfo,
) -> list[_Day]:
    """The (at most) Y most recent eligible days before the event day, most recent first."""
    starts = _usable(samples).starts
    if not starts:
        return []
    earliest, event_day = starts[0], window[0].astimezone(tz).date()
    found: list[_Day] = []
    back = 0
    while len(found) < y:
        back += 1
        if _shift(window[0], back, tz) < earliest:  # no data that far back: no older day can be eligible
            break
        day = event_day - timedelta(days=back)
        if (weekdays_only and day.weekday() >= 5) or day in excluded_days:
            continue
        candidate = _day(samples, window, slots, back, tz)
        if candidate is not None:
            found.append(candidate)
    return found


def _highest(days: list[_Day], x: int) -> list[_Day]:
    """The X days with the most event-window energy; ties go to the more recent (the input is most recent first)."""
    return sorted(days, key=lambda day: -day.kwh)[:x]


def _clamp(ratio: float, cap: float | None) -> float:
    """The ratio limited to [1 - cap, 1 + cap] (unlimited when cap is None)."""
    return ratio if cap is None else min(max(ratio, 1 - cap), 1 + cap)


def _adjustment(
    samples: Sequence[Sample],
    event_start: datetime,
    chosen: list[_Day],
    *,
    hours: float,
    gap_hours: float,
    cap: float | None,
    tz: tzinfo,
) -> float:
    """The same-day adjustment ratio (event day / chosen days, clamped); 1 when it cannot be computed."""
    end = event_start - timedelta(hours=gap_hours)
    window = (end - timedelta(hours=hours), end)
    actual = average_kw(samples, window)
    typical = _complete([average_kw(samples, _shift_slot(window, day.back, tz)) for day in chosen])
    if actual is None or not typical or fmean(typical) == 0:
        return 1.0
    return _clamp(actual / fmean(typical), cap)


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
    days = _candidate_days(samples, window, slots, y=y, excluded_days=excluded_days, weekdays_only=weekdays_only, tz=tz)
    if len(days) < x:
        return [None] * len(slots)
    chosen = _highest(days, x)
    ratio = 1.0
    if adjustment_hours is not None:
        ratio = _adjustment(
            samples, event_start, chosen, hours=adjustment_hours, gap_hours=adjustment_gap_hours, cap=cap, tz=tz
        )
    return [ratio * fmean(column) for column in zip(*(day.kws for day in chosen), strict=True)]


def energy_kwh(kws: Sequence[float | None], slots: Sequence[Slot]) -> float | None:
    """The energy of a per-slot kW series (sum of kW x slot hours); None if any value is missing."""
    values = _complete(kws)
    if values is None:
        return None
    return sum(kw * _hours(end - start) for kw, (start, end) in zip(values, slots, strict=True))
