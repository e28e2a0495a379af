-- Revocation that takes effect on the next request, in every worker (docs/security.md).
--
-- read_version.credentials is a version of everything that decides whether a verified token is still honoured:
-- the disabled and removed clients and the signing keys. Triggers bump it in the writing transaction, whoever
-- writes (the `vtn` command or SQL by hand). The polling path already reads the read_version row on every
-- request; it now reads both numbers in that one statement, and a worker reloads its revoked clients and its
-- accepted keys only when the credentials version moved.
ALTER TABLE read_version ADD COLUMN credentials bigint NOT NULL DEFAULT 1;

-- A removed client leaves its id here, so that its unexpired tokens stay refused (ids are never reused).
CREATE TABLE removed_client (
    client_id  text PRIMARY KEY,
    removed    timestamptz NOT NULL DEFAULT now()
);

-- A signing key's life: next (published, signs nothing) -> current (signs every new token; exactly one) ->
-- previous (published and accepted until deactivated + the token TTL) -> retired (refused, not published).
ALTER TABLE signing_key
    ADD COLUMN state text NOT NULL DEFAULT 'next' CHECK (state IN ('next', 'current', 'previous', 'retired')),
    ADD COLUMN activated timestamptz,
    ADD COLUMN deactivated timestamptz;
UPDATE signing_key SET state = 'retired' WHERE retired IS NOT NULL;
UPDATE signing_key SET state = 'previous', activated = created, deactivated = now() WHERE retired IS NULL;
UPDATE signing_key SET state = 'current', deactivated = NULL
    WHERE kid = (SELECT kid FROM signing_key WHERE retired IS NULL ORDER BY created DESC LIMIT 1);
CREATE UNIQUE INDEX signing_key_one_current ON signing_key (state) WHERE state = 'current';
CREATE UNIQUE INDEX signing_key_one_next ON signing_key (state) WHERE state = 'next';

CREATE FUNCTION bump_credentials_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE read_version SET credentials = credentials + 1;
    RETURN NULL;
END $$;

CREATE FUNCTION keep_removed_client() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO removed_client (client_id) VALUES (OLD.client_id) ON CONFLICT (client_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER client_removed AFTER DELETE ON client FOR EACH ROW EXECUTE FUNCTION keep_removed_client();
CREATE TRIGGER client_credentials AFTER UPDATE OR DELETE OR TRUNCATE ON client
    FOR EACH STATEMENT EXECUTE FUNCTION bump_credentials_version();
CREATE TRIGGER removed_client_credentials AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON removed_client
    FOR EACH STATEMENT EXECUTE FUNCTION bump_credentials_version();
CREATE TRIGGER signing_key_credentials AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON signing_key
    FOR EACH STATEMENT EXECUTE FUNCTION bump_credentials_version();
