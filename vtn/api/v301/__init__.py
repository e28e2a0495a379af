"""The OpenADR 3.0.1 views: one blueprint per 3.0.1 collection under /openadr3/3.0.1 (docs/versions.md).

They parse 3.0.1 input into the objects the store keeps, call the same storage functions as the 3.1.0 views (same
transactions, privacy and notifications) and answer in 3.0.1 shapes.
"""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, Flask, current_app

BASE_PATH = "/openadr3/3.0.1"

document = Blueprint("v301_document", __name__)


@document.get(f"{BASE_PATH}/openapi.yaml")
def openapi_document():
    """The official OpenADR 3.0.1 OpenAPI document, unchanged."""
    text = resources.files("vtn").joinpath("schemas", "openadr3-3.0.1.yaml").read_bytes()
    return current_app.response_class(text, mimetype="application/yaml")


def register(app: Flask) -> None:
    """Mount the 3.0.1 blueprints."""
    from . import auth, events, programs, reports, subscriptions, vens

    for module in (auth, programs, events, reports, subscriptions, vens):
        app.register_blueprint(module.bp, url_prefix=BASE_PATH)
    app.register_blueprint(document)
