-- Report ingest writes ~1,000 reading rows per report (bench/README.md, scenario 3). Two costs per row are gone:
-- the foreign key's row-by-row check (readings are written only by their report's own transaction, right after
-- the report row: store/readings.py index_report) and an index no query reads (reading_event: verification
-- reads by VEN, type and time through reading_window). A deleted report still takes its readings with it, in one
-- statement instead of a cascade per row.
ALTER TABLE reading DROP CONSTRAINT reading_report_id_fkey;
DROP INDEX reading_event;

CREATE FUNCTION report_readings_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reading WHERE report_id IN (SELECT id FROM removed);
    RETURN NULL;
END $$;

CREATE TRIGGER report_readings_removed AFTER DELETE ON report REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION report_readings_removed();

-- A report's nested members and an outbox change's object are stored and read back whole, never queried inside:
-- json keeps the text as written (no parse into jsonb's tree on insert, no re-serialisation when a response or a
-- notification embeds it). Fan-out still edits an event's targets for VEN readers, through a jsonb cast.
ALTER TABLE report ALTER COLUMN payload_descriptors TYPE json, ALTER COLUMN resources TYPE json;
ALTER TABLE change ALTER COLUMN object TYPE json;
