"""Structures shared by the 3.0.1 objects: typed targets, the report descriptor, and the `v301` side column.

A 3.0.1 request schema loads into the dict the 3.1.0 store functions take, with ``targets`` as 3.1.0 strings,
plus ``v301``: what the strings cannot hold exactly (014_v301.sql). A 3.0.1 response schema reads targets back
through targets.view(), which prefers that exact form while it still agrees with the stored strings.
"""

from __future__ import annotations

from marshmallow import fields

from ..common import ReportDescriptor as ReportDescriptor310
from ..common import ValuesMap, listed
from ..fields import NOW_CANONICAL
from . import targets as codec

# User Guide 7.3 (3.1.0): 0001-01-01 means 'now'; 3.0.1 requires a start, so a stored period without one shows it.
START_UNSET = NOW_CANONICAL
DURATION_UNSET = "PT0S"  # 3.0.1's documented default; ElaadNL's 3.0.1 client requires the member


def typed_targets(**kwargs) -> fields.List:
    """A nullable list of 3.0.1 target maps ({type, values})."""
    return listed(ValuesMap, **kwargs)


class ReportDescriptor(ReportDescriptor310):
    """3.0.1 reportDescriptor: targets are maps (3.1.0's reportIntervals does not exist yet, and is ignored)."""

    class Meta(ReportDescriptor310.Meta):
        exclude = ("reportIntervals",)

    targets = typed_targets()


def stored_targets(typed: list[dict] | None) -> tuple[list[str] | None, list[dict] | None]:
    """(3.1.0 target strings, exact 3.0.1 form or None) of the maps a 3.0.1 client sent."""
    if typed is None:
        return None, None
    return codec.to_strings(typed), codec.exact_form(typed)


def side_column(**exact) -> dict | None:
    """The `v301` column's value: the exact forms that differ from what the 3.1.0 columns give back (else None)."""
    kept = {key: value for key, value in exact.items() if value is not None}
    return kept or None


def shown_targets(strings: list[str] | None, v301: dict | None, key: str = "targets") -> list[dict] | None:
    """The 3.0.1 targets of a stored object (``strings`` as the caller may see them)."""
    return codec.view(strings, (v301 or {}).get(key))


def period(stored: dict | None) -> dict | None:
    """A stored intervalPeriod as 3.0.1 (and ElaadNL's 3.0.1 client) require it: with a start and a duration."""
    if stored is None:
        return None
    return {"start": START_UNSET, "duration": DURATION_UNSET} | stored
