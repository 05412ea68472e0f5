package io.nuscape.core.rollup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nuscape.core.event.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RollupsTest {
    static final UUID A = UUID.randomUUID();
    static final UUID D = UUID.randomUUID();

    static DrainEvent e(long ts, long duration) {
        return new DrainEvent(A, D, ts, 0, new UsageEvent(UUID.randomUUID().toString(), ts, "app", "k", duration));
    }

    @Test
    void countGoesToTheBucketOfTsAndDurationIsSplitByOverlap() {
        long t = Instant.parse("2026-11-23T10:59:30Z").toEpochMilli();
        Map<Granularity, List<RollupRow>> r = Rollups.aggregate(List.of(e(t, 90_000)));
        List<RollupRow> m = r.get(Granularity.MINUTE);
        assertEquals(2, m.size());
        assertEquals(List.of(1L, 0L), m.stream().map(RollupRow::events).toList());
        // 10:59:30 for 90 s: 30 s in 10:59, 60 s in 11:00, and the 11:01 bucket is never touched.
        assertEquals(List.of(30_000L, 60_000L), List.of(m.get(0).durationMs(), m.get(1).durationMs()));
        assertEquals(2, r.get(Granularity.HOUR).size());
        assertEquals(30_000L, r.get(Granularity.HOUR).get(0).durationMs());
        assertEquals(60_000L, r.get(Granularity.HOUR).get(1).durationMs());
    }

    @Test
    void theRowsAnEventWritesAndWhatItCostsGrowWithItsDuration() {
        long hour = Instant.parse("2026-11-23T10:00:00Z").toEpochMilli();
        assertEquals(3, Rollups.rowsOf(e(hour, 0).event()), "one row per granularity");
        assertEquals(3, Rollups.rowsOf(e(hour, 60_000).event()), "a minute from a minute's start");
        assertEquals(1440 + 288 + 24, Rollups.rowsOf(e(hour, 86_400_000).event()));
        assertEquals(1441 + 289 + 25, Rollups.rowsOf(e(hour + 30_000, 86_400_000).event()), "the most any event writes");
        for (long[] d : new long[][] {{0, 1}, {60_000, 1}, {60_001, 2}, {86_400_000, 1440}}) {
            assertEquals(d[1], Rollups.rateUnitsOf(e(hour, d[0]).event()), d[0] + " ms");
        }
        // rowsOf agrees with what aggregate writes.
        for (long[] c : new long[][] {{hour, 0}, {hour + 59_999, 2}, {hour - 1, 3_600_002}, {hour + 30_000, 86_400_000}}) {
            DrainEvent ev = e(c[0], c[1]);
            long written = Rollups.aggregate(List.of(ev)).values().stream().mapToLong(List::size).sum();
            assertEquals(written, Rollups.rowsOf(ev.event()), c[0] + "+" + c[1]);
        }
    }

    @Test
    void aZeroDurationEventCountsOnceAndAddsNoDuration() {
        long t = Instant.parse("2026-11-23T10:00:00Z").toEpochMilli();
        for (Granularity g : Granularity.values()) {
            List<RollupRow> rows = Rollups.aggregate(List.of(e(t, 0))).get(g);
            assertEquals(1, rows.size());
            assertEquals(1, rows.get(0).events());
            assertEquals(0, rows.get(0).durationMs());
        }
    }

    @Test
    void granularitiesAlwaysAgreeOnRandomEvents() {
        Random rnd = new Random(42);
        long base = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
        List<DrainEvent> events = new ArrayList<>();
        long totalDuration = 0;
        for (int i = 0; i < 2000; i++) {
            long d = rnd.nextInt(3) == 0 ? 0 : rnd.nextLong(7_200_000);
            events.add(e(base + rnd.nextLong(86_400_000L), d));
            totalDuration += d;
        }
        Map<Granularity, List<RollupRow>> r = Rollups.aggregate(events);
        for (Granularity g : Granularity.values()) {
            assertEquals(2000, r.get(g).stream().mapToLong(RollupRow::events).sum(), g.name());
            assertEquals(totalDuration, r.get(g).stream().mapToLong(RollupRow::durationMs).sum(), g.name());
            for (RollupRow row : r.get(g)) {
                assertEquals(0, row.bucketStartMillis() % g.millis());
            }
        }
        // Rows come sorted in lock order.
        List<RollupRow> m = r.get(Granularity.MINUTE);
        for (int i = 1; i < m.size(); i++) {
            assertEquals(-1, Integer.signum(m.get(i - 1).compareTo(m.get(i))));
        }
    }
}
