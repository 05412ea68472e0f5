-- NuScape schema, version 4: the drainer rebuilds ingest's Redis copy of revocations, token generations and
-- rate limits from these tables (IngestRuleReconciler): every minute what changed since its last run, and
-- everything when the copy was lost or the shard count changed.

-- "Changed since" reads: partial indexes, so only the few revoked devices and recent rotations are indexed.
CREATE INDEX devices_revoked_at ON devices (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX devices_erased_at ON devices (erased_at) WHERE erased_at IS NOT NULL;
CREATE INDEX device_token_supersessions_at ON device_token_supersessions (superseded_at);
CREATE INDEX policies_updated_at ON policies (updated_at);

-- Only what the copy holds: not the retention settings, nor a device's name or platform.
GRANT SELECT (token_generation) ON devices TO nuscape_drainer;
GRANT SELECT (account_id, rate_limit_events_per_minute, updated_at) ON policies TO nuscape_drainer;
