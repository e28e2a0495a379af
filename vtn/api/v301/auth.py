"""3.0.1 auth (docs/versions.md)."""

from flask import Blueprint

bp = Blueprint("v301_auth", __name__)
