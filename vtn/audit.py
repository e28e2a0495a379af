"""The hash-chained audit trail: who wrote what, when, under which request, and a digest of what was stored.

Each row's hash is sha256 over the previous row's hash and the row's own fields (``chain_text``), so an edit
or a deletion anywhere in the history breaks every later link. Appends are serialised by an advisory lock
held to the end of the writing transaction, which keeps the chain a single line in commit order.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

import orjson

from .wire.fields import format_datetime

GENESIS = "0" * 64
# Numbers whose spelling differs between orjson and the standard library: any exponent, and 0.0000... (Python
# switches to an exponent below 1e-4), each just after ':', '[' or ','. A match inside a string only costs the
# slow path.
_SPELLED_APART = re.compile(rb"[:\[,]-?(?:[0-9]+(?:\.[0-9]+)?[eE]|0\.0000)")
_LONG_DIGITS = re.compile(r"[0-9]{19}")  # orjson turns integers beyond 64 bits into floats
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('vtn.audit'))"
_ACTOR = """SELECT current_setting('vtn.client_id', true) AS client_id, current_setting('vtn.role', true) AS role,
                   current_setting('vtn.request_id', true) AS request_id"""
_LAST = "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1"
_INSERT = """INSERT INTO audit (at, client_id, role, request_id, object_type, object_id, operation, digest,
                                prev_hash, hash)
             VALUES (%(at)s, %(client_id)s, %(role)s, %(request_id)s, %(object_type)s, %(object_id)s,
                     %(operation)s, %(digest)s, %(prev_hash)s, %(hash)s)"""
_FIELDS = ("at", "client_id", "role", "request_id", "object_type", "object_id", "operation", "digest")


def set_actor(conn, client_id: str, role: str, request_id: str) -> None:
    """Name, for this transaction, who is writing (read back by append())."""
    conn.execute(
        "SELECT set_config('vtn.client_id', %s, true), set_config('vtn.role', %s, true),"
        " set_config('vtn.request_id', %s, true)",
        (client_id, role, request_id),
    )


def digest(document: dict) -> str:
    """sha256 of a document's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(canonical(document)).hexdigest()


def canonical(document) -> bytes:
    """``json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` as UTF-8.

    orjson writes the same bytes several times faster, except for floats the two libraries spell differently
    (exponents, and Python's exponent below 1e-4): where its output holds such a number, the standard library
    writes it. tests/test_audit.py compares both on random documents.
    """
    try:
        fast = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):  # integers beyond 64 bits, non-string keys
        fast = None
    if fast is not None and _SPELLED_APART.search(fast) is None:
        return fast
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse(text: str):
    """The document a JSON text holds, as ``json.loads`` gives it (orjson, unless integers may exceed 64 bits)."""
    return json.loads(text) if _LONG_DIGITS.search(text) else orjson.loads(text)


def chain_text(prev_hash: str, row: dict) -> str:
    """What a row's hash covers: the previous hash, then each field, '|'-separated (timestamps in RFC 3339)."""
    values = [format_datetime(row["at"]) if isinstance(row["at"], datetime) else row["at"]]
    values += [str(row[name]) for name in _FIELDS[1:]]
    return "|".join([prev_hash, *values])


def link(prev_hash: str, row: dict) -> str:
    """A row's hash."""
    return hashlib.sha256(chain_text(prev_hash, row).encode("utf-8")).hexdigest()


def append(conn, object_type: str, object_id: str, operation: str, document: dict) -> None:
    """Append one audit row for a write in this transaction."""
    conn.execute(_LOCK)
    actor = conn.execute(_ACTOR).fetchone()
    last = conn.execute(_LAST).fetchone()
    row = {
        "at": datetime.now(UTC),
        "client_id": actor["client_id"] or "system",
        "role": actor["role"] or "system",
        "request_id": actor["request_id"] or "-",
        "object_type": object_type,
        "object_id": object_id,
        "operation": operation,
        "digest": digest(document),
    }
    row["prev_hash"] = last["hash"] if last else GENESIS
    row["hash"] = link(row["prev_hash"], row)
    conn.execute(_INSERT, row)


def verify(conn, batch: int = 10_000) -> tuple[int, int | None]:
    """Walk the chain in order: (rows checked, seq of the first broken link or None)."""
    prev, checked, after = GENESIS, 0, 0
    while True:
        rows = conn.execute(
            f"SELECT seq, {', '.join(_FIELDS)}, prev_hash, hash FROM audit WHERE seq > %(after)s"
            " ORDER BY seq LIMIT %(n)s",
            {"after": after, "n": batch},
        ).fetchall()
        for row in rows:
            if row["prev_hash"] != prev or link(prev, row) != row["hash"]:
                return checked, row["seq"]
            prev, checked, after = row["hash"], checked + 1, row["seq"]
        if len(rows) < batch:
            return checked, None
