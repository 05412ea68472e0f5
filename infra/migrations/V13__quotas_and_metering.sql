-- NuScape schema, version 13: monthly event quotas and metering.
--
-- Ingest counts the events it accepts per account and UTC month in Redis (ingest.lua, in the request's one
-- round trip) and enforces the quota there; Postgres holds the policy and what the drainer counted.

ALTER TABLE policies
    ADD COLUMN monthly_event_quota bigint CHECK (monthly_event_quota >= 0), -- NULL: no quota
    ADD COLUMN quota_mode text NOT NULL DEFAULT 'soft' CHECK (quota_mode IN ('soft', 'hard'));

-- metering: per account and UTC month (of the time ingest received the events), the events the drainer
-- counted into the rollups for the first time (duplicates and dropped events excluded). Written in the
-- rollup transaction, so it is exactly as durable and as deduplicated as the rollups themselves.
CREATE TABLE metering (
    account_id     uuid   NOT NULL REFERENCES accounts ON DELETE CASCADE,
    month          date   NOT NULL CHECK (extract(day FROM month) = 1),
    events_counted bigint NOT NULL DEFAULT 0 CHECK (events_counted >= 0),
    PRIMARY KEY (account_id, month)
);

-- Quota alerts have no limit: at most one of each type per account and month (day is the month's first).
CREATE UNIQUE INDEX alerts_quota_once ON alerts (account_id, type, day) WHERE type IN ('quota.warning', 'quota.exceeded');

GRANT SELECT (account_id, rate_limit_events_per_minute, monthly_event_quota, quota_mode, updated_at) ON policies TO nuscape_drainer;
GRANT SELECT, INSERT, UPDATE (events_counted) ON metering TO nuscape_drainer;
-- The drainer records the quota alerts that ingest flagged on the entries it drains, through this function
-- only: it cannot write any other alert (a limit alert is delivered to customers' webhooks as it stands).
CREATE FUNCTION record_quota_alert(p_alert_id uuid, p_account_id uuid, p_type text, p_month date, p_raised_at timestamptz,
                                   p_details jsonb) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF p_type NOT IN ('quota.warning', 'quota.exceeded') THEN
        RAISE EXCEPTION 'not a quota alert: %', p_type;
    END IF;
    IF p_month <> date_trunc('month', p_month)::date THEN
        RAISE EXCEPTION 'a quota alert''s day is the first of its month, not %', p_month;
    END IF;
    INSERT INTO alerts (alert_id, account_id, limit_id, type, day, threshold_ms, raised_at, details)
    VALUES (p_alert_id, p_account_id, NULL, p_type, p_month, 0, p_raised_at, p_details)
    ON CONFLICT (account_id, type, day) WHERE type IN ('quota.warning', 'quota.exceeded') DO NOTHING;
    RETURN FOUND;
END;
$$;
REVOKE ALL ON FUNCTION record_quota_alert(uuid, uuid, text, date, timestamptz, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION record_quota_alert(uuid, uuid, text, date, timestamptz, jsonb) TO nuscape_drainer;
GRANT SELECT ON metering TO nuscape_api;
