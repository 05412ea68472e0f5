package io.nuscape.core.usage;

import java.time.Instant;
import java.util.List;

/** The port dashboards read through: rollups only, never raw events. Postgres adapter in {@code nuscape-postgres}. */
public interface UsageReader {
    /** Keys by duration descending, then key. */
    List<TopItem> top(UsageQuery query, int limit) throws Exception;

    /** Every key of the range with its kind and totals, in no particular order (categories group them). */
    List<KeyTotal> totals(UsageQuery query) throws Exception;

    /** One point per bucket of the range, zeros included. */
    List<Point> timeseries(UsageQuery query) throws Exception;

    /** A key's totals over the range. */
    record TopItem(String key, long durationMs, long events) {
    }

    /** A key's totals over the range, with its kind. */
    record KeyTotal(String kind, String key, long durationMs, long events) {
    }

    /** A bucket's totals. */
    record Point(Instant bucketStart, long durationMs, long events) {
    }
}
