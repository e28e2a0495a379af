"""An OpenADR 3.1.0 VTN on Flask and PostgreSQL."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask

from . import config as config_module
from . import db as db_module
from . import errors, security_headers
from .auth.tokens import ExternalTokens, LocalTokens
from .store.page_cache import PageCache


@dataclass
class Services:
    """What the views share within one worker: settings, the database pool and the token service."""

    config: config_module.Config
    db: db_module.Database
    tokens: LocalTokens | ExternalTokens
    pages: PageCache | None = None  # this worker's kept pages of events


def create_app(config: config_module.Config | None = None, *, migrate: bool = True) -> Flask:
    """Build the VTN application; migrations are applied first unless ``migrate`` is False."""
    config = config or config_module.from_env()
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    url = db_module.database_url(config)
    if migrate:
        db_module.upgrade(url)
    database = db_module.Database(url, config.pool_min_size, config.pool_max_size)
    tokens = ExternalTokens(config) if config.external_idp else LocalTokens(database, config)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_content_length
    app.json.sort_keys = False
    pages = PageCache(config.page_cache_mb * 1024 * 1024) if config.page_cache_mb > 0 else None
    app.extensions["vtn"] = Services(config=config, db=database, tokens=tokens, pages=pages)
    errors.register(app)
    security_headers.register(app)

    from . import api

    api.register(app)
    return app
