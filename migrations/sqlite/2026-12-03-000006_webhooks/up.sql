-- Webhooks and their outbox (SQLite dialect of migrations/postgres). A delivery row is written in the transaction of
-- the change it reports (with its audit entry), so a committed change always
-- has its deliveries and a rolled-back one never. The signing secret must be
-- readable to sign with, so it is stored as given out (admins only reach it).
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    -- JSON list of audit entity types; NULL: every type.
    entity_types TEXT,
    measure_id BIGINT REFERENCES measures (id),
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    deleted_at TIMESTAMP
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
    audit_id BIGINT NOT NULL REFERENCES audit_log (id),
    status TEXT NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    delivered_at TIMESTAMP,
    UNIQUE (webhook_id, audit_id)
);
CREATE INDEX webhook_deliveries_pending
    ON webhook_deliveries (webhook_id, audit_id) WHERE status = 'PENDING';
