"""Settlement files: verification rows rendered as CSV or JSON in chunks, written with a detached signature."""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from ..wire.fields import format_datetime
from . import signing

# The columns of a settlement file, in order; every row is a dict with (some of) these keys.
COLUMNS = (
    "programID",
    "eventID",
    "eventName",
    "eventStart",
    "eventEnd",
    "clientID",
    "venName",
    "resourceName",  # empty (None) on per-VEN rows
    "baselineKWh",
    "measuredKWh",
    "shedKWh",
    "exportedKWh",
    "maxShedKW",
    "compliant",  # True, False or None (not decided)
    "completeness",  # 0..1: share of the event's intervals that had readings
    "dataQuality",
)
DECIMALS = 6


def _number(value: float | Decimal) -> float | None:
    """A number rounded to DECIMALS places; None for NaN and infinities (they have no JSON form)."""
    value = float(value)
    if not math.isfinite(value):
        return None
    value = round(value, DECIMALS)
    return 0.0 if value == 0 else value  # no "-0"


def _json_value(value):
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, (float, Decimal)):
        return _number(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


def _csv_value(value) -> str:
    value = _json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return str(value)


def _ordered(row: dict) -> dict:
    return {column: _json_value(row.get(column)) for column in COLUMNS}


def render_csv(rows: Iterable[dict]) -> Iterator[str]:
    """RFC 4180 CSV (CRLF line ends, quoting as needed): the header line, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def line(values) -> str:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(COLUMNS)
    for row in rows:
        yield line(_csv_value(row.get(column)) for column in COLUMNS)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_value)


def render_json(rows: Iterable[dict], meta: dict) -> Iterator[str]:
    """A JSON object {"meta": meta, "rows": [...]}, one chunk per row; keys in COLUMNS order."""
    yield '{"meta":' + _dumps(meta) + ',"rows":['
    separator = "\n"
    for row in rows:
        yield separator + _dumps(_ordered(row))
        separator = ",\n"
    yield "\n]}\n"


def write_signed(conn, path: str | os.PathLike, chunks: Iterable[str]) -> tuple[str, str]:
    """Write ``chunks`` (UTF-8) to ``path``, then its detached Ed25519 signature to ``path + ".sig"``.

    The file appears under its name only once complete; the signature covers its exact bytes (read back,
    since Ed25519 signs the whole message). Returns (kid, signature path).
    """
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as out:
            for chunk in chunks:
                out.write(chunk.encode("utf-8"))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    kid, signature = signing.sign(conn, path.read_bytes())
    sig_path = path.with_name(path.name + ".sig")
    sig_path.write_bytes(signature)
    return kid, str(sig_path)
