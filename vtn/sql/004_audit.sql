-- The audit trail: one row per write, appended in the write's transaction, each row's hash covering the
-- previous row's hash, so that editing or deleting any row breaks the chain (`vtn audit verify`).
CREATE TABLE audit (
    seq          bigserial PRIMARY KEY,
    at           timestamptz NOT NULL,
    client_id    text NOT NULL,
    role         text NOT NULL,
    request_id   text NOT NULL,
    object_type  text NOT NULL,
    object_id    text NOT NULL,
    operation    text NOT NULL,
    digest       text NOT NULL,   -- sha256 of the stored object's canonical JSON
    prev_hash    text NOT NULL,
    hash         text NOT NULL UNIQUE
);
CREATE INDEX audit_at ON audit (at, seq);
