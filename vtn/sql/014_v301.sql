-- OpenADR 3.0.1 beside 3.1.0 on one store (docs/versions.md).
--
-- v301: what a 3.0.1 write said that the 3.1.0 columns cannot hold exactly (typed targets whose values are not
-- strings, maps split or repeated; the typed targets of an event's reportDescriptors). Written by 3.0.1 writes,
-- cleared (NULL) by 3.1.0 writes; a 3.0.1 read uses it only while it still agrees with the 3.1.0 columns.
ALTER TABLE program ADD COLUMN v301 jsonb;
ALTER TABLE event ADD COLUMN v301 jsonb;
ALTER TABLE ven ADD COLUMN v301 jsonb;
ALTER TABLE resource ADD COLUMN v301 jsonb;
ALTER TABLE subscription ADD COLUMN v301 jsonb;

-- The version a subscription was last written through: its notifications are sent in that version's format.
ALTER TABLE subscription ADD COLUMN api_version text NOT NULL DEFAULT '3.1.0' CHECK (api_version IN ('3.0.1', '3.1.0'));
