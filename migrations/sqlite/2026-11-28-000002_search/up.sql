-- Search: one document per measure, goal and KPI, its text case-folded by the
-- application, in an FTS5 table whose trigram tokenizer finds substrings
-- ("portal" in "Bürgerportal": German compounds). SQLite dialect of
-- migrations/postgres (a trigram index there).
CREATE VIRTUAL TABLE search_documents USING fts5(
    entity_type UNINDEXED,
    entity_id UNINDEXED,
    plan_id UNINDEXED,
    body,
    tokenize = 'trigram'
);
