-- NuScape schema, version 1: control plane, rollups, dedupe keys, erasure requests.
-- Later versions add to this; they never rewrite it.

CREATE TABLE accounts (
    account_id  uuid        PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per account once its policy is changed; absent means the platform defaults.
CREATE TABLE policies (
    account_id                   uuid        PRIMARY KEY REFERENCES accounts ON DELETE CASCADE,
    retention_days_1m            integer     NOT NULL DEFAULT 14  CHECK (retention_days_1m  BETWEEN 1 AND 3660),
    retention_days_5m            integer     NOT NULL DEFAULT 90  CHECK (retention_days_5m  BETWEEN 1 AND 3660),
    retention_days_60m           integer     NOT NULL DEFAULT 400 CHECK (retention_days_60m BETWEEN 1 AND 3660),
    rate_limit_events_per_minute bigint      CHECK (rate_limit_events_per_minute >= 0), -- NULL: platform default
    updated_at                   timestamptz NOT NULL DEFAULT now()
);

-- token_generation: tokens carry it as the "gen" claim; rotation raises it and ingest refuses lower ones.
-- An erased device keeps its row without name and platform, so late events are dropped and the
-- erasure can be reported.
CREATE TABLE devices (
    device_id        uuid        PRIMARY KEY,
    account_id       uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    name             text        CHECK (length(name) BETWEEN 1 AND 200),
    platform         text        CHECK (length(platform) BETWEEN 1 AND 50),
    enrolled_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at     timestamptz,
    token_generation bigint      NOT NULL DEFAULT 1 CHECK (token_generation >= 1),
    revoked_at       timestamptz,
    erased_at        timestamptz
);
CREATE INDEX devices_by_account ON devices (account_id, device_id);

-- Rollups. Key (account_id, device_id, bucket_start, kind, key), indexed in the order dashboards ask:
-- one account, a time range, then kind and key, every device. Range-partitioned by bucket_start so
-- that retention drops whole partitions: usage_1m by day, usage_5m and usage_60m by month. kind and key
-- compare byte-wise (COLLATE "C"): the index is for equality and grouping, and locale-aware comparison
-- made every upsert several times slower.
CREATE TABLE usage_1m (
    account_id   uuid        NOT NULL,
    device_id    uuid        NOT NULL,
    bucket_start timestamptz NOT NULL,
    kind         text        COLLATE "C" NOT NULL,
    key          text        COLLATE "C" NOT NULL,
    events       bigint      NOT NULL DEFAULT 0,
    duration_ms  bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, bucket_start, kind, key, device_id)
) PARTITION BY RANGE (bucket_start);

CREATE TABLE usage_5m  (LIKE usage_1m INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (account_id, bucket_start, kind, key, device_id)) PARTITION BY RANGE (bucket_start);
CREATE TABLE usage_60m (LIKE usage_1m INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (account_id, bucket_start, kind, key, device_id)) PARTITION BY RANGE (bucket_start);

-- Creates the partitions covering [p_from, p_to] that do not exist yet (of all rollup tables, or of those
-- named); safe to run concurrently and repeatedly. Returns how many it created. Boundaries are UTC days
-- and months.
CREATE FUNCTION ensure_usage_partitions(p_from date, p_to date,
                                        p_tables text[] DEFAULT ARRAY['usage_1m', 'usage_5m', 'usage_60m']) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d       date;
    created integer := 0;
    spec    record;
BEGIN
    FOR spec IN SELECT * FROM (VALUES ('usage_1m', 'day'), ('usage_5m', 'month'), ('usage_60m', 'month')) AS s(tbl, unit)
                WHERE s.tbl = ANY (p_tables)
    LOOP
        d := date_trunc(spec.unit, p_from)::date;
        WHILE d <= p_to LOOP
            DECLARE
                next_d date := (d + ('1 ' || spec.unit)::interval)::date;
                part   text := spec.tbl || '_p' || to_char(d, CASE spec.unit WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
            BEGIN
                IF to_regclass(part) IS NULL THEN
                    BEGIN
                        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                                       part, spec.tbl,
                                       (d::timestamp AT TIME ZONE 'UTC'), (next_d::timestamp AT TIME ZONE 'UTC'));
                        created := created + 1;
                    EXCEPTION WHEN duplicate_table THEN
                        NULL; -- another session created it first
                    END;
                END IF;
                d := next_d;
            END;
        END LOOP;
    END LOOP;
    RETURN created;
END;
$$;

-- Event dedupe keys: an event is (device_id, event_id), counted once while its key lives (at least 48 h
-- after first receipt). Keyed by device first so that erasure removes a device's keys by range.
CREATE TABLE event_dedupe (
    device_id  uuid        NOT NULL,
    event_id   uuid        NOT NULL,
    first_seen timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, event_id)
);
-- Rows arrive in first_seen order, so a BRIN index finds expired ranges at almost no write cost.
CREATE INDEX event_dedupe_first_seen ON event_dedupe USING brin (first_seen);

CREATE TABLE erasure_requests (
    erasure_id   uuid        PRIMARY KEY,
    account_id   uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    device_id    uuid        NOT NULL,
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    requested_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    progress     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    CHECK ((status = 'done') = (completed_at IS NOT NULL))
);
CREATE INDEX erasure_requests_pending ON erasure_requests (requested_at) WHERE status = 'pending';
CREATE INDEX erasure_requests_by_account ON erasure_requests (account_id, erasure_id);
