"""The MQTT topic layout (docs/notifications.md).

Every topic a client may read lies under ``{prefix}/{clientID}/``, so that the broker enforces isolation
with one static ACL pattern (``pattern read {prefix}/%u/#``, the username being the certificate's CN,
which is the clientID). Below that prefix the names follow the non-normative MQTT binding document:

    BL, all objects:        {p}/{c}/programs/create        {p}/{c}/events/update       ... /{op}
    BL, one object:         {p}/{c}/programs/{programID}/update     {p}/{c}/vens/{venID}/delete
    BL, one program's:      {p}/{c}/events/programs/{programID}/create   (and reports/, subscriptions/)
    VEN, one of its vens:   {p}/{c}/vens/{venID}/events/create   {p}/{c}/vens/{venID}/programs/update
                            {p}/{c}/vens/{venID}/resources/delete     {p}/{c}/vens/{venID}/update
"""

from __future__ import annotations

OPERATIONS = ("CREATE", "UPDATE", "DELETE")
COLLECTIONS = {
    "PROGRAM": "programs",
    "EVENT": "events",
    "REPORT": "reports",
    "SUBSCRIPTION": "subscriptions",
    "VEN": "vens",
    "RESOURCE": "resources",
}


def topic_set(base: str, with_create: bool = True) -> dict:
    """The notifierOperationsTopics object for a topic base: one topic per operation, and ALL."""
    topics = {op: f"{base}/{op.lower()}" for op in OPERATIONS if with_create or op != "CREATE"}
    topics["ALL"] = f"{base}/+"
    return topics


def client_root(prefix: str, client_id: str) -> str:
    """The part of the tree a client may read."""
    return f"{prefix}/{client_id}" if prefix else client_id


def all_objects(prefix: str, client_id: str, object_type: str) -> str:
    """BL: every object of a type."""
    return f"{client_root(prefix, client_id)}/{COLLECTIONS[object_type]}"


def one_object(prefix: str, client_id: str, object_type: str, object_id: str) -> str:
    """BL: one program or ven."""
    return f"{all_objects(prefix, client_id, object_type)}/{object_id}"


def of_program(prefix: str, client_id: str, object_type: str, program_id: str) -> str:
    """BL: the events (reports, subscriptions) of one program."""
    return f"{all_objects(prefix, client_id, object_type)}/programs/{program_id}"


def of_ven(prefix: str, client_id: str, ven_id: str, object_type: str | None = None) -> str:
    """A VEN: its ven object (object_type None), or the programs/events/resources it may read."""
    base = f"{client_root(prefix, client_id)}/vens/{ven_id}"
    return base if object_type is None else f"{base}/{COLLECTIONS[object_type]}"
