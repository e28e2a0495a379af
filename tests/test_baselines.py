"""Baselines for load-shed verification, against answers worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vtn.verify.baselines import (
    Sample,
    average_kw,
    energy_kwh,
    measured,
    reported_baseline,
    slots,
    usable,
    window_baseline,
    x_of_y_baseline,
)

EVENT_DAY = date(2025, 7, 16)  # a Wednesday; July 2025: 1 Tue, 4 Fri, 5-6 and 12-13 weekends, 9 Wed, 15 Tue
EVENT_START = datetime(2025, 7, 16, 14, tzinfo=UTC)
EVENT_END = datetime(2025, 7, 16, 16, tzinfo=UTC)
HALF_HOURS = slots(EVENT_START, EVENT_END, timedelta(minutes=30))
HOURS = slots(EVENT_START, EVENT_END, timedelta(hours=1))


def at(day: date, hour: float) -> datetime:
    """The UTC moment ``hour`` hours into ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)


def hourly(day: date, kws: dict[int, float | None], quality: dict[int, str] | None = None) -> list[Sample]:
    """One-hour samples on ``day`` at the given hours (UTC)."""
    quality = quality or {}
    return [Sample(at(day, h), at(day, h + 1), kw, quality.get(h)) for h, kw in sorted(kws.items())]


def day_profile(day: date, h14: float, h15: float, w11: float = 40, w12: float = 60) -> list[Sample]:
    """Hours 10-17 of a day: event hours 14 and 15, adjustment window hours 11 and 12, 5 kW elsewhere."""
    return hourly(day, {10: 5, 11: w11, 12: w12, 13: 5, 14: h14, 15: h15, 16: 5, 17: 5})


# --- the CAISO-style 10-of-10 data set --------------------------------------------------------------------
# Weekdays before the event, most recent first, with hour 14 = v and hour 15 = v + 10:
#   Jul 15: 100  Jul 14: 90  Jul 11: 80  Jul 10: 70  [Jul 9: event day, excluded, 500]  Jul 8: 60
#   Jul 7: 50  Jul 4: 40  Jul 3: 30  Jul 2: 20  Jul 1: 10  Jun 30: 900 (the 11th eligible day: beyond Y=10)
# Weekends (Jul 5, 6, 12, 13) are 1000 kW all day and must be skipped.
# Every weekday has 40 kW at 11:00 and 60 kW at 12:00 (average 50 over [11:00, 13:00)), except the excluded
# Jul 9 (1000) and Jun 30 (0), which must not enter the adjustment's denominator either.
TEN_DAYS = {
    date(2025, 7, 15): 100,
    date(2025, 7, 14): 90,
    date(2025, 7, 11): 80,
    date(2025, 7, 10): 70,
    date(2025, 7, 8): 60,
    date(2025, 7, 7): 50,
    date(2025, 7, 4): 40,
    date(2025, 7, 3): 30,
    date(2025, 7, 2): 20,
    date(2025, 7, 1): 10,
}
EXCLUDED = {date(2025, 7, 9)}


def ten_of_ten_samples(event_day_w11: float | None = 0, event_day_w12: float | None = 0) -> list[Sample]:
    """The 10-of-10 data set, with the event day's own adjustment-window values and a 0 kW shed."""
    samples = [s for day, v in TEN_DAYS.items() for s in day_profile(day, v, v + 10)]
    samples += day_profile(date(2025, 7, 9), 500, 500, 1000, 1000)
    samples += day_profile(date(2025, 6, 30), 900, 910, 0, 0)
    for weekend in (date(2025, 7, 5), date(2025, 7, 6), date(2025, 7, 12), date(2025, 7, 13)):
        samples += hourly(weekend, {h: 1000 for h in range(24)})
    samples += hourly(EVENT_DAY, {10: 5, 11: event_day_w11, 12: event_day_w12, 13: 5, 14: 0, 15: 0})
    return samples


# --- usable, slots, average_kw ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "quality", "expected"),
    [(1.0, None, True), (1.0, "OK", True), (1.0, "ESTIMATED", True), (1.0, "MISSING", False), (1.0, "BAD", False)]
    + [(None, None, False), (None, "OK", False)],
)
def test_usable(kw: float | None, quality: str | None, expected: bool) -> None:
    assert usable(Sample(EVENT_START, EVENT_END, kw, quality)) is expected


def test_slots_with_a_short_last_slot() -> None:
    # 14:00 -> 15:40 in 15-minute steps: six whole slots to 15:30, then 15:30-15:40 (10 minutes).
    got = slots(at(EVENT_DAY, 14), at(EVENT_DAY, 15 + 40 / 60))
    assert len(got) == 7
    assert got[0] == (at(EVENT_DAY, 14), at(EVENT_DAY, 14.25))
    assert got[-1] == (at(EVENT_DAY, 15.5), at(EVENT_DAY, 15 + 40 / 60))
    assert all(a[1] == b[0] for a, b in zip(got, got[1:], strict=False))
    assert slots(EVENT_START, EVENT_START) == []
    with pytest.raises(ValueError):
        slots(EVENT_START, EVENT_END, timedelta(0))


