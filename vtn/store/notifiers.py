"""MQTT notifier bookkeeping: who asked for MQTT notifications, and the checks of the topic endpoints."""

from __future__ import annotations


def register_mqtt_client(conn, client_id: str, sees_all: bool) -> None:
    """Record (or refresh) a client that gets MQTT notifications; fan-out publishes to its topics."""
    conn.execute(
        """INSERT INTO mqtt_client (client_id, sees_all) VALUES (%(id)s, %(sees_all)s)
           ON CONFLICT (client_id) DO UPDATE SET sees_all = EXCLUDED.sees_all""",
        {"id": client_id, "sees_all": sees_all},
    )


def program_exists(conn, program_id: str) -> bool:
    """True when a live (not deleted) program has this id."""
    row = conn.execute("SELECT 1 FROM program WHERE id = %(id)s AND deleted IS NULL", {"id": program_id}).fetchone()
    return row is not None


def ven_visible(conn, caller, ven_id: str) -> bool:
    """True when the ven exists and the caller may read it (BL: any; a VEN: only its own)."""
    row = conn.execute(
        "SELECT 1 FROM ven WHERE id = %(id)s AND (%(sees_all)s OR client_id = %(client_id)s)",
        {"id": ven_id, "sees_all": caller.sees_all, "client_id": caller.client_id},
    ).fetchone()
    return row is not None
