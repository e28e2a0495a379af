-- The Ed25519 key that signs settlement files (detached signatures, `vtn settlement export`). Separate from
-- signing_key (tokens), so that either can be rotated alone; retired keys stay listed for old files' checks.
CREATE TABLE export_key (
    kid           text PRIMARY KEY,
    private_pem   text NOT NULL,
    public_pem    text NOT NULL,
    created       timestamptz NOT NULL DEFAULT now(),
    retired       timestamptz
);
