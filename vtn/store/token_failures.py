"""Failed token requests per source address and minute (migration 012): the /auth/token rate limit."""

from __future__ import annotations

_WINDOW = "date_trunc('minute', now())"

_FAILURES = f"""
SELECT failures, ceil(extract(epoch FROM {_WINDOW} + interval '1 minute' - now()))::int AS retry_after
FROM token_failure WHERE address = %(address)s AND window_start = {_WINDOW}"""

_COUNT = f"""
INSERT INTO token_failure AS f (address, window_start, failures) VALUES (%(address)s, {_WINDOW}, 1)
ON CONFLICT (address, window_start) DO UPDATE SET failures = f.failures + 1"""

# Windows that ended long ago are of no use; removed by the failures that come later.
_FORGET = "DELETE FROM token_failure WHERE window_start < now() - interval '1 hour'"


def blocked_for(conn, address: str, limit: int) -> int | None:
    """Seconds until ``address`` may try again, if it failed ``limit`` times this minute; else None."""
    row = conn.execute(_FAILURES, {"address": address}).fetchone()
    if row is None or row["failures"] < limit:
        return None
    return max(1, row["retry_after"])


def count_failure(conn, address: str) -> None:
    """Record one failed attempt from ``address``."""
    conn.execute(_COUNT, {"address": address})
    conn.execute(_FORGET)
