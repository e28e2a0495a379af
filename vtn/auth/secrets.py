"""Client secrets: generated at random, stored only as a slow salted scrypt hash."""

from __future__ import annotations

import base64
import hmac
import os
import secrets

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

_N, _R, _P, _LEN = 2**14, 8, 1, 32


def new_secret() -> str:
    """A fresh client secret (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_secret(secret: str) -> str:
    """The storable form of a secret: ``scrypt$N$r$p$salt$hash``."""
    salt = os.urandom(16)
    digest = Scrypt(salt=salt, length=_LEN, n=_N, r=_R, p=_P).derive(secret.encode("utf-8"))
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    """True when ``secret`` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = Scrypt(salt=base64.b64decode(salt), length=len(expected), n=int(n), r=int(r), p=int(p)).derive(
            secret.encode("utf-8")
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Compared against when the client id is unknown, so that the answer takes as long as for a known one.
DUMMY_HASH = hash_secret("no such client")
