"""What contract fuzzing needs to know about each OpenADR document the VTN serves (3.1.0 and 3.0.1).

Used by tests/contract_fuzz.py; see docs/contract-fuzzing.md. Each document is loaded from schemas/ and changed
in memory only, with the patches its test module (tests/openapi.py, tests/openapi301.py) applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import yaml

from vtn.auth.scopes import READ_ALL, ROLE_SCOPES

from . import openapi, openapi301

# collection -> (path parameter, create, read, update, delete operationIds); the same in both documents.
COLLECTIONS = {
    "programs": ("programID", "createProgram", "searchProgramByProgramId", "updateProgram", "deleteProgram"),
    "events": ("eventID", "createEvent", "searchEventsByID", "updateEvent", "deleteEvent"),
    "reports": ("reportID", "createReport", "searchReportsByReportID", "updateReport", "deleteReport"),
    "subscriptions": (
        "subscriptionID",
        "createSubscription",
        "searchSubscriptionByID",
        "updateSubscription",
        "deleteSubscription",
    ),
    "vens": ("venID", "createVen", "searchVenByID", "updateVen", "deleteVen"),
    "resources": ("resourceID", "createResource", "searchVenResourceByID", "updateVenResource", "deleteVenResource"),
}
# What a create or update in a stateful scenario takes from objects made earlier in it: member -> (collection,
# member of that object), put into the body and into a path parameter of that name. An event belongs to a
# program, a report to a program and an event, a resource to a ven (in 3.0.1 also by its path).
REFERENCES = {
    "events": {"programID": ("programs", "id")},
    "reports": {"programID": ("events", "programID"), "eventID": ("events", "id")},
    "subscriptions": {"programID": ("programs", "id")},
    "resources": {"venID": ("vens", "id")},
}


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: examples such as 2023-06-15T09:30:00Z stay strings (JSON values)."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _roles_with(scope: str) -> tuple[str, ...]:
    return tuple(role for role in ("bl", "ven") if scope in ROLE_SCOPES[role])


@dataclass(frozen=True)
class Contract:
    """One OpenADR document: where the VTN serves it, its patches, and how its scopes map to our roles."""

    version: str
    module: ModuleType  # tests/openapi.py or tests/openapi301.py: SCHEMA, _patch, and the problem schema
    scope_roles: dict  # scope -> the roles (bl, ven) whose tokens satisfy it, where not read from ROLE_SCOPES
    operations: int  # how many operations the document has

    @property
    def path(self) -> str:
        """The VTN's base path of this version."""
        return f"/openadr3/{self.version}"

    def document(self) -> dict:
        """The official YAML with its in-memory patches."""
        return self.module._patch(yaml.load(self.module.SCHEMA.read_text(), Loader=_Loader))  # noqa: S506

    def problem_validator(self):
        """A validator for the document's problem schema alone."""
        return self.module.DOCUMENT.schema_validator("problem")

    def roles(self, scope: str) -> tuple[str, ...]:
        """The roles whose tokens satisfy ``scope`` on this VTN."""
        return self.scope_roles.get(scope) or _roles_with(scope)


CONTRACTS = {
    # read_bl is not a defined scope; the VTN reads it as read_all (docs/spec-choices.md, defect #12).
    "3.1.0": Contract("3.1.0", openapi, {"read_bl": _roles_with(READ_ALL)}, 45),
    # Every 3.0.1 read declares read_all; on this VTN a VEN token's read scopes satisfy it (docs/versions.md).
    "3.0.1": Contract("3.0.1", openapi301, {READ_ALL: ("bl", "ven")}, 31),
}
