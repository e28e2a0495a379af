"""Plain SQL per collection. Functions take an open connection (the caller's transaction) and return rows.

psycopg's integrity errors become domain errors here, so that nothing above this layer sees SQL.
"""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
from psycopg.types.json import Jsonb

from ..errors import Conflict, NotFound

# Constraint name -> what a client is told when a write breaks it.
_CONFLICTS = {
    "program_name_live": "A program with this programName already exists.",
    "ven_ven_name_key": "A ven with this venName already exists.",
    "resource_ven_id_resource_name_key": "This ven already has a resource with this resourceName.",
}


@contextmanager
def translated():
    """Turn unique and foreign-key violations into Conflict / NotFound."""
    try:
        yield
    except psycopg.errors.UniqueViolation as exc:
        name = exc.diag.constraint_name or ""
        raise Conflict(_CONFLICTS.get(name, "The object conflicts with an existing one.")) from exc
    except psycopg.errors.ForeignKeyViolation as exc:
        raise NotFound("An object this request refers to does not exist.") from exc


def jsonb(value):
    """A nested spec structure for a jsonb column (None stays NULL)."""
    return None if value is None else Jsonb(value)


def owner(caller) -> dict:
    """The parameters of the owner check `(%(sees_all)s OR client_id = %(client_id)s)`."""
    return {"sees_all": caller.sees_all, "client_id": caller.client_id}
