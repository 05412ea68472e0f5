package io.nuscape.core.usage;

import java.time.Instant;
import java.util.List;

/** The port dashboards read through: rollups only, never raw events. Postgres adapter in {@code nuscape-postgres}. */
public interface UsageReader {
    /** Keys by duration descending, then key. */
    List<TopItem> top(UsageQuery query, int limit) throws Exception;

    /** One point per bucket of the range, zeros included. */
    List<Point> timeseries(UsageQuery query) throws Exception;

    /** A key's totals over the range. */
    record TopItem(String key, long durationMs, long events) {
    }

    /** A bucket's totals. */
    record Point(Instant bucketStart, long durationMs, long events) {
    }
}
