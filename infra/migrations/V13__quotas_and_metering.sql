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
-- The drainer records the quota alerts that ingest flagged on the entries it drains; ON CONFLICT needs to
-- read the conflict target's columns, nothing else of an alert.
GRANT SELECT (account_id, type, day), INSERT ON alerts TO nuscape_drainer;
GRANT SELECT ON metering TO nuscape_api;
