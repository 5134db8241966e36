-- API tokens. Only a SHA-256 of the secret is stored; `key_id` is the public
-- part of a token that finds its row, so the secret itself is only ever
-- compared in constant time.
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    key_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('READER', 'EDITOR', 'ADMIN')),
    working_groups TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);
