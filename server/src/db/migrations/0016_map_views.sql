-- Saved map views (issue 15): what the atlas showed — its URL state (layers, region,
-- choropleth, drawn area, view) — with a title and a description, owned by the organisation
-- that saved it, opened at /m/{slug}.
CREATE TABLE rummet.map_views (
    slug         text PRIMARY KEY CHECK (slug ~ '^[a-z0-9][a-z0-9-]{2,80}$'),
    organisation text NOT NULL REFERENCES rummet.organisations (id),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description  text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    state        text NOT NULL CHECK (length(state) <= 20000),
    visibility   text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'org')),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX map_views_organisation ON rummet.map_views (organisation);
