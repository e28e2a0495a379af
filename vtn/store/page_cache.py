"""Pages of events kept per worker, valid while nothing they depend on has been written.

VENs poll the same page again and again while events change a few times a day. A worker keeps the JSON text
of each page it served under the read version it was read at (010_read_version.sql: bumped by every write of a
program, event, ven or resource); a request first reads the version (one indexed row) and serves the kept text
only when it is unchanged. Nothing here is state that matters: every entry is checked against PostgreSQL, and a
lost cache only costs a query. Time-dependent queries (``active``) are never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import psycopg
from psycopg import errors
from psycopg.pq import ConnStatus, ExecStatus, TransactionStatus
from psycopg.rows import tuple_row

# The credentials version rides along (013_credentials.sql): the poll's token check needs it, at no extra round trip.
_VERSIONS = b"SELECT n, credentials FROM read_version"


def read_version(conn) -> int:
    """The current read version, read by a statement of its own (its own snapshot) on an idle connection."""
    return read_versions(conn)[0]


def read_versions(conn) -> tuple[int, int]:
    """(read version, credentials version), both from one statement, as read_version() reads."""
    pgconn = conn.pgconn
    if pgconn.transaction_status != TransactionStatus.IDLE:  # inside a transaction: read in it, through psycopg
        return tuple(conn.cursor(row_factory=tuple_row).execute(_VERSIONS).fetchone())
    # Every poll runs this: straight through libpq, which sends, waits and reads without holding the GIL. Through
    # psycopg's execute (it sends holding the GIL) a served worker spent ~0.3 ms more CPU per poll. Unnamed, so no
    # statement outlives the call (psycopg deallocates named ones after a rollback); PostgreSQL plans it anew, ~80 us.
    result = _checked(pgconn, pgconn.exec_params(_VERSIONS, None))
    return int(result.get_value(0, 0)), int(result.get_value(0, 1))


def _checked(pgconn, result):
    """The result if it succeeded; else the exception psycopg itself would raise for it."""
    if result.status in (ExecStatus.TUPLES_OK, ExecStatus.COMMAND_OK):
        return result
    if pgconn.status != ConnStatus.OK:  # the connection is lost: OperationalError, as psycopg raises (a 503)
        raise psycopg.OperationalError(result.error_message.decode("utf-8", "replace").strip())
    raise errors.error_from_result(result)


class PageCache:
    """A least-recently-used map of page key -> (version, JSON text), bounded in characters."""

    def __init__(self, budget_chars: int):
        self.budget = budget_chars
        self._pages: OrderedDict = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key, version: int) -> str | None:
        """The kept text for ``key`` if it was read at ``version``."""
        with self._lock:
            found = self._pages.get(key)
            if found is None or found[0] != version:
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key, version: int, text: str) -> None:
        """Keep ``text`` for ``key``, dropping the least recently used pages beyond the budget."""
        if len(text) > self.budget // 4:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._pages[key] = (version, text)
            self._size += len(text)
            while self._size > self.budget:
                _, (_, dropped) = self._pages.popitem(last=False)
                self._size -= len(dropped)
