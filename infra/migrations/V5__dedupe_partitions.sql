-- NuScape schema, version 5: dedupe keys in daily range partitions, so the keys being written are a small
-- hot set whatever the window, and expiry drops whole partitions instead of deleting billions of rows.
--
-- dedupe_keys: an event's key lives in the partition of its "dedupe day", computed from the event alone so
-- that every retry of it lands in the same partition and ON CONFLICT stays exact: the day of the time
-- inside a UUIDv7 id when it lies within a day of the event's ts, else the day of the ts (ids without a
-- time, such as v4, and v7 ids from a wrong clock). A device's v7 ids grow with time, so its inserts go to
-- the right edge of its range in today's partition: the working set is a page or so per active device.
-- Only "fresh" events go here: those whose dedupe day is today or yesterday when drained. A partition is
-- kept until its day is older than the window plus two days, so a key stored there lives at least the
-- window.
--
-- dedupe_keys_late: keys of the other events (uploaded days after they happened), partitioned by the day
-- they were stored; kept for the window plus a day. A late event is looked up here and in its dedupe day's
-- partition (a first try may have been fresh); these reads and the insert run under the device's row lock
-- that every drain transaction takes, so concurrent drainers cannot both miss a key.
--
-- The V1 table event_dedupe stays read-only (the drainer also looks keys up in it) until its newest key is
-- older than the window; then retention drops it. No rows are moved and nothing is locked for long.
CREATE TABLE dedupe_keys (
    device_id uuid NOT NULL,
    event_id  uuid NOT NULL,
    day       date NOT NULL,
    PRIMARY KEY (device_id, event_id, day)
) PARTITION BY RANGE (day);

CREATE TABLE dedupe_keys_late (
    device_id uuid NOT NULL,
    event_id  uuid NOT NULL,
    stored_on date NOT NULL,
    PRIMARY KEY (device_id, event_id, stored_on)
) PARTITION BY RANGE (stored_on);

CREATE FUNCTION ensure_dedupe_partitions(p_from date, p_to date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d       date := p_from;
    t       text;
    part    text;
    created integer := 0;
BEGIN
    IF p_to - p_from > 400 THEN
        RAISE EXCEPTION 'at most 400 days of dedupe partitions at once, not %', p_to - p_from USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WHILE d <= p_to LOOP
        FOREACH t IN ARRAY ARRAY['dedupe_keys', 'dedupe_keys_late'] LOOP
            part := t || '_p' || to_char(d, 'YYYYMMDD');
            IF to_regclass(part) IS NULL THEN
                BEGIN
                    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, t, d, d + 1);
                    created := created + 1;
                EXCEPTION WHEN duplicate_table THEN
                    NULL; -- another session created it first
                END;
            END IF;
        END LOOP;
        d := d + 1;
    END LOOP;
    RETURN created;
END;
$$;
REVOKE ALL ON FUNCTION ensure_dedupe_partitions(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ensure_dedupe_partitions(date, date) TO nuscape_drainer, nuscape_retention;

-- Drops the dedupe partitions of days before p_keep_from (dedupe_keys) and p_keep_late_from
-- (dedupe_keys_late), and the V1 table once its newest key was first seen before p_legacy_cutoff.
-- Each parent's lock is waited for at most lock_timeout; what times out is dropped by the next run.
CREATE FUNCTION expire_dedupe_keys(p_keep_from date, p_keep_late_from date, p_legacy_cutoff timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    p       record;
    dropped integer := 0;
BEGIN
    FOR p IN SELECT c.relname AS part,
                    to_date(right(c.relname, 8), 'YYYYMMDD') AS day,
                    (parent.relname = 'dedupe_keys_late') AS late
             FROM pg_inherits i
             JOIN pg_class c ON c.oid = i.inhrelid
             JOIN pg_class parent ON parent.oid = i.inhparent
             WHERE parent.relname IN ('dedupe_keys', 'dedupe_keys_late')
               AND right(c.relname, 9) SIMILAR TO 'p[0-9]{8}'
    LOOP
        IF (p.late AND p.day < p_keep_late_from) OR (NOT p.late AND p.day < p_keep_from) THEN
            EXECUTE format('DROP TABLE %I', p.part);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    IF to_regclass('event_dedupe') IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM event_dedupe WHERE first_seen >= p_legacy_cutoff) THEN
        DROP TABLE event_dedupe;
        dropped := dropped + 1;
    END IF;
    RETURN dropped;
END;
$$;
REVOKE ALL ON FUNCTION expire_dedupe_keys(date, date, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION expire_dedupe_keys(date, date, timestamptz) TO nuscape_retention;

GRANT SELECT, INSERT ON dedupe_keys, dedupe_keys_late TO nuscape_drainer;
GRANT SELECT, DELETE ON dedupe_keys, dedupe_keys_late TO nuscape_erasure;
