"""The figures of a verification, from each resource's per-slot baseline and measured kW: shed, energy, export
(V2G), compliance and completeness per resource, summed per VEN and for the event (docs/verification.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from operator import mul

from ..store.readings import interval_spans
from . import baselines

DETAILS = ("slots", "resources", "vens")  # how much of the answer to give: everything, no resource slots, no resources
_LIMITS = ("IMPORT_CAPACITY_LIMIT", "EXPORT_CAPACITY_LIMIT")
# A V2G event asks for export: the private string EXPORT_CAPACITY (the request this VTN's programs use) or the
# enumerated EXPORT_CAPACITY_RESERVATION; compliance is exported power at least the requested kW.
_EXPORT_REQUESTS = ("EXPORT_CAPACITY", "EXPORT_CAPACITY_RESERVATION")


class Frame:
    """What every resource of one event shares: its slots, their hours, and the limits the event set in each."""

    def __init__(self, event: dict, settings: dict):
        self.slots = baselines.slots(event["starts"], event["ends"], timedelta(minutes=settings["slotMinutes"]))
        self.hours = [(end - start).total_seconds() / 3600 for start, end in self.slots]
        self.limits = _limits(event, self.slots)
        self.limited = any(value is not None for limit in self.limits for value in limit)
        self.nothing = [None] * len(self.slots)


@dataclass
class Verified:
    """An event's verification before its figures: per VEN, each resource's per-slot baseline and measured kW."""

    event: dict
    settings: dict
    frame: Frame
    vens: list[tuple[dict, list[tuple[str, list, list]]]]  # ({client_id, ven_name}, [(resource, baseline, measured)])


def present(verified: Verified, detail: str = "slots") -> dict:
    """The answer: per VEN (with its resources, and their slots, as ``detail`` asks) and in total."""
    event, frame = verified.event, verified.frame
    parts = [_ven(ven, resources, frame, detail) for ven, resources in verified.vens]
    totals, _ = _totals(parts, frame)
    return {
        "eventID": event["id"],
        "programID": event["program_id"],
        "eventName": event["event_name"],
        "eventStart": event["starts"],
        "eventEnd": event["ends"],
        "settings": verified.settings,
        **totals,
        "vens": [part for part, _ in parts],
    }


def trimmed(answer: dict, detail: str) -> dict:
    """An answer presented with detail resources or slots, cut to ``detail`` (as present would give it)."""
    if detail != "vens":
        return answer
    return {
        **answer,
        "vens": [{key: value for key, value in ven.items() if key != "resources"} for ven in answer["vens"]],
    }


def _ven(ven: dict, resources: list, frame: Frame, detail: str) -> tuple[dict, list]:
    parts = []
    for name, baseline, measured in resources:
        figures, shed = _figures(baseline, measured, frame, detail)
        parts.append(({"resourceName": name, **figures}, shed))
    totals, shed = _totals(_counted(parts), frame)
    part = {"clientID": ven["client_id"], "venName": ven["ven_name"], **totals}
    if detail != "vens":
        part["resources"] = [resource for resource, _ in parts]
    return part, shed


def _figures(baseline: list, measured: list, frame: Frame, detail: str) -> tuple[dict, list]:
    """Totals over the slots that have both a baseline and a measurement (per slot detail if asked), and the shed."""
    hours = frame.hours
    shed = [None if b is None or m is None else b - m for b, m in zip(baseline, measured, strict=True)]
    if None in shed:  # the sums below in the order and with the operations of the slot-by-slot rule
        both = [n for n, value in enumerate(shed) if value is not None]
        known = [n for n, value in enumerate(measured) if value is not None]
        sums = [sum(values[n] * hours[n] for n in both) if both else None for values in (baseline, measured, shed)]
        exported = sum(max(0.0, -measured[n]) * hours[n] for n in known) if known else None
        completeness = len(both) / len(shed)
    else:  # every slot has both: the same sums over all of them
        sums = [sum(map(mul, values, hours)) if shed else None for values in (baseline, measured, shed)]
        exported = sum(max(0.0, -kw) * h for kw, h in zip(measured, hours, strict=True)) if shed else None
        completeness = 1.0 if shed else 0.0
    figures = {
        "baselineKWh": sums[0],
        "measuredKWh": sums[1],
        "shedKWh": sums[2],
        "exportedKWh": exported,
        "maxShedKW": max((value for value in shed if value is not None), default=None),
        "compliant": _compliant(measured, frame) if frame.limited else None,
        "completeness": completeness,
        "dataQuality": quality(completeness),
    }
    if detail == "slots":
        figures["slots"] = _slot_rows(baseline, measured, shed, frame)
    return figures, shed


def _slot_rows(baseline: list, measured: list, shed: list, frame: Frame) -> list[dict]:
    rows = zip(frame.slots, baseline, measured, shed, frame.limits, strict=True)
    return [
        {"start": start, "end": end, "baselineKW": b, "measuredKW": m, "shedKW": s, "importLimitKW": imp,
         "exportLimitKW": exp, "exportRequestKW": req}
        for (start, end), b, m, s, (imp, exp, req) in rows
    ]  # fmt: skip


def _compliant(measured: list, frame: Frame) -> bool | None:
    """True when every measured slot kept to what the event asked; None when no slot had both."""
    checked = []
    for kw, (imp, exp, req) in zip(measured, frame.limits, strict=True):
        if kw is None:
            continue
        if imp is not None:
            checked.append(kw <= imp + 1e-9)
        if exp is not None:
            checked.append(-kw <= exp + 1e-9)
        if req is not None:
            checked.append(-kw >= req - 1e-9)
    return all(checked) if checked else None


def _limits(event: dict, slots: list) -> list[tuple]:
    """Per slot, the import limit, export limit and export request the event set (kW), each None if unset."""
    spans = interval_spans(event["intervals"] or [], event["interval_period"] or {})
    found = []
    for start, end in slots:
        limit = {kind: None for kind in (*_LIMITS, *_EXPORT_REQUESTS)}
        for (s, e), interval in spans:
            if s is not None and s <= start and (e is None or end <= e):
                for payload in interval["payloads"]:
                    if payload["type"] in limit and payload["values"]:
                        limit[payload["type"]] = float(payload["values"][0])
        request = next((limit[k] for k in _EXPORT_REQUESTS if limit[k] is not None), None)
        found.append((limit["IMPORT_CAPACITY_LIMIT"], limit["EXPORT_CAPACITY_LIMIT"], request))
    return found


def _counted(parts: list) -> list:
    # A VEN that reports individual resources and an AGGREGATED_REPORT would count twice: sum the individual ones.
    individual = [part for part in parts if part[0]["resourceName"] != "AGGREGATED_REPORT"]
    return individual or parts


def _totals(parts: list, frame: Frame) -> tuple[dict, list]:
    """Summed figures of (figures, shed) parts, and their per-slot shed: None in a slot any part lacks."""

    def total(key):
        values = [part[key] for part, _ in parts if part[key] is not None]
        return sum(values) if values else None

    summed = [_slot_sum(shed[n] for _, shed in parts) for n in range(len(frame.slots))]
    complete = [part["completeness"] for part, _ in parts]
    totals = {
        "baselineKWh": total("baselineKWh"),
        "measuredKWh": total("measuredKWh"),
        "shedKWh": total("shedKWh"),
        "exportedKWh": total("exportedKWh"),
        "maxShedKW": max((s for s in summed if s is not None), default=None),
        "slots": [
            {"start": start, "end": end, "shedKW": s} for (start, end), s in zip(frame.slots, summed, strict=True)
        ],
        "compliant": None
        if all(part["compliant"] is None for part, _ in parts)
        else all(part["compliant"] is not False for part, _ in parts),
        "completeness": min(complete) if complete else 0.0,
    }
    return totals, summed


def _slot_sum(values) -> float | None:
    """The sum of the parts' values for one slot; None if any part lacks it (or there is none)."""
    values = list(values)
    return None if not values or any(v is None for v in values) else sum(values)


def quality(completeness: float) -> str:
    """COMPLETE, INCOMPLETE or MISSING: the data quality of a share of complete slots."""
    return "COMPLETE" if completeness >= 1 else ("MISSING" if completeness == 0 else "INCOMPLETE")
