"""3.0.1-only compositions of the 3.1.0 storage functions, each run in the caller's one transaction.

3.0.1 nests a ven's resources in the ven and reaches resources below /vens/{venID}; reports name their program.
Everything goes through the 3.1.0 functions, so privacy, audit and notifications are theirs (docs/versions.md).
"""

from __future__ import annotations

import json

from ..errors import BadRequest, NotFound
from . import events, reports, resources, vens

_RESOURCES = """
SELECT r.id, r.created, r.modified, r.ven_id, r.resource_name, r.attributes, r.targets, r.v301
FROM resource r
WHERE r.ven_id = ANY(%(ven_ids)s)
ORDER BY r.seq"""


def with_resources(conn, rows: list[dict]) -> list[dict]:
    """The ven rows, each with ``resources``: its resource rows in creation order (one query)."""
    found: dict[str, list[dict]] = {row["id"]: [] for row in rows}
    if found:
        for resource in conn.execute(_RESOURCES, {"ven_ids": list(found)}).fetchall():
            found[resource["ven_id"]].append(resource)
    return [row | {"resources": found[row["id"]]} for row in rows]


def list_vens(conn, caller, **filters) -> list[dict]:
    """The vens the caller may read, with their resources."""
    return with_resources(conn, vens.list_vens(conn, caller, **filters))


def get_ven(conn, caller, ven_id: str) -> dict:
    """One ven the caller may read, with its resources; NotFound otherwise."""
    return with_resources(conn, [vens.get_ven(conn, caller, ven_id)])[0]


def create_ven(conn, caller, ven: dict) -> dict:
    """Insert a ven and its nested resources; BL's ven without clientID belongs to BL's own client."""
    nested = ven.pop("resources") or []
    if caller.sees_all and ven.get("client_id") is None:
        ven["client_id"] = caller.client_id
    row = vens.create_ven(conn, caller, ven)
    for resource in nested:
        resources.create_resource(conn, caller, resource | {"ven_id": row["id"]})
    return get_ven(conn, caller, row["id"])


def replace_ven(conn, caller, ven_id: str, ven: dict) -> dict:
    """Replace a ven; a resources array syncs its resources by resourceName (unlisted ones are deleted)."""
    nested = ven.pop("resources")
    stored = vens.get_ven(conn, caller, ven_id)
    if caller.sees_all and ven.get("client_id") is None:  # 3.0.1 cannot name the owner: keep it
        ven["client_id"] = stored["client_id"]
    vens.update_ven(conn, caller, ven_id, ven)
    if nested is not None:
        _sync(conn, caller, ven_id, nested)
    return get_ven(conn, caller, ven_id)


def _sync(conn, caller, ven_id: str, nested: list[dict]) -> None:
    current = {row["resource_name"]: row["id"] for row in with_resources(conn, [{"id": ven_id}])[0]["resources"]}
    listed = {resource["resource_name"] for resource in nested}
    for name, resource_id in current.items():
        if name not in listed:
            resources.delete_resource(conn, caller, resource_id)
    for resource in nested:
        resource = resource | {"ven_id": ven_id}
        if resource["resource_name"] in current:
            resources.update_resource(conn, caller, current[resource["resource_name"]], resource)
        else:
            resources.create_resource(conn, caller, resource)


def delete_ven(conn, caller, ven_id: str) -> dict:
    """Delete a ven and its resources; returns the ven as it was, with them."""
    row = get_ven(conn, caller, ven_id)
    vens.delete_ven(conn, caller, ven_id)
    return row


def list_ven_resources(conn, caller, ven_id: str, **filters) -> list[dict]:
    """The resources of a ven the caller may read; NotFound when it may not read the ven."""
    vens.get_ven(conn, caller, ven_id)
    return resources.list_resources(conn, caller, ven_id=ven_id, **filters)


def get_ven_resource(conn, caller, ven_id: str, resource_id: str) -> dict:
    """One resource of that ven; NotFound for a resource of another ven or a ven the caller may not read."""
    vens.get_ven(conn, caller, ven_id)
    row = resources.get_resource(conn, caller, resource_id)
    if row["ven_id"] != ven_id:
        raise NotFound(f"No resource {resource_id} of ven {ven_id}.")
    return row


def create_ven_resource(conn, caller, ven_id: str, resource: dict) -> dict:
    """Insert a resource of the path's ven (a body venID is ignored: 3.0.1 provisions it from the path)."""
    return resources.create_resource(conn, caller, resource | {"ven_id": ven_id})


def replace_ven_resource(conn, caller, ven_id: str, resource_id: str, resource: dict) -> dict:
    """Replace a resource of the path's ven."""
    get_ven_resource(conn, caller, ven_id, resource_id)
    return resources.update_resource(conn, caller, resource_id, resource | {"ven_id": ven_id})


def delete_ven_resource(conn, caller, ven_id: str, resource_id: str) -> dict:
    """Delete a resource of the path's ven."""
    get_ven_resource(conn, caller, ven_id, resource_id)
    return resources.delete_resource(conn, caller, resource_id)


def _program_checked(conn, caller, report: dict) -> dict:
    """The report without programID, which must name its event's program (3.0.1 requires it)."""
    report = dict(report)
    program_id = report.pop("program_id")
    event = events.get_event(conn, caller, report["event_id"])
    if event["program_id"] != program_id:
        raise BadRequest(f"programID {program_id} does not match the program of event {event['id']}.")
    return report


def create_report(conn, caller, report: dict) -> dict:
    """Insert a 3.0.1 report; returns its row."""
    text = reports.create_report(conn, caller, _program_checked(conn, caller, report))
    return reports.get_report(conn, caller, _id_of(text))


def replace_report(conn, caller, report_id: str, report: dict) -> dict:
    """Replace one of the caller's reports with a 3.0.1 report; returns its row."""
    reports.get_report(conn, caller, report_id)  # someone else's report is a 404 before any 400 about it
    checked = _program_checked(conn, caller, report)
    reports.update_report(conn, caller, report_id, checked)
    return reports.get_report(conn, caller, report_id)


def delete_report(conn, caller, report_id: str) -> dict:
    """Delete one of the caller's reports; returns its row as it was."""
    row = reports.get_report(conn, caller, report_id)
    reports.delete_report(conn, caller, report_id)
    return row


def _id_of(text: str) -> str:
    # The store's JSON starts with the id (wire_json.object_sql): no need to parse a report of thousands of intervals.
    return json.JSONDecoder().raw_decode(text[text.index(":") + 1 :].lstrip())[0]