def test_average_kw_is_time_weighted_over_unequal_samples() -> None:
    # Slot 14:00-15:00. 13:30-14:15 at 100 kW overlaps 0.25 h; 14:15-15:00 at 20 kW overlaps 0.75 h.
    # (100 * 0.25 + 20 * 0.75) / 1 h = (25 + 15) / 1 = 40 kW (the plain mean of the two would be 60).
    samples = [
        Sample(at(EVENT_DAY, 13.5), at(EVENT_DAY, 14.25), 100, "ESTIMATED"),
        Sample(at(EVENT_DAY, 14.25), at(EVENT_DAY, 15), 20, None),
    ]
    assert average_kw(samples, (at(EVENT_DAY, 14), at(EVENT_DAY, 15))) == pytest.approx(40)


def test_average_kw_with_partial_coverage_is_none() -> None:
    slot = (at(EVENT_DAY, 14), at(EVENT_DAY, 15))
    # Covers 14:00-14:45 only: the last quarter hour is missing, and is not taken as 0.
    assert average_kw([Sample(at(EVENT_DAY, 14), at(EVENT_DAY, 14.75), 10, "OK")], slot) is None
    # A hole 14:20-14:40 in the middle.
    holed = [
        Sample(at(EVENT_DAY, 14), at(EVENT_DAY, 14 + 1 / 3), 10, "OK"),
        Sample(at(EVENT_DAY, 14 + 2 / 3), at(EVENT_DAY, 15), 10, "OK"),
    ]
    assert average_kw(holed, slot) is None
    # The hole is "covered" only by unusable samples: still None.
    for filler in (Sample(at(EVENT_DAY, 14.25), at(EVENT_DAY, 14.75), 10, "MISSING"),
                   Sample(at(EVENT_DAY, 14.25), at(EVENT_DAY, 14.75), None, "OK")):  # fmt: skip
        assert average_kw([*holed, filler], slot) is None
    assert average_kw([], slot) is None


def test_measured_reported_baseline_and_energy() -> None:
    # Hour 14 at 40 kW, hour 15 missing -> [40, None]; energy unknown.
    samples = hourly(EVENT_DAY, {14: 40, 15: None})
    assert measured(samples, HOURS) == [40, None]
    assert energy_kwh(measured(samples, HOURS), HOURS) is None
    assert reported_baseline(hourly(EVENT_DAY, {14: 80, 15: 70}), HOURS) == [80, 70]
    # 40 kW for 1 h + 20 kW for 10 min = 40 + 20 / 6 = 43.333 kWh.
    short = [(at(EVENT_DAY, 14), at(EVENT_DAY, 15)), (at(EVENT_DAY, 15), at(EVENT_DAY, 15 + 1 / 6))]
    assert energy_kwh([40, 20], short) == pytest.approx(40 + 20 / 6)
    assert energy_kwh([], []) == 0


# --- window baseline --------------------------------------------------------------------------------------


def test_window_baseline_is_flat_over_the_slots() -> None:
    # 2-hour window before 14:00 = [12:00, 14:00): hours 12 (30 kW) and 13 (50 kW) -> (30 + 50) / 2 = 40 kW.
    samples = hourly(EVENT_DAY, {11: 60, 12: 30, 13: 50, 14: 0})
    assert window_baseline(samples, EVENT_START, timedelta(hours=2), HALF_HOURS) == [40, 40, 40, 40]


def test_window_baseline_with_a_gap_is_none() -> None:
    # 13:00-13:30 is there, 13:30-14:00 is not: the window is not fully covered.
    samples = [*hourly(EVENT_DAY, {12: 30}), Sample(at(EVENT_DAY, 13), at(EVENT_DAY, 13.5), 50, None)]
    assert window_baseline(samples, EVENT_START, timedelta(hours=2), HALF_HOURS) == [None] * 4
    # A BAD sample in the window is a gap too.
    bad = hourly(EVENT_DAY, {12: 30, 13: 50}, {13: "BAD"})
    assert window_baseline(bad, EVENT_START, timedelta(hours=2), HOURS) == [None, None]


# --- X of Y -----------------------------------------------------------------------------------------------


