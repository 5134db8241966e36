-- Public and internal data. Everything already stored came from the published
-- plan, so existing rows are PUBLIC; the application creates new objects as
-- INTERNAL unless told otherwise. A goal or KPI of an internal measure is
-- internal whatever its own column says (reads check both).
ALTER TABLE measures ADD COLUMN visibility TEXT NOT NULL DEFAULT 'PUBLIC'
    CHECK (visibility IN ('PUBLIC', 'INTERNAL'));
ALTER TABLE goals ADD COLUMN visibility TEXT NOT NULL DEFAULT 'PUBLIC'
    CHECK (visibility IN ('PUBLIC', 'INTERNAL'));
ALTER TABLE kpis ADD COLUMN visibility TEXT NOT NULL DEFAULT 'PUBLIC'
    CHECK (visibility IN ('PUBLIC', 'INTERNAL'));

-- Tokens for a citizen portal that must authenticate but may read only what
-- anonymous callers read.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('PUBLIC', 'READER', 'EDITOR', 'ADMIN'));
