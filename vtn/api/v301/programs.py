"""3.0.1 programs (docs/versions.md)."""

from flask import Blueprint

bp = Blueprint("v301_programs", __name__)
