CREATE TABLE api_tokens_old (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    key_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('READER', 'EDITOR', 'ADMIN')),
    working_groups TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);
INSERT INTO api_tokens_old SELECT id, name, key_id, secret_hash, role, working_groups,
    created_at, expires_at, revoked_at FROM api_tokens WHERE role <> 'PUBLIC';
DROP TABLE api_tokens;
ALTER TABLE api_tokens_old RENAME TO api_tokens;
ALTER TABLE kpis DROP COLUMN visibility;
ALTER TABLE goals DROP COLUMN visibility;
ALTER TABLE measures DROP COLUMN visibility;
