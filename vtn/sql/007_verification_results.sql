-- Verification at fleet scale (docs/verification.md, "How verification reads telemetry"): usable power stored per
-- reading, an index that reads an event's windows without the heap, per-report extents of each resource's series,
-- and stored verification results for settlement files.

-- The reading as average kW, NULL when it may not be used (no numeric value, DATA_QUALITY MISSING or BAD, or an
-- energy reading without a positive duration): energy (USAGE, or Wh/kWh/MWh units) over the interval's hours,
-- power (W/kW/MW) as is. Float operations in the order the reference in vtn/verify/baselines.py expects.
ALTER TABLE reading ADD COLUMN kw double precision GENERATED ALWAYS AS (
    CASE
        WHEN value IS NULL OR quality IN ('MISSING', 'BAD') THEN NULL
        WHEN payload_type = 'USAGE' OR upper(units) IN ('WH', 'KWH', 'MWH') THEN
            CASE WHEN ends > starts THEN
                value * CASE upper(units) WHEN 'WH' THEN 0.001::float8 WHEN 'MWH' THEN 1000.0::float8 ELSE 1.0::float8 END
                / (extract(epoch FROM ends - starts)::float8 / 3600::float8)
            END
        ELSE value * CASE upper(units) WHEN 'W' THEN 0.001::float8 WHEN 'MW' THEN 1000.0::float8 ELSE 1.0::float8 END
    END
) STORED;

-- A VEN's readings of one type by time, with what verification needs (index-only scans of an event's windows).
DROP INDEX reading_series;
CREATE INDEX reading_window ON reading (client_id, payload_type, starts) INCLUDE (ends, kw, resource_name);

-- Per report, resource and payload type: the extent of its timed readings. Kept by the triggers below, so that
-- verification finds the resources that reported in a period without reading the period.
CREATE TABLE reading_span (
    report_id      text NOT NULL REFERENCES report (id) ON DELETE CASCADE,
    resource_name  text NOT NULL,
    payload_type   text NOT NULL,
    client_id      text NOT NULL,
    first_start    timestamptz NOT NULL,   -- min(starts)
    last_start     timestamptz NOT NULL,   -- max(starts)
    first_end      timestamptz NOT NULL,   -- min(ends)
    last_end       timestamptz NOT NULL,   -- max(ends)
    PRIMARY KEY (report_id, resource_name, payload_type)
);
CREATE INDEX reading_span_series ON reading_span (client_id, resource_name, payload_type, last_end);

-- Every (client, resource, payload type) ever read, with its longest reading: how far before a window a reading
-- that overlaps it can start. Only grows (a longer bound costs scan width, never correctness).
CREATE TABLE reading_key (
    client_id      text NOT NULL,
    resource_name  text NOT NULL,
    payload_type   text NOT NULL,
    longest        interval NOT NULL,
    PRIMARY KEY (client_id, resource_name, payload_type)
);

CREATE FUNCTION reading_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reading_span AS s (report_id, resource_name, payload_type, client_id, first_start, last_start,
                                   first_end, last_end)
    SELECT report_id, resource_name, payload_type, min(client_id), min(starts), max(starts), min(ends), max(ends)
    FROM added WHERE starts IS NOT NULL AND ends IS NOT NULL
    GROUP BY report_id, resource_name, payload_type
    ON CONFLICT (report_id, resource_name, payload_type) DO UPDATE
    SET first_start = least(s.first_start, EXCLUDED.first_start), last_start = greatest(s.last_start, EXCLUDED.last_start),
        first_end = least(s.first_end, EXCLUDED.first_end), last_end = greatest(s.last_end, EXCLUDED.last_end);
    INSERT INTO reading_key AS k (client_id, resource_name, payload_type, longest)
    SELECT client_id, resource_name, payload_type, greatest(max(ends - starts), interval '0')
    FROM added WHERE starts IS NOT NULL AND ends IS NOT NULL
    GROUP BY client_id, resource_name, payload_type
    ON CONFLICT (client_id, resource_name, payload_type) DO UPDATE SET longest = EXCLUDED.longest
    WHERE EXCLUDED.longest > k.longest;
    RETURN NULL;
END $$;

