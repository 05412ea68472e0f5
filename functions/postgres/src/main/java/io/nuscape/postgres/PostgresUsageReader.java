package io.nuscape.postgres;

import io.nuscape.core.usage.UsageQuery;
import io.nuscape.core.usage.UsageReader;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * {@link UsageReader} on the rollup tables and usage_presence. Every statement is parameterised and filtered by the caller's
 * account in SQL; the table comes from the granularity enum, never from input.
 */
public final class PostgresUsageReader implements UsageReader {
    private final ConnectionPool pool;

    public PostgresUsageReader(ConnectionPool pool) {
        this.pool = pool;
    }

    @Override
    public long eventsCounted(UUID accountId, java.time.YearMonth month) throws SQLException {
        try (ConnectionPool.Lease l = pool.borrow();
             PreparedStatement s = prepare(l, "SELECT events_counted FROM metering WHERE account_id = ? AND month = ?",
                     List.of(accountId, month.atDay(1)));
             ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    @Override
    public long[] keyDurations(List<KeyDurationAsk> asks) throws SQLException {
        long[] out = new long[asks.size()];
        java.util.Map<io.nuscape.core.rollup.Granularity, List<Integer>> byTable = new java.util.EnumMap<>(io.nuscape.core.rollup.Granularity.class);
        for (int i = 0; i < asks.size(); i++) {
            byTable.computeIfAbsent(asks.get(i).granularity(), g -> new ArrayList<>()).add(i);
        }
        for (var e : byTable.entrySet()) {
            // One row per (ask, device): each an index range of the account and the day, the key and device matched in it.
            List<Integer> ids = new ArrayList<>();
            List<UUID> accounts = new ArrayList<>();
            List<UUID> devices = new ArrayList<>();
            List<String> kinds = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            List<Long> froms = new ArrayList<>();
            List<Long> tos = new ArrayList<>();
            for (int i : e.getValue()) {
                KeyDurationAsk a = asks.get(i);
                for (UUID d : a.devices()) {
                    ids.add(i);
                    accounts.add(a.accountId());
                    devices.add(d);
                    kinds.add(a.kind());
                    keys.add(a.key());
                    froms.add(a.from().getEpochSecond());
                    tos.add(a.to().getEpochSecond());
                }
            }
            String sql = "SELECT v.i, sum(u.duration_ms) FROM unnest(?::int[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::bigint[], ?::bigint[])"
                    + " AS v(i, a, d, k, y, f, t) JOIN " + e.getKey().table() + " u ON u.account_id = v.a AND u.bucket_start >= to_timestamp(v.f)"
                    + " AND u.bucket_start < to_timestamp(v.t) AND u.kind = v.k AND u.key = v.y AND u.device_id = v.d GROUP BY v.i";
            List<Object> params = List.of(new IntArray(ids.toArray(Integer[]::new)), new UuidArray(accounts.toArray(UUID[]::new)),
                    new UuidArray(devices.toArray(UUID[]::new)), new TextArray(kinds.toArray(String[]::new)), new TextArray(keys.toArray(String[]::new)),
                    new LongArray(froms.toArray(Long[]::new)), new LongArray(tos.toArray(Long[]::new)));
            try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = prepare(l, sql, params); ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out[rs.getInt(1)] = rs.getLong(2);
                }
            }
        }
        return out;
    }

