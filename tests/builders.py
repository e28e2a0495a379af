"""Payload builders: the smallest valid request bodies, with overrides."""

from __future__ import annotations

import itertools

_n = itertools.count(1)


def program(name: str | None = None, **overrides) -> dict:
    """A programRequest."""
    return {"programName": name or f"program-{next(_n)}", **overrides}


def event(program_id: str, **overrides) -> dict:
    """An eventRequest with one hour-long interval."""
    body = {
        "programID": program_id,
        "eventName": f"event-{next(_n)}",
        "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT1H"},
        "intervals": [{"id": 0, "payloads": [{"type": "IMPORT_CAPACITY_LIMIT", "values": [7.2]}]}],
    }
    return body | overrides


def ven_by_bl(client_id: str, name: str | None = None, targets=None, **overrides) -> dict:
    """A BlVenRequest granting ``targets`` to the VEN client ``client_id``."""
    body = {"objectType": "BL_VEN_REQUEST", "clientID": client_id, "venName": name or f"ven-{next(_n)}"}
    if targets is not None:
        body["targets"] = targets
    return body | overrides


def ven_by_ven(name: str | None = None, **overrides) -> dict:
    """A VenVenRequest."""
    return {"objectType": "VEN_VEN_REQUEST", "venName": name or f"ven-{next(_n)}", **overrides}


def resource_by_bl(ven_id: str, name: str | None = None, targets=None, **overrides) -> dict:
    """A BlResourceRequest."""
    body = {"objectType": "BL_RESOURCE_REQUEST", "venID": ven_id, "resourceName": name or f"res-{next(_n)}"}
    if targets is not None:
        body["targets"] = targets
    return body | overrides


def resource_by_ven(ven_id: str, name: str | None = None, **overrides) -> dict:
    """A VenResourceRequest."""
    return {
        "objectType": "VEN_RESOURCE_REQUEST",
        "venID": ven_id,
        "resourceName": name or f"res-{next(_n)}",
        **overrides,
    }


def report(event_id: str, client_name: str = "fleet-a", **overrides) -> dict:
    """A reportRequest with one resource and four 15-minute USAGE intervals."""
    body = {
        "eventID": event_id,
        "clientName": client_name,
        "reportName": f"report-{next(_n)}",
        "resources": [
            {
                "resourceName": "charger-1",
                "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT15M"},
                "intervals": [{"id": i, "payloads": [{"type": "USAGE", "values": [1.5 + i]}]} for i in range(4)],
            }
        ],
    }
    return body | overrides


def subscription(
    client_name: str = "fleet-a", objects=("EVENT",), operations=("CREATE", "UPDATE"), **overrides
) -> dict:
    """A subscriptionRequest with one webhook."""
    body = {
        "clientName": client_name,
        "objectOperations": [
            {"objects": list(objects), "operations": list(operations), "callbackUrl": "https://ven.example.com/cb"}
        ],
    }
    return body | overrides
