"""Event timing (User Guide 7.3, 7.4): durations, interval starts, and an event's lifespan."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from .wire.fields import DURATION, parse_datetime

INFINITY = "infinity"
MINUS_INFINITY = "-infinity"
_NOW = datetime(1, 1, 1, tzinfo=UTC)  # the 'now' sentinel, 0001-01-01


class Unbounded(Exception):
    """A duration that reaches past any representable time (e.g. P9999Y, 'infinity')."""


def _add_months(moment: datetime, months: int) -> datetime:
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    if not 1 <= year <= 9999:
        raise Unbounded
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@lru_cache(maxsize=1024)
def _parsed(duration: str) -> tuple[int, timedelta | None]:
    """An ISO 8601 duration as (calendar months, exact part; None past any timedelta), signed; cached."""
    match = DURATION.match(duration)
    if not match:
        raise ValueError(f"not an ISO 8601 duration: {duration}")
    sign = -1 if match.group(1) else 1
    years, months, count, unit, hours, minutes, seconds = match.groups()[1:]
    days = int(count or 0) * (7 if unit == "W" else 1)
    try:
        exact = timedelta(days=days, hours=int(hours or 0), minutes=int(minutes or 0), seconds=float(seconds or 0))
    except OverflowError:
        return 0, None
    return sign * (int(years or 0) * 12 + int(months or 0)), sign * exact


def add_duration(moment: datetime, duration: str) -> datetime:
    """``moment`` plus an ISO 8601 duration (calendar years and months, exact days and times)."""
    months, exact = _parsed(duration)
    if exact is None:
        raise Unbounded
    try:
        return (_add_months(moment, months) if months else moment) + exact
    except OverflowError as exc:
        raise Unbounded from exc


def lifespan(interval_period: dict | None, intervals: list | None, duration: str | None) -> tuple[str, str]:
    """The event's (start, end) as timestamptz text, '-infinity'/'infinity' where open.

    The first interval starts at its own start, else the event's; later ones at their own start or right
    after the previous one. A 'now' start (0001-01-01) makes the event start before any moment that asks
    ('do it now'). event.duration, when given, bounds the span from the first start (User Guide 7.3).
    """
    default = interval_period or {}
    first: datetime | None = None
    end: datetime | None = None
    cursor = _start(default.get("start"))
    try:
        for interval in intervals or []:
            own = interval.get("intervalPeriod") or {}
            start = _start(own.get("start")) or cursor
            span = own.get("duration") or default.get("duration")
            if start is None:
                break
            first = start if first is None else min(first, start)
            cursor = add_duration(start, span) if span else start
            end = cursor if end is None else max(end, cursor)
        if not intervals and cursor is not None:
            first = cursor
            end = add_duration(cursor, default["duration"]) if default.get("duration") else None
        if duration and first is not None:
            end = add_duration(first, duration)
    except Unbounded:
        end = None
    if first is None:
        return MINUS_INFINITY, INFINITY  # no timing given: treated as always in effect
    starts = MINUS_INFINITY if first == _NOW else first.isoformat()
    ends = INFINITY if end is None or end.year >= 9999 else end.isoformat()
    return starts, ends


def _start(text: str | None) -> datetime | None:
    return parse_datetime(text) if text else None
