-- NuScape schema, version 11: daily limits on a profile or a device, on everything, a category or one key,
-- counted per calendar day in the limit's own time zone, with warnings before the limit.
-- The composite keys keep a limit on a profile or device of its own account; deleting the profile (the
-- API audits each limit that goes with it), or erasing the device, deletes its limits.
ALTER TABLE devices ADD CONSTRAINT devices_account_device UNIQUE (account_id, device_id);

CREATE TABLE limits (
    limit_id       uuid        PRIMARY KEY,
    account_id     uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    profile_id     uuid,
    device_id      uuid,
    target         text        NOT NULL CHECK (target IN ('all', 'category', 'key')),
    category       text        CHECK (length(category) BETWEEN 1 AND 50),
    kind           text        CHECK (length(kind) BETWEEN 1 AND 32),
    key            text        CHECK (length(key) BETWEEN 1 AND 256),
    daily_ms       bigint      NOT NULL CHECK (daily_ms BETWEEN 0 AND 86400000),
    tz             text        NOT NULL CHECK (length(tz) BETWEEN 1 AND 64),
    warn_before_ms bigint[]    NOT NULL DEFAULT '{}' CHECK (cardinality(warn_before_ms) <= 5),
    -- Warnings come before the limit: a warning at or past it would warn with nothing used. A limit of 0
    -- (not at all) has none.
    CONSTRAINT limits_warnings_before_limit CHECK (0 < ALL (warn_before_ms) AND daily_ms > ALL (warn_before_ms)
                                                   AND array_position(warn_before_ms, NULL) IS NULL),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CHECK ((profile_id IS NULL) <> (device_id IS NULL)),
    CHECK ((target = 'all' AND category IS NULL AND kind IS NULL AND key IS NULL)
        OR (target = 'category' AND category IS NOT NULL AND kind IS NULL AND key IS NULL)
        OR (target = 'key' AND category IS NULL AND kind IS NOT NULL AND key IS NOT NULL)),
    CONSTRAINT limits_profile_same_account FOREIGN KEY (account_id, profile_id) REFERENCES profiles (account_id, profile_id) ON DELETE CASCADE,
    CONSTRAINT limits_device_same_account FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, device_id) ON DELETE CASCADE
);
CREATE INDEX limits_by_account ON limits (account_id, created_at, limit_id);
CREATE INDEX limits_by_profile ON limits (profile_id) WHERE profile_id IS NOT NULL;
CREATE INDEX limits_by_device ON limits (device_id) WHERE device_id IS NOT NULL;

GRANT SELECT, INSERT, UPDATE (daily_ms, tz, warn_before_ms, updated_at), DELETE ON limits TO nuscape_api;
-- An erased device's limits go when its erasure completes, whatever release completes it (as V10 does for
-- presence): the trigger runs as the erasure's role, which may delete them and nothing else.
CREATE FUNCTION erase_device_limits() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM limits WHERE device_id = NEW.device_id AND account_id = NEW.account_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER devices_erased_limits AFTER UPDATE OF erased_at ON devices
    FOR EACH ROW WHEN (NEW.erased_at IS NOT NULL AND OLD.erased_at IS NULL) EXECUTE FUNCTION erase_device_limits();
GRANT SELECT (limit_id, account_id, device_id), DELETE ON limits TO nuscape_erasure;
