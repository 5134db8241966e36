-- Search: one document per measure, goal and KPI, its text case-folded by the
-- application. Substring search ("portal" in "Bürgerportal": German compounds)
-- runs on a trigram index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE search_documents (
    entity_type TEXT NOT NULL CHECK (entity_type IN ('MEASURE', 'GOAL', 'KPI')),
    entity_id BIGINT NOT NULL,
    plan_id BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
);
CREATE INDEX search_documents_body_trgm ON search_documents USING gin (body gin_trgm_ops);