    @Override
    public List<TopItem> top(UsageQuery q, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT key, sum(duration_ms) AS d, sum(events) AS e FROM ")
                .append(q.granularity().table())
                .append(" WHERE account_id = ? AND bucket_start >= ? AND bucket_start < ?");
        List<Object> params = new ArrayList<>(List.of(q.accountId(), start(q), Timestamp.from(q.to())));
        filters(q, sql, params, "");
        sql.append(" GROUP BY key ORDER BY d DESC, key LIMIT ?");
        params.add(limit);
        List<TopItem> out = new ArrayList<>();
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = prepare(l, sql.toString(), params); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(new TopItem(rs.getString(1), rs.getLong(2), rs.getLong(3)));
            }
        }
        return out;
    }

    @Override
    public Summary summary(UsageQuery q, int limit) throws SQLException {
        // One pass over the range's rows, grouped two ways at once: by device (totals and active devices, from a few
        // dozen groups) and by key (the top, ordered and cut in the database).
        StringBuilder sql = new StringBuilder("WITH g AS (SELECT key, device_id, sum(duration_ms) AS d, sum(events) AS e FROM ")
                .append(q.granularity().table())
                .append(" WHERE account_id = ? AND bucket_start >= ? AND bucket_start < ?");
        List<Object> params = new ArrayList<>(List.of(q.accountId(), start(q), Timestamp.from(q.to())));
        filters(q, sql, params, "");
        sql.append(" GROUP BY GROUPING SETS ((key), (device_id)))"
                + " SELECT NULL::text, d, e FROM g WHERE device_id IS NOT NULL"
                + " UNION ALL (SELECT key, d, e FROM g WHERE key IS NOT NULL ORDER BY d DESC, key LIMIT ?)");
        params.add(limit);
        long duration = 0;
        long events = 0;
        long devices = 0;
        List<TopItem> top = new ArrayList<>();
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = prepare(l, sql.toString(), params); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                String key = rs.getString(1);
                if (key == null) {
                    duration += rs.getLong(2);
                    events += rs.getLong(3);
                    devices++;
                } else {
                    top.add(new TopItem(key, rs.getLong(2), rs.getLong(3)));
                }
            }
        }
        top.sort(java.util.Comparator.comparingLong(TopItem::durationMs).reversed().thenComparing(TopItem::key)); // UNION ALL keeps no order
        return new Summary(duration, events, devices, top);
    }

    @Override
    public List<TopItem> breakdown(UsageQuery q, Dimension by) throws SQLException {
        String column = switch (by) {
            case DEVICE -> "device_id::text";
            case KIND -> "kind";
        };
        StringBuilder sql = new StringBuilder("SELECT ").append(column).append(" AS v, sum(duration_ms) AS d, sum(events) FROM ")
                .append(q.granularity().table())
                .append(" WHERE account_id = ? AND bucket_start >= ? AND bucket_start < ?");
        List<Object> params = new ArrayList<>(List.of(q.accountId(), start(q), Timestamp.from(q.to())));
        filters(q, sql, params, "");
        sql.append(" GROUP BY 1 ORDER BY d DESC, v");
        List<TopItem> out = new ArrayList<>();
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = prepare(l, sql.toString(), params); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(new TopItem(rs.getString(1), rs.getLong(2), rs.getLong(3)));
            }
        }
        return out;
    }

    @Override
    public List<KeyTotal> totals(UsageQuery q) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT kind, key, sum(duration_ms), sum(events) FROM ")
                .append(q.granularity().table())
                .append(" WHERE account_id = ? AND bucket_start >= ? AND bucket_start < ?");
        List<Object> params = new ArrayList<>(List.of(q.accountId(), start(q), Timestamp.from(q.to())));
        filters(q, sql, params, "");
        sql.append(" GROUP BY kind, key");
        List<KeyTotal> out = new ArrayList<>();
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = prepare(l, sql.toString(), params); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(new KeyTotal(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
            }
        }
        return out;
    }

    @Override
    public List<Point> timeseries(UsageQuery q) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT g.b, coalesce(sum(u.duration_ms), 0), coalesce(sum(u.events), 0)"
                + " FROM generate_series(?::timestamptz, ?::timestamptz, ?::interval) AS g(b) LEFT JOIN ")
                .append(q.granularity().table())
                .append(" u ON u.bucket_start = g.b AND u.account_id = ?");
        long step = q.granularity().millis();
        long last = q.to().toEpochMilli() - 1;
        List<Object> params = new ArrayList<>(List.of(start(q), Timestamp.from(Instant.ofEpochMilli(q.granularity().bucketOf(last))),
                (step / 1000) + " seconds", q.accountId()));
        filters(q, sql, params, "u.");
        sql.append(" GROUP BY g.b ORDER BY g.b");
        List<Point> out = new ArrayList<>();
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = prepare(l, sql.toString(), params); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(new Point(rs.getTimestamp(1).toInstant(), rs.getLong(2), rs.getLong(3)));
            }
        }
        return out;
    }

    @Override
    public List<Point> series(UsageQuery q, List<Instant> bucketEdges) throws SQLException {
        int n = bucketEdges.size() - 1;
        if (n <= 0) {
            return List.of();
        }
        Double[] edges = new Double[n + 1];
        for (int i = 0; i <= n; i++) {
            edges[i] = (double) bucketEdges.get(i).getEpochSecond();
        }
        // width_bucket places each row in the bucket whose edges hold it (1..n): one range read, however the zone's
        // days and weeks fall on UTC.
        StringBuilder sql = new StringBuilder("SELECT width_bucket(extract(epoch FROM bucket_start)::float8, ?::float8[]), sum(duration_ms), sum(events) FROM ")
                .append(q.granularity().table())
                .append(" WHERE account_id = ? AND bucket_start >= ? AND bucket_start < ?");
        List<Object> params = new ArrayList<>(List.of(new DoubleArray(edges), q.accountId(), Timestamp.from(bucketEdges.get(0)),
                Timestamp.from(bucketEdges.get(n))));
        filters(q, sql, params, "");
        sql.append(" GROUP BY 1");
        long[][] sums = new long[n][2];
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = prepare(l, sql.toString(), params); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                int i = rs.getInt(1) - 1;
                if (i >= 0 && i < n) {
                    sums[i][0] = rs.getLong(2);
                    sums[i][1] = rs.getLong(3);
                }
            }
        }
        List<Point> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Point(bucketEdges.get(i), sums[i][0], sums[i][1]));
        }
        return out;
    }

    @Override
    public List<PresenceCount> presence(UUID accountId, List<UUID> devices, String kind, List<PresenceSegment> segments) throws SQLException {
        List<PresenceCount> out = new ArrayList<>(java.util.Collections.nCopies(segments.size(), new PresenceCount(0, 0)));
        if (devices.isEmpty() || segments.isEmpty()) {
            return out;
        }
        // The days' rows of the devices (one index range: account, kind, days), each cut into the segments the
        // buckets make of its day; only counts come back. The range bounds let the planner skip partitions.
        // Days as epoch seconds: a timestamp array element would travel without its offset and be read in the
        // session's time zone.
        String sql = "SELECT s.i, bit_count(bit_or(substring(p.cells FROM s.first + 1 FOR s.n))), sum(bit_count(substring(p.cells FROM s.first + 1 FOR s.n)))"
                + " FROM unnest(?::bigint[], ?::int[], ?::int[]) WITH ORDINALITY AS s(slot, first, n, i)"
                + " JOIN usage_presence p ON p.bucket_start = to_timestamp(s.slot)"
                + " WHERE p.account_id = ? AND p.kind = ? AND p.bucket_start >= to_timestamp(?) AND p.bucket_start <= to_timestamp(?)"
                + " AND p.device_id = ANY(?::uuid[])"
                + " GROUP BY s.i";
        int n = segments.size();
        Long[] slots = new Long[n];
        Integer[] firsts = new Integer[n];
        Integer[] lengths = new Integer[n];
        for (int i = 0; i < n; i++) {
            slots[i] = segments.get(i).slotStart().getEpochSecond();
            firsts[i] = segments.get(i).firstCell();
            lengths[i] = segments.get(i).cells();
        }
        List<Object> params = List.of(new LongArray(slots), new IntArray(firsts), new IntArray(lengths), accountId, kind,
                slots[0], slots[n - 1], new UuidArray(devices.toArray(UUID[]::new)));
        try (ConnectionPool.Lease l = pool.borrow(); PreparedStatement s = prepare(l, sql, params); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.set(rs.getInt(1) - 1, new PresenceCount(rs.getLong(2), rs.getLong(3)));
            }
        }
        return out;
    }

    private static Timestamp start(UsageQuery q) {
        return Timestamp.from(Instant.ofEpochMilli(q.granularity().bucketOf(q.from().toEpochMilli())));
    }

    private static void filters(UsageQuery q, StringBuilder sql, List<Object> params, String alias) {
        q.kind().ifPresent(k -> {
            sql.append(" AND ").append(alias).append("kind = ?");
            params.add(k);
        });
        q.key().ifPresent(k -> {
            sql.append(" AND ").append(alias).append("key = ?");
            params.add(k);
        });
        q.deviceId().ifPresent(d -> {
            sql.append(" AND ").append(alias).append("device_id = ?");
            params.add(d);
        });
        // Both sets are matched row by row after the index range read of the account and time (a join would
        // walk the range once per device: device_id is the index's last column); Postgres hashes the arrays.
        q.keys().ifPresent(keys -> {
            sql.append(" AND (").append(alias).append("kind || '/' || ").append(alias).append("key) = ANY(?::text[])");
            params.add(new TextArray(keys.stream().map(k -> k.kind() + "/" + k.key()).toArray(String[]::new))); // kinds have no '/'
        });
        q.devices().ifPresent(devices -> {
            sql.append(" AND ").append(alias).append("device_id = ANY(?::uuid[])");
            params.add(new UuidArray(devices.toArray(UUID[]::new)));
        });
    }

    /** A text[] parameter. */
    private record TextArray(String[] values) {
    }

    /** A uuid[] parameter. */
    private record UuidArray(UUID[] values) {
    }

    /** A bigint[] parameter. */
    private record LongArray(Long[] values) {
    }

    /** A float8[] parameter. */
    private record DoubleArray(Double[] values) {
    }

    /** An int[] parameter. */
    private record IntArray(Integer[] values) {
    }

    private static PreparedStatement prepare(ConnectionPool.Lease l, String sql, List<Object> params) throws SQLException {
        PreparedStatement s = l.connection().prepareStatement(sql);
        for (int i = 0; i < params.size(); i++) {
            Object p = params.get(i);
            if (p instanceof UUID u) {
                s.setObject(i + 1, u);
            } else if (p instanceof TextArray a) {
                s.setArray(i + 1, l.connection().createArrayOf("text", a.values()));
            } else if (p instanceof UuidArray a) {
                s.setArray(i + 1, l.connection().createArrayOf("uuid", a.values()));
            } else if (p instanceof LongArray a) {
                s.setArray(i + 1, l.connection().createArrayOf("int8", a.values()));
            } else if (p instanceof DoubleArray a) {
                s.setArray(i + 1, l.connection().createArrayOf("float8", a.values()));
            } else if (p instanceof IntArray a) {
                s.setArray(i + 1, l.connection().createArrayOf("int4", a.values()));
            } else {
                s.setObject(i + 1, p);
            }
        }
        s.setQueryTimeout(10);
        return s;
    }
}
