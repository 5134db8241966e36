DELETE FROM api_tokens WHERE role = 'PUBLIC';
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('READER', 'EDITOR', 'ADMIN'));
ALTER TABLE kpis DROP COLUMN visibility;
ALTER TABLE goals DROP COLUMN visibility;
ALTER TABLE measures DROP COLUMN visibility;
