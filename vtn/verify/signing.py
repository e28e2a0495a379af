"""Ed25519 detached signatures of settlement files, with the export key kept in PostgreSQL."""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_LOCK = "SELECT pg_advisory_xact_lock(hashtext('vtn.export_key'))"


def export_key(conn) -> dict:
    """The current export key (kid, private_pem, public_pem), created on first use, one per VTN."""
    conn.execute(_LOCK)
    row = conn.execute(
        "SELECT kid, private_pem, public_pem FROM export_key WHERE retired IS NULL ORDER BY created DESC LIMIT 1"
    ).fetchone()
    if row is not None:
        return dict(row)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return dict(
        conn.execute(
            "INSERT INTO export_key (kid, private_pem, public_pem) VALUES (%(kid)s, %(private)s, %(public)s)"
            " RETURNING kid, private_pem, public_pem",
            {"kid": f"export-{secrets.token_hex(8)}", "private": private_pem, "public": public_pem},
        ).fetchone()
    )


def sign(conn, data: bytes) -> tuple[str, bytes]:
    """A detached signature of ``data`` with the current export key: (kid, 64 raw Ed25519 bytes)."""
    key = export_key(conn)
    private = serialization.load_pem_private_key(key["private_pem"].encode("ascii"), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"export key {key['kid']} is not an Ed25519 key")
    return key["kid"], private.sign(data)


def public_keys(conn) -> list[dict]:
    """The kid and public PEM of every export key not retired, oldest first."""
    rows = conn.execute("SELECT kid, public_pem FROM export_key WHERE retired IS NULL ORDER BY created").fetchall()
    return [dict(row) for row in rows]


def verify(public_pem: str, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``data`` by the key in ``public_pem``."""
    public = serialization.load_pem_public_key(public_pem.encode("ascii"))
    if not isinstance(public, Ed25519PublicKey):
        return False
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True
