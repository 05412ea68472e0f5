-- NuScape schema, version 2: one least-privileged login role per function, and the DDL they need behind
-- SECURITY DEFINER functions. Ingest has no role: it never touches Postgres. MigrateFunction keeps the
-- schema owner (the RDS master user). The roles get no password here: on AWS they log in through RDS
-- Proxy with IAM auth (rds_iam); elsewhere an operator sets one (ALTER ROLE ... PASSWORD).
--
-- Roles are cluster-wide and this runs once per database: creation is idempotent and tolerates a
-- concurrent migration of another database of the same cluster. Grants are per database.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['nuscape_drainer', 'nuscape_api', 'nuscape_retention', 'nuscape_erasure'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- another database's migration created it first
            END;
        END IF;
        -- RDS only: membership in rds_iam lets the role log in with an IAM auth token.
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
            EXECUTE format('GRANT rds_iam TO %I', r);
        END IF;
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), r);
    END LOOP;
END
$$;

-- Nobody but the owner creates objects in the schema (PostgreSQL 14 and older still let PUBLIC).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO nuscape_drainer, nuscape_api, nuscape_retention, nuscape_erasure;

-- Partitions are made and dropped by these functions, run with the schema owner's rights; a fixed
-- search_path keeps a caller's objects from standing in for the ones they name.
ALTER FUNCTION ensure_usage_partitions(date, date, text[]) SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE ALL ON FUNCTION ensure_usage_partitions(date, date, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ensure_usage_partitions(date, date, text[]) TO nuscape_drainer, nuscape_retention;

-- Detaches (or finalises a pending detach of) and drops one rollup partition. Not CONCURRENTLY: that
-- cannot run inside a function. The parent's ACCESS EXCLUSIVE lock is waited for at most lock_timeout, so
-- a drainer waits behind it a few seconds at worst, and a timed-out drop is done by the next run.
CREATE FUNCTION drop_usage_partition(p_table text, p_partition text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    pending boolean;
BEGIN
    IF p_table NOT IN ('usage_1m', 'usage_5m', 'usage_60m') OR p_partition !~ ('^' || p_table || '_p[0-9]{6}([0-9]{2})?$') THEN
        RAISE EXCEPTION 'not a rollup partition: % of %', p_partition, p_table USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT i.inhdetachpending INTO pending
    FROM pg_inherits i
    WHERE i.inhrelid = to_regclass(p_partition) AND i.inhparent = to_regclass(p_table);
    IF pending THEN
        EXECUTE format('ALTER TABLE %I DETACH PARTITION %I FINALIZE', p_table, p_partition);
    ELSIF pending IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', p_table, p_partition);
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS %I', p_partition);
END;
$$;
REVOKE ALL ON FUNCTION drop_usage_partition(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drop_usage_partition(text, text) TO nuscape_retention;

-- DrainerFunction (PostgresRollupStore): device check and last-seen, dedupe keys, rollup upserts.
GRANT SELECT (device_id, account_id, revoked_at, erased_at, last_seen_at), UPDATE (last_seen_at) ON devices TO nuscape_drainer;
GRANT SELECT (device_id, event_id), INSERT (device_id, event_id) ON event_dedupe TO nuscape_drainer;
GRANT SELECT, INSERT, UPDATE (events, duration_ms) ON usage_1m, usage_5m, usage_60m TO nuscape_drainer;

-- ApiFunction (PostgresControlPlaneStore, PostgresUsageReader): dashboards read rollups; the control plane
-- creates accounts, enrols and revokes devices, rotates tokens, sets policies, records erasure requests.
GRANT SELECT ON usage_1m, usage_5m, usage_60m TO nuscape_api;
GRANT SELECT, INSERT (account_id, name) ON accounts TO nuscape_api;
GRANT SELECT, INSERT (device_id, account_id, name, platform), UPDATE (token_generation, revoked_at) ON devices TO nuscape_api;
GRANT SELECT, INSERT, UPDATE ON policies TO nuscape_api;
GRANT SELECT, INSERT (erasure_id, account_id, device_id) ON erasure_requests TO nuscape_api;

-- RetentionFunction (PostgresRetention): policies read, expired rollups and dedupe keys deleted in
-- batches, partitions made and dropped through the functions above.
GRANT SELECT (account_id, retention_days_1m, retention_days_5m, retention_days_60m) ON policies TO nuscape_retention;
GRANT SELECT, DELETE ON usage_1m, usage_5m, usage_60m, event_dedupe TO nuscape_retention;

-- ErasureFunction (PostgresErasures): a device's rollups and dedupe keys deleted, its record stripped,
-- the request completed. Nothing else: no policies, no accounts.
GRANT SELECT, DELETE ON usage_1m, usage_5m, usage_60m, event_dedupe TO nuscape_erasure;
GRANT SELECT (device_id, account_id, revoked_at, erased_at),
      UPDATE (name, platform, last_seen_at, revoked_at, erased_at) ON devices TO nuscape_erasure;
GRANT SELECT, UPDATE (status, completed_at, progress) ON erasure_requests TO nuscape_erasure;
