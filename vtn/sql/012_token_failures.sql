-- Failed /auth/token attempts per source address in one-minute windows, shared by every worker and host: once a
-- window holds VTN_TOKEN_FAILURES_PER_MINUTE failures, that address is answered 429 until the window ends,
-- without its secret being checked (secret guessing; README "Token endpoint rate limit"). Per address, not per
-- client id: a stranger who knows a VEN's client id cannot lock the VEN out.
CREATE TABLE token_failure (
    address       text NOT NULL,
    window_start  timestamptz NOT NULL,
    failures      integer NOT NULL,
    PRIMARY KEY (address, window_start)
);
