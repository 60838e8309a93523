-- Organisations, their API keys and the audit trail of every write (issue 15).

CREATE TABLE rummet.organisations (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A key is shown once as rmt_<id>_<secret>; only the SHA-256 of the secret is kept (the
-- secret is 256 random bits, so a fast hash is as good as a slow one and costs a request
-- nothing). `id` is public: it names the key in lists and the audit trail.
CREATE TABLE rummet.api_keys (
    id           text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{12}$'),
    organisation text NOT NULL REFERENCES rummet.organisations (id),
    scope        text NOT NULL CHECK (scope IN ('read', 'publish', 'admin')),
    label        text NOT NULL DEFAULT '',
    secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX api_keys_organisation ON rummet.api_keys (organisation);

CREATE TABLE rummet.audit (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    organisation text,
    key_id       text,
    actor        text NOT NULL,
    action       text NOT NULL,
    target       text NOT NULL DEFAULT '',
    result       text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON rummet.audit (at DESC);
