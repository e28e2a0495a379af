-- Response JSON built in PostgreSQL (list endpoints, vtn/store/wire_json.py).

-- The VTN's timestamp format, identical to vtn.wire.fields.format_datetime: RFC 3339 in UTC with a Z,
-- fractional seconds only when present (JSON's ISO 8601 timestamp output does not depend on DateStyle).
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (to_json(t AT TIME ZONE 'UTC') #>> '{}') || 'Z'
$$;

-- Target hiding, as before (001_init.sql) but as one scalar expression the planner can inline per row.
CREATE OR REPLACE FUNCTION visible_targets(p_targets text[], p_shown text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT t FROM unnest(p_targets) WITH ORDINALITY AS u(t, i) WHERE t = ANY (p_shown) ORDER BY i)
$$;
