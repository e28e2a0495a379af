"""3.0.1 reports (docs/versions.md)."""

from flask import Blueprint

bp = Blueprint("v301_reports", __name__)
