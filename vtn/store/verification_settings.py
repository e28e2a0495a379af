"""A program's verification settings (migration 005)."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from .. import audit
from ..errors import NotFound
from ..wire.verification import DEFAULTS


def get_settings(conn, program_id: str) -> dict:
    """The settings of a live program (defaults where none were set); NotFound otherwise."""
    row = conn.execute(
        """SELECT p.id, v.settings FROM program p LEFT JOIN program_verification v ON v.program_id = p.id
           WHERE p.id = %(id)s AND p.deleted IS NULL""",
        {"id": program_id},
    ).fetchone()
    if row is None:
        raise NotFound(f"No program {program_id}.")
    return DEFAULTS | (row["settings"] or {})


def put_settings(conn, program_id: str, settings: dict) -> dict:
    """Replace a live program's settings; returns them with defaults filled in."""
    get_settings(conn, program_id)
    audit.append(conn, "PROGRAM_VERIFICATION", program_id, "UPDATE", settings)
    conn.execute(
        """INSERT INTO program_verification (program_id, settings) VALUES (%(id)s, %(settings)s)
           ON CONFLICT (program_id) DO UPDATE SET settings = EXCLUDED.settings, modified = now()
           RETURNING program_id""",
        {"id": program_id, "settings": Jsonb(settings)},
    )
    return DEFAULTS | settings
