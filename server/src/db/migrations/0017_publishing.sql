-- Publishing over HTTP (issue 15): load jobs and the versions kept for rollback.

-- Jobs started over HTTP (uploads, replacements, reloads, seeds, rollbacks): what runs, how far
-- it has come and how it ended, seen alike by every server. A running job's server writes
-- `updated_at` every second; one silent for a minute was cut off with its server.
CREATE TABLE rummet.jobs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('upload', 'replace', 'reload', 'seed', 'rollback')),
    dataset      text NOT NULL,
    organisation text,
    key_id       text,
    state        text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'succeeded', 'failed')),
    phase        text NOT NULL DEFAULT 'queued',
    rows         bigint NOT NULL DEFAULT 0,
    total        bigint,
    report       jsonb,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
-- One running job per dataset: a second upload of it while one runs is refused (409).
CREATE UNIQUE INDEX jobs_one_running ON rummet.jobs (dataset) WHERE state = 'running';
CREATE INDEX jobs_created ON rummet.jobs (id DESC);

-- Versions a load or a rollback replaced, kept for rollback: the registry row and the parts
-- as they were, and the table, which stays.
CREATE TABLE rummet.dataset_versions (
    dataset    text NOT NULL,
    version    bigint NOT NULL,
    table_name text NOT NULL,
    registry   jsonb NOT NULL,
    parts      jsonb NOT NULL DEFAULT '[]',
    retired_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, version)
);
