"""The PostgreSQL the tests use: VTN_TEST_DATABASE_URL, else 127.0.0.1:5432 if it answers, else embedded.

Each test gets a fresh database cloned from a template that has every migration applied.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

import psycopg

from vtn import db as db_module

_counter = itertools.count()


def _server_url() -> str:
    url = os.environ.get("VTN_TEST_DATABASE_URL")
    if url:
        return url
    local = "postgresql://postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(local, connect_timeout=2).close()
        return local
    except psycopg.OperationalError:
        return db_module.embedded_url(tempfile.mkdtemp(prefix="vtn-test-pg-"))


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (works for host and unix-socket URLs)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class TestDatabases:
    """Creates the template once, then one database per test from it."""

    def __init__(self):
        self.server = _server_url()
        self.prefix = f"vtn_t{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}"', f'CREATE DATABASE "{self.template}"')
        db_module.upgrade(with_database(self.server, self.template))

    def _admin(self, *statements: str) -> None:
        with psycopg.connect(self.server, autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)

    def create(self) -> str:
        """A fresh, migrated database; returns its URL."""
        name = f"{self.prefix}_{next(_counter)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return with_database(self.server, name)

    def drop(self, url: str) -> None:
        """Drop a database made by create()."""
        name = urlsplit(url).path.lstrip("/")
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        """Drop the template."""
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
