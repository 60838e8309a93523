-- A dataset loaded from parts (NVDB per län, lämningar per län or kommun): each part's
-- provenance. A part's features have ids in their own range (part_no << 40), so a part is
-- replaced by dropping its range and loading it again; a whole-dataset load clears the list.
CREATE TABLE rummet.dataset_parts (
    dataset     text NOT NULL,
    part        text NOT NULL,
    part_no     integer NOT NULL CHECK (part_no > 0),
    version     bigint NOT NULL,
    source      text NOT NULL,
    sha256      text NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    rows_read   bigint NOT NULL,
    rows_loaded bigint NOT NULL,
    rows_filtered  bigint NOT NULL DEFAULT 0,
    rows_repaired  bigint NOT NULL DEFAULT 0,
    rows_flattened bigint NOT NULL DEFAULT 0,
    warnings    text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (dataset, part),
    UNIQUE (dataset, part_no)
);
