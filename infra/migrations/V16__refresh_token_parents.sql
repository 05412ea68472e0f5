-- Each refresh token names the token it replaced, so that a refresh whose answer was lost can be told from a
-- stolen copy: presenting a token again within seconds, while the token issued for it was never used, retires
-- that unseen successor instead of ending the session (PostgresSessionStore.refresh).
ALTER TABLE refresh_tokens ADD COLUMN replaces bytea;
CREATE INDEX refresh_tokens_by_replaced ON refresh_tokens (replaces) WHERE replaces IS NOT NULL;
