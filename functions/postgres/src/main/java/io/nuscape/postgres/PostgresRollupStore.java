package io.nuscape.postgres;

import io.nuscape.core.limit.Alert;
import io.nuscape.core.limit.QuotaCrossing;
import io.nuscape.core.rollup.DrainEvent;
import io.nuscape.core.rollup.Granularity;
import io.nuscape.core.rollup.Presence;
import io.nuscape.core.rollup.RollupRow;
import io.nuscape.core.rollup.RollupStore;
import io.nuscape.core.rollup.Rollups;
import io.nuscape.postgres.internal.DedupeKeys;
import io.nuscape.postgres.internal.HeldConnection;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@link RollupStore} on Postgres. One transaction per call: device check, dedupe keys
 * ({@link DedupeKeys}: only first-seen events go on), one
 * {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE} per rollup table and for presence (cells
 * ORed in), last-seen times, limit marks (the devices and days the alert evaluator is to look at), metering, quota alerts.
 * Keys are written in one fixed order so that concurrent drainers never deadlock. Holds one connection,
 * opened lazily, replaced after a failure, checked before a transaction once it idled past
 * {@link DatabaseOptions#validateAfterIdle()} and replaced past {@link DatabaseOptions#maxLifetime()}: a
 * connection that died while idle costs a reconnect, never a failed batch.
 */
public final class PostgresRollupStore implements RollupStore, AutoCloseable {
    /**
     * The devices' rows, locked for the transaction (in id order, so drainers never deadlock): a revocation
     * (an UPDATE of the row) then waits for this transaction, or this one for it, so rows of a device are
     * never committed by a drainer that saw it before its revocation after the erasure looked for them.
     * NO KEY UPDATE, not SHARE: the same transaction updates last_seen_at, and a shared lock would have to
     * be upgraded, which two drainers could deadlock on.
     */
    private static final String DEVICES = """
            SELECT device_id, account_id, revoked_at IS NOT NULL OR erased_at IS NOT NULL
            FROM devices WHERE device_id = ANY (?) ORDER BY device_id FOR NO KEY UPDATE""";
    private static final String LAST_SEEN = """
            UPDATE devices d SET last_seen_at = GREATEST(d.last_seen_at, to_timestamp(v.seen / 1000.0))
            FROM unnest(?::uuid[], ?::uuid[], ?::bigint[]) AS v(device_id, account_id, seen)
            WHERE d.device_id = v.device_id AND d.account_id = v.account_id""";

    private final Database database;
    private final Migrator partitions;
    private final Clock clock;
    private final DedupeKeys dedupe = new DedupeKeys();
    private final Set<LocalDate> daysWithPartitions = new HashSet<>();
    private final Set<LocalDate> dedupeDaysWithPartitions = new HashSet<>();
    private HeldConnection connection;

    public PostgresRollupStore(Database database) {
        this(database, Clock.systemUTC());
    }

    /** {@code clock} decides which dedupe keys are fresh (V5); tests move it. */
    public PostgresRollupStore(Database database, Clock clock) {
        this.database = database;
        this.partitions = new Migrator(database);
        this.clock = clock;
    }

    @Override
    public Applied apply(List<DrainEvent> events) throws SQLException {
        return apply(events, List.of());
    }

    @Override
    public Applied apply(List<DrainEvent> events, List<QuotaCrossing> quotaCrossings) throws SQLException {
        if (events.isEmpty() && quotaCrossings.isEmpty()) {
            return new Applied(0, 0, 0);
        }
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        ensurePartitions(events, today);
        boolean kept = connection != null;
        try {
            return applyOnce(events, quotaCrossings, today);
        } catch (SQLException e) {
            if (noPartition(e)) {
                // The partition this process saw was dropped since (retention drops old days while events
                // up to 30 days old are valid): make it again and repeat; nothing of the failed try committed.
                daysWithPartitions.clear();
                dedupeDaysWithPartitions.clear();
                ensurePartitions(events, today);
                return applyOnce(events, quotaCrossings, today);
            }
            if (DedupeKeys.v1TableGone(e)) {
                dedupe.forgetV1Table(); // retention dropped the V1 dedupe table: its keys are past the window
                return applyOnce(events, quotaCrossings, today);
            }
            // A kept connection can die between transactions unseen (failover, proxy, terminated backend). The
            // transaction then did not happen, or it committed and its dedupe keys make the repeat count nothing.
            if (!kept || !Database.unavailable(e)) {
                throw e;
            }
            return applyOnce(events, quotaCrossings, today);
        }
    }

    private Applied applyOnce(List<DrainEvent> events, List<QuotaCrossing> quotaCrossings, LocalDate today) throws SQLException {
        Connection c = connection();
        try {
            c.setAutoCommit(false);
            List<DrainEvent> allowed = dropNotCountable(c, events);
            int dropped = events.size() - allowed.size();
            List<DrainEvent> fresh = dedupe.firstSeen(c, allowed, today);
            Map<Granularity, List<RollupRow>> rows = Rollups.aggregate(fresh);
            for (Granularity g : Granularity.values()) {
                upsert(c, g, rows.get(g));
            }
            mergePresence(c, Presence.of(fresh));
            touchDevices(c, fresh);
            PostgresAlertStore.mark(c, limitMarks(fresh));
            // Last, in account order: these rows are per account, so concurrent drainers of one account's
            // devices wait for each other only here, at the end of their transactions, and never in a cycle.
            meter(c, fresh);
            List<Alert> quotaAlerts = new ArrayList<>();
            quotaCrossings.stream().sorted(Comparator.comparing(QuotaCrossing::accountId).thenComparing(q -> String.join(",", q.types())))
                    .forEach(q -> quotaAlerts.addAll(q.alerts(clock.instant())));
            PostgresAlertStore.recordQuota(c, quotaAlerts);
            c.commit();
            connection.idle();
            return new Applied(fresh.size(), allowed.size() - fresh.size(), dropped);
        } catch (SQLException | RuntimeException e) {
            discard();
            throw e;
        }
    }

    private static final String METER = """
            INSERT INTO metering AS m (account_id, month, events_counted)
            SELECT a, y, n FROM unnest(?::uuid[], ?::date[], ?::bigint[]) AS v(a, y, n)
            ON CONFLICT (account_id, month) DO UPDATE SET events_counted = m.events_counted + EXCLUDED.events_counted""";

    /** Adds the first-seen events to their account's count for the UTC month ingest received them in. */
    private static void meter(Connection c, List<DrainEvent> fresh) throws SQLException {
        if (fresh.isEmpty()) {
            return;
        }
        Map<UUID, Map<LocalDate, Long>> counts = new java.util.TreeMap<>();
        for (DrainEvent e : fresh) {
            LocalDate month = Instant.ofEpochMilli(e.receivedAtMillis()).atZone(ZoneOffset.UTC).toLocalDate().withDayOfMonth(1);
            counts.computeIfAbsent(e.accountId(), a -> new java.util.TreeMap<>()).merge(month, 1L, Long::sum);
        }
        List<UUID> accounts = new ArrayList<>();
        List<LocalDate> months = new ArrayList<>();
        List<Long> n = new ArrayList<>();
        counts.forEach((a, byMonth) -> byMonth.forEach((m, k) -> {
            accounts.add(a);
            months.add(m);
            n.add(k);
        }));
        try (PreparedStatement s = c.prepareStatement(METER)) {
            s.setArray(1, c.createArrayOf("uuid", accounts.toArray()));
            s.setArray(2, c.createArrayOf("date", months.stream().map(java.sql.Date::valueOf).toArray()));
            s.setArray(3, c.createArrayOf("bigint", n.toArray()));
            s.executeUpdate();
        }
    }

    private static final String SUPERSESSIONS = """
            SELECT device_id, generation, superseded_at FROM device_token_supersessions WHERE device_id = ANY (?)""";

    /**
     * For each device of the events that had tokens rotated away: per superseded generation, when it stopped
     * being valid. A token of generation g is invalid from the first supersession of any generation >= g on.
     */
    private Map<UUID, java.util.NavigableMap<Long, Long>> supersessions(Connection c, Set<UUID> devices) throws SQLException {
        Map<UUID, java.util.NavigableMap<Long, Long>> out = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement(SUPERSESSIONS)) {
            s.setArray(1, c.createArrayOf("uuid", devices.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getObject(1, UUID.class), d -> new java.util.TreeMap<>())
                            .put(rs.getLong(2), rs.getTimestamp(3).getTime());
                }
            }
        }
        return out;
    }

    /** Whether the event's token had been rotated away when ingest received its entry. */
    private static boolean rotatedAway(DrainEvent e, Map<UUID, java.util.NavigableMap<Long, Long>> supersessions) {
        var generations = supersessions.get(e.deviceId());
        if (generations == null) {
            return false;
        }
        long invalidFrom = generations.tailMap(e.tokenGeneration(), true).values().stream().mapToLong(Long::longValue).min()
                .orElse(Long.MAX_VALUE);
        return e.receivedAtMillis() >= invalidFrom;
    }

    /** The events that may count: those of devices enrolled in the entry's account and not revoked, erased or rotated away. */
    private List<DrainEvent> dropNotCountable(Connection c, List<DrainEvent> events) throws SQLException {
        Set<UUID> devices = new HashSet<>();
        events.forEach(e -> devices.add(e.deviceId()));
        Map<UUID, UUID> accountOf = new HashMap<>();
        Set<UUID> gone = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement(DEVICES)) {
            s.setArray(1, c.createArrayOf("uuid", devices.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    UUID device = rs.getObject(1, UUID.class);
                    accountOf.put(device, rs.getObject(2, UUID.class));
                    if (rs.getBoolean(3)) {
                        gone.add(device);
                    }
                }
            }
        }
        Map<UUID, java.util.NavigableMap<Long, Long>> superseded = supersessions(c, devices);
        List<DrainEvent> out = new ArrayList<>(events.size());
        for (DrainEvent e : events) {
            UUID owner = accountOf.get(e.deviceId());
            // Only an enrolled device of the entry's account counts, neither revoked nor erased, with a token
            // still valid when ingest took the entry (Postgres decides here, whatever Redis' copy of the
            // revocation said). A device without a row (a token minted outside the control plane) is dropped:
            // its rollups could never be erased, since the erasure API knows only enrolled devices.
            if (e.accountId().equals(owner) && !gone.contains(e.deviceId()) && !rotatedAway(e, superseded)) {
                out.add(e);
            }
        }
        return out;
    }

    private static void upsert(Connection c, Granularity g, List<RollupRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        int n = rows.size();
        UUID[] accounts = new UUID[n];
        UUID[] devices = new UUID[n];
        Long[] buckets = new Long[n];
        String[] kinds = new String[n];
        String[] keys = new String[n];
        Long[] events = new Long[n];
        Long[] durations = new Long[n];
        for (int i = 0; i < n; i++) {
            RollupRow r = rows.get(i);
            accounts[i] = r.accountId();
            devices[i] = r.deviceId();
            buckets[i] = r.bucketStartMillis() / 1000;
            kinds[i] = r.kind();
            keys[i] = r.key();
            events[i] = r.events();
            durations[i] = r.durationMs();
        }
        String t = g.table();
        String sql = "INSERT INTO " + t + " (account_id, device_id, bucket_start, kind, key, events, duration_ms)"
                + " SELECT a, d, to_timestamp(b), k, y, e, m"
                + " FROM unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::bigint[]) AS v(a, d, b, k, y, e, m)"
                + " ON CONFLICT (account_id, device_id, bucket_start, kind, key) DO UPDATE"
                + " SET events = " + t + ".events + EXCLUDED.events, duration_ms = " + t + ".duration_ms + EXCLUDED.duration_ms";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setArray(1, c.createArrayOf("uuid", accounts));
            s.setArray(2, c.createArrayOf("uuid", devices));
            s.setArray(3, c.createArrayOf("bigint", buckets));
            s.setArray(4, c.createArrayOf("text", kinds));
            s.setArray(5, c.createArrayOf("text", keys));
            s.setArray(6, c.createArrayOf("bigint", events));
            s.setArray(7, c.createArrayOf("bigint", durations));
            s.executeUpdate();
        }
    }

    private static final String PRESENCE = """
            INSERT INTO usage_presence AS p (account_id, device_id, bucket_start, kind, cells)
            SELECT a, d, to_timestamp(b), k, ('x' || h)::bit(5760)
            FROM unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::text[], ?::text[]) AS v(a, d, b, k, h)
            ON CONFLICT (account_id, kind, bucket_start, device_id) DO UPDATE SET cells = p.cells | EXCLUDED.cells
            WHERE (p.cells | EXCLUDED.cells) <> p.cells""";

    /** ORs the rows' cells into usage_presence (idempotent); a row that would not change is not rewritten. */
    private static void mergePresence(Connection c, List<Presence.Row> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        int n = rows.size();
        UUID[] accounts = new UUID[n];
        UUID[] devices = new UUID[n];
        Long[] slots = new Long[n];
        String[] kinds = new String[n];
        String[] cells = new String[n];
        for (int i = 0; i < n; i++) {
            Presence.Row r = rows.get(i);
            accounts[i] = r.accountId();
            devices[i] = r.deviceId();
            slots[i] = r.slotStartMillis() / 1000;
            kinds[i] = r.kind();
            cells[i] = r.hex();
        }
        try (PreparedStatement s = c.prepareStatement(PRESENCE)) {
            s.setArray(1, c.createArrayOf("uuid", accounts));
            s.setArray(2, c.createArrayOf("uuid", devices));
            s.setArray(3, c.createArrayOf("bigint", slots));
            s.setArray(4, c.createArrayOf("text", kinds));
            s.setArray(5, c.createArrayOf("text", cells));
            s.executeUpdate();
        }
    }

    /** The devices and UTC days the events' time falls on: where limits may have moved (the alert evaluator claims them). */
    static List<io.nuscape.core.limit.LimitMark> limitMarks(List<DrainEvent> fresh) {
        Set<io.nuscape.core.limit.LimitMark> out = new HashSet<>();
        for (DrainEvent e : fresh) {
            long start = e.event().tsMillis();
            long last = start + Math.max(0, e.event().durationMs() - 1);
            for (long day = Math.floorDiv(start, 86_400_000L); day <= Math.floorDiv(last, 86_400_000L); day++) {
                out.add(new io.nuscape.core.limit.LimitMark(e.accountId(), e.deviceId(), LocalDate.ofEpochDay(day)));
            }
        }
        return new ArrayList<>(out);
    }

    private static void touchDevices(Connection c, List<DrainEvent> fresh) throws SQLException {
        Map<UUID, DrainEvent> latest = new HashMap<>();
        for (DrainEvent e : fresh) {
            latest.merge(e.deviceId(), e, (a, b) -> a.receivedAtMillis() >= b.receivedAtMillis() ? a : b);
        }
        if (latest.isEmpty()) {
            return;
        }
        List<DrainEvent> ordered = new ArrayList<>(latest.values());
        ordered.sort(Comparator.comparing(DrainEvent::deviceId));
        UUID[] devices = new UUID[ordered.size()];
        UUID[] accounts = new UUID[ordered.size()];
        Long[] seen = new Long[ordered.size()];
        for (int i = 0; i < ordered.size(); i++) {
            devices[i] = ordered.get(i).deviceId();
            accounts[i] = ordered.get(i).accountId();
            seen[i] = ordered.get(i).receivedAtMillis();
        }
        try (PreparedStatement s = c.prepareStatement(LAST_SEEN)) {
            Array d = c.createArrayOf("uuid", devices);
            s.setArray(1, d);
            s.setArray(2, c.createArrayOf("uuid", accounts));
            s.setArray(3, c.createArrayOf("bigint", seen));
            s.executeUpdate();
        }
    }

    /** Postgres' answer to a row whose range has no partition (SQLSTATE 23514, "no partition of relation ..."). */
    static boolean noPartition(SQLException e) {
        return "23514".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("no partition of relation");
    }

    /** Creates missing partitions for the days the events touch, outside the write transaction. */
    private void ensurePartitions(List<DrainEvent> events, LocalDate today) throws SQLException {
        LocalDate min = null;
        LocalDate max = null;
        Set<LocalDate> dedupeDays = new HashSet<>();
        for (DrainEvent e : events) {
            long start = e.event().tsMillis();
            long end = start + e.event().durationMs();
            for (long t : new long[] {start, end}) {
                LocalDate day = Instant.ofEpochMilli(t).atZone(ZoneOffset.UTC).toLocalDate();
                if (!daysWithPartitions.contains(day)) {
                    min = min == null || day.isBefore(min) ? day : min;
                    max = max == null || day.isAfter(max) ? day : max;
                }
            }
            LocalDate dedupeDay = DedupeKeys.day(UUID.fromString(e.event().eventId()), start);
            // A late key is stored under today, in dedupe_keys_late's partition of today.
            dedupeDays.add(DedupeKeys.fresh(dedupeDay, today) ? dedupeDay : today);
        }
        if (min != null) {
            partitions.ensurePartitions(min, max);
            for (LocalDate d = min; !d.isAfter(max); d = d.plusDays(1)) {
                daysWithPartitions.add(d);
            }
        }
        dedupeDays.removeAll(dedupeDaysWithPartitions);
        if (!dedupeDays.isEmpty()) {
            LocalDate from = java.util.Collections.min(dedupeDays);
            LocalDate to = java.util.Collections.max(dedupeDays);
            partitions.ensureDedupePartitions(from, to);
            for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                dedupeDaysWithPartitions.add(d);
            }
        }
    }

    private Connection connection() throws SQLException {
        if (connection != null && !connection.reusable(database.options())) {
            connection.closeQuietly();
            connection = null;
        }
        if (connection == null) {
            connection = new HeldConnection(database.connect());
        }
        return connection.connection();
    }

    /** After a failure the connection's state is unknown: roll back if possible and start afresh next time. */
    private void discard() {
        if (connection != null) {
            try {
                connection.connection().rollback();
            } catch (SQLException ignored) {
                // The connection may be broken; it is closed next.
            }
            connection.closeQuietly();
            connection = null;
        }
    }

    /** {@code SELECT 1} on a connection of its own, opened for the question: the store's may be the broken part. */
    @Override
    public boolean healthy() {
        try (Connection c = database.connect(); var s = c.createStatement()) {
            s.setQueryTimeout(5);
            s.execute("SELECT 1");
            return true;
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** The connection held between batches, opened if none is (tests look at its session). */
    Connection heldConnection() throws SQLException {
        return connection();
    }

    @Override
    public void close() {
        discard();
    }
}
