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

-- The dedupe tables whose keys are all past the window: dedupe_keys partitions of days before p_keep_from,
-- dedupe_keys_late partitions of days before p_keep_late_from, and the V1 table once its newest key was
-- first seen before p_legacy_cutoff. Retention drops them one per transaction (drop_dedupe_table), so a
-- run never holds two parents' locks at once and one lock timeout costs only that table.
CREATE FUNCTION dedupe_tables_past(p_keep_from date, p_keep_late_from date, p_legacy_cutoff timestamptz) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.relname::text
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class parent ON parent.oid = i.inhparent
    WHERE parent.relname IN ('dedupe_keys', 'dedupe_keys_late')
      AND right(c.relname, 9) SIMILAR TO 'p[0-9]{8}'
      AND ((parent.relname = 'dedupe_keys' AND to_date(right(c.relname, 8), 'YYYYMMDD') < p_keep_from)
        OR (parent.relname = 'dedupe_keys_late' AND to_date(right(c.relname, 8), 'YYYYMMDD') < p_keep_late_from))
    UNION ALL
    SELECT 'event_dedupe'
    WHERE to_regclass('event_dedupe') IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM event_dedupe WHERE first_seen >= p_legacy_cutoff)
$$;
REVOKE ALL ON FUNCTION dedupe_tables_past(date, date, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dedupe_tables_past(date, date, timestamptz) TO nuscape_retention;

-- Drops one table that dedupe_tables_past named; its parent's lock is waited for at most lock_timeout.
CREATE FUNCTION drop_dedupe_table(p_table text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
BEGIN
    IF p_table <> 'event_dedupe' AND p_table !~ '^dedupe_keys(_late)?_p[0-9]{8}$' THEN
        RAISE EXCEPTION 'not a dedupe table: %', p_table USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS %I', p_table);
END;
$$;
REVOKE ALL ON FUNCTION drop_dedupe_table(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drop_dedupe_table(text) TO nuscape_retention;

-- A drainer of the previous release (rollback, or one still running during a deployment) dedupes only by
-- inserting here: a key the V5 tables already hold is not inserted, so its RETURNING leaves the event out
-- and it is not counted twice. Both releases lock the device's row first, so this check cannot race.
CREATE FUNCTION event_dedupe_skip_known() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM dedupe_keys WHERE device_id = NEW.device_id AND event_id = NEW.event_id)
       OR EXISTS (SELECT 1 FROM dedupe_keys_late WHERE device_id = NEW.device_id AND event_id = NEW.event_id) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER event_dedupe_skip_known BEFORE INSERT ON event_dedupe
    FOR EACH ROW EXECUTE FUNCTION event_dedupe_skip_known();

GRANT SELECT, INSERT ON dedupe_keys, dedupe_keys_late TO nuscape_drainer;
GRANT SELECT, DELETE ON dedupe_keys, dedupe_keys_late TO nuscape_erasure;
