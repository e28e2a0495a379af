"""HTTP views: one blueprint per OpenADR collection, mounted under the 3.1.0 base path."""

from flask import Flask

BASE_PATH = "/openadr3/3.1.0"


def register(app: Flask) -> None:
    """Mount every blueprint."""
    from . import (
        auth,
        events,
        extensions,
        meta,
        notifiers,
        programs,
        reports,
        resources,
        subscriptions,
        v301,
        vens,
        verification,
    )

    for module in (auth, programs, events, reports, subscriptions, vens, resources, notifiers):
        app.register_blueprint(module.bp, url_prefix=BASE_PATH)
    app.register_blueprint(meta.bp)
    app.register_blueprint(extensions.bp)
    app.register_blueprint(verification.bp)
    v301.register(app)
