"""OAuth2 clients of the VTN's own token endpoint, and the keys that sign its tokens."""

from __future__ import annotations

import json
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from .. import audit
from ..auth.secrets import hash_secret, new_secret
from ..errors import Conflict, NotFound


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
    """Delete a client; its unexpired tokens are refused from the next request on (013_credentials.sql)."""
    row = conn.execute(
        "DELETE FROM client WHERE client_id = %(id)s RETURNING client_id, name, role", {"id": client_id}
    ).fetchone()
    if row is None:
        raise NotFound(f"No client {client_id}.")
    audit.append(conn, "CLIENT", client_id, "DELETE", {"clientID": client_id, "name": row["name"], "role": row["role"]})
    return row


def set_disabled(conn, client_id: str, disabled: bool) -> dict:
    """Disable or enable a client: a disabled one gets no tokens and its unexpired tokens are refused."""
    row = conn.execute(
        "UPDATE client SET disabled = %(disabled)s WHERE client_id = %(id)s RETURNING client_id, name, role, disabled",
        {"id": client_id, "disabled": disabled},
    ).fetchone()
    if row is None:
        raise NotFound(f"No client {client_id}.")
    operation = "DISABLE" if disabled else "ENABLE"
    audit.append(conn, "CLIENT", client_id, operation, {"clientID": client_id, "disabled": disabled})
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


def credentials_version(conn) -> int:
    """The version of the revoked clients and the signing keys (bumped by triggers, 013_credentials.sql)."""
    return conn.execute("SELECT credentials FROM read_version").fetchone()["credentials"]


def revoked_clients(conn) -> frozenset:
    """The ids of the disabled and the removed clients, whose tokens are refused."""
    rows = conn.execute(
        "SELECT client_id FROM client WHERE disabled UNION SELECT client_id FROM removed_client"
    ).fetchall()
    return frozenset(row["client_id"] for row in rows)


_LOCK_KEYS = "SELECT pg_advisory_xact_lock(hashtext('vtn.signing_key'))"
_KEY_COLUMNS = "kid, state, created, activated, deactivated, retired"


def _create_key(conn, state: str) -> dict:
    """A new Ed25519 key in ``state`` (current or next)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    kid = secrets.token_hex(8)
    jwk = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "alg": "EdDSA", "use": "sig"})
    audit.append(conn, "SIGNING_KEY", kid, "CREATE", {"kid": kid, "state": state, "publicJWK": jwk})
    return conn.execute(
        "INSERT INTO signing_key (kid, alg, private_pem, public_jwk, state, activated)"
        " VALUES (%(kid)s, 'EdDSA', %(pem)s, %(jwk)s, %(state)s, CASE WHEN %(state)s = 'current' THEN now() END)"
        " RETURNING kid, alg, private_pem",
        {"kid": kid, "pem": pem, "jwk": json.dumps(jwk), "state": state},
    ).fetchone()


def signing_key(conn) -> dict:
    """The current token-signing key (kid, alg, private_pem); the current and next keys are made on first use."""
    conn.execute(_LOCK_KEYS)
    row = conn.execute("SELECT kid, alg, private_pem FROM signing_key WHERE state = 'current'").fetchone()
    if row is None:
        row = _create_key(conn, "current")
    if conn.execute("SELECT 1 FROM signing_key WHERE state = 'next'").fetchone() is None:
        _create_key(conn, "next")
    return row


def rotate_keys(conn, grace_seconds: int) -> dict:
    """The next key becomes current, the current one previous (accepted for ``grace_seconds``), a new next is made.

    Previous keys whose grace has ended are retired. Returns the kids: {current, next, previous}.
    """
    signing_key(conn)
    conn.execute(
        "UPDATE signing_key SET state = 'retired', retired = now() WHERE state = 'previous'"
        " AND deactivated <= now() - make_interval(secs => %(grace)s)",
        {"grace": grace_seconds},
    )
    previous = conn.execute(
        "UPDATE signing_key SET state = 'previous', deactivated = now() WHERE state = 'current' RETURNING kid"
    ).fetchone()["kid"]
    current = conn.execute(
        "UPDATE signing_key SET state = 'current', activated = now() WHERE state = 'next' RETURNING kid"
    ).fetchone()["kid"]
    upcoming = _create_key(conn, "next")["kid"]
    audit.append(conn, "SIGNING_KEY", current, "ROTATE", {"current": current, "next": upcoming, "previous": previous})
    return {"current": current, "next": upcoming, "previous": previous}


def retire_key(conn, kid: str) -> dict:
    """Retire a previous or next key: tokens it signed are refused at once. The current key must be rotated first."""
    conn.execute(_LOCK_KEYS)
    row = conn.execute("SELECT kid, state FROM signing_key WHERE kid = %(kid)s", {"kid": kid}).fetchone()
    if row is None:
        raise NotFound(f"No signing key {kid}.")
    if row["state"] == "current":
        raise Conflict(f"Key {kid} signs the new tokens; run `vtn keys rotate` first, then retire it.")
    if row["state"] == "retired":
        raise Conflict(f"Key {kid} is already retired.")
    conn.execute("UPDATE signing_key SET state = 'retired', retired = now() WHERE kid = %(kid)s", {"kid": kid})
    audit.append(conn, "SIGNING_KEY", kid, "RETIRE", {"kid": kid, "state": "retired"})
    signing_key(conn)  # a retired next key is replaced at once, so that the JWKS always names the next key
    return row


def list_keys(conn) -> list[dict]:
    """Every signing key's kid, state and times, oldest first (never the private key)."""
    return conn.execute(f"SELECT {_KEY_COLUMNS} FROM signing_key ORDER BY created, kid").fetchall()


def accepted_keys(conn, grace_seconds: int) -> list[dict]:
    """The keys whose tokens are accepted and whose JWKs are published: next, current and previous in grace.

    Each row: kid, state, public_jwk and accept_until (epoch seconds; None for next and current).
    """
    return conn.execute(
        """SELECT kid, state, public_jwk,
                  CASE WHEN state = 'previous'
                       THEN extract(epoch FROM deactivated)::float8 + %(grace)s END AS accept_until
           FROM signing_key
           WHERE state IN ('next', 'current')
              OR (state = 'previous' AND deactivated > now() - make_interval(secs => %(grace)s))
           ORDER BY created, kid""",
        {"grace": grace_seconds},
    ).fetchall()


def public_keys(conn, grace_seconds: int) -> list[dict]:
    """The public JWKs of every key whose tokens are accepted, the next key included (clients pre-fetch it)."""
    return [row["public_jwk"] for row in accepted_keys(conn, grace_seconds)]
