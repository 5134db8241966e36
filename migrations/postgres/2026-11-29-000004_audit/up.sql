-- The append-only audit trail. Each entry's `hash` is the SHA-256 of its
-- content and of `prev_hash` (the previous entry's hash), so editing or
-- deleting an entry breaks the chain. Ids are assigned by the writer
-- (1, 2, 3, … without gaps) because they are part of the hashed content.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    changes TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- The chain's head. Every write transaction updates this one row first, which
-- serialises writers on both backends (a row lock on PostgreSQL, the write
-- lock on SQLite), so entries chain in commit order. It also records the last
-- entry, so that deleting entries from the end is detected too.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
