package io.nuscape.core.rollup;

import java.util.UUID;

/**
 * One row's increment: add {@code events} and {@code durationMs} to the bucket keyed by
 * {@code (accountId, deviceId, bucketStartMillis, kind, key)}. Ordered by that key, the order every writer
 * locks rows in, so that concurrent drainers never deadlock.
 */
public record RollupRow(UUID accountId, UUID deviceId, long bucketStartMillis, String kind, String key, long events, long durationMs)
        implements Comparable<RollupRow> {

    @Override
    public int compareTo(RollupRow o) {
        int c = accountId.compareTo(o.accountId);
        if (c == 0) {
            c = deviceId.compareTo(o.deviceId);
        }
        if (c == 0) {
            c = Long.compare(bucketStartMillis, o.bucketStartMillis);
        }
        if (c == 0) {
            c = kind.compareTo(o.kind);
        }
        return c == 0 ? key.compareTo(o.key) : c;
    }
}
