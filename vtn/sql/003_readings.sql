-- Telemetry index: every numeric value of every report, one row per (report, resource, payload type, interval,
-- sub-interval), written in the report's own transaction, so that load-shed verification reads time series per
-- VEN (client), resource and payload type without opening report documents. A corrected report (PUT)
-- replaces its rows; a deleted report takes them with it.
CREATE TABLE reading (
    report_id      text NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    client_id      text NOT NULL,
    event_id       text NOT NULL,
    program_id     text NOT NULL,
    resource_name  text NOT NULL,
    payload_type   text NOT NULL,
    interval_id    integer NOT NULL,
    sub_interval   integer NOT NULL DEFAULT 0,     -- position in a multi-valued payload (User Guide 7.3)
    starts         timestamptz,                    -- NULL when the report gives no timing for the interval
    ends           timestamptz,
    value          double precision,               -- NULL for a non-numeric value
    text_value     text,                           -- a non-numeric value as sent
    reading_type   text,                           -- from the report's payloadDescriptor for the type
    units          text,
    quality        text                            -- the interval's DATA_QUALITY (OK, MISSING, ESTIMATED, BAD)
);
CREATE INDEX reading_report ON reading (report_id);
CREATE INDEX reading_series ON reading (client_id, resource_name, payload_type, starts);
CREATE INDEX reading_event ON reading (event_id, payload_type, starts);
