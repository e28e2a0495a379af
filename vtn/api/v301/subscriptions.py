"""3.0.1 subscriptions (docs/versions.md)."""

from flask import Blueprint

bp = Blueprint("v301_subscriptions", __name__)
