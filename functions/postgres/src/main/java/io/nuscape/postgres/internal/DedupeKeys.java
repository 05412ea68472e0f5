package io.nuscape.postgres.internal;

import io.nuscape.core.rollup.DrainEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
 * The dedupe keys of a drain transaction (layout and reasons: migration V5): which events are seen for
 * the first time, their keys stored in the same transaction. Must run under the row locks of the events'
 * devices: the late path reads, then inserts.
 */
public final class DedupeKeys {
    private static final long DAY_MS = 86_400_000L;
    private static final String FRESH = """
            INSERT INTO dedupe_keys (device_id, event_id, day)
            SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::date[])
            ON CONFLICT DO NOTHING
            RETURNING device_id, event_id""";
    private static final String LATE = """
            INSERT INTO dedupe_keys_late (device_id, event_id, stored_on)
            SELECT d, e, ? FROM unnest(?::uuid[], ?::uuid[]) AS v(d, e)
            ON CONFLICT DO NOTHING
            RETURNING device_id, event_id""";
    private static final String SEEN_IN_DAY = """
            SELECT k.device_id, k.event_id FROM dedupe_keys k
            JOIN unnest(?::uuid[], ?::uuid[], ?::date[]) AS v(d, e, day) ON k.device_id = v.d AND k.event_id = v.e AND k.day = v.day""";
    private static final String SEEN_LATE = """
            SELECT k.device_id, k.event_id FROM dedupe_keys_late k
            JOIN unnest(?::uuid[], ?::uuid[]) AS v(d, e) ON k.device_id = v.d AND k.event_id = v.e""";
    private static final String SEEN_IN_V1 = """
            SELECT k.device_id, k.event_id FROM event_dedupe k
            JOIN unnest(?::uuid[], ?::uuid[]) AS v(d, e) ON k.device_id = v.d AND k.event_id = v.e""";

    /** Whether the V1 table still exists (until retention drops it): null until asked. */
    private Boolean v1Table;

    /** The day an event's key belongs to, from the event alone, so that every retry of it agrees (V5). */
    public static LocalDate day(UUID eventId, long tsMillis) {
        long at = tsMillis;
        if (eventId.version() == 7) {
            long idMillis = eventId.getMostSignificantBits() >>> 16;
            if (Math.abs(idMillis - tsMillis) <= DAY_MS) {
                at = idMillis;
            }
        }
        return Instant.ofEpochMilli(at).atZone(ZoneOffset.UTC).toLocalDate();
    }

    /** Fresh keys go to their day's partition, which lives long enough only for days from yesterday on. */
    public static boolean fresh(LocalDate day, LocalDate today) {
        return !day.isBefore(today.minusDays(1));
    }

    /** The V1 table was dropped under this process (retention): forget it and repeat the transaction. */
    public static boolean v1TableGone(SQLException e) {
        return "42P01".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("event_dedupe");
    }

    public void forgetV1Table() {
        v1Table = false;
    }

    /** Stores the keys of the events; returns the events whose key was new (once per key). */
    public List<DrainEvent> firstSeen(Connection c, List<DrainEvent> events, LocalDate today) throws SQLException {
        // Within one transaction an id counts once, whatever ts its copies claim; the first copy decides the day.
        Map<DeviceEvent, DrainEvent> unique = new HashMap<>(events.size() * 2);
        for (DrainEvent e : events) {
            unique.putIfAbsent(new DeviceEvent(e.deviceId(), UUID.fromString(e.event().eventId())), e);
        }
        List<Key> fresh = new ArrayList<>();
        List<Key> late = new ArrayList<>();
        for (var e : unique.entrySet()) {
            Key k = new Key(e.getKey().device(), e.getKey().event(), day(e.getKey().event(), e.getValue().event().tsMillis()));
            (fresh(k.day(), today) ? fresh : late).add(k);
        }
        // One fixed order, so that two transactions never wait on each other's keys crosswise.
        Comparator<Key> order = Comparator.comparing(Key::device).thenComparing(Key::event);
        fresh.sort(order);
        late.sort(order);

        Set<DeviceEvent> seen = new HashSet<>();
        if (hasV1Table(c)) {
            seen.addAll(query(c, SEEN_IN_V1, all(fresh, late), false));
        }
        if (!late.isEmpty()) {
            seen.addAll(query(c, SEEN_IN_DAY, late, true));
        }
        // Yesterday's keys are fresh by this clock but late by one that already passed midnight (another
        // drainer's, or this one's own after a slow retry): look for them where that one stored them.
        List<Key> lateElsewhere = new ArrayList<>(late);
        fresh.stream().filter(k -> k.day().isBefore(today)).forEach(lateElsewhere::add);
        if (!lateElsewhere.isEmpty()) {
            lateElsewhere.sort(order);
            seen.addAll(query(c, SEEN_LATE, lateElsewhere, false));
        }
        fresh.removeIf(k -> seen.contains(k.deviceEvent()));
        late.removeIf(k -> seen.contains(k.deviceEvent()));

        Set<DeviceEvent> stored = new HashSet<>();
        if (!fresh.isEmpty()) {
            stored.addAll(query(c, FRESH, fresh, true));
        }
        if (!late.isEmpty()) {
            try (PreparedStatement s = c.prepareStatement(LATE)) {
                s.setObject(1, today);
                bind(c, s, 2, late, false);
                stored.addAll(read(s));
            }
        }
        List<DrainEvent> out = new ArrayList<>(stored.size());
        for (var e : unique.entrySet()) {
            if (stored.contains(e.getKey())) {
                out.add(e.getValue());
            }
        }
        return out;
    }

    private boolean hasV1Table(Connection c) throws SQLException {
        if (v1Table == null) {
            try (PreparedStatement s = c.prepareStatement("SELECT to_regclass('event_dedupe') IS NOT NULL"); ResultSet rs = s.executeQuery()) {
                rs.next();
                v1Table = rs.getBoolean(1);
            }
        }
        return v1Table;
    }

    private static List<Key> all(List<Key> a, List<Key> b) {
        List<Key> out = new ArrayList<>(a.size() + b.size());
        out.addAll(a);
        out.addAll(b);
        return out;
    }

    private static Set<DeviceEvent> query(Connection c, String sql, List<Key> keys, boolean withDay) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            bind(c, s, 1, keys, withDay);
            return read(s);
        }
    }

    private static void bind(Connection c, PreparedStatement s, int first, List<Key> keys, boolean withDay) throws SQLException {
        UUID[] devices = new UUID[keys.size()];
        UUID[] ids = new UUID[keys.size()];
        String[] days = new String[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            devices[i] = keys.get(i).device();
            ids[i] = keys.get(i).event();
            days[i] = keys.get(i).day().toString();
        }
        s.setArray(first, c.createArrayOf("uuid", devices));
        s.setArray(first + 1, c.createArrayOf("uuid", ids));
        if (withDay) {
            s.setArray(first + 2, c.createArrayOf("text", days));
        }
    }

    private static Set<DeviceEvent> read(PreparedStatement s) throws SQLException {
        Set<DeviceEvent> out = new HashSet<>();
        try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(new DeviceEvent(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)));
            }
        }
        return out;
    }

    private record DeviceEvent(UUID device, UUID event) {
    }

    private record Key(UUID device, UUID event, LocalDate day) {
        DeviceEvent deviceEvent() {
            return new DeviceEvent(device, event);
        }
    }
}
