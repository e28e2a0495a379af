"""Fan-out: each change becomes one delivery per matching webhook callback and per MQTT topic.

One fan-out runs at a time (an advisory lock), taking changes in outbox order, so that deliveries of one
queue are created in the order their changes were made. Who may read what follows Definition.md "Object
Privacy" exactly as the REST reads do (store/targeting.py): a subscription's clientID stands for the
reader, its targets for the query's targets, and a VEN gets programs and events with their targets hidden.
"""

from __future__ import annotations

from psycopg.types.json import Jsonb

from ..config import Config
from . import topics

_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('vtn.fanout')) AS got"
_BATCH = "SELECT seq FROM change WHERE NOT fanned_out ORDER BY seq LIMIT %(limit)s"

# Readers: every subscription (webhooks) or MQTT client, with the targets granted to it and those it may see.
_READERS = """
readers AS (
    SELECT r.*, CASE WHEN r.wanted IS NULL THEN r.granted
                     ELSE ARRAY(SELECT unnest(r.granted) INTERSECT SELECT unnest(r.wanted)) END AS shown
    FROM (SELECT {columns},
                 CASE WHEN {sees_all} THEN '{{}}'::text[] ELSE granted_targets({client}) END AS granted
          FROM {table}) r
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
             THEN jsonb_set(c.object, '{targets}', to_jsonb(visible_targets(c.targets, r.shown)))
             ELSE c.object END"""

_SUBSCRIPTION_READERS = _READERS.format(
    columns="s.id, s.seq, s.client_id, s.owner_sees_all AS sees_all, s.program_id, s.object_operations, "
    "nullif(s.targets, '{}') AS wanted",
    sees_all="s.owner_sees_all",
    client="s.client_id",
    table="subscription s",
)
_MQTT_READERS = _READERS.format(
    columns="m.client_id, m.sees_all, NULL::text[] AS wanted",
    sees_all="m.sees_all",
    client="m.client_id",
    table="mqtt_client m",
)

_WEBHOOKS = f"""
WITH {_SUBSCRIPTION_READERS}
INSERT INTO delivery (change_seq, channel, queue, subscription_id, url, bearer_token, payload)
SELECT c.seq, 'webhook', r.id || ' ' || op.url, r.id, op.url, op.bearer,
       jsonb_build_object('objectType', c.object_type, 'operation', c.operation, 'object', {_OBJECT})
FROM change c
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
WHERE c.seq = ANY(%(seqs)s) AND {_VISIBLE}
ORDER BY c.seq, r.seq"""

# MQTT: every registered client that may read the change, and for a VEN each of its vens (VEN topics are
# per ven). Topic names are made in Python (topics.py), the one place that knows the layout.
_MQTT = f"""
WITH {_MQTT_READERS}
SELECT c.seq, c.object_type, c.operation, c.object_id, c.program_id, c.ven_id, r.client_id, r.sees_all,
       v.id AS via_ven,
       jsonb_build_object('objectType', c.object_type, 'operation', c.operation, 'object', {_OBJECT}) AS payload
FROM change c
JOIN readers r ON {_VISIBLE}
LEFT JOIN LATERAL (
    SELECT ven.id FROM ven WHERE NOT r.sees_all AND ven.client_id = r.client_id
                             AND (c.object_type IN ('PROGRAM', 'EVENT') OR ven.id = c.ven_id)
    UNION
    SELECT c.ven_id WHERE NOT r.sees_all AND c.object_type IN ('VEN', 'RESOURCE') AND c.owner = r.client_id
) v ON true
WHERE c.seq = ANY(%(seqs)s) AND (r.sees_all OR v.id IS NOT NULL)
ORDER BY c.seq, r.client_id, v.id"""


def fan_out(conn, config: Config, limit: int = 500) -> int:
    """Fan out up to ``limit`` pending changes; returns how many (0 if another worker holds the lock)."""
    if not conn.execute(_LOCK).fetchone()["got"]:
        return 0
    seqs = [row["seq"] for row in conn.execute(_BATCH, {"limit": limit}).fetchall()]
    if not seqs:
        return 0
    conn.execute(_WEBHOOKS, {"seqs": seqs})
    if config.mqtt_uri:
        _fan_out_mqtt(conn, config, seqs)
    conn.execute("UPDATE change SET fanned_out = true WHERE seq = ANY(%(seqs)s)", {"seqs": seqs})
    conn.execute("SELECT pg_notify('vtn_delivery', '')")
    return len(seqs)


def _fan_out_mqtt(conn, config: Config, seqs: list[int]) -> None:
    rows = conn.execute(_MQTT, {"seqs": seqs}).fetchall()
    records = []
    for row in rows:
        for topic in mqtt_topics(config.mqtt_topic_prefix, row):
            records.append((row["seq"], topic, Jsonb(row["payload"])))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO delivery (change_seq, channel, queue, topic, payload) VALUES (%s, 'mqtt', %s, %s, %s)",
            [(seq, topic, topic, payload) for seq, topic, payload in records],
        )


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
