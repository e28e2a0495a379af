"""Plain SQL per collection. Functions take an open connection (the caller's transaction) and return rows.

psycopg's integrity errors become domain errors here, so that nothing above this layer sees SQL.
"""

from __future__ import annotations

from contextlib import contextmanager

import psycopg

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
