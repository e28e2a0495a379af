"""Typed 3.0.1 targets ({type, values} maps) as 3.1.0 target strings, and back (docs/versions.md, "Targets").

3.1.0 made targets plain strings (changeLog 316); both versions share one store, so a 3.0.1 map is kept as
strings: a GROUP value as itself, any other type as ``TYPE:value``. Matching stays type-exact (a grant of
``SERVICE_AREA:1`` never unlocks an event targeted at GROUP ``1``), and a 3.1.0 ``"fleet-a"`` is the same target
as a 3.0.1 ``{"type": "GROUP", "values": ["fleet-a"]}``, so one BL can target fleets on either version.
"""

from __future__ import annotations

import json
import re

from ...errors import BadRequest

DEFAULT_TYPE = "GROUP"
_PREFIXED = re.compile(r"^([A-Z][A-Z0-9_]*):(.*)$", re.DOTALL)
MAX_LENGTH = 128  # a 3.1.0 target string


def encode(target_type: str, value) -> str:
    """One 3.0.1 (type, value) as a 3.1.0 target string."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)
    plain = target_type == DEFAULT_TYPE and not _PREFIXED.match(text)
    encoded = text if plain else f"{target_type}:{text}"
    if not 1 <= len(encoded) <= MAX_LENGTH:
        raise BadRequest(f"The target {target_type} {text!r} is longer than this VTN can store ({MAX_LENGTH}).")
    return encoded


def decode(target: str) -> tuple[str, str]:
    """A 3.1.0 target string as a 3.0.1 (type, value)."""
    found = _PREFIXED.match(target)
    return (found.group(1), found.group(2)) if found else (DEFAULT_TYPE, target)


def to_strings(typed: list[dict] | None) -> list[str]:
    """3.0.1 target maps as 3.1.0 target strings, in order, without repeats."""
    strings: dict[str, None] = {}
    for entry in typed or ():
        for value in entry["values"]:
            strings[encode(entry["type"], value)] = None
    return list(strings)


def to_typed(strings: list[str] | None) -> list[dict]:
    """3.1.0 target strings as 3.0.1 maps: one per type, in order of first appearance."""
    maps: dict[str, list] = {}
    for target in strings or ():
        target_type, value = decode(target)
        maps.setdefault(target_type, []).append(value)
    return [{"type": t, "values": values} for t, values in maps.items()]


def exact_form(typed: list[dict] | None) -> list[dict] | None:
    """The maps as sent when to_typed(to_strings(...)) would not give them back; None when it would."""
    if typed is None:
        return None
    return None if to_typed(to_strings(typed)) == typed else typed


def view(strings: list[str] | None, exact: list[dict] | None) -> list[dict] | None:
    """The 3.0.1 targets of a stored object: its exact form restricted to ``strings`` if it still matches them."""
    if strings is None:
        return None
    if exact is not None:
        shown = set(strings)
        kept = [{"type": e["type"], "values": [v for v in e["values"] if encode(e["type"], v) in shown]} for e in exact]
        kept = [k for k, e in zip(kept, exact, strict=True) if k["values"] or not e["values"]]  # drop only the hidden
        if to_strings(kept) == list(strings):
            return kept
    return to_typed(strings)


def query(target_type: str | None, target_values: list[str] | None) -> list[str] | None:
    """3.0.1 ``targetType`` and ``targetValues`` as the 3.1.0 ``targets`` filter (GROUP when no type is given)."""
    if not target_values:
        return None
    return [encode(target_type or DEFAULT_TYPE, value) for value in target_values]
