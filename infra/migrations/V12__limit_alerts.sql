-- NuScape schema, version 12: limit alerts, raised at most once per limit, kind of alert and day, whatever
-- runs twice or dies halfway.
--
-- limit_marks: what drains touched that limits may count (a device and a UTC day its events fell on). The
-- evaluator claims marks (FOR UPDATE SKIP LOCKED: two evaluators never take the same mark), evaluates the
-- limits they reach, records the alerts and deletes the marks in one transaction: a crash before the commit
-- leaves the marks for the next run, and the alerts' unique key makes a second recording a no-op.
CREATE TABLE limit_marks (
    device_id  uuid        NOT NULL,
    day        date        NOT NULL,
    account_id uuid        NOT NULL,
    marked_at  timestamptz NOT NULL,
    PRIMARY KEY (device_id, day)
);

-- alerts: one row per alert raised, recorded before any delivery. threshold_ms is the warning's
-- warn_before_ms (each warning of a limit is raised once a day), 0 for limit.exceeded. details names the
-- limit, its profile or device and the figures, never a key the device used.
CREATE TABLE alerts (
    alert_id     uuid        PRIMARY KEY,
    account_id   uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    limit_id     uuid        REFERENCES limits ON DELETE SET NULL,
    type         text        NOT NULL CHECK (type IN ('limit.warning', 'limit.exceeded', 'quota.warning', 'quota.exceeded')),
    day          date        NOT NULL,
    threshold_ms bigint      NOT NULL DEFAULT 0,
    raised_at    timestamptz NOT NULL,
    details      jsonb       NOT NULL
);
CREATE UNIQUE INDEX alerts_once ON alerts (limit_id, type, day, threshold_ms) WHERE limit_id IS NOT NULL;
CREATE INDEX alerts_by_account ON alerts (account_id, raised_at);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nuscape_alerts') THEN
        BEGIN
            CREATE ROLE nuscape_alerts LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- another database's migration created it first
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
        GRANT rds_iam TO nuscape_alerts;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO nuscape_alerts', current_database());
END;
$$;
GRANT USAGE ON SCHEMA public TO nuscape_alerts;

-- The evaluator: claims marks, reads limits, profiles, devices, category rules, rollups and presence,
-- records alerts. It changes nothing else.
-- FOR UPDATE (claiming a mark) takes an UPDATE privilege; the evaluator never updates one.
GRANT SELECT, DELETE, UPDATE (marked_at) ON limit_marks TO nuscape_alerts;
GRANT SELECT ON limits, profiles, category_rule_sets, category_rules, usage_1m, usage_5m, usage_60m, usage_presence TO nuscape_alerts;
GRANT SELECT (device_id, account_id, profile_id, revoked_at, erased_at, enrolled_at) ON devices TO nuscape_alerts;
GRANT SELECT, INSERT ON alerts TO nuscape_alerts;
-- The drainer marks what it touched; the API lists alerts and marks changed limits; erasure removes a device's marks.
GRANT SELECT, INSERT, UPDATE (marked_at) ON limit_marks TO nuscape_drainer;
GRANT SELECT ON alerts TO nuscape_api;
-- A limit made or changed marks its devices for today: a lower limit alerts without waiting for a drain.
GRANT SELECT, INSERT, UPDATE (marked_at) ON limit_marks TO nuscape_api;
GRANT SELECT, DELETE ON limit_marks TO nuscape_erasure;
GRANT SELECT, DELETE ON limit_marks TO nuscape_retention; -- marks too old to raise an alert, if no evaluator took them
GRANT SELECT, UPDATE (details) ON alerts TO nuscape_erasure;

-- When a device's erasure completes (whatever release completes it): its marks go, and the alerts of its
-- limits keep their figures but no longer name it. An alert's details name a device only as device_id.
CREATE FUNCTION erase_device_alerts() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM limit_marks WHERE device_id = NEW.device_id;
    UPDATE alerts SET details = details - 'device_id'
    WHERE account_id = NEW.account_id AND details ->> 'device_id' = NEW.device_id::text;
    RETURN NULL;
END;
$$;
CREATE TRIGGER devices_erased_alerts AFTER UPDATE OF erased_at ON devices
    FOR EACH ROW WHEN (NEW.erased_at IS NOT NULL AND OLD.erased_at IS NULL) EXECUTE FUNCTION erase_device_alerts();
