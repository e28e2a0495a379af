"""OAuth2 clients of the VTN's own token endpoint, and the keys that sign its tokens."""

from __future__ import annotations

import json
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from .. import audit
from ..auth.secrets import hash_secret, new_secret
from ..errors import NotFound


def add_client(conn, name: str, role: str) -> tuple[str, str]:
    """Create a client; returns (client_id, secret). The secret is stored only as a hash."""
    client_id = f"{role}-{secrets.token_hex(8)}"
    secret = new_secret()
    audit.append(conn, "CLIENT", client_id, "CREATE", {"clientID": client_id, "name": name, "role": role})
    conn.execute(
        "INSERT INTO client (client_id, name, role, secret_hash) VALUES (%(id)s, %(name)s, %(role)s, %(hash)s)",
        {"id": client_id, "name": name, "role": role, "hash": hash_secret(secret)},
    )
    return client_id, secret


def list_clients(conn) -> list[dict]:
    """Every client, oldest first (no secrets)."""
    return conn.execute(
        "SELECT client_id, name, role, created, disabled FROM client ORDER BY created, client_id"
    ).fetchall()


def remove_client(conn, client_id: str) -> dict:
    """Delete a client; its existing tokens stop working when they expire."""
    row = conn.execute(
        "DELETE FROM client WHERE client_id = %(id)s RETURNING client_id, name, role", {"id": client_id}
    ).fetchone()
    if row is None:
        raise NotFound(f"No client {client_id}.")
    audit.append(conn, "CLIENT", client_id, "DELETE", {"clientID": client_id, "name": row["name"], "role": row["role"]})
    return row


def find_client(conn, client_id: str) -> dict | None:
    """The enabled client with this id, with its secret hash, or None."""
    return conn.execute(
        "SELECT client_id, role, secret_hash FROM client WHERE client_id = %(id)s AND NOT disabled",
        {"id": client_id},
    ).fetchone()


def count_clients(conn) -> int:
    """How many clients exist."""
    return conn.execute("SELECT count(*) AS n FROM client").fetchone()["n"]


def signing_key(conn) -> dict:
    """The current token-signing key, created on first use (one per VTN, shared by all workers)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('vtn.signing_key'))")
    row = conn.execute(
        "SELECT kid, alg, private_pem FROM signing_key WHERE retired IS NULL ORDER BY created DESC LIMIT 1"
    ).fetchone()
    if row is not None:
        return row
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    kid = secrets.token_hex(8)
    jwk = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "alg": "EdDSA", "use": "sig"})
    return conn.execute(
        "INSERT INTO signing_key (kid, alg, private_pem, public_jwk) VALUES (%(kid)s, 'EdDSA', %(pem)s, %(jwk)s)"
        " RETURNING kid, alg, private_pem",
        {"kid": kid, "pem": pem, "jwk": json.dumps(jwk)},
    ).fetchone()


def public_keys(conn) -> list[dict]:
    """The public JWKs of every key whose tokens are still accepted."""
    rows = conn.execute("SELECT public_jwk FROM signing_key WHERE retired IS NULL ORDER BY created").fetchall()
    return [row["public_jwk"] for row in rows]