-- Readings leave with their report (a correction replaces them): recompute the extents of the reports touched.
CREATE FUNCTION reading_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reading_span WHERE report_id IN (SELECT DISTINCT report_id FROM removed);
    INSERT INTO reading_span (report_id, resource_name, payload_type, client_id, first_start, last_start, first_end,
                              last_end)
    SELECT r.report_id, r.resource_name, r.payload_type, min(r.client_id), min(r.starts), max(r.starts), min(r.ends),
           max(r.ends)
    FROM reading r WHERE r.report_id IN (SELECT DISTINCT report_id FROM removed)
      AND r.starts IS NOT NULL AND r.ends IS NOT NULL
    GROUP BY r.report_id, r.resource_name, r.payload_type;
    RETURN NULL;
END $$;

CREATE TRIGGER reading_added AFTER INSERT ON reading REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION reading_added();
CREATE TRIGGER reading_removed AFTER DELETE ON reading REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION reading_removed();

INSERT INTO reading_span (report_id, resource_name, payload_type, client_id, first_start, last_start, first_end,
                          last_end)
SELECT report_id, resource_name, payload_type, min(client_id), min(starts), max(starts), min(ends), max(ends)
FROM reading WHERE starts IS NOT NULL AND ends IS NOT NULL
GROUP BY report_id, resource_name, payload_type;
INSERT INTO reading_key (client_id, resource_name, payload_type, longest)
SELECT client_id, resource_name, payload_type, greatest(max(ends - starts), interval '0')
FROM reading WHERE starts IS NOT NULL AND ends IS NOT NULL
GROUP BY client_id, resource_name, payload_type;

-- The last transaction that wrote (created, corrected or deleted) a report of each client: a stored verification
-- whose snapshot does not see it may be stale (vtn/verify/results.py).
CREATE TABLE report_change (
    client_id  text PRIMARY KEY,
    xid        xid8 NOT NULL
);
CREATE INDEX report_change_xid ON report_change (xid);  -- the changes a stored snapshot may not have seen

CREATE FUNCTION report_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_change AS c (client_id, xid)
    SELECT DISTINCT client_id, pg_current_xact_id() FROM changed
    ON CONFLICT (client_id) DO UPDATE SET xid = EXCLUDED.xid WHERE c.xid <> EXCLUDED.xid;
    RETURN NULL;
END $$;

CREATE TRIGGER report_inserted AFTER INSERT ON report REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION report_changed();
CREATE TRIGGER report_updated AFTER UPDATE ON report REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION report_changed();
CREATE TRIGGER report_deleted AFTER DELETE ON report REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION report_changed();

-- A stored verification of one event, with what it was computed from (staleness: docs/verification.md).
CREATE TABLE verification_run (
    event_id        text PRIMARY KEY REFERENCES event (id),
    computed_at     timestamptz NOT NULL DEFAULT now(),
    method          text NOT NULL,            -- version of the computation (vtn/verify/results.py METHOD)
    snapshot        pg_snapshot NOT NULL,     -- the database state it read
    event_modified  timestamptz NOT NULL,     -- the event as it was
    settings        jsonb NOT NULL,           -- the program's verification settings as they were
    excluded        date[] NOT NULL,          -- the program's event days before the event, as they were
    clients         text[] NOT NULL           -- the VENs that had reported on the event
);

-- Its figures: per VEN (resource_name '') and per resource, in the order the verification gives them; with the
-- resources' per-slot kW, from which figures.py gives the verification endpoint's answer again.
CREATE TABLE verification_result (
    event_id       text NOT NULL REFERENCES verification_run (event_id) ON DELETE CASCADE,
    ord            integer NOT NULL,
    client_id      text NOT NULL,
    resource_name  text NOT NULL,
    baseline_kwh   double precision,
    measured_kwh   double precision,
    shed_kwh       double precision,
    exported_kwh   double precision,
    max_shed_kw    double precision,
    compliant      boolean,
    completeness   double precision NOT NULL,
    figures_csv    text NOT NULL,             -- the figures as a settlement CSV line shows them (settlement.py)
    baseline_kw    double precision[],        -- a resource's per-slot baseline and measured kW (NULL on VEN rows)
    measured_kw    double precision[],
    PRIMARY KEY (event_id, ord)
);
CREATE INDEX verification_result_vens ON verification_result (event_id, ord) WHERE resource_name = '';

-- A text as one field of a settlement CSV line: quoted, its quotes doubled, when it holds a comma, a quote or a line
-- break (RFC 4180; what csv.writer and vtn/verify/settlement.py write); NULL is empty.
CREATE FUNCTION csv_field(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value IS NULL THEN ''
                WHEN value ~ E'[,"\r\n]' THEN '"' || replace(value, '"', '""') || '"'
                ELSE value END
$$;
