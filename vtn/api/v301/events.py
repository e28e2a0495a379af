"""3.0.1 events (docs/versions.md)."""

from flask import Blueprint

bp = Blueprint("v301_events", __name__)