def test_caiso_10_of_10() -> None:
    # The 10 most recent eligible weekdays are Jul 15 ... Jul 1 (weekends skipped, Jul 9 excluded; Jun 30 is the
    # 11th). With X = Y = 10 all are chosen: hour 14 = mean(10, 20, ..., 100) = 550 / 10 = 55,
    # hour 15 = 55 + 10 = 65; each 30-minute slot takes its hour's value.
    got = x_of_y_baseline(ten_of_ten_samples(), EVENT_START, EVENT_END, HALF_HOURS, excluded_days=EXCLUDED)
    assert got == pytest.approx([55, 55, 65, 65])


def test_y_limits_the_candidate_days() -> None:
    # With Y = 11, Jun 30 (900 / 910) is considered and has the most energy; the 10 highest drop Jul 1 (10):
    # hour 14 = (900 + 20 + 30 + ... + 100) / 10 = (900 + 540) / 10 = 144; hour 15 = 144 + 10 = 154.
    got = x_of_y_baseline(ten_of_ten_samples(), EVENT_START, EVENT_END, HOURS, y=11, excluded_days=EXCLUDED)
    assert got == pytest.approx([144, 154])


def test_weekends_count_when_not_weekdays_only() -> None:
    # Counting weekends, the 10 most recent days before Jul 16 (Jul 9 excluded) are Jul 15, 14, 13, 12, 11, 10,
    # 8, 7, 6, 5: the four weekend days are 1000 kW, the others 100, 90, 80, 70, 60, 50 (hour 14):
    # hour 14 = (4000 + 450) / 10 = 445; hour 15 = (4000 + 510) / 10 = 451.
    got = x_of_y_baseline(
        ten_of_ten_samples(), EVENT_START, EVENT_END, HOURS, excluded_days=EXCLUDED, weekdays_only=False
    )
    assert got == pytest.approx([445, 451])


FIVE_DAYS = {  # (hour 14, hour 15) and the energy over 14:00-16:00
    date(2025, 7, 15): (60, 60),  # 120 kWh
    date(2025, 7, 14): (20, 40),  # 60 kWh, ties with Jul 10 and is more recent
    date(2025, 7, 11): (80, 80),  # 160 kWh
    date(2025, 7, 10): (40, 20),  # 60 kWh
    date(2025, 7, 9): (70, 70),  # 140 kWh
    date(2025, 7, 8): (100, 100),  # 200 kWh, but the 6th most recent: outside Y = 5
}


def five_day_samples(quality: dict[date, dict[int, str]] | None = None) -> list[Sample]:
    """The 4-of-5 data set (no weekend data), with optional DATA_QUALITY per day and hour."""
    quality = quality or {}
    return [s for d, (a, b) in FIVE_DAYS.items() for s in hourly(d, {14: a, 15: b}, quality.get(d))]


def test_4_of_5_highest_days() -> None:
    # Energies: Jul 11 160, Jul 9 140, Jul 15 120, then Jul 14 and Jul 10 tie at 60 -> Jul 14 (more recent).
    # Hour 14 = (80 + 70 + 60 + 20) / 4 = 230 / 4 = 57.5; hour 15 = (80 + 70 + 60 + 40) / 4 = 250 / 4 = 62.5.
    # (Had Jul 10 won the tie, the answer would be the other way round: [62.5, 57.5].)
    got = x_of_y_baseline(five_day_samples(), EVENT_START, EVENT_END, HOURS, x=4, y=5)
    assert got == pytest.approx([57.5, 62.5])


@pytest.mark.parametrize("quality", ["MISSING", "BAD"])
def test_a_day_with_an_unusable_sample_is_not_eligible(quality: str) -> None:
    # Jul 11 hour 15 is unusable, so Jul 11 is skipped and Jul 8 becomes the 5th eligible day.
    # Energies: Jul 8 200, Jul 9 140, Jul 15 120, Jul 14 60 (ties with Jul 10, more recent).
    # Hour 14 = (100 + 70 + 60 + 20) / 4 = 62.5; hour 15 = (100 + 70 + 60 + 40) / 4 = 67.5.
    samples = five_day_samples({date(2025, 7, 11): {15: quality}})
    got = x_of_y_baseline(samples, EVENT_START, EVENT_END, HOURS, x=4, y=5)
    assert got == pytest.approx([62.5, 67.5])


def test_fewer_than_x_eligible_days_is_all_none() -> None:
    # Only Jul 15, 14 and 11 have data: 3 eligible days < X = 4 -> missing, not guessed.
    samples = [s for s in five_day_samples() if s.start.date() >= date(2025, 7, 11)]
    assert x_of_y_baseline(samples, EVENT_START, EVENT_END, HALF_HOURS, x=4, y=5) == [None] * 4
    # 10-of-10 with Jul 1 partly MISSING leaves 9 eligible days within reach (Jun 30 is then the 10th, so
    # drop it too): all None.
    ten = [s for s in ten_of_ten_samples() if s.start.date() != date(2025, 6, 30)]
    ten = [s if s.start != at(date(2025, 7, 1), 15) else Sample(s.start, s.end, s.kw, "MISSING") for s in ten]
    assert x_of_y_baseline(ten, EVENT_START, EVENT_END, HOURS, excluded_days=EXCLUDED) == [None, None]
    assert x_of_y_baseline([], EVENT_START, EVENT_END, HOURS) == [None, None]


