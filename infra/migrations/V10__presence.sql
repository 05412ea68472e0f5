-- NuScape schema, version 10: presence, the seconds each device was in use, for combined screen time
-- (a profile's time counted once when several of its devices were in use at once).
--
-- One row per (account, kind, UTC day, device): 5 760 cells of 15 s; a cell is set when an event of that
-- kind covered the cell's midpoint. The drainer merges with a bitwise OR, which is idempotent: an event
-- drained twice sets the bits it had set, so redelivery cannot double count. The union over a profile's
-- devices is bit_or over their rows, cut (substring) at the edges of the buckets asked for. A row is 720
-- bytes of cells plus the key (about 0.8 KB with its index entry): one per device, kind and day in use.
-- A day rather than an hour: a month of a 50-device profile is 1 500 rows to read rather than 36 000.
-- Indexed as the screen-time question reads: one account, one kind, a range of days, the profile's devices.
-- Kept as long as the account's 60m rollups, to the day (the same partitions: by month; the same policy column).
CREATE TABLE usage_presence (
    account_id   uuid        NOT NULL,
    device_id    uuid        NOT NULL,
    bucket_start timestamptz NOT NULL,
    kind         text        COLLATE "C" NOT NULL,
    cells        bit(5760)   NOT NULL,
    PRIMARY KEY (account_id, kind, bucket_start, device_id)
) PARTITION BY RANGE (bucket_start);
-- A device's rows, for erasure (the key leads with the account: a large account's rows would all be walked).
-- Inserted once per device and day; the merges that follow leave it alone (cells is in no index).
CREATE INDEX usage_presence_by_device ON usage_presence (device_id);

-- The partition functions of V1/V2, now knowing usage_presence (monthly, as usage_60m). Replacing keeps
-- their owner, grants, SECURITY DEFINER and search_path, which are set again here all the same.
CREATE OR REPLACE FUNCTION ensure_usage_partitions(p_from date, p_to date,
                                                   p_tables text[] DEFAULT ARRAY['usage_1m', 'usage_5m', 'usage_60m', 'usage_presence'])
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d       date;
    created integer := 0;
    spec    record;
BEGIN
    -- Presence rows are rewritten whole (720 bytes) by every drain that adds a cell: room on each page keeps
    -- those updates on the page (HOT: no index entry, only the changed bytes logged).
    FOR spec IN SELECT * FROM (VALUES ('usage_1m', 'day', 'YYYYMMDD', ''), ('usage_5m', 'month', 'YYYYMM', ''),
                                      ('usage_60m', 'month', 'YYYYMM', ''),
                                      ('usage_presence', 'month', 'YYYYMM', ' WITH (fillfactor = 70)')) AS s(tbl, unit, fmt, opts)
                WHERE s.tbl = ANY (p_tables)
    LOOP
        d := date_trunc(spec.unit, p_from)::date;
        WHILE d <= p_to LOOP
            DECLARE
                next_d date := (d + ('1 ' || spec.unit)::interval)::date;
                part   text := spec.tbl || '_p' || to_char(d, spec.fmt);
            BEGIN
                IF to_regclass(part) IS NULL THEN
                    BEGIN
                        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                                       part, spec.tbl,
                                       (d::timestamp AT TIME ZONE 'UTC'), (next_d::timestamp AT TIME ZONE 'UTC')) || spec.opts;
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

CREATE OR REPLACE FUNCTION drop_usage_partition(p_table text, p_partition text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    pending boolean;
BEGIN
    IF p_table NOT IN ('usage_1m', 'usage_5m', 'usage_60m', 'usage_presence')
       OR p_partition !~ ('^' || p_table || '_p[0-9]{6}([0-9]{2})?$') THEN
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

-- A device's presence goes when its erasure completes, whatever code completes it: an erasure function of a
-- release before V10 (after a rollback) knows nothing of this table.
CREATE FUNCTION erase_device_presence() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM usage_presence WHERE device_id = NEW.device_id AND account_id = NEW.account_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER devices_erased_presence AFTER UPDATE OF erased_at ON devices
    FOR EACH ROW WHEN (NEW.erased_at IS NOT NULL AND OLD.erased_at IS NULL) EXECUTE FUNCTION erase_device_presence();

-- Its partitions are made as the others': by the migrator after migrating, by drainers and retention as needed.
GRANT SELECT, INSERT, UPDATE (cells) ON usage_presence TO nuscape_drainer;
GRANT SELECT ON usage_presence TO nuscape_api;
GRANT SELECT, DELETE ON usage_presence TO nuscape_retention;
GRANT SELECT, DELETE ON usage_presence TO nuscape_erasure;
