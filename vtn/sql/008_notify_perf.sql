-- Notification fan-out and delivery at scale (vtn/notify/fanout.py, worker.py).

-- MQTT is fanned out in its own transaction, ahead of webhooks: a change carries one mark per channel.
-- Changes already fanned out were fanned out to both.
ALTER TABLE change ADD COLUMN mqtt_fanned_out boolean NOT NULL DEFAULT false;
UPDATE change SET mqtt_fanned_out = true WHERE fanned_out;
CREATE INDEX change_mqtt_pending ON change (seq) WHERE NOT mqtt_fanned_out;

-- Claiming due deliveries: one index in the claim's own order, per channel, so that a claim of a batch of
-- queue heads reads only as many pending rows as it needs, whatever the planner's statistics say. It
-- replaces delivery_due, which mixed the two channels.
CREATE INDEX delivery_ready ON delivery (channel, due, id) WHERE state = 'pending';
DROP INDEX delivery_due;
