package io.nuscape.core.usage;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** The port dashboards read through: rollups only, never raw events. Postgres adapter in {@code nuscape-postgres}. */
public interface UsageReader {
    /** Keys by duration descending, then key. */
    List<TopItem> top(UsageQuery query, int limit) throws Exception;

    /** Every key of the range with its kind and totals, in no particular order (categories group them). */
    List<KeyTotal> totals(UsageQuery query) throws Exception;

    /** One point per bucket of the range, zeros included. */
    List<Point> timeseries(UsageQuery query) throws Exception;

    /**
     * The devices' presence in one kind ({@link io.nuscape.core.rollup.Presence}) per UTC hour starting in
     * [from, to) in which any of them was present, in no particular order: the union of their cells and the
     * sum of their cell counts; each device's own cells too for the hours in {@code detailed} (those a
     * bucket edge splits).
     */
    List<PresenceSlot> presence(UUID accountId, List<UUID> devices, String kind, Instant from, Instant to, Set<Instant> detailed)
            throws Exception;

    /** One UTC hour of presence: the union of the devices' cells, how many cells they set together, and (when asked) each one's cells. */
    record PresenceSlot(Instant slotStart, long[] union, long deviceCells, List<long[]> devices) {
    }

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
