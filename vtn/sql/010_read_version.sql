-- A version of everything that decides which events and programs a client reads: bumped by every write of a
-- program, event, ven or resource (the API's or a bulk load's). Each write transaction updates the one row, so
-- writers queue on its lock and a reader that sees version N sees every write up to N, committed.
-- Workers keep pages of events keyed by the version they were read at (vtn/store/page_cache.py).
CREATE TABLE read_version (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    n        bigint NOT NULL
);
INSERT INTO read_version (n) VALUES (1);

CREATE FUNCTION bump_read_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE read_version SET n = n + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER program_read_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON program
    FOR EACH STATEMENT EXECUTE FUNCTION bump_read_version();
CREATE TRIGGER event_read_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON event
    FOR EACH STATEMENT EXECUTE FUNCTION bump_read_version();
CREATE TRIGGER ven_read_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ven
    FOR EACH STATEMENT EXECUTE FUNCTION bump_read_version();
CREATE TRIGGER resource_read_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resource
    FOR EACH STATEMENT EXECUTE FUNCTION bump_read_version();
