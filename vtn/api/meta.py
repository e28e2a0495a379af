"""Operational endpoints outside the OpenADR collections: health, the OpenAPI document, the JWKS."""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, current_app, jsonify

from ..errors import NotFound
from . import BASE_PATH
from .common import db, vtn

bp = Blueprint("meta", __name__)


@bp.get("/health")
def health():
    """200 when the database answers, 503 (problem) when it does not."""
    with db().transaction() as conn:
        conn.execute("SELECT 1")
    return jsonify({"status": "ok", "database": "reachable"})


@bp.get(f"{BASE_PATH}/openapi.yaml")
def openapi_document():
    """The official OpenADR 3.1.0 OpenAPI document, unchanged."""
    text = resources.files("vtn").joinpath("schemas", "openadr3-3.1.0.yaml").read_bytes()
    return current_app.response_class(text, mimetype="application/yaml")


@bp.get("/.well-known/jwks.json")
def jwks():
    """The public keys that verify this VTN's access tokens."""
    tokens = vtn().tokens
    if not hasattr(tokens, "jwks"):
        raise NotFound("Tokens come from an external identity provider; see its JWKS.")
    return jsonify(tokens.jwks())
