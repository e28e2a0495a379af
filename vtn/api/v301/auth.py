"""3.0.1 POST /auth/token: the 3.1.0 handler with 3.0.1's scope words (docs/versions.md, "Tokens and scopes").

3.0.1 has one read scope, ``read_all`` ("VENs and BL can read all resources"); 3.1.0 split it into
``read_targets`` and ``read_ven_objects`` and kept ``read_all`` for BL. On this path ``read_all`` asks for every
read scope the client's role holds, and the answer's ``scope`` speaks 3.0.1. The token is the same as 3.1.0's,
so it works on both paths; what a VEN may read is decided by 3.1.0's privacy rules either way.
"""

from __future__ import annotations

from flask import Blueprint

from ...auth.scopes import READ_ALL, READ_TARGETS, READ_VEN_OBJECTS, granted
from ..auth import issue_token

bp = Blueprint("v301_auth", __name__)

_READS = (READ_ALL, READ_TARGETS, READ_VEN_OBJECTS)


def scopes_for(role: str, requested: str | None) -> tuple[str, ...] | None:
    """The 3.1.0 scopes granted for a 3.0.1 request (``read_all`` = the role's read scopes)."""
    if not requested or not requested.strip():
        return granted(role, requested)
    words = []
    for word in requested.split():
        words.extend(_READS if word == READ_ALL else (word,))
    return granted(role, " ".join(dict.fromkeys(words)))


def spoken(scopes: tuple[str, ...]) -> str:
    """Granted scopes in 3.0.1 words: ``read_all`` for the read scopes when both 3.1.0 read scopes are held."""
    held = set(scopes)
    reads_all = READ_ALL in held or {READ_TARGETS, READ_VEN_OBJECTS} <= held
    words = [READ_ALL] if reads_all else [s for s in scopes if s in _READS]
    return " ".join(words + [s for s in scopes if s not in _READS])


@bp.post("/auth/token")
def fetch_token():
    """Trade a client id and secret (form body or HTTP Basic) for an access token; the scope in 3.0.1 words."""
    return issue_token(scopes_for, spoken)
