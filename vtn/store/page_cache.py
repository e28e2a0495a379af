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

_VERSION = "SELECT n FROM read_version"


def read_version(conn) -> int:
    """The current read version (in this statement's snapshot)."""
    return conn.execute(_VERSION).fetchone()["n"]


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
