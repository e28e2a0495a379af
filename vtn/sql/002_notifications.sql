-- Notifications: a durable outbox. Writes append a `change` in their own transaction; delivery workers fan
-- each change out into `delivery` rows (one per webhook callback or MQTT topic) and send them.

CREATE TABLE change (
    seq              bigserial PRIMARY KEY,
    created          timestamptz NOT NULL DEFAULT clock_timestamp(),
    object_type      text NOT NULL,
    operation        text NOT NULL CHECK (operation IN ('CREATE', 'UPDATE', 'DELETE')),
    object_id        text NOT NULL,
    object           jsonb NOT NULL,         -- as BL reads it
    program_id       text,                   -- the program it belongs to, if any
    targets          text[] NOT NULL DEFAULT '{}',
    program_targets  text[] NOT NULL DEFAULT '{}',  -- an event's program's targets (untargeted events)
    owner            text,                   -- clientID of a ven, resource, report or subscription
    ven_id           text,                   -- a resource's ven, or the ven itself
    fanned_out       boolean NOT NULL DEFAULT false
);
CREATE INDEX change_pending ON change (seq) WHERE NOT fanned_out;

-- Who asked for notifications over MQTT (by calling GET /notifiers), and whether it reads everything.
CREATE TABLE mqtt_client (
    client_id   text PRIMARY KEY,
    sees_all    boolean NOT NULL,
    created     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE delivery (
    id            bigserial PRIMARY KEY,
    change_seq    bigint NOT NULL REFERENCES change (seq),
    channel       text NOT NULL CHECK (channel IN ('webhook', 'mqtt')),
    -- Deliveries of one queue (a subscription's callback URL, or an MQTT topic) leave in id order.
    queue         text NOT NULL,
    subscription_id text,
    url           text,
    bearer_token  text,
    topic         text,
    payload       jsonb NOT NULL,
    state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    due           timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_error    text,
    created       timestamptz NOT NULL DEFAULT clock_timestamp(),
    delivered     timestamptz
);
CREATE INDEX delivery_pending ON delivery (queue, id) WHERE state = 'pending';
CREATE INDEX delivery_due ON delivery (due, id) WHERE state = 'pending';
CREATE INDEX delivery_subscription ON delivery (subscription_id, id);
CREATE INDEX delivery_change ON delivery (change_seq);
CREATE INDEX delivery_delivered ON delivery (delivered) WHERE state = 'delivered';

-- Subscriptions remember whether their owner reads everything (BL, auditor) and how their callbacks fare.
ALTER TABLE subscription
    ADD COLUMN owner_sees_all boolean NOT NULL DEFAULT false,
    ADD COLUMN failing_since timestamptz,
    ADD COLUMN last_error text;

-- The certificate authority that issues MQTT client certificates (one per VTN).
CREATE TABLE mqtt_ca (
    id        integer PRIMARY KEY CHECK (id = 1),
    cert_pem  text NOT NULL,
    key_pem   text NOT NULL,
    created   timestamptz NOT NULL DEFAULT now()
);
