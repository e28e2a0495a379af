-- OpenADR 3.1.0 objects. Nested spec structures are jsonb in their wire (spec) form; targets are text[]
-- with GIN indexes; `seq` gives every collection a stable paging order (creation order).

CREATE TABLE client (
    client_id     text PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('bl', 'ven', 'auditor')),
    secret_hash   text NOT NULL,
    created       timestamptz NOT NULL DEFAULT now(),
    disabled      boolean NOT NULL DEFAULT false
);

CREATE TABLE signing_key (
    kid           text PRIMARY KEY,
    alg           text NOT NULL,
    private_pem   text NOT NULL,
    public_jwk    jsonb NOT NULL,
    created       timestamptz NOT NULL DEFAULT now(),
    retired       timestamptz
);

CREATE TABLE program (
    seq                  bigserial UNIQUE,
    id                   text PRIMARY KEY DEFAULT gen_random_uuid()::text,
    created              timestamptz NOT NULL DEFAULT now(),
    modified             timestamptz NOT NULL DEFAULT now(),
    deleted              timestamptz,
    program_name         text NOT NULL,
    interval_period      jsonb,
    program_descriptions jsonb,
    payload_descriptors  jsonb,
    attributes           jsonb,
    targets              text[] NOT NULL DEFAULT '{}'
);
-- Deleted programs are kept (reports and verification refer to them); names are unique among live ones.
CREATE UNIQUE INDEX program_name_live ON program (program_name) WHERE deleted IS NULL;
CREATE INDEX program_targets ON program USING gin (targets);

CREATE TABLE event (
    seq                  bigserial UNIQUE,
    id                   text PRIMARY KEY DEFAULT gen_random_uuid()::text,
    created              timestamptz NOT NULL DEFAULT now(),
    modified             timestamptz NOT NULL DEFAULT now(),
    deleted              timestamptz,
    program_id           text NOT NULL REFERENCES program (id),
    event_name           text,
    priority             integer,
    duration             text,
    targets              text[] NOT NULL DEFAULT '{}',
    report_descriptors   jsonb,
    payload_descriptors  jsonb,
    interval_period      jsonb,
    intervals            jsonb,
    -- The event's lifespan (User Guide 7.3), computed on write, for the `active` query.
    starts               timestamptz NOT NULL DEFAULT '-infinity',
    ends                 timestamptz NOT NULL DEFAULT 'infinity'
);
CREATE INDEX event_program ON event (program_id, seq) WHERE deleted IS NULL;
CREATE INDEX event_targets ON event USING gin (targets);
CREATE INDEX event_live_seq ON event (seq) WHERE deleted IS NULL;

CREATE TABLE ven (
    seq          bigserial UNIQUE,
    id           text PRIMARY KEY DEFAULT gen_random_uuid()::text,
    created      timestamptz NOT NULL DEFAULT now(),
    modified     timestamptz NOT NULL DEFAULT now(),
    client_id    text NOT NULL,
    ven_name     text NOT NULL UNIQUE,
    attributes   jsonb,
    targets      text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX ven_client ON ven (client_id);
CREATE INDEX ven_targets ON ven USING gin (targets);

CREATE TABLE resource (
    seq            bigserial UNIQUE,
    id             text PRIMARY KEY DEFAULT gen_random_uuid()::text,
    created        timestamptz NOT NULL DEFAULT now(),
    modified       timestamptz NOT NULL DEFAULT now(),
    -- A resource's clientID is its ven's (joined on read), so it follows when BL reassigns the ven.
    ven_id         text NOT NULL REFERENCES ven (id) ON DELETE CASCADE,
    resource_name  text NOT NULL,
    attributes     jsonb,
    targets        text[] NOT NULL DEFAULT '{}',
    UNIQUE (ven_id, resource_name)
);
CREATE INDEX resource_ven ON resource (ven_id, seq);
CREATE INDEX resource_targets ON resource USING gin (targets);

CREATE TABLE report (
    seq                  bigserial UNIQUE,
    id                   text PRIMARY KEY DEFAULT gen_random_uuid()::text,
    created              timestamptz NOT NULL DEFAULT now(),
    modified             timestamptz NOT NULL DEFAULT now(),
    client_id            text NOT NULL,
    -- References stay valid when an event or program is deleted: those are only marked deleted.
    event_id             text NOT NULL REFERENCES event (id),
    program_id           text NOT NULL REFERENCES program (id),
    client_name          text NOT NULL,
    report_name          text,
    payload_descriptors  jsonb,
    resources            jsonb NOT NULL
);
CREATE INDEX report_event ON report (event_id);
CREATE INDEX report_program ON report (program_id);
CREATE INDEX report_client ON report (client_id, seq);

CREATE TABLE subscription (
    seq                bigserial UNIQUE,
    id                 text PRIMARY KEY DEFAULT gen_random_uuid()::text,
    created            timestamptz NOT NULL DEFAULT now(),
    modified           timestamptz NOT NULL DEFAULT now(),
    client_id          text NOT NULL,
    client_name        text NOT NULL,
    program_id         text REFERENCES program (id),
    object_operations  jsonb NOT NULL,
    -- The object types named in object_operations, for the `objects` query.
    objects            text[] NOT NULL DEFAULT '{}',
    targets            text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX subscription_client ON subscription (client_id, seq);
CREATE INDEX subscription_objects ON subscription USING gin (objects);
CREATE INDEX subscription_targets ON subscription USING gin (targets);

-- The targets BL has granted to a client through its ven objects and their resources (Definition.md,
-- "Object Privacy": targeting).
CREATE FUNCTION granted_targets(p_client_id text) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT t), '{}')
    FROM (
        SELECT unnest(v.targets) AS t FROM ven v WHERE v.client_id = p_client_id
        UNION ALL
        SELECT unnest(r.targets) FROM resource r JOIN ven v ON v.id = r.ven_id WHERE v.client_id = p_client_id
    ) granted
$$;

-- Target hiding: the object's targets restricted to `shown`, in their original order.
CREATE FUNCTION visible_targets(p_targets text[], p_shown text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(t ORDER BY i), '{}')
    FROM unnest(p_targets) WITH ORDINALITY AS u(t, i)
    WHERE t = ANY (p_shown)
$$;
