package io.nuscape.core.usage;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The port dashboards read through: rollups only, never raw events. Postgres adapter in {@code nuscape-postgres}. */
public interface UsageReader {
    /** The events counted into the rollups for the first time for the account in the UTC month (metering). */
    long eventsCounted(UUID accountId, java.time.YearMonth month) throws Exception;

    /** Keys by duration descending, then key. */
    List<TopItem> top(UsageQuery query, int limit) throws Exception;

    /** The range's totals (duration, events, devices with any use) and its top keys. */
    record Summary(long durationMs, long events, long activeDevices, List<TopItem> top) {
    }

    /** Totals and the top {@code limit} keys of the range, read in one pass over its rows. */
    Summary summary(UsageQuery query, int limit) throws Exception;

    /** What a breakdown groups by, besides categories and profiles (which are made of keys and devices). */
    enum Dimension { DEVICE, KIND }

    /** The range's sums per device or per kind, by duration descending, then value. */
    List<TopItem> breakdown(UsageQuery query, Dimension by) throws Exception;

    /** Every key of the range with its kind and totals, in no particular order (categories group them). */
    List<KeyTotal> totals(UsageQuery query) throws Exception;

    /** One point per bucket of the range, zeros included. */
    List<Point> timeseries(UsageQuery query) throws Exception;

    /**
     * Sums per bucket between consecutive {@code edges} (a zone's days, weeks or clock hours: {@link Buckets}), one
     * per bucket, zeros included, from the query's granularity; a rollup row counts in the bucket its start is in.
     */
    List<Point> series(UsageQuery query, List<Instant> edges) throws Exception;

    /**
     * The devices' presence in one kind ({@link io.nuscape.core.rollup.Presence}) within each segment: how
     * many cells any of them set (the union) and how many each set, added up. One count per segment, in order.
     */
    List<PresenceCount> presence(UUID accountId, List<UUID> devices, String kind, List<PresenceSegment> segments) throws Exception;

    /** Cells [firstCell, firstCell + cells) of the presence row (a UTC day) starting at {@code slotStart}. */
    record PresenceSegment(Instant slotStart, int firstCell, int cells) {
    }

    /** A segment's cells set by any device, and set by each device added up. */
    record PresenceCount(long unionCells, long deviceCells) {
    }

    /** A key's totals over the range. */
    record TopItem(String key, long durationMs, long events) {
    }

    /** A key's totals over the range, with its kind. */
    /** A key's duration on some of an account's devices over [from, to), from one rollup granularity. */
    record KeyDurationAsk(UUID accountId, List<UUID> devices, String kind, String key, Instant from, Instant to,
                          io.nuscape.core.rollup.Granularity granularity) {
    }

    /** The durations asked, in the order asked: one read per granularity however many are asked (limit evaluation). */
    long[] keyDurations(List<KeyDurationAsk> asks) throws Exception;

    record KeyTotal(String kind, String key, long durationMs, long events) {
    }

    /** A bucket's totals. */
    record Point(Instant bucketStart, long durationMs, long events) {
    }
}
