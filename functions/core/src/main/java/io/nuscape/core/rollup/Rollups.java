package io.nuscape.core.rollup;

import io.nuscape.core.event.UsageEvent;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Turns events into rollup increments, as ARCHITECTURE.md defines them: an event's count goes to the
 * bucket holding its {@code ts}; its duration is split over the buckets {@code [ts, ts + duration)}
 * overlaps. The 5-minute and hour rows are sums of the minute pieces, so the granularities always agree.
 */
public final class Rollups {
    private Rollups() {
    }

    /** Increments per granularity, pre-aggregated (one row per key) and sorted in lock order. */
    public static Map<Granularity, List<RollupRow>> aggregate(List<DrainEvent> events) {
        Map<Granularity, Map<RowKey, long[]>> sums = new EnumMap<>(Granularity.class);
        for (Granularity g : Granularity.values()) {
            sums.put(g, new HashMap<>());
        }
        for (DrainEvent e : events) {
            long ts = e.event().tsMillis();
            long end = ts + e.event().durationMs();
            for (Granularity g : Granularity.values()) {
                add(sums.get(g), e, g.bucketOf(ts), 1, 0);
            }
            // Walk the minutes the duration covers; 5m and 60m buckets receive the same pieces.
            long cursor = ts;
            while (cursor < end) {
                long minute = Granularity.MINUTE.bucketOf(cursor);
                long pieceEnd = Math.min(end, minute + Granularity.MINUTE.millis());
                long piece = pieceEnd - cursor;
                for (Granularity g : Granularity.values()) {
                    add(sums.get(g), e, g.bucketOf(cursor), 0, piece);
                }
                cursor = pieceEnd;
            }
        }
        Map<Granularity, List<RollupRow>> out = new EnumMap<>(Granularity.class);
        sums.forEach((g, rows) -> {
            List<RollupRow> list = new ArrayList<>(rows.size());
            rows.forEach((k, v) -> list.add(new RollupRow(k.account, k.device, k.bucket, k.kind, k.key, v[0], v[1])));
            list.sort(null);
            out.put(g, list);
        });
        return out;
    }

    /**
     * The most rollup rows one event writes, over all granularities: the bucket of its start and every
     * further bucket its duration reaches. This is the work an event causes in the drainer, up to 1 755
     * rows for a 24-hour event.
     */
    public static long rowsOf(UsageEvent e) {
        long rows = 0;
        for (Granularity g : Granularity.values()) {
            long first = g.bucketOf(e.tsMillis());
            long last = e.durationMs() == 0 ? first : g.bucketOf(e.tsMillis() + e.durationMs() - 1);
            rows += (last - first) / g.millis() + 1;
        }
        return rows;
    }

    /**
     * What an event costs against its account's rate limit: one unit per started minute of its duration,
     * at least one. An ordinary event (up to a minute long) costs one, as the per-minute figure of the
     * contract says; a 24-hour event costs 1 440, in step with the rows it makes the drainer write.
     */
    public static long rateUnitsOf(UsageEvent e) {
        return Math.max(1, (e.durationMs() + MINUTE_MILLIS - 1) / MINUTE_MILLIS);
    }

    private static final long MINUTE_MILLIS = 60_000;

    private static void add(Map<RowKey, long[]> rows, DrainEvent e, long bucket, long events, long duration) {
        long[] v = rows.computeIfAbsent(new RowKey(e.accountId(), e.deviceId(), bucket, e.event().kind(), e.event().key()),
                k -> new long[2]);
        v[0] += events;
        v[1] += duration;
    }

    private record RowKey(UUID account, UUID device, long bucket, String kind, String key) {
    }
}
