"""A 3.1.0 notification as the 3.0.1 one (docs/versions.md, "Notifications").

Fan-out writes every webhook delivery in 3.1.0 form (one set-based INSERT, notify/fanout.py); the sender turns
those bound for a subscription written through 3.0.1 into 3.0.1 just before the POST (notify/dispatch.py):
operation POST/PUT/DELETE for CREATE/UPDATE/DELETE (changeLog 209) and the object in its 3.0.1 shape. The
object is the one fan-out made for this reader, with the targets a VEN may not see already hidden.
"""

from __future__ import annotations

import json

from . import targets as codec
from .common import period
from .programs import members
from .subscriptions import as_verbs

OPERATIONS = {"CREATE": "POST", "UPDATE": "PUT", "DELETE": "DELETE", "READ": "GET"}
# 3.1.0 members 3.0.1 does not have, per object type (3.0.1 has no clientID anywhere).
_DROPPED = {
    "PROGRAM": ("clientID", "attributes"),
    "EVENT": ("clientID", "duration"),
    "REPORT": ("clientID",),
    "SUBSCRIPTION": ("clientID",),
    "VEN": ("clientID",),
    "RESOURCE": ("clientID",),
}


def to_v301(notification: dict, program_id: str | None = None) -> dict:
    """The 3.0.1 notification for a 3.1.0 one; ``program_id`` is a report's program (3.1.0 reports lack it)."""
    kind = notification["objectType"]
    operation = notification["operation"]
    return {
        "objectType": kind,
        "operation": OPERATIONS.get(operation, operation),
        "object": to_v301_object(kind, notification["object"], program_id),
    }


def to_v301_text(body: str, program_id: str | None = None) -> str:
    """to_v301() on JSON text."""
    return json.dumps(to_v301(json.loads(body), program_id), separators=(",", ":"))


def to_v301_object(kind: str, obj: dict, program_id: str | None = None) -> dict:
    """One 3.1.0 object (as a notification carries it) in its 3.0.1 shape."""
    out = {key: value for key, value in obj.items() if value is not None and key not in _DROPPED.get(kind, ())}
    if "targets" in out:
        out["targets"] = codec.to_typed(out["targets"])
    if "intervalPeriod" in out:
        out["intervalPeriod"] = period(out["intervalPeriod"])
    if kind == "PROGRAM":
        out |= members(obj.get("attributes"))
    elif kind == "EVENT":
        _event(out)
    elif kind == "REPORT":
        out.setdefault("programID", program_id)
        out["resources"] = [_with_periods(resource) for resource in out.get("resources") or ()]
        if out["programID"] is None:
            del out["programID"]
    elif kind == "SUBSCRIPTION":
        out["objectOperations"] = [
            op | {"operations": as_verbs(op["operations"])} for op in out.get("objectOperations") or ()
        ]
    return out


def _event(out: dict) -> None:
    """3.0.1 requires intervals; its reportDescriptors have typed targets and no reportIntervals."""
    out["intervals"] = [_with_periods(interval) for interval in out.get("intervals") or ()]
    if "reportDescriptors" in out:
        out["reportDescriptors"] = [_descriptor(d) for d in out["reportDescriptors"]]


def _descriptor(descriptor: dict) -> dict:
    shaped = {key: value for key, value in descriptor.items() if key != "reportIntervals"}
    if shaped.get("targets") is not None:
        shaped["targets"] = codec.to_typed(shaped["targets"])
    return shaped


def _with_periods(item: dict) -> dict:
    """An interval (or a report's resource) whose intervalPeriods have 3.0.1's required start."""
    shaped = dict(item)
    if shaped.get("intervalPeriod") is not None:
        shaped["intervalPeriod"] = period(shaped["intervalPeriod"])
    if "intervals" in shaped:
        shaped["intervals"] = [_with_periods(interval) for interval in shaped["intervals"] or ()]
    return shaped
