"""Fan-out: each change becomes one delivery per matching webhook callback and per MQTT topic.

One fan-out runs at a time (an advisory lock), taking changes in outbox order, so that deliveries of one
queue are created in the order their changes were made. Each channel has its own mark on the change
(`mqtt_fanned_out`, `fanned_out` for webhooks) and its own transaction: MQTT, which is cheap and expected
within a second, is committed and on its way before the webhook deliveries are written.

Who may read what follows Definition.md "Object Privacy" exactly as the REST reads do (store/targeting.py):
a subscription's clientID stands for the reader, its targets for the query's targets, and a VEN gets
programs and events with their targets hidden.

Both channels are set-based: one INSERT ... SELECT makes every webhook delivery of a batch of changes, and
one SELECT plus one COPY every MQTT delivery (topic names are made in Python, by topics.py).
"""

from __future__ import annotations

from ..config import Config
from . import topics
from .claims import ASYNC_COMMIT

_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('vtn.fanout')) AS got"
_PENDING_WEBHOOKS = "SELECT seq FROM change WHERE NOT fanned_out ORDER BY seq LIMIT %(limit)s"
_PENDING_MQTT = "SELECT seq FROM change WHERE NOT mqtt_fanned_out ORDER BY seq LIMIT %(limit)s"
# With MQTT off, the webhook fan-out marks both channels: turning MQTT on later does not replay the past.
_WEBHOOKS_DONE = """UPDATE change SET fanned_out = true, mqtt_fanned_out = mqtt_fanned_out OR %(no_mqtt)s
    WHERE seq = ANY(%(seqs)s)"""
_MQTT_DONE = "UPDATE change SET mqtt_fanned_out = true WHERE seq = ANY(%(seqs)s)"


# Readers: the subscriptions (webhooks) or MQTT clients that might read a change of the batch, with the
# targets granted to each and those it may see. The grants of all readers come from one pass over ven and
# resource (the body of granted_targets(), 001_init.sql, grouped by client) and every reader is materialised
# once: calling granted_targets() per reader and per reference made fan-out to 1,000 VENs take a second.
_READERS = """
batch AS MATERIALIZED (SELECT * FROM change WHERE seq = ANY(%(seqs)s)),
candidates AS MATERIALIZED (SELECT {columns} FROM {table} WHERE {where}),
grants AS MATERIALIZED (
    SELECT g.client_id, array_agg(DISTINCT g.t) AS granted
    FROM (SELECT v.client_id, unnest(v.targets) AS t FROM ven v
          UNION ALL
          SELECT v.client_id, unnest(r.targets) FROM resource r JOIN ven v ON v.id = r.ven_id) g
    WHERE g.client_id IN (SELECT client_id FROM candidates WHERE NOT sees_all)
    GROUP BY g.client_id
),
readers AS MATERIALIZED (
    SELECT r.*, CASE WHEN r.wanted IS NULL THEN r.granted
                     ELSE ARRAY(SELECT unnest(r.granted) INTERSECT SELECT unnest(r.wanted)) END AS shown
    FROM (SELECT c.*, CASE WHEN c.sees_all THEN '{{}}'::text[] ELSE coalesce(g.granted, '{{}}') END AS granted
          FROM candidates c LEFT JOIN grants g ON g.client_id = c.client_id) r
)"""

# May this reader read this change's object? Programs and events by targets, the rest by owner.
_VISIBLE = """CASE
    WHEN c.object_type IN ('PROGRAM', 'EVENT') THEN
        CASE WHEN r.sees_all THEN r.wanted IS NULL OR c.targets && r.wanted
             ELSE (r.wanted IS NULL AND cardinality(c.targets) = 0
                   AND (c.object_type = 'PROGRAM' OR cardinality(c.program_targets) = 0
                        OR c.program_targets && r.granted))
                  OR c.targets && r.shown
        END
    WHEN c.object_type IN ('VEN', 'RESOURCE') THEN
        (r.sees_all OR c.owner = r.client_id) AND (r.wanted IS NULL OR c.targets && r.wanted)
    ELSE r.sees_all OR c.owner = r.client_id
END"""

# The object as this reader may see it (target hiding for VENs).
_OBJECT = """CASE WHEN c.object_type IN ('PROGRAM', 'EVENT') AND NOT r.sees_all
             THEN jsonb_set(c.object::jsonb, '{targets}', to_jsonb(visible_targets(c.targets, r.shown)))::json
             ELSE c.object END"""

# A subscription can only match changes of the object types it names (its `objects` column).
_SUBSCRIPTION_READERS = _READERS.format(
    columns="s.id, s.seq, s.client_id, s.owner_sees_all AS sees_all, s.program_id, s.object_operations, "
    "nullif(s.targets, '{}') AS wanted",
    table="subscription s",
    where="s.objects && ARRAY(SELECT DISTINCT object_type FROM batch)",
)
_MQTT_READERS = _READERS.format(
    columns="m.client_id, m.sees_all, NULL::text[] AS wanted",
    table="mqtt_client m",
    where="true",
)