ADJUST = {"excluded_days": EXCLUDED, "adjustment_hours": 2.0, "adjustment_gap_hours": 1.0}


def test_adjustment_within_the_cap() -> None:
    # W = [14:00 - 1 h - 2 h, 14:00 - 1 h) = [11:00, 13:00). Chosen days: (40 + 60) / 2 = 50 kW each -> mean 50.
    # Event day: (50 + 60) / 2 = 55 kW. Ratio 55 / 50 = 1.1, inside [0.8, 1.2].
    # [55, 55, 65, 65] * 1.1 = [60.5, 60.5, 71.5, 71.5].
    got = x_of_y_baseline(ten_of_ten_samples(50, 60), EVENT_START, EVENT_END, HALF_HOURS, **ADJUST)
    assert got == pytest.approx([60.5, 60.5, 71.5, 71.5])


def test_adjustment_hitting_the_cap() -> None:
    # Event day W: (70 + 90) / 2 = 80 kW; ratio 80 / 50 = 1.6 -> capped at 1 + 0.2 = 1.2: [55, 65] * 1.2 = [66, 78].
    samples = ten_of_ten_samples(70, 90)
    assert x_of_y_baseline(samples, EVENT_START, EVENT_END, HOURS, **ADJUST) == pytest.approx([66, 78])
    # Uncapped: [55, 65] * 1.6 = [88, 104].
    assert x_of_y_baseline(samples, EVENT_START, EVENT_END, HOURS, cap=None, **ADJUST) == pytest.approx([88, 104])
    # Downward: (10 + 30) / 2 = 20 kW; 20 / 50 = 0.4 -> floored at 1 - 0.2 = 0.8: [55, 65] * 0.8 = [44, 52].
    low = ten_of_ten_samples(10, 30)
    assert x_of_y_baseline(low, EVENT_START, EVENT_END, HOURS, **ADJUST) == pytest.approx([44, 52])


def test_adjustment_skipped_when_its_window_is_not_covered() -> None:
    # Event day 12:00 is missing -> no ratio (1): the unadjusted [55, 65].
    assert x_of_y_baseline(ten_of_ten_samples(50, None), EVENT_START, EVENT_END, HOURS, **ADJUST) == pytest.approx(
        [55, 65]
    )
    # A chosen day (Jul 15) with 11:00 MISSING -> also 1.
    samples = [
        s if s.start != at(date(2025, 7, 15), 11) else Sample(s.start, s.end, s.kw, "MISSING")
        for s in ten_of_ten_samples(70, 90)
    ]
    assert x_of_y_baseline(samples, EVENT_START, EVENT_END, HOURS, **ADJUST) == pytest.approx([55, 65])
    # Denominator 0 (every chosen day at 0 kW in W) -> 1.
    zero = [s if s.start.hour not in (11, 12) or s.start.date() == EVENT_DAY else Sample(s.start, s.end, 0, None)
            for s in ten_of_ten_samples(70, 90)]  # fmt: skip
    assert x_of_y_baseline(zero, EVENT_START, EVENT_END, HOURS, **ADJUST) == pytest.approx([55, 65])


def test_days_are_shifted_in_the_given_time_zone() -> None:
    # Los Angeles went to daylight time on Sun 2025-03-09. The event is Mon Mar 10, 14:00-15:00 PDT
    # (21:00-22:00 UTC); the previous weekday is Fri Mar 7, where 14:00-15:00 PST is 22:00-23:00 UTC (30 kW),
    # not 21:00-22:00 UTC (999 kW). In UTC the same data gives 999.
    la = ZoneInfo("America/Los_Angeles")
    start, end = datetime(2025, 3, 10, 14, tzinfo=la).astimezone(UTC), datetime(2025, 3, 10, 15, tzinfo=la)
    samples = hourly(date(2025, 3, 7), {21: 999, 22: 30})
    one = slots(start, end.astimezone(UTC), timedelta(minutes=15))
    assert x_of_y_baseline(samples, start, end, one, x=1, y=1, tz=la) == pytest.approx([30] * 4)
    assert x_of_y_baseline(samples, start, end, one, x=1, y=1) == pytest.approx([999] * 4)


def test_x_must_not_exceed_y() -> None:
    with pytest.raises(ValueError):
        x_of_y_baseline([], EVENT_START, EVENT_END, HOURS, x=5, y=4)
