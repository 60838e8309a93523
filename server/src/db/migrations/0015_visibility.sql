-- Who may see a dataset (issue 15): public (anyone, the default: open data), org (keys of
-- the owning organisation, and admin keys) or private (the owner's publish keys, and admin
-- keys). A reload keeps both: the loader's upsert does not name them.
ALTER TABLE rummet.datasets
    ADD COLUMN organisation text REFERENCES rummet.organisations (id),
    ADD COLUMN visibility text NOT NULL DEFAULT 'public'
        CHECK (visibility IN ('public', 'org', 'private')),
    ADD CONSTRAINT datasets_owner_for_restricted
        CHECK (visibility = 'public' OR organisation IS NOT NULL);
