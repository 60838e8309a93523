-- Per unit and value of each few-valued field (at most 64 values, by the overlay's own
-- statistics), the features, first-unit features, length and area: a grouped count, length
-- or area by division is then read, not aggregated from a million overlay rows per request.
CREATE TABLE rummet.overlay_groups (
    dataset text NOT NULL,
    division text NOT NULL,
    field text NOT NULL,
    value text,
    code text NOT NULL,
    features bigint NOT NULL,
    firsts bigint NOT NULL,
    length_m double precision NOT NULL,
    area_m2 double precision NOT NULL
);
CREATE INDEX overlay_groups_pair ON rummet.overlay_groups (dataset, division, field);
-- The fields an overlay has groups for; overlays computed before have none.
ALTER TABLE rummet.overlays ADD COLUMN grouped text[] NOT NULL DEFAULT '{}';
