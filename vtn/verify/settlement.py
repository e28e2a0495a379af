"""Settlement files: verification rows rendered as CSV or JSON in chunks, written with a detached signature."""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path

from ..wire.fields import format_datetime
from . import signing

# The columns of a settlement file, in order; a row is a dict with (some of) these keys, or a tuple in this order.
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


def _csv_number(value) -> str:
    """_csv_value of a number or None: formatting to DECIMALS places rounds as round() does, for any float that
    small (beyond, a 17-digit float may format differently after rounding: the general path then)."""
    if value is None:
        return ""
    if type(value) is float and -1e9 < value < 1e9:
        text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    value = _number(value)
    return "" if value is None else f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")


def _csv_text(value) -> str:
    """_csv_value of a string or None, without the type dispatch."""
    return "" if value is None else value if type(value) is str else _csv_value(value)


_HEAD = COLUMNS.index("clientID")  # programID .. eventEnd: the same on every row of an event
_FIGURES = COLUMNS.index("baselineKWh")  # baselineKWh .. dataQuality: the figures
_QUOTED = re.compile(r'[,"\r\n]')
_BATCH = 2000  # lines per chunk


def _field(text: str) -> str:
    """One CSV field as csv.writer writes it with QUOTE_MINIMAL (RFC 4180)."""
    return '"' + text.replace('"', '""') + '"' if _QUOTED.search(text) else text


def _as_tuple(row) -> tuple:
    """A row as a tuple in COLUMNS order (rows are dicts, or already such tuples)."""
    if type(row) is tuple:
        return row
    return tuple(row.get(column) for column in COLUMNS) if isinstance(row, Mapping) else tuple(row)


def figures_csv(figures: tuple) -> str:
    """The CSV cells of a row's figures (baselineKWh to dataQuality, in COLUMNS order), as in its line."""
    base, measured, shed, exported, peak, compliant, completeness, quality = figures
    number = _csv_number
    cells = (number(base), number(measured), number(shed), number(exported), number(peak), _csv_value(compliant),
             number(completeness), _field(_csv_text(quality)))  # fmt: skip
    return ",".join(cells)


def csv_head(head: tuple) -> str:
    """The CSV cells of an event's own columns (programID .. eventEnd), as they start each of its lines."""
    return ",".join(_field(_csv_value(value)) for value in head)


def _csv_lines(rows: Iterable) -> Iterator[str]:
    """One CSV line per row; an event's own columns formatted once."""
    event, head = None, ""
    for row in map(_as_tuple, rows):
        if row[:_HEAD] != event:
            event, head = row[:_HEAD], csv_head(row[:_HEAD])
        client, ven, resource = (_field(_csv_text(value)) for value in row[_HEAD:_FIGURES])
        yield f"{head},{client},{ven},{resource},{figures_csv(row[_FIGURES:])}\r\n"


def render_csv(rows: Iterable) -> Iterator[str]:
    """RFC 4180 CSV (CRLF line ends, quoting as needed): the header line, then the rows, in chunks of lines."""
    return render_lines(_csv_lines(rows))


def render_lines(lines: Iterable[str]) -> Iterator[str]:
    """The CSV file of lines made as render_csv makes them (vtn/verify/results.py): the header, then the lines."""
    yield ",".join(COLUMNS) + "\r\n"
    lines = iter(lines)
    while batch := list(islice(lines, _BATCH)):
        yield "".join(batch)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_value)


def render_json(rows: Iterable, meta: dict) -> Iterator[str]:
    """A JSON object {"meta": meta, "rows": [...]}, one chunk per row; keys in COLUMNS order."""
    yield '{"meta":' + _dumps(meta) + ',"rows":['
    separator = "\n"
    for row in map(_as_tuple, rows):
        yield separator + _dumps(dict(zip(COLUMNS, map(_json_value, row), strict=True)))
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
