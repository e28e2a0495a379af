"""/auth/server and /auth/token: OAuth2 client credentials (RFC 6749 section 4.4)."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from flask import Blueprint, jsonify, request, url_for

from ..auth.scopes import granted
from ..auth.secrets import DUMMY_HASH, verify_secret
from ..errors import NotImplementedHere, problem
from ..store import clients as client_store
from ..store import token_failures
from .common import db, vtn

bp = Blueprint("auth", __name__)


@bp.get("/auth/server")
def get_auth_server_info():
    """Where to get a token: our /auth/token, or the external identity provider's token URL."""
    config = vtn().config
    token_url = config.oauth_token_url if config.external_idp else _absolute(url_for("auth.fetch_token"))
    return jsonify({"tokenURL": token_url})


@bp.post("/auth/token")
def fetch_token():
    """Trade a client id and secret (form body or HTTP Basic) for a signed access token."""
    return issue_token()


def issue_token(scopes_for=granted, spoken=" ".join):
    """The token response; ``scopes_for(role, requested)`` grants, ``spoken(scopes)`` words the answer's scope.

    The 3.0.1 path (api/v301/auth.py) passes its scope vocabulary; the token itself is the same on both paths.
    """
    if vtn().config.external_idp:
        raise NotImplementedHere("This VTN does not issue tokens; GET /auth/server names the token endpoint.")
    form = _form()
    grant_type = form.get("grant_type")
    if not grant_type:
        return _oauth_error(400, "invalid_request", "grant_type is required.")
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    credentials, basic = _credentials(form)
    if credentials is None:
        return _oauth_error(400, "invalid_request", "Send client_id and client_secret (form body or HTTP Basic).")
    client_id, secret = credentials
    if "\x00" in client_id:  # no client has one, and PostgreSQL text cannot hold it
        return _oauth_error(400, "invalid_request", "client_id has a NUL character.")
    address, limit = request.remote_addr or "-", vtn().config.token_failures_per_minute
    with db().transaction() as conn:
        wait = token_failures.blocked_for(conn, address, limit) if limit > 0 else None
        client = client_store.find_client(conn, client_id)
    if wait is not None:  # RFC 6585; the secret is not even checked
        detail = f"Too many failed token requests from this address; retry in {wait} s."
        return _oauth_error(429, "invalid_request", detail, {"Retry-After": str(wait)})
    if not verify_secret(secret, client["secret_hash"] if client else DUMMY_HASH) or client is None:
        with db().transaction() as conn:
            token_failures.count_failure(conn, address)
        headers = {"WWW-Authenticate": 'Basic realm="openadr3"'} if basic else {}
        return _oauth_error(401, "invalid_client", "Unknown client or wrong secret.", headers)
    scopes = scopes_for(client["role"], form.get("scope"))
    if scopes is None:
        return _oauth_error(400, "invalid_scope", "None of the requested scopes is granted to this client.")
    token, expires_in = vtn().tokens.issue(client["client_id"], client["role"], scopes)
    response = jsonify(
        {"access_token": token, "token_type": "Bearer", "expires_in": expires_in, "scope": spoken(scopes)}
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _form() -> dict:
    """The token request's parameters: form-encoded per RFC 6749, JSON accepted too."""
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
        return {k: str(v) for k, v in data.items() if v is not None} if isinstance(data, dict) else {}
    return request.form.to_dict()


def _credentials(form: dict) -> tuple[tuple[str, str] | None, bool]:
    """(client_id, secret) from HTTP Basic or the body, and whether Basic was used."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, True
        user, sep, password = decoded.partition(":")
        if not sep or not user:
            return None, True
        # RFC 6749 section 2.3.1: Basic credentials are form-urlencoded before base64.
        return (unquote_plus(user), unquote_plus(password)), True
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if not client_id or secret is None:
        return None, False
    return (client_id, secret), False


_TITLES = {401: "Unauthorized", 429: "Too Many Requests"}


def _oauth_error(status: int, error: str, description: str, headers: dict | None = None):
    """An RFC 6749 error body that is also a problem object (the YAML's 400/401 responses)."""
    response = problem(status, _TITLES.get(status, "Bad Request"), description, headers=headers)
    body = response.get_json()
    body.update({"error": error, "error_description": description})
    response.set_data(jsonify(body).get_data())
    response.headers["Cache-Control"] = "no-store"
    return response


def _absolute(path: str) -> str:
    public = vtn().config.public_url
    return (public.rstrip("/") if public else request.host_url.rstrip("/")) + path
