"""3.0.1 vens (docs/versions.md)."""

from flask import Blueprint

bp = Blueprint("v301_vens", __name__)