_WEBHOOKS = f"""
WITH {_SUBSCRIPTION_READERS}
INSERT INTO delivery (change_seq, channel, queue, subscription_id, url, bearer_token, payload)
SELECT c.seq, 'webhook', r.id || ' ' || op.url, r.id, op.url, op.bearer,
       jsonb_build_object('objectType', c.object_type, 'operation', c.operation, 'object', {_OBJECT})
FROM batch c
JOIN readers r ON r.program_id IS NULL OR r.program_id = c.program_id
                  OR (c.program_id IS NULL AND c.object_type IN ('VEN', 'RESOURCE'))
CROSS JOIN LATERAL (
    SELECT DISTINCT ON (o->>'callbackUrl') o->>'callbackUrl' AS url, o->>'bearerToken' AS bearer
    FROM jsonb_array_elements(r.object_operations) AS o
    WHERE o->'objects' ? c.object_type
      AND (o->'operations' ? c.operation
           OR o->'operations' ? (CASE c.operation WHEN 'CREATE' THEN 'POST' WHEN 'UPDATE' THEN 'PUT'
                                 ELSE 'DELETE' END))
    ORDER BY o->>'callbackUrl'
) op
WHERE {_VISIBLE}
ORDER BY c.seq, r.seq"""

# MQTT: every registered client that may read the change, and for a VEN each of its vens (VEN topics are
# per ven; `owned` lists them once per client). The payload comes back as text and goes into COPY as is.
_MQTT = f"""
WITH {_MQTT_READERS},
owned AS MATERIALIZED (
    SELECT client_id, array_agg(id) AS ven_ids FROM ven
    WHERE client_id IN (SELECT client_id FROM readers WHERE NOT sees_all)
    GROUP BY client_id
)
SELECT c.seq, c.object_type, c.operation, c.object_id, c.program_id, c.ven_id, r.client_id, r.sees_all,
       v.id AS via_ven,
       jsonb_build_object('objectType', c.object_type, 'operation', c.operation, 'object', {_OBJECT})::text
           AS payload
FROM batch c
JOIN readers r ON {_VISIBLE}
LEFT JOIN owned o ON o.client_id = r.client_id
LEFT JOIN LATERAL (
    SELECT u.id FROM unnest(o.ven_ids) AS u(id)
    WHERE NOT r.sees_all AND (c.object_type IN ('PROGRAM', 'EVENT') OR u.id = c.ven_id)
    UNION
    SELECT c.ven_id WHERE NOT r.sees_all AND c.object_type IN ('VEN', 'RESOURCE') AND c.owner = r.client_id
) v ON true
WHERE r.sees_all OR v.id IS NOT NULL
ORDER BY c.seq, r.client_id, v.id"""

_COPY_MQTT = "COPY delivery (change_seq, channel, queue, topic, payload) FROM STDIN"


def fan_out_webhooks(conn, config: Config, limit: int = 500) -> int:
    """Make the webhook deliveries of up to ``limit`` changes; how many changes (0: none, or locked)."""
    seqs = _pending(conn, _PENDING_WEBHOOKS, limit)
    if seqs:
        conn.execute(_WEBHOOKS, {"seqs": seqs})
        conn.execute(_WEBHOOKS_DONE, {"seqs": seqs, "no_mqtt": not config.mqtt_uri})
    return len(seqs)


def fan_out_mqtt(conn, config: Config, limit: int = 500) -> int:
    """Make the MQTT deliveries of up to ``limit`` changes; how many changes (0: none, locked, or MQTT off)."""
    seqs = _pending(conn, _PENDING_MQTT, limit) if config.mqtt_uri else []
    if seqs:
        rows = conn.execute(_MQTT, {"seqs": seqs}).fetchall()
        with conn.cursor() as cur, cur.copy(_COPY_MQTT) as copy:
            for row in rows:  # in (change, reader) order, so each topic's deliveries get ids in change order
                for topic in mqtt_topics(config.mqtt_topic_prefix, row):
                    copy.write_row((row["seq"], "mqtt", topic, topic, row["payload"]))
        conn.execute(_MQTT_DONE, {"seqs": seqs})
    return len(seqs)


def _pending(conn, query: str, limit: int) -> list[int]:
    if not conn.execute(_LOCK).fetchone()["got"]:
        return []  # another worker is fanning out; it takes these changes too
    conn.execute(ASYNC_COMMIT)  # a fan-out lost in a crash is made again: its changes stay unmarked
    return [row["seq"] for row in conn.execute(query, {"limit": limit}).fetchall()]


def mqtt_topics(prefix: str, row: dict) -> list[str]:
    """The topics one change is published to for one reader (topics.py has the layout)."""
    kind, op, client = row["object_type"], row["operation"].lower(), row["client_id"]
    if not row["sees_all"]:
        ven = row["via_ven"]
        base = topics.of_ven(prefix, client, ven) if kind == "VEN" else topics.of_ven(prefix, client, ven, kind)
        return [f"{base}/{op}"]
    found = [f"{topics.all_objects(prefix, client, kind)}/{op}"]
    if kind in ("PROGRAM", "VEN") and op != "create":
        found.append(f"{topics.one_object(prefix, client, kind, row['object_id'])}/{op}")
    if kind == "RESOURCE":
        found.append(f"{topics.of_ven(prefix, client, row['ven_id'], kind)}/{op}")
    if kind in ("EVENT", "REPORT", "SUBSCRIPTION") and row["program_id"]:
        found.append(f"{topics.of_program(prefix, client, kind, row['program_id'])}/{op}")
    return found
