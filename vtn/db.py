"""The database: one connection pool per worker process, numbered migrations, the embedded server."""

from __future__ import annotations

import json
import logging
import os
import select
import threading
import warnings
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import set_json_dumps
from psycopg_pool import ConnectionPool, PoolTimeout

from .config import Config
from .errors import Unavailable

log = logging.getLogger("vtn.db")


def _json_dumps(value) -> bytes | str:
    """orjson's text, or the standard library's for integers beyond 64 bits, which orjson refuses.

    Such integers come back from jsonb: PostgreSQL keeps a number such as 1e29 as the integer
    100000000000000000000000000000, which psycopg's loader (json.loads) returns as an int.
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# Nested spec objects go to jsonb columns as orjson's text: the same JSON values as the standard library's, several
# times faster for a 1,000-interval report (bench/README.md, report ingest). Values are validated dicts and lists.
set_json_dumps(_json_dumps)

# Any constant shared by every VTN process: serialises migrations when several workers start at once.
_MIGRATION_LOCK = 0x0ADA_3001

# A request waits at most this long for a connection (then 503), and a connection attempt at most this long: a
# database outage gives clients a prompt 503 problem rather than a hang (docs/reliability.md).
POOL_TIMEOUT = 5.0
# psycopg_pool doubles its delay between reconnection attempts for reconnect_timeout (default five minutes), so
# after a long outage a worker could wait as long again before noticing the database is back. Giving up early
# lets the next request start a fresh attempt (one connection attempt per second or two while requests arrive).
RECONNECT_TIMEOUT = 3.0
# Once a request has waited POOL_TIMEOUT in vain the database is taken to be down, and later requests wait only
# this long (enough for a reconnection that is under way) until one gets a connection: otherwise requests queued
# behind a worker's busy threads would each wait POOL_TIMEOUT in turn, and the last ones past a client's timeout.
DOWN_TIMEOUT = 0.5


def _closed_by_server(conn) -> None:
    """The pool's checkout check: discard an idle connection whose server has closed it (a database restart).

    One poll(2) of the socket, no round trip: an idle connection has nothing to read unless the server sent its
    farewell (FATAL: terminating connection) or closed the socket. Such a connection would fail the request that
    got it with a 503; discarding it first lets the pool hand out (or open) a working one.
    """
    poller = select.poll()
    poller.register(conn.pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):
        conn.close()  # closed, the pool discards it and opens a replacement
        raise psycopg.OperationalError("the server closed this idle connection")


class Database:
    """A lazily opened connection pool; each forked worker opens its own on first use."""

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10, timeout: float = POOL_TIMEOUT):
        self.url = url
        self._sizes = (min_size, max_size)
        self.timeout = timeout
        self._pool: ConnectionPool | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._down = False  # a request found no connection in time: wait DOWN_TIMEOUT until one does

    def _open(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                # A pool inherited through fork shares sockets with the parent: never reuse it.
                self._pool = ConnectionPool(
                    self.url,
                    min_size=self._sizes[0],
                    max_size=self._sizes[1],
                    kwargs={"row_factory": dict_row, "autocommit": False, "connect_timeout": max(1, int(self.timeout))},
                    open=True,
                    name="vtn",
                    timeout=self.timeout,
                    reconnect_timeout=RECONNECT_TIMEOUT,
                    check=_closed_by_server,
                )
                self._pid = os.getpid()
            return self._pool

    @contextmanager
    def _connection(self):
        """A pooled connection, or Unavailable (503) when none comes in time or the database fails under it."""
        try:
            with self._open().connection(timeout=DOWN_TIMEOUT if self._down else self.timeout) as conn:
                self._down = False
                yield conn
        except PoolTimeout as exc:
            self._down = True
            log.warning("database unavailable: %s", exc)
            raise Unavailable("The database is unavailable; try again shortly.") from exc
        except psycopg.OperationalError as exc:
            log.warning("database unavailable: %s", exc)
            raise Unavailable("The database is unavailable; try again shortly.") from exc

    @contextmanager
    def transaction(self):
        """One connection, one transaction: commits on success, rolls back on any exception."""
        with self._connection() as conn:
            yield conn

    @contextmanager
    def statements(self):
        """One connection in autocommit: each statement is its own transaction, with no BEGIN/COMMIT round trips.

        For reads whose statements do not need one snapshot (the polling path, store/page_cache.py).
        """
        with self._connection() as conn:
            conn.autocommit = True
            try:
                yield conn
            finally:
                conn.autocommit = False

    def close(self) -> None:
        """Close this process's pool, if it has one."""
        if self._pool is not None and self._pid == os.getpid():
            self._pool.close()
        self._pool = None


def migrations() -> list[tuple[int, str, str]]:
    """The numbered SQL migrations shipped in ``vtn/sql``, in order: (number, name, sql)."""
    found = []
    for item in resources.files("vtn").joinpath("sql").iterdir():
        if item.name.endswith(".sql") and item.name[:3].isdigit():
            found.append((int(item.name[:3]), item.name, item.read_text(encoding="utf-8")))
    return sorted(found)


def upgrade(url: str) -> list[str]:
    """Apply the migrations this database lacks; safe when several processes run it at once."""
    applied = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migration ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migration")}
            for version, name, sql in migrations():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql)
                    conn.execute("INSERT INTO schema_migration (version, name) VALUES (%s, %s)", (version, name))
                log.info("applied migration %s", name)
                applied.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return applied


def embedded_url(data_dir: str) -> str:
    """Start (or reuse) the embedded PostgreSQL in ``data_dir`` and return its connection URL."""
    path = Path(data_dir).resolve() / "pgdata"
    path.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import pgserver  # imported here: only the embedded default needs it

        server = pgserver.get_server(path, cleanup_mode="stop")
    _keep_alive.append(server)
    return server.get_uri()


_keep_alive: list = []  # the embedded server stops when the process that started it exits


def database_url(config: Config) -> str:
    """The URL every `vtn` command uses: VTN_DATABASE_URL, else the embedded server's."""
    return config.database_url or embedded_url(config.data_dir)
