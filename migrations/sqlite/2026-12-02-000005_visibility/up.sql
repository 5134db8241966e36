-- Public and internal data. Everything already stored came from the published
-- plan, so existing rows are PUBLIC; the application creates new objects as
-- INTERNAL unless told otherwise. A goal or KPI of an internal measure is
-- internal whatever its own column says (reads check both). SQLite dialect of
-- migrations/postgres.
ALTER TABLE measures ADD COLUMN visibility TEXT NOT NULL DEFAULT 'PUBLIC'
    CHECK (visibility IN ('PUBLIC', 'INTERNAL'));
ALTER TABLE goals ADD COLUMN visibility TEXT NOT NULL DEFAULT 'PUBLIC'
    CHECK (visibility IN ('PUBLIC', 'INTERNAL'));
ALTER TABLE kpis ADD COLUMN visibility TEXT NOT NULL DEFAULT 'PUBLIC'
    CHECK (visibility IN ('PUBLIC', 'INTERNAL'));

-- Tokens for a citizen portal that must authenticate but may read only what
-- anonymous callers read. SQLite cannot change a CHECK constraint, so the
-- table is rebuilt (nothing references it).
CREATE TABLE api_tokens_new (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    key_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('PUBLIC', 'READER', 'EDITOR', 'ADMIN')),
    working_groups TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);
INSERT INTO api_tokens_new SELECT id, name, key_id, secret_hash, role, working_groups,
    created_at, expires_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
