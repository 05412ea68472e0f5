-- NuScape schema, version 6: people and keys. Account users (admin, viewer) with Argon2id password
-- hashes, invitations, sessions with rotating refresh tokens, API keys, device enrollment codes, and the
-- audit log of every change a person or key makes. Every secret handed out (invitation, refresh token,
-- API key, enrollment code) is stored only as its SHA-256: they are random (128 bits and more, or short
-- lived and single use), so a plain hash is enough to make a copy of the table useless.

-- Email is unique across accounts: sign-in takes an email and a password, nothing else. Stored lower-case.
-- password_hash is NULL until the user's invitation is accepted.
CREATE TABLE users (
    user_id       uuid        PRIMARY KEY,
    account_id    uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    email         text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email = lower(email)),
    role          text        NOT NULL CHECK (role IN ('admin', 'viewer')),
    password_hash text,
    created_at    timestamptz NOT NULL,
    activated_at  timestamptz,
    CHECK ((password_hash IS NULL) = (activated_at IS NULL))
);
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_by_account ON users (account_id, created_at);

CREATE TABLE invitations (
    token_hash  bytea       PRIMARY KEY,
    account_id  uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    user_id     uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz
);
CREATE INDEX invitations_by_user ON invitations (user_id);
CREATE INDEX invitations_expires_at ON invitations (expires_at);

-- A session is one sign-in; its refresh tokens form a chain, each used once. A token presented a second
-- time revokes the session (someone holds a copy). Deleting the user ends its sessions.
CREATE TABLE sessions (
    session_id     uuid        PRIMARY KEY,
    account_id     uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    user_id        uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_reason text        CHECK (revoked_reason IN ('signed_out', 'reused'))
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE refresh_tokens (
    token_hash bytea       PRIMARY KEY,
    session_id uuid        NOT NULL REFERENCES sessions ON DELETE CASCADE,
    issued_at  timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

-- key_prefix: the first characters of the key, shown in lists so that people can tell keys apart.
CREATE TABLE api_keys (
    api_key_id   uuid        PRIMARY KEY,
    account_id   uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    key_hash     bytea       NOT NULL UNIQUE,
    key_prefix   text        NOT NULL,
    scopes       text[]      NOT NULL CHECK (scopes <@ ARRAY['read', 'admin'] AND cardinality(scopes) >= 1),
    created_at   timestamptz NOT NULL,
    created_by   text        NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_by_account ON api_keys (account_id, created_at);

-- profile_id: the profile a device enrolled with this code joins (profiles come with a later version).
CREATE TABLE enrollment_codes (
    code_hash  bytea       PRIMARY KEY,
    account_id uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    profile_id uuid,
    created_at timestamptz NOT NULL,
    created_by text        NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    device_id  uuid
);
CREATE INDEX enrollment_codes_expires_at ON enrollment_codes (expires_at);

-- Who changed what, by id only (user:…, api_key:…, device:…, token:…), so that erasing a device or
-- deleting a user leaves nothing personal here to erase. Kept as long as the account's 60m rollups.
CREATE TABLE audit_log (
    entry_id   bigint      GENERATED ALWAYS AS IDENTITY,
    account_id uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    actor      text        NOT NULL CHECK (length(actor) BETWEEN 1 AND 300),
    action     text        NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    target     text        CHECK (length(target) <= 300),
    PRIMARY KEY (account_id, at, entry_id)
);

-- ApiFunction: people, sessions, keys and codes; the audit log only grows through it.
GRANT SELECT, INSERT, UPDATE (role, password_hash, activated_at), DELETE ON users TO nuscape_api;
GRANT SELECT, INSERT, UPDATE (accepted_at) ON invitations TO nuscape_api;
GRANT SELECT, INSERT, UPDATE (revoked_at, revoked_reason) ON sessions TO nuscape_api;
GRANT SELECT, INSERT, UPDATE (used_at) ON refresh_tokens TO nuscape_api;
GRANT SELECT, INSERT, UPDATE (last_used_at, revoked_at) ON api_keys TO nuscape_api;
GRANT SELECT, INSERT, UPDATE (used_at, device_id) ON enrollment_codes TO nuscape_api;
GRANT SELECT, INSERT ON audit_log TO nuscape_api;

-- RetentionFunction: expired audit entries, ended sessions, spent invitations and codes.
GRANT SELECT (account_id, at, entry_id), DELETE ON audit_log TO nuscape_retention;
GRANT SELECT (session_id, expires_at, revoked_at), DELETE ON sessions TO nuscape_retention;
GRANT SELECT (token_hash, expires_at), DELETE ON invitations TO nuscape_retention;
GRANT SELECT (code_hash, expires_at), DELETE ON enrollment_codes TO nuscape_retention;
